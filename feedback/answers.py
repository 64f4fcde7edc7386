"""Checking raw answers against a survey's questions.

The HTML form and the JSON API both call `clean_answers`, so a customer gets the
same rules and the same messages whichever way they answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Question, QuestionKind

MAX_TEXT_LENGTH = 10_000
NPS_RANGE = (0, 10)
_WHOLE_NUMBER = re.compile(r"^\s*-?\d{1,6}\s*$")


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    number: int | None
    text: str


class AnswerError(ValueError):
    pass


def clean_answers(
    questions: Sequence[Question], raw: Mapping[str, object]
) -> tuple[list[CleanAnswer], dict[str, str]]:
    """Return the clean answers and, keyed by question uuid, what is wrong with the rest.

    `raw` maps question uuids (as strings) to the customer's values. Keys that
    name no question of the survey are reported under their own key.
    """
    by_uuid = {str(question.uuid): question for question in questions}
    errors = {key: _("This survey has no such question.") for key in raw if key not in by_uuid}
    cleaned = []
    for key, question in by_uuid.items():
        try:
            answer = clean_answer(question, raw.get(key))
        except AnswerError as error:
            errors[key] = str(error)
            continue
        if answer is not None:
            cleaned.append(answer)
    return cleaned, errors


def clean_answer(question: Question, value: object) -> CleanAnswer | None:
    if _is_blank(value):
        if question.required:
            raise AnswerError(_("Please answer this question."))
        return None
    if question.kind == QuestionKind.NPS:
        return CleanAnswer(question, _scale(value, *NPS_RANGE), "")
    return CleanAnswer(question, None, _text(value))


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _scale(value: object, low: int, high: int) -> int:
    message = _("Choose a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    number = _whole_number(value)
    if number is None or not low <= number <= high:
        raise AnswerError(message)
    return number


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):  # JSON true is not a score
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.match(value):
        return int(value)
    return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise AnswerError(_("Please answer in words."))
    if len(value) > MAX_TEXT_LENGTH:
        raise AnswerError(
            _("Please keep your answer under %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH}
        )
    if "\x00" in value:
        raise AnswerError(_("This answer contains characters that cannot be stored."))
    return value
