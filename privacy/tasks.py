"""The retention period, applied every night (beat: see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.models import Business

from .services import retention_apply

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def retention_sweep() -> int:
    """One task per business that set a retention period; returns how many."""
    business_ids = list(
        Business.objects.exclude(retention_months=None).order_by("pk").values_list("pk", flat=True)
    )
    for business_id in business_ids:
        retention_apply_business.delay(business_id)
    return len(business_ids)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS, acks_late=True, reject_on_worker_lost=True,
    retry_backoff=5, retry_backoff_max=600, max_retries=5,
)  # fmt: skip
def retention_apply_business(business_id: int) -> int:
    """Idempotent: a second delivery finds nothing left to anonymise."""
    return sum(retention_apply(business_id=business_id).values())
