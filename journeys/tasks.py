"""Keeping the journey roll-up current (see rollups.py for what is built when)."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils.module_loading import import_string

from accounts.models import Business
from cxplatform.celery import enqueue_on_commit

from .models import RollupState
from .rollups import rollup_advance, rollup_build

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
    """Every five minutes: add the days that closed since the last run and today so far,
    for every business (see rollups.rollup_advance)."""
    built = 0
    for business in Business.objects.order_by("pk").iterator():
        with transaction.atomic():
            # Locked first, so no other build commits between this read and the advance:
            # the days before `changed_from` are then those of the build `previous`.
            before = RollupState.objects.select_for_update().filter(business=business).first()
            built += rollup_advance(business=business)
            # In the same transaction: a roll-up built from this one (metrics.KpiDay)
            # is never seen behind it, so its readers never fall back to this one.
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


def rollup_rebuild_later(*, business_id: int) -> None:
    """A hook for apps that change old voices (textanalysis after a rescore)."""
    enqueue_on_commit(rollup_rebuild, business_id)
