"""Reads for surveys, responses and interactions; `business` always comes first."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Business

from .models import Response, Survey


def unscoped_survey_for_public(*, survey_uuid: UUID | str) -> Survey:
    """The survey a customer opened by its link: deliberately not scoped, customers have
    no business. Only the survey and its questions are ever shown from it."""
    try:
        return Survey.objects.select_related("business").get(uuid=survey_uuid)
    except (Survey.DoesNotExist, ValueError) as error:
        raise Http404("survey") from error


def surveys_for_business(*, business: Business) -> QuerySet[Survey]:
    return Survey.objects.filter(business=business).order_by("-is_default", "name")


def responses_for_business(*, business: Business) -> QuerySet[Response]:
    return (
        Response.objects.filter(business=business)
        .select_related("survey", "location")
        .prefetch_related("answers__question")
    )
