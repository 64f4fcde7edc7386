"""Building surveys: from a template or blank, questions added, edited, moved, removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, F, Max, Value, When
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Business, User
from accounts.services import audit_record
from cxplatform.errors import ApplicationError, Conflict
from journeys.models import Touchpoint

from ..answers import CHOICE_KINDS, SCALES
from ..catalog import TEMPLATES, TRUST_ITEMS, QuestionSpec
from ..filing import answers_file_pending
from ..models import Answer, Question, QuestionKind, Survey, SurveyStatus, TrustPillar
from ..selectors import public_survey_forget
from ..touchpoints import touchpoint_for_key, touchpoint_resolve

SURVEY_FIELDS = {
    "name", "intro", "privacy_note", "touchpoint", "status", "allow_anonymous", "language",
    "invite_after_purchase_hours", "reminder_after_hours",
}  # fmt: skip
MAX_CHOICES = 20
# Added to a position to park a question out of the way while others take its place:
# SQLite checks the unique (survey, position) row by row and cannot defer it.
PARKED = 10_000


@dataclass
class QuestionInput:
    """What an owner sets on a question; checked by `question_check` before any write."""

    kind: str
    prompt: str
    required: bool = True
    choices: list[str] = field(default_factory=list)
    pillar: str = ""
    show_if_question: Question | None = None
    show_if_min: int | None = None
    show_if_max: int | None = None
    show_if_choices: list[str] = field(default_factory=list)


def survey_create(
    *,
    business: Business,
    name: str = "",
    template_key: str = "",
    actor: User | None = None,
    **details,
) -> Survey:
    if template_key and template_key not in TEMPLATES:
        raise ApplicationError(
            _("Unknown template."), errors={"template": [_("Unknown template.")]}
        )
    template = TEMPLATES.get(template_key)
    # What the customer reads is in the survey's language, else the business's.
    with translation.override(details.get("language") or business.language):
        if not name and template:
            name = _(template.name)
        if "privacy_note" not in details:
            details["privacy_note"] = default_privacy_note(business)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Name the survey."), errors={"name": [_("Name the survey.")]})
    with transaction.atomic():
        survey = Survey.objects.create(
            business=business,
            name=name,
            template=template_key,
            touchpoint=_touchpoint(business, details, template),
            privacy_note=details.pop("privacy_note"),
            **{k: v for k, v in details.items() if k in SURVEY_FIELDS},
        )
        if template:
            questions_add_from_specs(survey=survey, specs=template.questions)
        # A new survey is live at once: customers can answer it from now on.
        audit_record(
            business=business, actor=actor, action="survey.create", target=str(survey.uuid),
            detail={"status": survey.status},
        )  # fmt: skip
    return survey


def _touchpoint(business: Business, details: dict, template) -> Touchpoint | None:
    """The touchpoint asked for, else the one the template measures."""
    if "touchpoint" in details:
        return touchpoint_resolve(business_id=business.pk, value=details.pop("touchpoint"))
    return touchpoint_for_key(business_id=business.pk, key=template.touchpoint if template else "")


def default_privacy_note(business: Business) -> str:
    return _(
        "%(business)s reads every answer to improve. We keep your answer without your name "
        "unless you ask us to contact you."
    ) % {"business": business.name}


def survey_update(*, survey: Survey, actor: User | None = None, **changes) -> Survey:
    unknown = set(changes) - SURVEY_FIELDS
    if unknown:
        raise ApplicationError(
            _("Unknown fields."), errors={k: [_("Unknown field.")] for k in unknown}
        )
    if "status" in changes and changes["status"] not in SurveyStatus.values:
        raise ApplicationError(_("Unknown status."), errors={"status": [_("Unknown status.")]})
    if "touchpoint" in changes:
        # Its answers move with it on the map: the roll-up keeps them by survey.
        changes["touchpoint"] = touchpoint_resolve(
            business_id=survey.business_id, value=changes["touchpoint"]
        )
    status_before = survey.status
    for name, value in changes.items():
        setattr(survey, name, value.strip() if isinstance(value, str) else value)
    if not survey.name:
        raise ApplicationError(_("Name the survey."), errors={"name": [_("Name the survey.")]})
    with transaction.atomic():
        public_survey_forget(survey)  # in the change's transaction: see its docstring
        survey.save(update_fields=list(changes) or None)
        survey_change_audit(survey, actor, sorted(changes), status_before)
    return survey


def survey_change_audit(survey: Survey, actor: User | None, fields: list[str], status: str) -> None:
    """Publishing, closing or archiving a survey is its own entry: it decides whether
    customers can answer."""
    target = str(survey.uuid)
    if fields:
        audit_record(
            business=survey.business, actor=actor, action="survey.update", target=target,
            detail={"fields": fields},
        )  # fmt: skip
    if survey.status != status:
        audit_record(
            business=survey.business, actor=actor, action="survey.status", target=target,
            detail={"from": status, "to": survey.status},
        )  # fmt: skip


def questions_add_from_specs(*, survey: Survey, specs: tuple[QuestionSpec, ...]) -> list[Question]:
    """Add a template's questions, in the survey's language (else the business's),
    resolving follow-ups to the questions just made. One change of the survey: its
    version is raised and its last position read once, not per question."""
    with transaction.atomic():
        return _specs_insert(survey=survey, specs=specs, after=_survey_changing(survey))


def _specs_insert(*, survey: Survey, specs: tuple[QuestionSpec, ...], after: int) -> list[Question]:
    """Inside the change's transaction: the questions of `specs`, placed after `after`."""
    made: list[Question] = []
    with translation.override(survey.written_language):
        for position, spec in enumerate(specs, start=after + 1):
            condition = spec.show_if
            data = QuestionInput(
                kind=spec.kind,
                prompt=_(spec.prompt).replace("{business}", survey.business.name),
                required=spec.required,
                choices=[_(choice) for choice in spec.choices],
                pillar=spec.pillar,
                show_if_question=made[condition[0]] if condition else None,
                show_if_min=condition[1] if condition else None,
                show_if_max=condition[2] if condition else None,
            )
            made.append(_question_insert(survey=survey, data=data, position=position))
    return made


def trust_items_add(*, survey: Survey) -> list[Question]:
    """Add the trust items of the pillars the survey does not measure yet: pressed twice,
    the button must not ask customers the same thing twice."""
    with transaction.atomic():
        # The version's UPDATE comes first: it locks the survey's row, so a second press
        # at the same moment waits, then sees the items of the first.
        public_survey_forget(survey)
        rows = list(survey.questions.values_list("position", "pillar"))  # pillar: trust only
        present = {pillar for _position, pillar in rows}
        missing = tuple(spec for spec in TRUST_ITEMS if spec.pillar not in present)
        if not missing:
            message = _("This survey has the four trust items already.")
            raise Conflict(message, errors={"body": [message]})
        last = max((position for position, _pillar in rows), default=0)
        return _specs_insert(survey=survey, specs=missing, after=last)


def question_add(*, survey: Survey, data: QuestionInput) -> Question:
    with transaction.atomic():
        position = _survey_changing(survey) + 1
        return _question_insert(survey=survey, data=data, position=position)


def _survey_changing(survey: Survey) -> int:
    """Inside the change's transaction: no process's copy of the survey is answered
    again (public_survey_forget); the position of its last question (0: none yet)."""
    public_survey_forget(survey)
    return survey.questions.aggregate(last=Max("position"))["last"] or 0


def _question_insert(*, survey: Survey, data: QuestionInput, position: int) -> Question:
    question_check(survey=survey, data=data, position=None)
    return Question.objects.create(
        business=survey.business, survey=survey, position=position, **clean_fields(data)
    )


def question_update(*, question: Question, data: QuestionInput) -> Question:
    with transaction.atomic():
        # Checked in the change's transaction, after the survey's copies are forgotten,
        # so the answers counted are as near as can be to those the change would strand.
        public_survey_forget(question.survey)
        question_check(
            survey=question.survey, data=data, position=question.position, current=question
        )
        for name, value in clean_fields(data).items():
            setattr(question, name, value)
        question.save()
    return question


def kind_change_errors(*, question: Question, kind: str) -> dict[str, list[str]]:
    """A question's type is fixed once answers or follow-ups rely on it: numbers would
    sit under a text question, and a follow-up's "0-6" would mean nothing."""
    if kind == question.kind:
        return {}
    answers = Answer.objects.filter(business_id=question.business_id, question=question).count()
    if answers:
        message = ngettext(
            "This question has %(count)d answer; its type can't change. "
            "Add a new question instead.",
            "This question has %(count)d answers; its type can't change. "
            "Add a new question instead.",
            answers,
        )
        return {"kind": [message % {"count": answers}]}
    follow_ups = Question.objects.filter(
        business_id=question.business_id, show_if_question=question
    ).count()
    if follow_ups:
        message = ngettext(
            "%(count)d follow-up question depends on this question's answers; "
            "its type can't change.",
            "%(count)d follow-up questions depend on this question's answers; "
            "its type can't change.",
            follow_ups,
        )
        return {"kind": [message % {"count": follow_ups}]}
    return {}


@dataclass(frozen=True)
class QuestionRemoval:
    """What removing a question deletes with it (the database cascades to both)."""

    answers: int
    follow_ups: int

    @property
    def loses_data(self) -> bool:
        return bool(self.answers or self.follow_ups)

    def describe(self) -> str:
        return _("Removing this question also deletes %(answers)s and %(follow_ups)s.") % {
            "answers": answers_count_text(self.answers),
            "follow_ups": follow_ups_count_text(self.follow_ups),
        }


def answers_count_text(count: int) -> str:
    return ngettext("%(count)d answer", "%(count)d answers", count) % {"count": count}


def follow_ups_count_text(count: int) -> str:
    return ngettext("%(count)d follow-up question", "%(count)d follow-up questions", count) % {
        "count": count
    }


@dataclass(frozen=True)
class RemovalSeen:
    """The counts the owner was shown when confirming a removal; None: not said (the
    API's bare `?confirm=true`, taken as before)."""

    answers: int | None = None
    follow_ups: int | None = None

    def grown(self, removal: QuestionRemoval) -> list[str]:
        """Why the confirmation no longer holds: more would go than the owner was shown."""
        lines = []
        if self.answers is not None and removal.answers > self.answers:
            lines.append(_("More answers arrived after the counts you confirmed."))
        if self.follow_ups is not None and removal.follow_ups > self.follow_ups:
            lines.append(_("More follow-up questions were added after the counts you confirmed."))
        return lines


class RemovalRefused(Conflict):
    """A removal that would delete answers or follow-ups, not confirmed: `removal` holds
    today's counts, for the caller to show (and the API to give as numbers)."""

    def __init__(self, removal: QuestionRemoval, lines: Sequence[str] = ()) -> None:
        message = lines[0] if lines else removal.describe()
        super().__init__(message, errors={"confirm": [*lines, removal.describe()]})
        self.removal = removal
        # In the API's 409 as numbers too, for the client to send back with confirm=true.
        self.body_extra = {"counts": {"answers": removal.answers, "follow_ups": removal.follow_ups}}


class RemovalOutdated(RemovalRefused):
    """A confirmed removal refused: it would delete more than the owner agreed to."""

    def __init__(self, lines: list[str], removal: QuestionRemoval) -> None:
        super().__init__(removal, lines)
        self.lines = lines


def question_removal(*, question: Question) -> QuestionRemoval:
    """The follow-ups removed with a question (and theirs, at any depth) and the answers
    to all of them. Two queries: the survey's few questions, then one count."""
    depends_on = dict(question.survey.questions.values_list("pk", "show_if_question_id"))
    doomed = {question.pk}
    grew = True
    while grew:  # in memory: each pass adds the follow-ups of what is already doomed
        more = {pk for pk, source in depends_on.items() if source in doomed} - doomed
        doomed |= more
        grew = bool(more)
    answers = Answer.objects.filter(business_id=question.business_id, question_id__in=doomed)
    return QuestionRemoval(answers=answers.count(), follow_ups=len(doomed) - 1)


def question_delete(
    *,
    question: Question,
    confirmed: bool = False,
    seen: RemovalSeen | None = None,
    actor: User | None = None,
) -> QuestionRemoval:
    """Remove a question (its follow-ups and all their answers go with it) and close the
    gap in positions. Customers' answers are deleted only when the caller `confirmed`
    after being told how many (Conflict naming the counts otherwise), and no more of
    them than the counts `seen` (RemovalOutdated otherwise)."""
    survey = question.survey
    with transaction.atomic():
        public_survey_forget(survey)
        # Answers sent a moment ago are filed now, to be counted and removed too (one a
        # worker is filing is waited for). Before the lock below: a worker holds its
        # waiting rows until its commit, where it needs the questions.
        answers_file_pending(survey.responses.all())
        # Locked until the removal commits: answers filed from now on wait for it at
        # their commit, and fail (to be filed again without the question's answers).
        list(survey.questions.select_for_update().values_list("pk", flat=True))
        # Counted in the change's transaction: the caller is refused on today's numbers.
        removal = question_removal(question=question)
        if removal.loses_data and not confirmed:
            raise RemovalRefused(removal)
        seen = seen or RemovalSeen()
        grown = seen.grown(removal)
        if grown:
            raise RemovalOutdated(grown, removal)
        _total, deleted = question.delete()
        # What was deleted is checked against what the caller saw, and undone if more:
        # filing waits for the lock above, but answers have other writers (an import of
        # history, the demo) that take no lock.
        removal = QuestionRemoval(
            answers=deleted.get(Answer._meta.label, 0),
            follow_ups=deleted.get(Question._meta.label, 1) - 1,
        )
        grown = seen.grown(removal)
        if grown:
            raise RemovalOutdated(grown, removal)
        audit_record(
            business=survey.business, actor=actor, action="question.delete",
            target=str(question.uuid),
            detail={"survey": str(survey.uuid), "answers": removal.answers,
                    "follow_ups": removal.follow_ups},
        )  # fmt: skip
        positions_close_up(survey=survey)
    return removal


def positions_close_up(*, survey: Survey) -> None:
    """Inside the change's transaction: number the survey's questions 1..n again, in their
    order, after a removal left gaps (its follow-ups may leave several). Three queries
    however many questions: the order read once, the questions that move parked, then
    every new position set by one UPDATE."""
    order = survey.questions.order_by("position").values_list("pk", "position")
    moves = {pk: new for new, (pk, old) in enumerate(order, start=1) if new != old}
    if not moves:
        return
    moving = Question.objects.filter(business_id=survey.business_id, pk__in=list(moves))
    moving.update(position=F("position") + PARKED)
    moving.update(position=Case(*(When(pk=pk, then=Value(new)) for pk, new in moves.items())))


def question_move(*, question: Question, offset: int) -> None:
    """Swap a question with its neighbour; a follow-up never moves above what it depends on."""
    survey = question.survey
    neighbour = survey.questions.filter(position=question.position + offset).first()
    if neighbour is None:
        return
    first, second = sorted([question, neighbour], key=lambda q: q.position)
    if second.show_if_question_id == first.pk:
        raise ApplicationError(
            _("A follow-up must stay below the question it depends on."),
            errors={"position": [_("A follow-up must stay below the question it depends on.")]},
        )
    with transaction.atomic():
        public_survey_forget(survey)
        parked = question.position  # see PARKED
        Question.objects.filter(pk=question.pk).update(position=F("position") + PARKED)
        Question.objects.filter(pk=neighbour.pk).update(position=parked)
        Question.objects.filter(pk=question.pk).update(position=neighbour.position)


def clean_fields(data: QuestionInput) -> dict:
    choice_kind = data.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
    return {
        "kind": data.kind,
        "prompt": data.prompt.strip(),
        "required": data.required,
        "choices": clean_choices(data.choices) if choice_kind else [],
        "pillar": data.pillar if data.kind == QuestionKind.TRUST else "",
        **condition_fields(data),
    }


def condition_fields(data: QuestionInput) -> dict:
    """The condition as stored: the range for a follow-up of a scale, the options for one
    of a choice question, never both (the edit form sends back the other part as stored
    when the question followed changes: condition_errors lets it through, it goes here)."""
    source = data.show_if_question
    numbers = source is not None and source.kind in SCALES
    options = source is not None and source.kind in CHOICE_KINDS
    return {
        "show_if_question": source,
        "show_if_min": data.show_if_min if numbers else None,
        "show_if_max": data.show_if_max if numbers else None,
        "show_if_choices": data.show_if_choices if options else [],
    }


def clean_choices(choices: list[str]) -> list[str]:
    seen: list[str] = []
    for choice in (c.strip() for c in choices):
        if choice and choice not in seen:
            seen.append(choice)
    return seen


def question_check(
    *, survey: Survey, data: QuestionInput, position: int | None, current: Question | None = None
) -> None:
    """Refuse a question that could not be answered sensibly, naming each field at fault.
    `current`: the question as stored, when `data` would change it."""
    errors: dict[str, list[str]] = {}
    if data.kind not in QuestionKind.values:
        errors["kind"] = [_("Choose a question type.")]
    elif current is not None:
        errors.update(kind_change_errors(question=current, kind=data.kind))
    if not data.prompt.strip():
        errors["prompt"] = [_("Write the question.")]
    elif len(data.prompt.strip()) > 500:
        errors["prompt"] = [_("Keep the question under 500 characters.")]
    choices = clean_choices(data.choices)
    if data.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        if len(choices) < 2:
            errors["choices"] = [_("Give at least two different options.")]
        elif len(choices) > MAX_CHOICES or any(len(c) > 200 for c in choices):
            errors["choices"] = [_("At most 20 options of up to 200 characters each.")]
    if data.kind == QuestionKind.TRUST and data.pillar not in TrustPillar.values:
        errors["pillar"] = [_("Choose the pillar of trust this item measures.")]
    errors.update(condition_errors(survey=survey, data=data, position=position, current=current))
    if errors:
        raise ApplicationError(_("Some fields need another look."), errors=errors)


def condition_errors(
    *, survey: Survey, data: QuestionInput, position: int | None, current: Question | None = None
) -> dict:
    source = data.show_if_question
    if source is None:
        return typed_without_source(data, current)
    if source.survey_id != survey.pk or (position is not None and source.position >= position):
        return {
            "show_if_question": [_("A follow-up depends on an earlier question of this survey.")]
        }
    if source.kind in SCALES:
        message = _("The question this follows is a scale: give a range of numbers, not options.")
        mismatched = typed_anew(data, current, ("show_if_choices",), message)
        return mismatched or range_errors(data, *SCALES[source.kind])
    if source.kind in CHOICE_KINDS:
        message = _(
            "The question this follows offers options: pick some of them, not a range of numbers."
        )
        mismatched = typed_anew(data, current, ("show_if_min", "show_if_max"), message)
        return mismatched or options_errors(data, source)
    return {"show_if_question": [_("A follow-up can depend on a scale or a choice question.")]}


def range_errors(data: QuestionInput, low: int, high: int) -> dict:
    """A follow-up of a scale: which of its numbers lead to it."""
    bounds = [b for b in (data.show_if_min, data.show_if_max) if b is not None]
    if not bounds:
        return {"show_if_min": [_("Say which answers lead to this follow-up.")]}
    if any(not low <= b <= high for b in bounds):
        return {
            "show_if_min": [_("Use numbers from %(low)d to %(high)d.") % {"low": low, "high": high}]
        }
    if (
        data.show_if_min is not None
        and data.show_if_max is not None
        and data.show_if_min > data.show_if_max
    ):
        return {"show_if_max": [_("The upper bound is below the lower one.")]}
    return {}


def options_errors(data: QuestionInput, source: Question) -> dict:
    """A follow-up of a choice question: which of its options lead to it."""
    if not data.show_if_choices or any(c not in source.choices for c in data.show_if_choices):
        return {"show_if_choices": [_("Pick options of the earlier question.")]}
    return {}


def typed_without_source(data: QuestionInput, current: Question | None) -> dict:
    """A range or options given for an always-asked question would be dropped without a
    word (the owner meant a follow-up and forgot which question it follows): refuse them
    by the field they were typed in. Those the question has already are its condition as
    the edit form shows it, being removed with "Always ask": they go."""
    message = _(
        'These answers need a question to follow: choose it in "Ask only after", or leave '
        "this empty."
    )
    return typed_anew(data, current, ("show_if_min", "show_if_max", "show_if_choices"), message)


def typed_anew(
    data: QuestionInput, current: Question | None, names: tuple[str, ...], message: str
) -> dict:
    """`message` on each of the condition fields `names` that would be dropped without a
    word, given and not what the question has already: an edit form sends its stored
    condition back, and that is dropped quietly (see condition_fields)."""
    errors = {}
    for name in names:
        value = getattr(data, name)
        stored = getattr(current, name) if current is not None else None
        if name == "show_if_choices":
            value, stored = list(value), list(stored or [])
        if value not in (None, []) and value != stored:
            errors[name] = [message]
    return errors
