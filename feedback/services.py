"""Writes for surveys, responses and staff interactions."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Business, Location
from cxplatform.errors import ApplicationError, Gone
from textanalysis.services import texts_enqueue_scoring

from .answers import clean_answers
from .models import Answer, Channel, Question, QuestionKind, Response, Survey

NPS_PROMPT = "How likely are you to recommend %(business)s to a friend or colleague?"
REASON_PROMPT = "What is the main reason for your score?"


def survey_create_default_nps(*, business: Business) -> Survey:
    """The survey every business starts with: a 0-10 score and the reason for it."""
    with transaction.atomic():
        survey = Survey.objects.create(
            business=business,
            name=_("Net Promoter Score"),
            is_default=True,
            touchpoint="after visit",
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
                    prompt=NPS_PROMPT % {"business": business.name},
                    required=True,
                ),
                Question(
                    business=business,
                    survey=survey,
                    position=2,
                    kind=QuestionKind.TEXT,
                    prompt=REASON_PROMPT,
                    required=False,
                ),
            ]
        )
    return survey


def response_submit(
    *,
    survey: Survey,
    raw_answers: Mapping[str, object],
    channel: str = Channel.LINK,
    location: Location | None = None,
) -> Response:
    """Validate and store one customer's answers, all or nothing.

    Raises ApplicationError whose `errors` are keyed by question uuid; nothing is
    written then. Comments are scored by a worker after the commit.
    """
    if not survey.is_open:
        raise Gone(_("This survey is no longer taking answers."))
    questions = list(survey.questions.all())
    cleaned, errors = clean_answers(questions, raw_answers)
    if errors:
        raise ApplicationError(_("Some answers need another look."), errors=errors)
    with transaction.atomic():
        response = Response.objects.create(
            business=survey.business, survey=survey, channel=channel, location=location
        )
        answers = Answer.objects.bulk_create(
            Answer(
                business=survey.business,
                response=response,
                question=answer.question,
                number=answer.number,
                text=answer.text,
                created_at=response.created_at,
            )
            for answer in cleaned
        )
        texts_enqueue_scoring(model=Answer, ids=[a.pk for a in answers if a.text.strip()])
    return response
