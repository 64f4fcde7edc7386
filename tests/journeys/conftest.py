"""Voices with known scores at known touchpoints, for the map's tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Answer, Interaction, Question, QuestionKind, Response, Survey
from journeys.models import Touchpoint
from textanalysis.models import SentimentLabel


def label_for(score: float) -> str:
    if score >= 0.05:
        return SentimentLabel.POSITIVE
    if score <= -0.05:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


class Voices:
    """Writes scored voices for one business: survey responses and staff interactions."""

    def __init__(self, business):
        self.business = business
        self.now = timezone.now()

    def touchpoint(self, key: str) -> Touchpoint:
        return Touchpoint.objects.get(business=self.business, key=key)

    def survey_at(self, key: str, name: str = "") -> Survey:
        survey = Survey.objects.create(
            business=self.business, name=name or f"At {key}", touchpoint=self.touchpoint(key)
        )
        for position, kind in enumerate((QuestionKind.CSAT, QuestionKind.CES, QuestionKind.TEXT)):
            Question.objects.create(
                business=self.business, survey=survey, position=position, kind=kind,
                prompt=kind, required=False,
            )  # fmt: skip
        return survey

    def response(self, survey: Survey, *, score=None, text="", csat=None, ces=None,
                 days_ago=0, location=None, customer=None,
                 explanation=None) -> Response:  # fmt: skip
        at = self.now - timedelta(days=days_ago)
        response = Response.objects.create(
            business=self.business, survey=survey, location=location, customer=customer,
            created_at=at,
        )  # fmt: skip
        questions = {q.kind: q for q in survey.questions.all()}
        common = {"business": self.business, "response": response, "created_at": at}
        if csat is not None:
            Answer.objects.create(question=questions[QuestionKind.CSAT], number=csat, **common)
        if ces is not None:
            Answer.objects.create(question=questions[QuestionKind.CES], number=ces, **common)
        if score is not None or text:
            Answer.objects.create(
                question=questions[QuestionKind.TEXT], text=text or f"comment {score}",
                **self.scored(score, explanation), **common,
            )  # fmt: skip
        return response

    def interaction(self, key: str | None, *, score=None, note="", days_ago=0, location=None,
                    customer=None, explanation=None) -> Interaction:  # fmt: skip
        return Interaction.objects.create(
            business=self.business, channel="in_person", note=note or f"note {score}",
            touchpoint=self.touchpoint(key) if key else None, location=location,
            customer=customer, created_at=self.now - timedelta(days=days_ago),
            **self.scored(score, explanation),
        )  # fmt: skip

    def scored(self, score, explanation) -> dict:
        if score is None:
            return {}
        return {
            "sentiment_score": score,
            "sentiment_label": label_for(score),
            "sentiment_explanation": explanation or {"words": [], "aspects": {}, "reason": ""},
            "scored_at": self.now,
        }


@pytest.fixture
def voices_a(business_a):
    return Voices(business_a)


@pytest.fixture
def voices_b(business_b):
    return Voices(business_b)
