"""Reads for surveys, responses and interactions; `business` always comes first."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Business

from .models import Answer, PendingAnswers, Question, Response, Survey

# Every submission needs its survey and questions, which change rarely: each web process
# keeps them in memory, so a submission reads no survey rows at all. The copy is never
# trusted blindly: the submission's INSERT stores the answers only while the survey's
# definition_version is still the one the copy was read at (services.response_submit),
# and every change made by the builder or the admin raises it (public_survey_forget).
# The timeout bounds the life of a copy that nothing asks about, and the size the memory.
PUBLIC_SURVEY_CACHE_SECONDS = 60
PUBLIC_SURVEY_CACHE_SIZE = 2000
_public_surveys: dict[UUID, tuple[float, Survey, list[Question]]] = {}


def unscoped_survey_for_public(*, survey_uuid: UUID | str) -> Survey:
    """The survey a customer opened by its link: deliberately not scoped, customers have
    no business. Only the survey and its questions are ever shown from it."""
    try:
        return Survey.objects.select_related("business").get(uuid=survey_uuid)
    except (Survey.DoesNotExist, ValueError) as error:
        raise Http404("survey") from error


def public_survey_and_questions(
    *, survey_uuid: UUID, fresh: bool = False
) -> tuple[Survey, list[Question]]:
    """The survey a customer is answering, and its questions in order, from this
    process's copy unless `fresh` (or the copy is missing or old). Treat both as read-only:
    other requests share them."""
    entry = None if fresh else _public_surveys.get(survey_uuid)
    now = time.monotonic()
    if entry is None or entry[0] < now:
        survey, questions = _public_survey_load(survey_uuid)
        if len(_public_surveys) >= PUBLIC_SURVEY_CACHE_SIZE:
            _public_surveys.clear()  # rare (thousands of live surveys): start again
        entry = _public_surveys[survey_uuid] = (
            now + PUBLIC_SURVEY_CACHE_SECONDS,
            survey,
            questions,
        )
    return entry[1], entry[2]


def _public_survey_load(survey_uuid: UUID) -> tuple[Survey, list[Question]]:
    try:
        survey = unscoped_survey_for_public(survey_uuid=survey_uuid)
    except Http404:
        _public_surveys.pop(survey_uuid, None)
        raise
    return survey, list(survey.questions.all())


def public_survey_forget(survey: Survey) -> None:
    """The survey or its questions are being changed: raise its definition_version, in
    the same transaction as the change, so no process's copy is answered again (the one
    write among the reads, kept beside the cache it invalidates)."""
    table = connection.ops.quote_name(Survey._meta.db_table)
    with connection.cursor() as cursor:
        # RETURNING: the instance learns its new number in the same statement.
        cursor.execute(
            f"UPDATE {table} SET definition_version = definition_version + 1 "
            "WHERE business_id = %s AND id = %s RETURNING definition_version",
            [survey.business_id, survey.pk],
        )
        row = cursor.fetchone()
    if row is not None:
        survey.definition_version = row[0]
    _public_surveys.pop(survey.uuid, None)


def surveys_for_business(*, business: Business) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(business=business)
        .select_related("touchpoint__stage")
        .order_by("-is_default", "name")
    )


def responses_for_business(*, business: Business) -> QuerySet[Response]:
    """Their answers are not loaded: with_answers_shown gives those of a page."""
    return Response.objects.filter(business=business).select_related("survey", "location")


def with_answers_shown(responses: Iterable[Response]) -> list[Response]:
    """The responses, each with `answers_shown`: its answers in the survey's order, as
    filed or, while they wait to be filed (feedback.filing), as sent (unsaved, not yet
    scored), so a response read a moment after it was sent (a case opened as the
    customer answered, an API client) shows what the customer said. Three queries
    however many responses."""
    responses = list(responses)
    ids = [response.pk for response in responses]
    businesses = {response.business_id for response in responses}
    # Waiting ones first: a worker filing them in between is then found by the second
    # read (the other order would find neither); filed ones win where both are read.
    sent = dict(PendingAnswers.objects.filter(pk__in=ids).values_list("pk", "answers"))
    shown: dict[int, list[Answer]] = defaultdict(list)
    filed = Answer.objects.filter(business_id__in=businesses, response__in=ids)
    for answer in filed.select_related("question"):
        shown[answer.response_id].append(answer)
    sent = {pk: answers for pk, answers in sent.items() if pk not in shown}
    asked = [given["question_id"] for answers in sent.values() for given in answers]
    questions = Question.objects.filter(business_id__in=businesses).in_bulk(asked) if asked else {}
    for response in responses:
        for given in sent.get(response.pk, []):
            question = questions.get(given["question_id"])
            if question is not None and question.business_id == response.business_id:
                answer = Answer(business_id=response.business_id, response=response, **given)
                answer.question = question
                shown[response.pk].append(answer)
        response.answers_shown = sorted(shown[response.pk], key=lambda a: a.question.position)
    return responses
