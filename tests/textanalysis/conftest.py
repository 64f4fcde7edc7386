"""What the text-insight tests share: a comment written and analysed."""

from __future__ import annotations

import pytest

from feedback.models import Answer
from tests.helpers import answer

ANGRY = "Rude staff, awful coffee, terrible experience."


@pytest.fixture
def comment(survey_a, django_capture_on_commit_callbacks):
    """Submit a comment to business A and let the worker analyse it; returns the comment."""

    def submit(text: str, score: int = 2, survey=None) -> Answer:
        with django_capture_on_commit_callbacks(execute=True):
            response = answer(survey or survey_a, score, text)
        return Answer.objects.get(response=response, question__kind="text")

    return submit
