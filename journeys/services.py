"""Writes: the journey, its stages and touchpoints (add, rename, reorder, archive)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Business
from cxplatform.errors import ApplicationError

from .catalog import stages_for
from .models import Journey, Stage, Touchpoint


def journey_create(*, business: Business) -> Journey:
    """The business's ready-made journey for its industry, named in its language."""
    with transaction.atomic(), translation.override(business.language):
        journey = Journey.objects.create(
            business=business, name=_("Customer journey"), template=business.industry
        )
        for stage_position, (stage_name, touchpoints) in enumerate(stages_for(business.industry)):
            stage = Stage.objects.create(
                business=business, journey=journey, name=_(stage_name), position=stage_position
            )
            Touchpoint.objects.bulk_create(
                Touchpoint(business=business, stage=stage, name=_(name), key=key, position=index)
                for index, (name, key) in enumerate(touchpoints)
            )
    return journey


def journey_ensure(*, business: Business) -> Journey:
    """The business's journey, made from its industry's template the first time."""
    journey = Journey.objects.filter(business=business).first()
    if journey is not None:
        return journey
    try:
        return journey_create(business=business)
    except IntegrityError:
        # Two first visits at once: the other request made it (one journey per business).
        return Journey.objects.get(business=business)


def stage_add(*, journey: Journey, name: str) -> Stage:
    last = journey.stages.aggregate(last=Max("position"))["last"]
    return Stage.objects.create(
        business_id=journey.business_id,
        journey=journey,
        name=_clean_name(name, field="name"),
        position=0 if last is None else last + 1,
    )


def stage_rename(*, stage: Stage, name: str) -> Stage:
    stage.name = _clean_name(name, field="name")
    stage.save(update_fields=["name"])
    return stage


def stage_archive(*, stage: Stage) -> Stage:
    """Take a stage off the map; its touchpoints go with it and keep their history."""
    if stage.archived_at is not None:
        return stage  # keep the first time: restoring brings back what went with it then
    now = timezone.now()
    with transaction.atomic():
        stage.archived_at = now
        stage.save(update_fields=["archived_at"])
        stage.touchpoints.filter(archived_at=None).update(archived_at=now)
    return stage


def stage_restore(*, stage: Stage) -> Stage:
    """Bring a stage back with the touchpoints archived together with it (same moment);
    those archived on their own before stay archived."""
    if stage.archived_at is None:
        return stage
    with transaction.atomic():
        stage.touchpoints.filter(archived_at=stage.archived_at).update(archived_at=None)
        stage.archived_at = None
        stage.save(update_fields=["archived_at"])
    return stage


def stages_reorder(*, journey: Journey, order: Sequence[str]) -> None:
    """Put the journey's stages in the order of `order` (stage uuids, all of them)."""
    with transaction.atomic():
        stages = list(journey.stages.select_for_update())
        by_uuid = {str(stage.uuid): stage for stage in stages}
        if sorted(map(str, order)) != sorted(by_uuid):
            raise ApplicationError(
                _("Give every stage of the journey exactly once."),
                errors={"order": [_("List each one exactly once.")]},
            )
        _renumber([by_uuid[str(uuid)] for uuid in order], Stage)


def stage_move(*, stage: Stage, offset: int) -> None:
    """Swap a stage with its live neighbour above (-1) or below (+1); archived stages keep
    their places, so a restored stage comes back where it was."""
    with transaction.atomic():
        stages = list(Stage.objects.filter(journey_id=stage.journey_id).select_for_update())
        _renumber(_moved(stages, stage, offset), Stage)


def touchpoint_add(*, stage: Stage, name: str) -> Touchpoint:
    if stage.archived_at is not None:
        raise ApplicationError(
            _("This stage is archived: restore it before adding touchpoints."),
            errors={"stage": [_("This stage is archived.")]},
        )
    last = stage.touchpoints.aggregate(last=Max("position"))["last"]
    return Touchpoint.objects.create(
        business_id=stage.business_id,
        stage=stage,
        name=_clean_name(name, field="name"),
        position=0 if last is None else last + 1,
    )


def touchpoint_update(
    *, touchpoint: Touchpoint, name: str, stage: Stage | None = None
) -> Touchpoint:
    """Rename a touchpoint, or move it to another stage of the same journey (at the end)."""
    touchpoint.name = _clean_name(name, field="name")
    fields = ["name"]
    if stage is not None and stage.pk != touchpoint.stage_id:
        if stage.journey_id != touchpoint.stage.journey_id:
            raise ApplicationError(_("Unknown stage."), errors={"stage": [_("Unknown stage.")]})
        if stage.archived_at is not None:
            raise ApplicationError(
                _("This stage is archived: restore it before moving touchpoints to it."),
                errors={"stage": [_("This stage is archived.")]},
            )
        last = stage.touchpoints.aggregate(last=Max("position"))["last"]
        touchpoint.stage = stage
        touchpoint.position = 0 if last is None else last + 1
        fields += ["stage", "position"]
    touchpoint.save(update_fields=fields)
    return touchpoint


def touchpoint_archive(*, touchpoint: Touchpoint) -> Touchpoint:
    """Staff and new surveys can no longer pick it; everything it heard stays on the map."""
    if touchpoint.archived_at is not None:
        return touchpoint
    touchpoint.archived_at = timezone.now()
    touchpoint.save(update_fields=["archived_at"])
    return touchpoint


def touchpoint_restore(*, touchpoint: Touchpoint) -> Touchpoint:
    if touchpoint.stage.archived_at is not None:
        raise ApplicationError(
            _("Its stage is archived: restore the stage first."),
            errors={"stage": [_("This stage is archived.")]},
        )
    touchpoint.archived_at = None
    touchpoint.save(update_fields=["archived_at"])
    return touchpoint


def touchpoints_reorder(*, stage: Stage, order: Sequence[str]) -> None:
    with transaction.atomic():
        touchpoints = list(stage.touchpoints.select_for_update())
        by_uuid = {str(touchpoint.uuid): touchpoint for touchpoint in touchpoints}
        if sorted(map(str, order)) != sorted(by_uuid):
            raise ApplicationError(
                _("Give every touchpoint of the stage exactly once."),
                errors={"order": [_("List each one exactly once.")]},
            )
        _renumber([by_uuid[str(uuid)] for uuid in order], Touchpoint)


def touchpoint_move(*, touchpoint: Touchpoint, offset: int) -> None:
    """Swap a touchpoint with its live neighbour in its stage (-1 up, +1 down)."""
    with transaction.atomic():
        siblings = list(Touchpoint.objects.filter(stage_id=touchpoint.stage_id).select_for_update())
        _renumber(_moved(siblings, touchpoint, offset), Touchpoint)


def _moved(items: list, item, offset: int) -> list:
    """`items` with `item` swapped with the nearest live one `offset` (+1/-1) away; archived
    ones stay where they are. Unchanged at either end."""
    live = [index for index, each in enumerate(items) if each.archived_at is None]
    at = next((k for k, index in enumerate(live) if items[index].pk == item.pk), None)
    if at is None or not 0 <= at + offset < len(live):
        return items
    mine, theirs = live[at], live[at + offset]
    items = list(items)
    items[mine], items[theirs] = items[theirs], items[mine]
    return items


def _renumber(items: list, model) -> None:
    for position, item in enumerate(items):
        item.position = position
    model.objects.bulk_update(items, ["position"])


def _clean_name(name: str, *, field: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ApplicationError(_("Give it a name."), errors={field: [_("This field is required.")]})
    if len(name) > 100:
        raise ApplicationError(
            _("That name is too long."), errors={field: [_("At most 100 characters.")]}
        )
    return name
