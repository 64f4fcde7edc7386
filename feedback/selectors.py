"""Reads for surveys, responses and interactions; `business` always comes first."""

from __future__ import annotations

from uuid import UUID

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Business

from .models import Question, Response, Survey

# Every submission needs its survey and questions, which change rarely: they are cached.
# The builder's services forget a survey's entry when they change it; the timeout
# bounds the staleness of anything edited elsewhere (the Django admin).
PUBLIC_SURVEY_CACHE_SECONDS = 60


def unscoped_survey_for_public(*, survey_uuid: UUID | str) -> Survey:
    """The survey a customer opened by its link: deliberately not scoped, customers have
    no business. Only the survey and its questions are ever shown from it."""
    try:
        return Survey.objects.select_related("business").get(uuid=survey_uuid)
    except (Survey.DoesNotExist, ValueError) as error:
        raise Http404("survey") from error


def public_survey_and_questions(*, survey_uuid: UUID) -> tuple[Survey, list[Question]]:
    """The survey a customer is answering, and its questions in order (cached)."""
    key = _public_survey_key(survey_uuid)
    cached = cache.get(key)
    if cached is None:
        try:
            survey = Survey.objects.get(uuid=survey_uuid)
        except Survey.DoesNotExist as error:
            raise Http404("survey") from error
        cached = (survey, list(survey.questions.all()))
        cache.set(key, cached, PUBLIC_SURVEY_CACHE_SECONDS)
    return cached


def public_survey_forget(survey: Survey) -> None:
    """Drop the cached copy once the change being made is committed."""
    key = _public_survey_key(survey.uuid)
    transaction.on_commit(lambda: cache.delete(key))


def _public_survey_key(survey_uuid: UUID) -> str:
    return f"feedback:public-survey:{UUID(str(survey_uuid))}"


def surveys_for_business(*, business: Business) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(business=business)
        .select_related("touchpoint__stage")
        .order_by("-is_default", "name")
    )


def responses_for_business(*, business: Business) -> QuerySet[Response]:
    return (
        Response.objects.filter(business=business)
        .select_related("survey", "location")
        .prefetch_related("answers__question")
    )
