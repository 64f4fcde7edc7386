"""The retention task through a real Celery worker, Redis and PostgreSQL: rows written
fourteen months ago (a real clock offset) are anonymised, and a second night changes
nothing."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Business
from customers.models import Customer, Purchase
from feedback.models import Answer, QuestionKind, Response
from privacy.tasks import retention_sweep
from tests.workers import WAIT_SECONDS, Worker

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

LONG_AGO = timedelta(days=14 * 31)
# What each run returned (rows changed), as the worker logs it.
RUN_RESULT = re.compile(r"retention_apply_business\[[^\]]+\] succeeded in [^:]+: (\d+)")


def old_customer(business, survey, name: str) -> Customer:
    """Written straight to the tables: nothing to score, nothing enqueued."""
    moment = timezone.now() - LONG_AGO
    customer = Customer.objects.create(
        business=business, name=name, email=f"{name.split()[0].lower()}@example.net",
        created_at=moment,
    )  # fmt: skip
    Purchase.objects.create(
        business=business, customer=customer, purchased_at=moment, amount=Decimal("5")
    )
    response = Response.objects.create(
        business=business, survey=survey, customer=customer, created_at=moment
    )
    for question in survey.questions.all():
        is_text = question.kind == QuestionKind.TEXT
        Answer.objects.create(
            business=business, response=response, question=question, created_at=moment,
            number=None if is_text else 8, text=f"{name} wrote this long ago." if is_text else "",
            sentiment_score=0.4 if is_text else None, sentiment_label="positive" if is_text else "",
        )  # fmt: skip
    return customer


def wait_for(condition, worker: Worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} never happened:\n{worker.log()}")


def test_a_real_worker_applies_the_retention_period_once(
    business_a, business_b, survey_a, survey_b, worker
):
    olga = old_customer(business_a, survey_a, "Olga Oldfield")
    b_olga = old_customer(business_b, survey_b, "Olga Oldfield")
    Business.objects.filter(pk=business_a.pk).update(retention_months=12)
    worker.start()

    retention_sweep.delay()

    wait_for(
        lambda: AuditEntry.objects.filter(action="retention.anonymise").exists(),
        worker, "the anonymisation",
    )  # fmt: skip
    olga.refresh_from_db()
    assert (olga.name, olga.email) == ("", "") and olga.erased_at is not None
    assert set(Answer.objects.filter(response__customer=olga).values_list("text", flat=True)) == {
        ""
    }
    assert Answer.objects.get(response__customer=olga, number=None).sentiment_score == 0.4
    b_olga.refresh_from_db()
    assert b_olga.name == "Olga Oldfield"

    retention_sweep.delay()

    wait_for(lambda: len(RUN_RESULT.findall(worker.log())) == 2, worker, "the second night")
    first, second = (int(changed) for changed in RUN_RESULT.findall(worker.log()))
    assert first > 0 and second == 0
    assert AuditEntry.objects.filter(action="retention.anonymise").count() == 1
