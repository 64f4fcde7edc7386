"""Writes for surveys, responses and staff interactions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Business, Location
from customers.consent import consent_record
from customers.models import ConsentChange, ConsentSource
from cxplatform.errors import ApplicationError, Conflict, Gone
from textanalysis.services import texts_enqueue_scoring

from .answers import CONTACT_FIELD, AnswerError, clean_answers, clean_contact
from .cases.services import cases_open_for_response
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
) -> Response:
    """Validate and store one customer's answers, all or nothing.

    Raises ApplicationError whose `errors` are keyed by question uuid; nothing is
    written then. An invitation can be answered once (Conflict after that); it ties
    the response to its customer. Comments are scored by a worker after the commit.
    `questions` are the survey's, when the caller has them already (from the cache).
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
    with transaction.atomic():
        if invitation is not None:
            invitation_claim(invitation=invitation)
        response = Response.objects.create(
            business_id=survey.business_id,
            survey=survey,
            channel=channel,
            location=location,
            invitation=invitation,
            customer=invitation.customer if invitation else None,
            contact_requested=contact_requested and bool(contact_email),
            contact_email=contact_email,
        )
        answers = Answer.objects.bulk_create(
            Answer(
                business_id=survey.business_id,
                response=response,
                question=answer.question,
                number=answer.number,
                text=answer.text,
                choices=answer.choices,
                created_at=response.created_at,
            )
            for answer in cleaned
        )
        if response.customer is not None and response.contact_requested:
            contact_request_record(response=response, survey=survey)
        cases_open_for_response(response=response, answers=answers)
        texts_enqueue_scoring(model=Answer, ids=[a.pk for a in answers if a.text.strip()])
    return response


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
