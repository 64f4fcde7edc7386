"""Writes for surveys, responses and staff interactions."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from contextlib import nullcontext

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Business, Location
from customers.consent import consent_record
from customers.models import ConsentChange, ConsentSource
from cxplatform.celery import tasks_run_eagerly
from cxplatform.errors import ApplicationError, Conflict, Gone

from .answers import CONTACT_FIELD, AnswerError, CleanAnswer, clean_answers, clean_contact
from .cases.services import case_reason_for_answers, cases_open_for_response
from .filing import answers_file_soon, pending_answers, pending_answers_json
from .models import (
    Channel,
    Invitation,
    InvitationStatus,
    PendingAnswers,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from .touchpoints import touchpoint_for_key

NPS_PROMPT = gettext_noop("How likely are you to recommend %(business)s to a friend or colleague?")
REASON_PROMPT = gettext_noop("What is the main reason for your score?")


def survey_create_default_nps(*, business: Business) -> Survey:
    """The survey every business starts with: a 0-10 score and the reason for it,
    written in the business's language."""
    with transaction.atomic(), translation.override(business.language):
        survey = Survey.objects.create(
            business=business,
            name=_("Net Promoter Score"),
            is_default=True,
            touchpoint=touchpoint_for_key(business_id=business.pk, key="visit"),
            intro=_("Two quick questions: they take under a minute."),
            privacy_note=_(
                "%(business)s reads every answer to improve. We keep your answer without "
                "your name unless you give it."
            )
            % {"business": business.name},
        )
        Question.objects.bulk_create(
            [
                Question(
                    business=business,
                    survey=survey,
                    position=1,
                    kind=QuestionKind.NPS,
                    prompt=_(NPS_PROMPT) % {"business": business.name},
                    required=True,
                ),
                Question(
                    business=business,
                    survey=survey,
                    position=2,
                    kind=QuestionKind.TEXT,
                    prompt=_(REASON_PROMPT),
                    required=False,
                ),
            ]
        )
    return survey


class SurveyChanged(Exception):
    """The survey changed after the copy the answers were checked against was read
    (or it is gone): read it again and check again. Nothing was written."""


def response_submit(
    *,
    survey: Survey,
    raw_answers: Mapping[str, object],
    questions: Sequence[Question] | None = None,
    channel: str = Channel.LINK,
    location: Location | None = None,
    invitation: Invitation | None = None,
    contact_requested: bool = False,
    contact_email: str = "",
    cached: bool = False,
) -> Response:
    """Validate and store one customer's answers, all or nothing.

    Raises ApplicationError whose `errors` are keyed by question uuid; nothing is
    written then. An invitation can be answered once (Conflict after that); it ties
    the response to its customer. The answers are filed by a worker after the commit
    (feedback.filing), which has their comments scored.
    `questions` are the survey's, when the caller has them already. `cached`: the survey
    and questions are a process's copy (selectors.public_survey_and_questions); they are
    stored only if the survey has not changed since, else SurveyChanged.
    """
    if not survey.is_open:
        raise Gone(_("This survey is no longer taking answers."))
    if questions is None:
        questions = list(survey.questions.all())
    cleaned, errors = clean_answers(questions, raw_answers)
    try:
        contact_email = clean_contact(
            survey_allows_anonymous=survey.allow_anonymous,
            wants_contact=contact_requested,
            email=contact_email,
        )
    except AnswerError as error:
        errors[CONTACT_FIELD] = str(error)
    if errors:
        raise ApplicationError(_("Some answers need another look."), errors=errors)
    response = Response(
        business_id=survey.business_id,
        survey=survey,
        channel=channel,
        location=location,
        invitation=invitation,
        customer=invitation.customer if invitation else None,
        contact_requested=contact_requested and bool(contact_email),
        contact_email=contact_email,
    )
    case_reason = case_reason_for_answers(cleaned)
    records_contact = response.customer is not None and response.contact_requested
    # A lone INSERT is all or nothing by itself; only more writes need a transaction
    # (without a broker, the answers are filed in it: answers_file_soon).
    needs_transaction = (
        invitation is not None or case_reason is not None or records_contact
        or tasks_run_eagerly()
    )  # fmt: skip
    with transaction.atomic() if needs_transaction else nullcontext():
        if invitation is not None:
            invitation_claim(invitation=invitation)
        version = survey.definition_version if cached else None
        if not response_insert(response, cleaned, definition_version=version):
            raise SurveyChanged
        if records_contact:
            contact_request_record(response=response, survey=survey)
        if case_reason is not None:
            cases_open_for_response(response=response, reason=case_reason)
        answers_file_soon([response.pk])
    return response


def response_insert(
    response: Response, answers: Sequence[CleanAnswer], *, definition_version: int | None
) -> bool:
    """Insert a response and its answers, to be filed (feedback.filing), if its survey
    still exists (at `definition_version`, when given). False, with nothing written, if
    not."""
    if connection.vendor == "postgresql":
        return _response_insert_postgresql(response, answers, definition_version)
    with transaction.atomic():
        surveys = Survey.objects.filter(business_id=response.business_id, pk=response.survey_id)
        if definition_version is not None:
            surveys = surveys.filter(definition_version=definition_version)
        if not surveys.exists():
            return False
        response.save(force_insert=True)
        PendingAnswers.objects.create(response=response, answers=pending_answers(answers))
    return True


# On PostgreSQL, one statement (one round trip, its own transaction when no other write
# needs one) inserts the response, only while its survey is at the version its answers
# were checked against, and the one row of its answers to be filed. It is prepared once
# per connection: planning it costs as much as running it.
_INSERT_PARAMETERS = (
    ("uuid", "uuid"), ("created_at", "timestamptz"), ("survey", "bigint"),
    ("version", "integer"), ("customer", "bigint"), ("location", "bigint"),
    ("channel", "text"), ("invitation", "bigint"), ("contact_requested", "boolean"),
    ("contact_email", "text"), ("answers", "jsonb"),
)  # fmt: skip
_INSERT_RESPONSE_AND_ANSWERS = """
WITH response AS (
    INSERT INTO feedback_response (business_id, uuid, created_at, survey_id, customer_id,
        location_id, channel, invitation_id, contact_requested, contact_email)
    SELECT survey.business_id, {uuid}, {created_at}, survey.id, {customer}, {location},
        {channel}, {invitation}, {contact_requested}, {contact_email}
    FROM feedback_survey AS survey
    WHERE survey.id = {survey} AND ({version} IS NULL OR survey.definition_version = {version})
    RETURNING id
), pending AS (
    INSERT INTO feedback_pendinganswers (response_id, answers)
    SELECT response.id, {answers} FROM response
)
SELECT response.id FROM response
"""
_PREPARED_NAME = "feedback_response_insert"
_PREPARE = "PREPARE {name} ({types}) AS {statement}".format(
    name=_PREPARED_NAME,
    types=", ".join(kind for _, kind in _INSERT_PARAMETERS),
    statement=_INSERT_RESPONSE_AND_ANSWERS.format(
        **{name: f"${n}" for n, (name, _) in enumerate(_INSERT_PARAMETERS, start=1)}
    ),
)
_EXECUTE = "EXECUTE {name} ({values})".format(
    name=_PREPARED_NAME, values=", ".join(f"%s::{kind}" for _, kind in _INSERT_PARAMETERS)
)
# The database connections (psycopg's own) that hold the prepared statement.
_prepared_on: weakref.WeakSet = weakref.WeakSet()


def _response_insert_postgresql(
    response: Response, answers: Sequence[CleanAnswer], definition_version: int | None
) -> bool:
    values = {
        "uuid": str(response.uuid), "created_at": response.created_at,
        "survey": response.survey_id, "version": definition_version,
        "customer": response.customer_id, "location": response.location_id,
        "channel": response.channel, "invitation": response.invitation_id,
        "contact_requested": response.contact_requested,
        "contact_email": response.contact_email, "answers": pending_answers_json(answers),
    }  # fmt: skip
    with connection.cursor() as cursor:
        if connection.connection not in _prepared_on:
            cursor.execute(_PREPARE)  # not undone by a rollback: it lives with the session
            _prepared_on.add(connection.connection)
        cursor.execute(_EXECUTE, [values[name] for name, _ in _INSERT_PARAMETERS])
        row = cursor.fetchone()
    if row is None:
        return False
    response.pk = row[0]
    response._state.adding, response._state.db = False, connection.alias
    return True


def contact_request_record(*, response: Response, survey: Survey) -> None:
    """A known customer (answering their own invitation) asked to hear back about this
    answer: kept in their consent history. It lets this answer's follow-up contact them
    (customers.consent.follow_up_refusal) and changes nothing else."""
    consent_record(
        customer=response.customer, change=ConsentChange.ASKED_ABOUT_ANSWER,
        source=ConsentSource.SURVEY, detail=survey.name, at=response.created_at,
    )  # fmt: skip


def invitation_claim(*, invitation: Invitation) -> None:
    """Mark the invitation answered, once: a conditional UPDATE, so two tabs can't both win."""
    claimed = Invitation.objects.filter(pk=invitation.pk, answered_at=None).update(
        answered_at=timezone.now(), status=InvitationStatus.ANSWERED
    )
    if not claimed:
        raise Conflict(_("This invitation has already been answered. Thank you!"))
