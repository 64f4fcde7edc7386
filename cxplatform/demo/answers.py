"""What a demo customer answers, question by question, from one drawn 0-10 score.

The score is how the customer felt. Every other scale follows it (satisfaction, effort,
stars: the same mood on another scale, give or take a point), a choice question gets an
option from its best end when the customer is happy, a follow-up is asked only under the
survey's own rule (feedback.answers.is_asked, as the real form does), and the comment goes
in the first free-text question asked: a passive's purchase response has none to go in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from feedback.answers import CHOICE_KINDS, SCALES, CleanAnswer, is_asked
from feedback.models import Answer, Question, QuestionKind

from .comments import comment_for_score

COMMENT_SHARE = 0.65
# How often another scale (or a choice) lands a point off the score's place on it.
SLIP_SHARE = 0.25


@dataclass(frozen=True)
class DemoSurvey:
    """A survey the demo answers: its questions in order and its share of the responses."""

    id: int
    moment: str  # "visit", "purchase" or "support": which scores and comments it gets
    share: float
    questions: tuple[Question, ...]


def answers_for_score(
    rng: random.Random, survey: DemoSurvey, score: int, **common: object
) -> list[Answer]:
    """The answers of one response (without its id yet); `common` is set on each."""
    wants_comment = rng.random() < COMMENT_SHARE
    given: dict[int, CleanAnswer] = {}
    answers = []
    for question in survey.questions:
        if not is_asked(question, given):
            continue
        if question.kind == QuestionKind.TEXT:
            if wants_comment:
                text = comment_for_score(rng, score, about=survey.moment)
                answers.append(Answer(question_id=question.pk, text=text, **common))
                wants_comment = False  # one comment per response
            continue
        answer = clean_answer_for(rng, question, score)
        given[question.pk] = answer
        answers.append(
            Answer(question_id=question.pk, number=answer.number, choices=answer.choices, **common)
        )
    return answers


def clean_answer_for(rng: random.Random, question: Question, score: int) -> CleanAnswer:
    if question.kind in CHOICE_KINDS:
        return CleanAnswer(question, choices=[choice_for(rng, question.choices, score)])
    return CleanAnswer(question, number=scale_answer(rng, question.kind, score))


def scale_answer(rng: random.Random, kind: str, score: int) -> int:
    """The score itself on the 0-10 scale; its place on any other, give or take a point."""
    if kind == QuestionKind.NPS:
        return score
    low, high = SCALES[kind]
    value = low + int(score * (high - low) / 10 + 0.5)
    return slipped(rng, value, low, high)


def choice_for(rng: random.Random, choices: list[str], score: int) -> str:
    """Options run from the best to the worst ("Yes", "Partly", "No"): equal bands of
    the score, 10 at the first."""
    index = int((10 - score) / 11 * len(choices))
    return choices[slipped(rng, index, 0, len(choices) - 1)]


def slipped(rng: random.Random, value: int, low: int, high: int) -> int:
    if rng.random() < SLIP_SHARE:
        value += rng.choice((-1, 1))
    return min(high, max(low, value))
