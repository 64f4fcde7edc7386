"""Writes for surveys, responses and staff interactions."""

from __future__ import annotations

import json
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
from cxplatform.errors import ApplicationError, Conflict, Gone
from textanalysis.services import texts_enqueue_scoring

from .answers import CONTACT_FIELD, AnswerError, CleanAnswer, clean_answers, clean_contact
from .cases.services import case_reason_for_answers, cases_open_for_response
from .models import (
    Answer,
    Channel,
    Invitation,
    InvitationStatus,
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
    the response to its customer. Comments are scored by a worker after the commit.
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
    # A lone INSERT is all or nothing by itself; only more writes need a transaction.
    needs_transaction = invitation is not None or case_reason is not None or records_contact
    with transaction.atomic() if needs_transaction else nullcontext():
        if invitation is not None:
            invitation_claim(invitation=invitation)
        version = survey.definition_version if cached else None
        answer_ids = response_insert(response, cleaned, definition_version=version)
        if answer_ids is None:
            raise SurveyChanged
        if records_contact:
            contact_request_record(response=response, survey=survey)
        if case_reason is not None:
            cases_open_for_response(response=response, reason=case_reason)
        texts = [answer_ids[a.question.pk] for a in cleaned if a.text.strip()]
        texts_enqueue_scoring(model=Answer, ids=texts)
    return response


def response_insert(
    response: Response, answers: Sequence[CleanAnswer], *, definition_version: int | None
) -> dict[int, int] | None:
    """Insert a response and its answers if its survey still exists (at
    `definition_version`, when given): the answers' ids by question id. None, with
    nothing written, if not."""
    if connection.vendor == "postgresql":
        return _response_insert_postgresql(response, answers, definition_version)
    rows = [answer_row(response, answer) for answer in answers]
    with transaction.atomic():
        surveys = Survey.objects.filter(business_id=response.business_id, pk=response.survey_id)
        if definition_version is not None:
            surveys = surveys.filter(definition_version=definition_version)
        if not surveys.exists():
            return None
        response.save(force_insert=True)
        Answer.objects.bulk_create(rows)
    return {row.question_id: row.pk for row in rows}


def answer_row(response: Response, answer: CleanAnswer) -> Answer:
    return Answer(
        business_id=response.business_id,
        response=response,
        question=answer.question,
        number=answer.number,
        text=answer.text,
        choices=answer.choices,
        created_at=response.created_at,
    )


# On PostgreSQL, one statement (one round trip, its own transaction when no other write
# needs one) inserts the response, only while its survey is at the version its answers
# were checked against, and all of its answers. It is prepared once per connection:
# planning it costs as much as running it.
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
    RETURNING id, business_id
), answer AS (
    INSERT INTO feedback_answer (business_id, uuid, created_at, sentiment_score,
        sentiment_label, sentiment_explanation, scored_at, response_id, question_id, number,
        choices, text)
    SELECT response.business_id, gen_random_uuid(), {created_at}, NULL, '', '{{}}'::jsonb,
        NULL, response.id, given.question_id, given.number, given.choices, given.text
    FROM response, jsonb_to_recordset({answers})
        AS given(question_id bigint, number smallint, choices jsonb, text text)
    RETURNING id, question_id
)
SELECT response.id, answer.id, answer.question_id FROM response LEFT JOIN answer ON true
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
) -> dict[int, int] | None:
    values = {
        "uuid": str(response.uuid), "created_at": response.created_at,
        "survey": response.survey_id, "version": definition_version,
        "customer": response.customer_id, "location": response.location_id,
        "channel": response.channel, "invitation": response.invitation_id,
        "contact_requested": response.contact_requested,
        "contact_email": response.contact_email, "answers": _answers_json(answers),
    }  # fmt: skip
    with connection.cursor() as cursor:
        if connection.connection not in _prepared_on:
            cursor.execute(_PREPARE)  # not undone by a rollback: it lives with the session
            _prepared_on.add(connection.connection)
        cursor.execute(_EXECUTE, [values[name] for name, _ in _INSERT_PARAMETERS])
        rows = cursor.fetchall()
    if not rows:
        return None
    response.pk = rows[0][0]
    response._state.adding, response._state.db = False, connection.alias
    return {question_id: answer_id for _, answer_id, question_id in rows if answer_id}


def _answers_json(answers: Sequence[CleanAnswer]) -> str:
    """The answers as the statement's one JSON parameter. PostgreSQL reads one JSON
    text for less than four arrays, each of whose items it would parse as an expression
    of its own (psycopg2 sends an array as ARRAY[...])."""
    return json.dumps(
        [{"question_id": a.question.pk, "number": a.number, "choices": a.choices, "text": a.text}
         for a in answers],
        ensure_ascii=False,
    )  # fmt: skip


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
