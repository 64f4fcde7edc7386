"""Keeping the purchase roll-up, the case outcomes and the CLV estimate current (queue
"rollups"). (The KPI roll-up follows every journey build itself: metrics.kpi_rollup.)

The case outcomes (metrics.case_outcomes) are rebuilt with the purchase roll-up, and at
once when a reader finds a day closed since their last build.

After purchases are written (customers.services.purchases_changed, after the commit), one
rebuild per business is scheduled PENDING_DELAY seconds later, however many purchases
arrive meanwhile: a cache key marks it pending and the task clears it when it starts, so
purchases written while it runs schedule the next one. A large import also schedules a
CLV fit. Every night both are redone for every business (beat, see settings), which also
catches anything a down broker dropped.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import Business
from journeys.tasks import RETRY, TRANSIENT_ERRORS

from .case_outcomes import case_outcomes_build
from .clv_fit import businesses_with_purchases, clv_fit_run
from .clv_jobs import clv_fit_job_run
from .purchases import purchase_rollup_build

logger = logging.getLogger(__name__)

# Purchases from a till arrive all day: gather them into one rebuild every few minutes.
PENDING_DELAY = 300
# Long enough that a rebuild is always pending while the key lives; short enough that a
# key left by a worker killed mid-task does not hold rebuilds back for long.
PENDING_TIMEOUT = PENDING_DELAY + 900
LARGE_IMPORT_PURCHASES = 1000


def pending_key(kind: str, business_id: int) -> str:
    return f"metrics:{kind}-pending:{business_id}"


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def purchase_rollup_rebuild(business_id: int) -> int:
    """Rebuild one business's purchase roll-up, and its case outcomes (a purchase may be
    a customer coming back after a case). Idempotent: it replaces what is there."""
    cache.delete(pending_key("rollup", business_id))
    business = Business.objects.filter(pk=business_id).first()
    if business is None:
        return 0
    return purchase_rollup_build(business=business) + case_outcomes_build(business=business)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def case_outcomes_refresh(business_id: int) -> int:
    """Rebuild one business's case outcomes (metrics.case_outcomes). Idempotent."""
    cache.delete(pending_key("outcomes", business_id))
    business = Business.objects.filter(pk=business_id).first()
    return case_outcomes_build(business=business) if business else 0


def case_outcomes_refresh_soon(*, business_id: int) -> None:
    """A reader found the case outcomes a day behind (or never built): rebuild them now,
    once however many requests notice, after the reader's transaction commits."""
    send_once_after_commit(case_outcomes_refresh, "outcomes", business_id)


def purchase_rollup_rebuild_later(*, business_id: int) -> None:
    """The business's days moved (a new time zone, settings.ACCOUNTS_AFTER_TIME_ZONE_CHANGE):
    rebuild its purchase roll-up and case outcomes now, after the commit, unless a rebuild
    is pending already (it reads the new zone when it runs)."""
    send_once_after_commit(purchase_rollup_rebuild, "rollup", business_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purchase_rollups_rebuild_all() -> int:
    """Nightly: rebuild every business, one task each."""
    business_ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    for business_id in business_ids:
        purchase_rollup_rebuild.delay(business_id)
    return len(business_ids)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def clv_fit(business_id: int) -> str:
    """Fit the predictive CLV of one business and store it (replacing the previous set);
    returns the status, "" when the business is gone."""
    cache.delete(pending_key("fit", business_id))
    business = Business.objects.filter(pk=business_id).first()
    return clv_fit_run(business=business).status if business else ""


@shared_task(acks_late=True, reject_on_worker_lost=True)
def clv_fit_job(job_id: int) -> None:
    """A fit someone asked for, followed step by step (metrics.clv_jobs). Not retried: a
    failed job says so and the person starts another."""
    clv_fit_job_run(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def clv_fit_all() -> int:
    """Nightly: one fit task for every business with purchases."""
    business_ids = list(businesses_with_purchases().values_list("pk", flat=True))
    for business_id in business_ids:
        clv_fit.delay(business_id)
    return len(business_ids)


def purchases_changed(*, business_id: int, purchases: int = 1) -> None:
    """The customers app's hook (settings.CUSTOMERS_AFTER_PURCHASES), called after a
    commit that wrote or deleted purchases: schedule one rebuild, and a fit after a large
    import, unless one is already pending."""
    send_once(purchase_rollup_rebuild, "rollup", business_id)
    if purchases >= LARGE_IMPORT_PURCHASES:
        send_once(clv_fit, "fit", business_id)


def send_once_after_commit(task, kind: str, business_id: int) -> None:
    """send_once(task, at once) when the current transaction commits."""
    transaction.on_commit(lambda: send_once(task, kind, business_id, at_once=True))


def send_once(task, kind: str, business_id: int, *, at_once: bool = False) -> bool:
    """Send `task(business_id)` in PENDING_DELAY seconds (or `at_once`) unless one is
    pending already."""
    key = pending_key(kind, business_id)
    if not cache.add(key, 1, timeout=PENDING_TIMEOUT):
        return False
    try:
        if at_once:
            task.apply_async(args=(business_id,))
        else:
            task.apply_async(args=(business_id,), countdown=PENDING_DELAY)
    except BrokerError:
        cache.delete(key)
        logger.warning("Broker unreachable; %s left for the nightly run", task.name)
        return False
    return True
