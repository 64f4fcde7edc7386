"""Building surveys: from a template or blank, questions added, edited, moved, removed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Max
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Business, User
from accounts.services import audit_record
from cxplatform.errors import ApplicationError
from journeys.models import Touchpoint

from ..answers import SCALES
from ..catalog import TEMPLATES, TRUST_ITEMS, QuestionSpec
from ..models import Question, QuestionKind, Survey, SurveyStatus, TrustPillar
from ..selectors import public_survey_forget
from ..touchpoints import touchpoint_for_key, touchpoint_resolve

SURVEY_FIELDS = {
    "name", "intro", "privacy_note", "touchpoint", "status", "allow_anonymous", "language",
    "invite_after_purchase_hours", "reminder_after_hours",
}  # fmt: skip
MAX_CHOICES = 20


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
    made: list[Question] = []
    with transaction.atomic(), translation.override(survey.written_language):
        position = _survey_changing(survey)
        for spec in specs:
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
            position += 1
            made.append(_question_insert(survey=survey, data=data, position=position))
    return made


def trust_items_add(*, survey: Survey) -> list[Question]:
    return questions_add_from_specs(survey=survey, specs=TRUST_ITEMS)


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
    question_check(survey=question.survey, data=data, position=question.position)
    for name, value in clean_fields(data).items():
        setattr(question, name, value)
    with transaction.atomic():
        public_survey_forget(question.survey)
        question.save()
    return question


def question_delete(*, question: Question) -> None:
    """Remove a question (its follow-ups go with it) and close the gap in positions."""
    survey = question.survey
    with transaction.atomic():
        public_survey_forget(survey)
        question.delete()
        for position, pk in enumerate(
            survey.questions.order_by("position").values_list("pk", flat=True), start=1
        ):
            Question.objects.filter(pk=pk).update(position=position)


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
        # Park one out of the way: SQLite cannot defer the unique (survey, position) check.
        parked = question.position
        Question.objects.filter(pk=question.pk).update(position=F("position") + 10_000)
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
        "show_if_question": data.show_if_question,
        "show_if_min": data.show_if_min if data.show_if_question else None,
        "show_if_max": data.show_if_max if data.show_if_question else None,
        "show_if_choices": data.show_if_choices if data.show_if_question else [],
    }


def clean_choices(choices: list[str]) -> list[str]:
    seen: list[str] = []
    for choice in (c.strip() for c in choices):
        if choice and choice not in seen:
            seen.append(choice)
    return seen


def question_check(*, survey: Survey, data: QuestionInput, position: int | None) -> None:
    """Refuse a question that could not be answered sensibly, naming each field at fault."""
    errors: dict[str, list[str]] = {}
    if data.kind not in QuestionKind.values:
        errors["kind"] = [_("Choose a question type.")]
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
    errors.update(condition_errors(survey=survey, data=data, position=position))
    if errors:
        raise ApplicationError(_("Some fields need another look."), errors=errors)


def condition_errors(*, survey: Survey, data: QuestionInput, position: int | None) -> dict:
    source = data.show_if_question
    if source is None:
        return {}
    if source.survey_id != survey.pk or (position is not None and source.position >= position):
        return {
            "show_if_question": [_("A follow-up depends on an earlier question of this survey.")]
        }
    if source.kind in SCALES:
        low, high = SCALES[source.kind]
        bounds = [b for b in (data.show_if_min, data.show_if_max) if b is not None]
        if not bounds:
            return {"show_if_min": [_("Say which answers lead to this follow-up.")]}
        if any(not low <= b <= high for b in bounds):
            return {
                "show_if_min": [
                    _("Use numbers from %(low)d to %(high)d.") % {"low": low, "high": high}
                ]
            }
        if (
            data.show_if_min is not None
            and data.show_if_max is not None
            and data.show_if_min > data.show_if_max
        ):
            return {"show_if_max": [_("The upper bound is below the lower one.")]}
        return {}
    if source.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        if not data.show_if_choices or any(c not in source.choices for c in data.show_if_choices):
            return {"show_if_choices": [_("Pick options of the earlier question.")]}
        return {}
    return {"show_if_question": [_("A follow-up can depend on a scale or a choice question.")]}
