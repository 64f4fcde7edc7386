"""Checking raw answers against a survey's questions.

The HTML form and the JSON API both call `clean_answers`, so a customer gets the
same rules and the same messages whichever way they answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cxplatform.validators import validate_stored_email

from .models import Question, QuestionKind

MAX_TEXT_LENGTH = 10_000
# Where an error about the contact e-mail is reported (in the form and the API alike).
CONTACT_FIELD = "contact_email"
NPS_RANGE = (0, 10)
# The inclusive range of every numeric question kind.
SCALES: dict[str, tuple[int, int]] = {
    QuestionKind.NPS: NPS_RANGE,
    QuestionKind.CSAT: (1, 5),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING: (1, 5),
    QuestionKind.TRUST: (1, 7),
}


def scale_labels(kind: str) -> tuple[str, str]:
    """What the two ends of a scale mean, shown under it."""
    if kind == QuestionKind.NPS:
        return _("Not at all likely"), _("Extremely likely")
    if kind == QuestionKind.CSAT:
        return _("Very unsatisfied"), _("Very satisfied")
    if kind == QuestionKind.RATING:
        return _("Poor"), _("Excellent")
    return _("Strongly disagree"), _("Strongly agree")


CHOICE_KINDS = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE}
_WHOLE_NUMBER = re.compile(r"^\s*-?\d{1,6}\s*$")


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    number: int | None = None
    text: str = ""
    choices: list[str] = field(default_factory=list)


class AnswerError(ValueError):
    pass


def clean_answers(
    questions: Sequence[Question], raw: Mapping[str, object]
) -> tuple[list[CleanAnswer], dict[str, str]]:
    """Return the clean answers and, keyed by question uuid, what is wrong with the rest.

    `raw` maps question uuids (as strings) to the customer's values. Keys that name
    no question of the survey are reported under their own key. A follow-up whose
    condition is not met is not asked: it is never required, and answering it anyway
    is refused.
    """
    by_uuid = {str(question.uuid): question for question in questions}
    errors = {key: _("This survey has no such question.") for key in raw if key not in by_uuid}
    given: dict[int, CleanAnswer] = {}
    for key, question in by_uuid.items():
        value = raw.get(key)
        if not is_asked(question, given):
            if not _is_blank(value):
                errors[key] = _("This question only applies after another answer.")
            continue
        try:
            answer = clean_answer(question, value)
        except AnswerError as error:
            errors[key] = str(error)
            continue
        if answer is not None:
            given[question.pk] = answer
    return list(given.values()), errors


def clean_contact(*, survey_allows_anonymous: bool, wants_contact: bool, email: str) -> str:
    """The e-mail to keep with the answer: only when the customer asks to be contacted,
    or when the business does not take anonymous answers."""
    email = (email or "").strip()
    needed = wants_contact or not survey_allows_anonymous
    if not needed:
        return ""
    if not email:
        raise AnswerError(_("Please give an e-mail address so we can reach you."))
    try:
        validate_stored_email(email)
    except ValidationError as error:
        too_long = error.code == "max_length"  # an address, but longer than we can keep
        message = (
            error.messages[0]
            if too_long
            else _("Enter a valid e-mail address, like name@example.com.")
        )
        raise AnswerError(message) from None
    return email


def is_asked(question: Question, given: Mapping[int, CleanAnswer]) -> bool:
    """Whether a follow-up's condition holds for the answers given so far."""
    if question.show_if_question_id is None:
        return True
    earlier = given.get(question.show_if_question_id)
    if earlier is None:
        return False
    if question.show_if_choices:
        chosen = set(earlier.choices) | ({earlier.text} if earlier.text else set())
        return bool(chosen & set(question.show_if_choices))
    if earlier.number is None:
        return False
    low = question.show_if_min if question.show_if_min is not None else earlier.number
    high = question.show_if_max if question.show_if_max is not None else earlier.number
    return low <= earlier.number <= high


def clean_answer(question: Question, value: object) -> CleanAnswer | None:
    if _is_blank(value):
        if question.required:
            raise AnswerError(_("Please answer this question."))
        return None
    if question.kind in SCALES:
        return CleanAnswer(question, number=_scale(value, *SCALES[question.kind]))
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return CleanAnswer(question, choices=[_one_choice(question, value)])
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return CleanAnswer(question, choices=_many_choices(question, value))
    return CleanAnswer(question, text=_text(value))


def _is_blank(value: object) -> bool:
    if isinstance(value, list | tuple):
        return all(_is_blank(item) for item in value)
    return value is None or (isinstance(value, str) and value.strip() == "")


def _scale(value: object, low: int, high: int) -> int:
    number = _whole_number(value)
    if number is None or not low <= number <= high:
        # Translated only when needed: most answers are in range.
        message = _("Choose a whole number from %(low)d to %(high)d.")
        raise AnswerError(message % {"low": low, "high": high})
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


def _one_choice(question: Question, value: object) -> str:
    if not isinstance(value, str) or value not in question.choices:
        raise AnswerError(_("Choose one of the options given."))
    return value


def _many_choices(question: Question, value: object) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise AnswerError(_("Choose from the options given."))
    chosen = [v for v in values if v.strip()]
    if any(v not in question.choices for v in chosen):
        raise AnswerError(_("Choose from the options given."))
    # Keep the survey's order and drop repeats, whatever order they were sent in.
    return [option for option in question.choices if option in chosen]


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
