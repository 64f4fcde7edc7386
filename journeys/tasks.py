"""Keeping the journey roll-up current (see rollups.py for what is built when)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Business
from cxplatform.celery import enqueue_on_commit

from .models import RollupState
from .rollups import rollup_advance, rollup_build, zone_of

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY = {"acks_late": True, "reject_on_worker_lost": True, "retry_backoff": 5,
         "retry_backoff_max": 600, "max_retries": 5}  # fmt: skip


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def rollup_rebuild(business_id: int) -> int:
    """Rebuild one business's whole roll-up. Idempotent: it replaces what is there."""
    business = Business.objects.filter(pk=business_id).first()
    return rollup_build(business=business) if business else 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollups_advance() -> int:
    """Every five minutes: one task per business (see rollup_advance_business), so one
    business's failure or size never holds up the others. Returns how many were sent."""
    business_ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    for business_id in business_ids:
        rollup_advance_business.delay(business_id)
    return len(business_ids)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def rollup_advance_business(business_id: int) -> int:
    """Add the days that closed since the last run and today so far (see
    rollups.rollup_advance); return the cells written. Two at once for one business wait
    for each other at the state row's lock, and the second finds little to do."""
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return 0
    with transaction.atomic():
        # Locked first, so no other build commits between this read and the advance:
        # the days before `changed_from` are then those of the build `previous`.
        before = RollupState.objects.select_for_update().filter(business=business).first()
        built = rollup_advance(business=business)
        # In the same transaction: a roll-up built from this one (metrics.KpiDay) is
        # never seen behind it, so its readers never fall back to this one.
        for hook_path in settings.JOURNEYS_AFTER_ADVANCE:
            import_string(hook_path)(
                business=business,
                previous=before.built_at if before else None,
                changed_from=advanced_from(before),
            )
    return built


def advanced_from(state: RollupState | None) -> date | None:
    """The first day an advance may rewrite: the day after the last closed one built
    (None: no build yet, so it builds everything)."""
    if state is None or state.built_through is None:
        return None
    return state.built_through + timedelta(days=1)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollups_rebuild_all() -> int:
    """Nightly: rebuild every business, one task each, to take in what changed old days
    (late scores, imported purchases, erased customers)."""
    business_ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    for business_id in business_ids:
        rollup_rebuild.delay(business_id)
    return len(business_ids)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def rollup_rebuild_from(business_id: int, first: str) -> int:
    """Rebuild one business's roll-up from the day `first` (ISO) on. Idempotent."""
    business = Business.objects.filter(pk=business_id).first()
    return rollup_build(business=business, first=date.fromisoformat(first)) if business else 0


def rollup_take_in_late(*, oldest: dict[int, datetime]) -> None:
    """A hook after scoring (settings.TEXTANALYSIS_AFTER_SCORES): a text dated on a part
    of a day its business's roll-up holds already (a review published yesterday, fetched
    and scored today) is taken in by rebuilding from its day. Texts heard just now never
    are: the roll-up stops CLOSE_AFTER ago and before the first text waiting for a score.
    One query for the batch."""
    states = (
        RollupState.objects.filter(business_id__in=list(oldest))
        .exclude(built_through=None)
        .select_related("business")
    )
    for state in states:  # the businesses of one batch: one, as a rule
        written = oldest[state.business_id]
        day = timezone.localtime(written, zone_of(state.business)).date()
        on_built_part = day <= state.built_through or (
            state.built_until is not None and written < state.built_until
        )
        if on_built_part:
            enqueue_on_commit(rollup_rebuild_from, state.business_id, day.isoformat())


def rollup_rebuild_later(*, business_id: int) -> None:
    """A hook for apps that change old voices (textanalysis after a rescore)."""
    enqueue_on_commit(rollup_rebuild, business_id)
