"""Keeping the purchase roll-up and the CLV estimate current: the live hook, the command,
the nightly tasks, the fit against metrics.clv called directly, and revenue at risk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from kombu.exceptions import OperationalError as BrokerError

from accounts.services import business_create
from customers.imports import import_start, import_upload
from customers.models import Purchase
from customers.services import PurchaseInput, customer_delete, purchase_record, purchases_record
from feedback.models import Answer, QuestionKind
from journeys.rollups import local_today
from metrics import clv, tasks
from metrics.clv_fit import (
    MIN_REPEAT_CUSTOMERS,
    clv_fit_run,
    customer_summaries,
    revenue_at_risk_compute,
)
from metrics.filters import KpiFilters, Period
from metrics.models import (
    ClvFit,
    ClvStatus,
    CustomerValue,
    PurchaseDay,
    PurchaseMonth,
    PurchaseRollupState,
)
from metrics.purchases import (
    predicted_clv,
    purchase_kpis_context,
    purchase_rollup_build,
    retention,
    revenue_at_risk,
)
from tests.factories import CustomerFactory
from tests.helpers import answer

pytestmark = pytest.mark.django_db

D = timedelta(days=1)


def snapshot(business) -> list[tuple]:
    days = PurchaseDay.objects.filter(business=business).values_list(
        "location_id", "day", "purchases", "revenue", "other_currency_purchases", "visits",
        "new_customers", "repeat_customers", "started", "lapsed", "active",
        "customers_to_date", "repeat_customers_to_date",
    )  # fmt: skip
    months = PurchaseMonth.objects.filter(business=business).values_list(
        "location_id", "cohort", "month", "customers"
    )
    return sorted(days, key=str) + sorted(months, key=str)


def bought(business, customer, day: date, amount: str = "5.00") -> Purchase:
    return Purchase.objects.create(
        business=business, customer=customer, purchased_at=at_noon(day), amount=Decimal(amount)
    )


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def record(business, customer, day: date, amount: str = "10.00", **extra):
    data = PurchaseInput(customer=customer, purchased_at=at_noon(day), amount=Decimal(amount),
                         **extra)  # fmt: skip
    return purchase_record(business=business, data=data)


# --- the roll-up ------------------------------------------------------------------------------


def test_the_live_task_keeps_what_the_command_rebuilds(
    business_a, django_capture_on_commit_callbacks
):
    ann, ben = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    with django_capture_on_commit_callbacks(execute=True):
        record(business_a, ann, date(2025, 1, 10))
        record(business_a, ben, date(2025, 2, 1), currency="usd")
    kept = snapshot(business_a)
    assert kept and PurchaseRollupState.objects.get(business=business_a).purchases == 2
    with django_capture_on_commit_callbacks(execute=True):  # a later purchase, live
        record(business_a, ann, date(2025, 3, 5), "30.00")
    kept = snapshot(business_a)
    assert sum(row[2] for row in kept if len(row) > 4 and row[0] is None) == 3
    PurchaseDay.objects.filter(business=business_a).delete()
    call_command("rebuild_purchase_rollups", str(business_a.uuid))
    assert snapshot(business_a) == kept


def test_the_command(business_a, business_b, capsys):
    record(business_a, CustomerFactory(business=business_a), date(2025, 1, 10))
    call_command("rebuild_purchase_rollups")
    out = capsys.readouterr().out
    assert "Alice's Café" in out and "Charlie's Salon" in out
    assert PurchaseDay.objects.filter(business=business_a).exists()
    assert not ClvFit.objects.exists()
    call_command("rebuild_purchase_rollups", str(business_a.uuid), "--fit")
    assert "CLV fit too_few" in capsys.readouterr().out
    assert ClvFit.objects.get().business == business_a
    with pytest.raises(CommandError, match="Not a business uuid"):
        call_command("rebuild_purchase_rollups", "nope")
    with pytest.raises(CommandError, match="not businesses"):
        call_command("rebuild_purchase_rollups", "00000000-0000-4000-8000-000000000000")


def test_a_batch_of_purchases_schedules_one_rebuild(
    business_a, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.purchase_rollup_rebuild, "apply_async", lambda **kw: sent.append(kw))
    cyd = CustomerFactory(business=business_a)
    items = [PurchaseInput(customer=cyd, purchased_at=at_noon(date(2025, 7, d)),
                           amount=Decimal("2.00")) for d in (1, 2, 3)]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        purchases_record(business=business_a, items=items)
    assert sent == [{"args": (business_a.pk,), "countdown": tasks.PENDING_DELAY}]
    with django_capture_on_commit_callbacks(execute=True):  # still pending: nothing new
        record(business_a, cyd, date(2025, 7, 4))
    assert len(sent) == 1
    cache.delete(tasks.pending_key("rollup", business_a.pk))  # as the task does when it starts
    with django_capture_on_commit_callbacks(execute=True):
        record(business_a, cyd, date(2025, 7, 5))
    assert len(sent) == 2


def test_a_batch_is_heard_once_with_its_size(
    business_a, django_capture_on_commit_callbacks, monkeypatch
):
    """One hook call per batch, counting its purchases: a large point-of-sale batch gets
    a refit like a large import, and 1,000 purchases are not 1,000 callbacks."""
    monkeypatch.setattr(
        settings, "CUSTOMERS_AFTER_PURCHASES", ["tests.metrics.test_purchase_rollups.hear"]
    )
    heard.clear()
    cyd = CustomerFactory(business=business_a)
    items = [PurchaseInput(customer=cyd, purchased_at=at_noon(date(2025, 7, d)),
                           amount=Decimal("2.00")) for d in (1, 2, 3)]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        purchases_record(business=business_a, items=items)
    assert heard == [{"business_id": business_a.pk, "purchases": 3}]


heard: list[dict] = []  # what `hear`, standing in as the purchases hook, was told


def hear(**kwargs) -> None:
    heard.append(kwargs)


def test_nothing_is_scheduled_before_the_commit(business_a, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.purchase_rollup_rebuild, "apply_async", lambda **kw: sent.append(kw))
    record(business_a, CustomerFactory(business=business_a), date(2025, 7, 1))
    assert sent == []  # the test's transaction never commits


def test_a_broker_down_leaves_nothing_pending(business_a, monkeypatch):
    def down(**kwargs):
        raise BrokerError("no broker")

    monkeypatch.setattr(tasks.purchase_rollup_rebuild, "apply_async", down)
    assert not tasks.send_once(tasks.purchase_rollup_rebuild, "rollup", business_a.pk)
    assert cache.get(tasks.pending_key("rollup", business_a.pk)) is None


def test_deleting_a_customer_takes_their_purchases_out(
    business_a, django_capture_on_commit_callbacks
):
    ann = CustomerFactory(business=business_a)
    with django_capture_on_commit_callbacks(execute=True):
        record(business_a, ann, date(2025, 7, 1))
    assert PurchaseDay.objects.filter(business=business_a).exists()
    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=ann)
    assert not PurchaseDay.objects.filter(business=business_a).exists()
    assert PurchaseRollupState.objects.get(business=business_a).purchases == 0


def test_an_import_rebuilds_and_a_large_one_refits(
    alice, business_a, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks, "LARGE_IMPORT_PURCHASES", 3)
    content = (
        b"Order ID,Date,Email,Total\n"
        b"A-1,2025-07-01,dana@example.com,12.50\n"
        b"A-2,2025-07-09,dana@example.com,7.50\n"
        b"A-3,2025-07-02,kim@example.com,5.00\n"
    )
    job = import_upload(business=business_a, user=alice, name="till.csv", content=content)
    with django_capture_on_commit_callbacks(execute=True):
        import_start(customer_import=job, mapping=job.mapping, options={"day_first": False})
    assert Purchase.objects.filter(business=business_a).count() == 3
    july = KpiFilters(period=Period(date(2025, 7, 1), date(2025, 7, 31)))
    assert retention(business=business_a, filters=july).new_customers == 2
    fit = ClvFit.objects.get(business=business_a)
    assert fit.status == ClvStatus.TOO_FEW


def test_the_nightly_tasks(business_a, business_b, charlie):
    record(business_a, CustomerFactory(business=business_a), date(2025, 7, 1))
    business_create(name="Empty", owner=charlie)
    assert tasks.purchase_rollups_rebuild_all.delay().get() == 3
    assert PurchaseRollupState.objects.count() == 3
    assert tasks.clv_fit_all.delay().get() == 1  # only the business with purchases
    assert ClvFit.objects.get().business == business_a
    assert tasks.purchase_rollup_rebuild.delay(10**9).get() == 0  # gone: nothing to do
    assert tasks.clv_fit.delay(10**9).get() == ""


# --- the CLV fit ------------------------------------------------------------------------------


def simulate(business, *, customers: int = 200, seed: int = 3, horizon: int = 300) -> None:
    """Customers who buy at their own rate and may drop out after each purchase (as BG/NBD
    assumes), spending around their own average; one in ten purchases in USD."""
    rng = np.random.default_rng(seed)
    today = local_today(business)
    rows = []
    for _ in range(customers):
        customer = CustomerFactory(business=business)
        rate, drop, spend = rng.gamma(2.0, 1 / 20), rng.beta(2, 6), rng.gamma(4, 5)
        day = int(rng.integers(0, horizon))
        while day <= horizon:
            amount = Decimal(str(round(float(rng.gamma(6, spend / 6)), 2)))
            currency = "USD" if rng.random() < 0.1 else "EUR"
            rows.append(Purchase(business=business, customer=customer, amount=amount,
                                 currency=currency,
                                 purchased_at=at_noon(today - (horizon - day) * D)))  # fmt: skip
            if rng.random() < drop:
                break
            day += int(np.ceil(rng.exponential(1 / rate)))
    Purchase.objects.bulk_create(rows)


def direct_summaries(business):
    """The same summaries from metrics.clv's own reference code, on the raw purchases."""
    purchases = Purchase.objects.filter(business=business, currency="EUR").order_by("pk")
    ids, stamps, amounts = zip(*purchases.values_list("customer_id", "purchased_at", "amount"),
                               strict=True)  # fmt: skip
    return clv.rfm_summary(ids, stamps, [float(a) for a in amounts],
                           as_of=local_today(business), tz=business.time_zone)  # fmt: skip


def test_the_fit_matches_metrics_clv_on_the_same_summaries(business_a):
    simulate(business_a)
    assert tasks.clv_fit.delay(business_a.pk).get() == ClvStatus.OK
    fit = ClvFit.objects.get(business=business_a)
    reference = direct_summaries(business_a)
    ours = customer_summaries(business=business_a, as_of=fit.as_of, currency="EUR")
    assert list(ours.customer_ids) == list(reference.index)
    for name in ("frequency", "recency", "T", "monetary"):
        assert getattr(ours, name) == pytest.approx(reference[name].to_numpy()), name
    x, t_x, age, m = (reference[n].to_numpy() for n in ("frequency", "recency", "T", "monetary"))
    bgnbd, gamma_gamma = clv.bgnbd_fit(x, t_x, age), clv.gamma_gamma_fit(x, m)
    assert fit.bgnbd == pytest.approx(bgnbd.as_dict(), rel=1e-9)
    assert fit.gamma_gamma == pytest.approx(gamma_gamma.as_dict(), rel=1e-9)
    assert (fit.currency, fit.customers_n, fit.repeat_customers_n) == (
        "EUR", len(reference), int((x > 0).sum())
    )  # fmt: skip
    values = clv.discounted_value(bgnbd, gamma_gamma, x, t_x, age, m)
    alive = clv.bgnbd_p_alive(bgnbd, x, t_x, age)
    stored = CustomerValue.objects.filter(business=business_a).order_by("customer_id")
    assert stored.count() == len(reference)
    assert [float(v.expected_value_12m) for v in stored] == pytest.approx(values, abs=0.006)
    assert [v.p_alive for v in stored] == pytest.approx(alive)
    assert fit.expected_value_12m == sum(v.expected_value_12m for v in stored)
    # At risk: still a customer (bought in the last 180 days) with P(alive) < 0.5.
    recent = (age - t_x) * 7 < 180
    assert fit.at_risk_rule == "p_alive"
    assert fit.at_risk_customers == int((recent & (alive < 0.5)).sum())
    assert stored.filter(at_risk=True).count() == fit.at_risk_customers


def test_a_second_fit_replaces_the_first(business_a):
    simulate(business_a, seed=5)
    first = clv_fit_run(business=business_a)
    values = list(CustomerValue.objects.values_list("customer_id", "expected_value_12m"))
    second = clv_fit_run(business=business_a)
    assert first.status == second.status == ClvStatus.OK
    assert sorted(CustomerValue.objects.values_list("customer_id", "expected_value_12m")) == sorted(
        values
    )
    assert set(CustomerValue.objects.values_list("fit", flat=True)) == {second.pk}
    assert second.bgnbd == first.bgnbd


def test_the_prediction_is_read_by_the_selector(business_a):
    simulate(business_a)
    fit = clv_fit_run(business=business_a)
    predicted = predicted_clv(business=business_a)
    assert predicted.ok and predicted.as_of == fit.as_of
    assert set(predicted.bgnbd) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert set(predicted.gamma_gamma) == {"p", "q", "v", "log_likelihood"}
    tops = [top.expected_value_12m for top in predicted.top]
    assert len(tops) == 10 and tops == sorted(tops, reverse=True)
    best = CustomerValue.objects.order_by("-expected_value_12m").first()
    assert tops[0] == best.expected_value_12m
    assert predicted.average_value_12m == (fit.expected_value_12m / fit.customers_n).quantize(
        Decimal("0.01")
    )


def section(business) -> str:
    today = local_today(business)
    filters = KpiFilters(period=Period(today - 29 * D, today))
    context = purchase_kpis_context(business=business, filters=filters)
    return " ".join(strip_tags(render_to_string("metrics/_customers.html", context)).split())


def test_the_section_shows_the_prediction_and_revenue_at_risk(business_a):
    simulate(business_a)
    purchase_rollup_build(business=business_a)
    fit = clv_fit_run(business=business_a)
    text = section(business_a)
    average = (fit.expected_value_12m / fit.customers_n).quantize(Decimal("0.01"))
    assert f"{average} EUR" in text
    assert f"{fit.expected_value_12m} EUR from all {fit.customers_n} customers" in text
    assert f"{fit.revenue_at_risk['no_score']['value']} EUR" in text  # nobody answered
    assert "Detractors (NPS 0-6)" in text
    assert f"At risk: {fit.at_risk_customers} active customers are probably drifting" in text


def test_too_few_repeat_customers_fall_back_to_the_gap_rule(business_a):
    today = local_today(business_a)

    def customer_on(*days_ago):
        customer = CustomerFactory(business=business_a)
        for ago in days_ago:
            bought(business_a, customer, today - ago * D)

    customer_on(100, 90)  # usual gap 10 days, last 90 days ago: at risk
    customer_on(30, 20)  # gap 10, last 20 days ago: not more than twice the gap
    customer_on(400, 390)  # gap 10 but gone (over 180 days): not a customer any more
    customer_on(50)  # one visit: no gap to judge by
    fit = clv_fit_run(business=business_a)
    assert fit.status == ClvStatus.TOO_FEW
    assert f"at least {MIN_REPEAT_CUSTOMERS}" in fit.message
    assert (fit.customers_n, fit.repeat_customers_n) == (4, 3)
    assert (fit.at_risk_rule, fit.at_risk_customers) == ("gap", 1)
    assert fit.bgnbd is None and not CustomerValue.objects.exists()
    assert predicted_clv(business=business_a).status == "too_few"
    purchase_rollup_build(business=business_a)
    risk = retention(business=business_a, filters=KpiFilters(Period(today - 29 * D, today))).at_risk
    assert (risk.customers, risk.rule, risk.as_of) == (1, "gap", today)
    assert revenue_at_risk(business=business_a).reason == fit.message
    text = section(business_a)
    assert "At risk: 1 active customer last bought more than twice their usual gap ago" in text
    assert fit.message in text


def test_a_fit_that_cannot_work_says_why(business_a):
    today = local_today(business_a)
    for _ in range(MIN_REPEAT_CUSTOMERS + 5):  # everyone exactly alike
        customer = CustomerFactory(business=business_a)
        for ago in (60, 30):
            bought(business_a, customer, today - ago * D)
    fit = clv_fit_run(business=business_a)
    assert fit.status == ClvStatus.FAILED
    assert "could not be made" in fit.message and fit.bgnbd is None


# --- revenue at risk ----------------------------------------------------------------------------


def nps(survey, customer, score: int, when: datetime) -> None:
    response = answer(survey, score)
    response.customer = customer
    response.save(update_fields=["customer"])
    Answer.objects.filter(response=response, question__kind=QuestionKind.NPS).update(
        created_at=when
    )


def test_revenue_at_risk_by_hand(business_a, survey_a, survey_b):
    fit = ClvFit.objects.create(business=business_a, as_of=date(2026, 1, 1), status="ok",
                                currency="EUR", fitted_at=timezone.now())  # fmt: skip
    people = {}
    for name, value, risky in (("Ann", "100.00", False), ("Bo", "50.00", False),
                               ("Cy", "20.00", False), ("Di", "30.00", False),
                               ("Ed", "40.00", True)):  # fmt: skip
        people[name] = CustomerFactory(business=business_a, name=name)
        CustomerValue.objects.create(
            business=business_a, fit=fit, customer=people[name], p_alive=0.3 if risky else 0.9,
            expected_purchases_12m=2, expected_value_12m=Decimal(value), currency="EUR",
            at_risk=risky,
        )  # fmt: skip
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    nps(survey_a, people["Ann"], 10, early)
    nps(survey_a, people["Ann"], 3, late)  # the latest answer counts: a detractor
    nps(survey_a, people["Bo"], 9, late)
    nps(survey_a, people["Cy"], 7, late)
    nps(survey_a, people["Ed"], 5, early)
    # Another business's answer for nobody here changes nothing.
    nps(survey_b, CustomerFactory(business=survey_b.business), 0, late)
    # Detractors: Ann 100 + Ed 40; passives Cy 20; promoters Bo 50; no score Di 30;
    # at risk Ed 40.
    assert revenue_at_risk_compute(fit=fit) == {
        "detractors": {"customers": 2, "value": "140.00"},
        "passives": {"customers": 1, "value": "20.00"},
        "promoters": {"customers": 1, "value": "50.00"},
        "no_score": {"customers": 1, "value": "30.00"},
        "at_risk": {"customers": 1, "value": "40.00"},
    }
    fit.revenue_at_risk = revenue_at_risk_compute(fit=fit)
    fit.save()
    read = revenue_at_risk(business=business_a)
    assert read.available and read.as_of == date(2026, 1, 1)
    assert (read.detractors.customers, read.detractors.value) == (2, Decimal("140.00"))
    assert (read.at_risk.value, read.promoters.value) == (Decimal("40.00"), Decimal("50.00"))
    assert not revenue_at_risk(business=survey_b.business).available


def test_the_fit_stores_revenue_at_risk(business_a, survey_a):
    simulate(business_a)
    some = CustomerValue.objects.none()
    fit = clv_fit_run(business=business_a)
    some = CustomerValue.objects.filter(fit=fit).order_by("pk")[:3]
    for value in some:
        nps(survey_a, value.customer, 2, datetime(2025, 6, 1, tzinfo=UTC))
    fit = clv_fit_run(business=business_a)
    detractors = fit.revenue_at_risk["detractors"]
    assert detractors["customers"] == 3
    expected = sum(
        CustomerValue.objects.filter(customer__in=[v.customer_id for v in some]).values_list(
            "expected_value_12m", flat=True
        )
    )
    assert Decimal(detractors["value"]) == expected
    at_risk = fit.revenue_at_risk["at_risk"]
    assert at_risk["customers"] == fit.at_risk_customers
