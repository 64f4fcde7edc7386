from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEntry
from feedback.builder import services
from feedback.builder.services import (
    QuestionInput,
    RemovalOutdated,
    RemovalSeen,
    question_add,
    question_delete,
)
from feedback.models import Answer, Question, Survey
from feedback.services import response_submit

pytestmark = pytest.mark.django_db


def add(survey: Survey, prompt: str, follows: Question | None = None) -> Question:
    data = QuestionInput(kind="csat", prompt=prompt, show_if_question=follows)
    if follows is not None:
        data = QuestionInput(kind="text", prompt=prompt, show_if_question=follows, show_if_max=2)
    return question_add(survey=survey, data=data)


def queries_to_remove_the_first(survey: Survey, total: int) -> int:
    """Queries to remove the first question of a survey grown to `total` questions."""
    for number in range(survey.questions.count() + 1, total + 1):
        add(survey, f"Question {number}")
    first = survey.questions.order_by("position").first()
    with CaptureQueriesContext(connection) as queries:
        question_delete(question=first)
    assert list(survey.questions.values_list("position", flat=True)) == list(range(1, total))
    return len(queries)


def test_closing_the_gap_takes_the_same_queries_for_any_number_of_questions(survey_a, survey_b):
    assert queries_to_remove_the_first(survey_a, 3) == queries_to_remove_the_first(survey_b, 30)


def test_positions_have_no_gap_after_a_question_with_follow_ups_goes(survey_a):
    survey_a.questions.all().delete()
    happy = add(survey_a, "Happy?")
    add(survey_a, "Why not?", follows=happy)
    add(survey_a, "Fast enough?")
    later = add(survey_a, "Anything else?", follows=happy)
    add(survey_a, "Clean?")

    removal = question_delete(question=happy, confirmed=True)

    assert removal.follow_ups == 2
    assert not Question.objects.filter(pk=later.pk).exists()
    assert list(survey_a.questions.values_list("prompt", "position")) == [
        ("Fast enough?", 1),
        ("Clean?", 2),
    ]


def test_removing_the_last_question_moves_nothing(survey_a):
    first, last = survey_a.questions.order_by("position")
    with CaptureQueriesContext(connection) as queries:
        question_delete(question=last)
    assert list(survey_a.questions.values_list("pk", "position")) == [(first.pk, 1)]
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "feedback_question"')]
    assert updates == []


def test_an_answer_stored_between_the_count_and_the_delete_undoes_the_removal(
    survey_a, monkeypatch
):
    """Answers do not wait for the survey's lock: one committed after the owner's counts
    were taken again, and before the delete, would go unseen. What was deleted is checked."""
    nps, _reason = survey_a.questions.order_by("position")
    response_submit(survey=survey_a, raw_answers={str(nps.uuid): 9})
    counted = services.question_removal

    def count_then_an_answer_arrives(*, question):
        removal = counted(question=question)
        response_submit(survey=survey_a, raw_answers={str(nps.uuid): 3})
        return removal

    monkeypatch.setattr(services, "question_removal", count_then_an_answer_arrives)
    with pytest.raises(RemovalOutdated) as refused:
        question_delete(question=nps, confirmed=True, seen=RemovalSeen(answers=1, follow_ups=0))

    assert refused.value.removal.answers == 2
    assert refused.value.lines == ["More answers arrived after the counts you confirmed."]
    # Nothing went: the question and the answer the owner counted are there (the one
    # "arriving" was written in the removal's own transaction here, so it went back too).
    assert survey_a.questions.count() == 2
    assert list(Answer.objects.values_list("number", flat=True)) == [9]
    assert not AuditEntry.objects.filter(action="question.delete").exists()
