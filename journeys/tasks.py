"""Keeping the journey roll-up current (see rollups.py for what is built when)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.models import Business
from cxplatform.celery import enqueue_on_commit

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
    return rollup_advance(business=business) if business else 0


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rollups_rebuild_all() -> int:
    """Nightly: rebuild every business, one task each, to take in what changed old days
    (late scores, imported purchases, erased customers)."""
    business_ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    for business_id in business_ids:
        rollup_rebuild.delay(business_id)
    return len(business_ids)


def rollup_rebuild_later(*, business_id: int) -> None:
    """A hook for apps that change old voices (textanalysis after a rescore) or the days
    they fall on (accounts after a change of time zone)."""
    enqueue_on_commit(rollup_rebuild, business_id)
