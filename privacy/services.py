"""Writes: a customer's export (recorded), erasure on request, and the retention period."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Business, User
from accounts.services import audit_record
from customers.models import Customer, Erasure
from cxplatform.batching import BATCH_SIZE
from feedback.filing import answers_file_pending

from . import scope as reach
from .anonymise import anonymise
from .scope import Scope
from .selectors import CustomerData, customer_data, idle_customer_batches
from .serializers import CustomerExportSerializer


@dataclass(frozen=True)
class CustomerExport:
    exported_at: datetime
    business: str
    data: CustomerData


def customer_export(
    *, business: Business, customer: Customer, actor: User | None, detail: dict | None = None
) -> dict:
    """Everything held about the customer, as JSON-ready data; the export is audited.
    Answers still waiting to be filed are filed first, so the export has them."""
    answers_file_pending(reach.responses(Scope.of_customer(business=business, customer=customer)))
    export = CustomerExport(
        timezone.now(), business.name, customer_data(business=business, customer=customer)
    )
    audit_record(
        business=business, actor=actor, action="customer.export", target=str(customer.uuid),
        detail=detail,
    )  # fmt: skip
    return CustomerExportSerializer(export).data


def customer_erase(
    *, business: Business, customer: Customer, actor: User | None, detail: dict | None = None
) -> tuple[Erasure, bool]:
    """Erase the customer's personal data and words, all or nothing; True when this call
    removed anything. Asked again, it changes nothing and returns the earlier record."""
    with transaction.atomic():
        # Two clicks at once: the second waits here, then finds nothing left to remove.
        customer = Customer.objects.select_for_update().get(business=business, pk=customer.pk)
        counts = anonymise(Scope.of_customer(business=business, customer=customer))
        earlier = Erasure.objects.filter(business=business, customer=customer).first()
        if earlier is not None and not any(counts.values()):
            return earlier, False
        erasure = Erasure.objects.create(
            business=business, customer=customer, erased_by=actor, counts=counts
        )
        audit_record(
            business=business, actor=actor, action="customer.erase", target=str(customer.uuid),
            detail={**(detail or {}), "counts": counts},
        )  # fmt: skip
    return erasure, True


def retention_apply(*, business_id: int, now: datetime | None = None) -> dict[str, int]:
    """Anonymise what the business keeps past its retention period: every text written
    before the cut-off, then the customers not heard from since, a batch of them at a
    time (a short list of ids keeps every query on an index). Returns rows changed per
    place ({} when the business keeps everything). Each batch commits on its own, so a
    run stopped half-way leaves whole rows and the next run goes on from there."""
    business = Business.objects.filter(pk=business_id).first()
    if business is None or business.retention_months is None:
        return {}
    before = months_before(now or timezone.now(), business.retention_months)
    counts = anonymise(Scope(business=business, customer_ids=[], before=before))
    for batch in idle_customer_batches(business=business, moment=before, size=BATCH_SIZE):
        for place, changed in anonymise(Scope(business=business, customer_ids=batch)).items():
            counts[place] += changed
    if any(counts.values()):
        audit_record(
            business=business, actor=None, action="retention.anonymise",
            detail={"before": before.isoformat(), "counts": counts},
        )  # fmt: skip
    return counts


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day
    when it is shorter: 31 March less one month is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
