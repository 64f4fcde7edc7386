"""The case outcomes roll-up behind the recovery rate (metrics.case_outcomes): the same
hand-computed figures as the raw query, what happened after its cutoff counted from raw
rows, kept current by tasks, rebuilt by the command, and scoped to its business."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Purchase
from journeys import rollups
from journeys.rollups import CLOSE_AFTER, day_bounds, local_today
from metrics.care import Recovery, case_kpis, recovery, recovery_from_cases
from metrics.case_outcomes import case_outcomes_build, open_days_start, outcome_source
from metrics.filters import KpiFilters, Period
from metrics.models import CaseOutcome, CaseOutcomeState, CustomerRecovery, RecoveryDay
from metrics.tasks import purchase_rollup_rebuild
from tests.factories import CustomerFactory
from tests.metrics.test_care import (
    case,
    last_30_days,
    response_at,
)
from tests.metrics.test_care import kiosk as kiosk  # fixtures, re-exported
from tests.metrics.test_care import recovery_a as recovery_a
from tests.metrics.test_care import recovery_b as recovery_b
from tests.metrics.test_care import scored_survey as scored_survey

pytestmark = pytest.mark.django_db

D, H = timedelta(days=1), timedelta(hours=1)
HAND_COMPUTED = Recovery(
    customers=5, recovered=3, bought_again=2, answered_better=2, cases_without_customer=1
)


def read(business, filters) -> tuple[Recovery, bool]:
    """The recovery figures, and whether the outcome roll-up was read for them."""
    with CaptureQueriesContext(connection) as captured:
        figures = recovery(business=business, filters=filters)
    # The roll-up's tables (a period ending today reads the days'), not its state
    # (metrics_caseoutcomestate).
    table = re.compile(r"metrics_(caseoutcome|recoveryday)\b")
    return figures, any(table.search(q["sql"]) for q in captured.captured_queries)


def bought(customer, when) -> None:
    Purchase.objects.create(
        business=customer.business, customer=customer, purchased_at=when, amount=Decimal("7")
    )


def test_it_gives_the_hand_computed_figures(business_a, recovery_a, recovery_b):
    assert read(business_a, last_30_days(business_a)) == (HAND_COMPUTED, False)

    written = case_outcomes_build(business=business_a)

    assert written == 8  # every case of A opened before the open days, none of B's
    assert read(business_a, last_30_days(business_a)) == (HAND_COMPUTED, True)


def test_it_stores_when_each_customer_came_back(business_a, recovery_a):
    case_outcomes_build(business=business_a)
    rows = {
        (row.customer.name if row.customer else None, row.opened_at.date()): row
        for row in CaseOutcome.objects.filter(business=business_a).select_related("customer")
    }
    ann = next(row for (name, _), row in rows.items() if name == "Ann")
    cat = next(row for (name, _), row in rows.items() if name == "Cat")
    ben = next(row for (name, _), row in rows.items() if name == "Ben")
    assert ann.bought_at is not None and ann.better_at is None
    assert ben.bought_at is None and ben.better_at is not None  # bought before, CSAT 5 after
    assert cat.bought_at is None and cat.better_at is None  # NPS 5 is not better


def test_what_came_after_the_cutoff_is_read_raw(business_a, recovery_a, scored_survey):
    case_outcomes_build(business=business_a)
    cutoff = outcome_source(business=business_a).cutoff
    now = timezone.now()
    assert cutoff <= now
    customers = {c.name: c for c in Customer.objects.filter(business=business_a)}
    # Each after the cutoff, in this order: shortly after midnight "an hour ago" is
    # before it (the cutoff is at least 10 minutes back: a day closes 10 minutes late).
    ann_upset, hal_upset, hal_better, cat_bought = (
        cutoff + (now - cutoff) * n / 5 for n in range(1, 5)
    )
    # Cat buys today: she came back after her (rolled) case.
    bought(customers["Cat"], cat_bought)
    # Ann is upset again today: her latest case is now, and she has not come back since.
    case(business_a, opened=ann_upset, customer=customers["Ann"])
    # Hal: a case today, and a CSAT of 5 after it.
    hal = CustomerFactory(business=business_a, name="Hal")
    case(business_a, opened=hal_upset, customer=hal)
    response_at(scored_survey, hal_better, customer=hal, csat=5)

    figures, rolled = read(business_a, last_30_days(business_a))

    assert rolled
    # Ann, Ben, Cat, Dan, Eve, Hal = 6; came back: Ben, Cat, Dan, Hal (Ann no longer).
    assert figures == Recovery(
        customers=6, recovered=4, bought_again=2, answered_better=3, cases_without_customer=1
    )
    assert figures == recovery_from_cases(business=business_a, filters=last_30_days(business_a))


@pytest.mark.parametrize("days", [(400, 0), (29, 0), (12, 9), (1, 0), (0, 0), (60, 25)])
def test_it_agrees_with_the_raw_rows_for_any_period(business_a, recovery_a, days):
    today = local_today(business_a)
    filters = KpiFilters(period=Period(first=today - days[0] * D, last=today - days[1] * D))
    raw = recovery_from_cases(business=business_a, filters=filters)
    case_outcomes_build(business=business_a)
    assert read(business_a, filters) == (raw, True)


def test_a_filter_reads_raw_rows(business_a, kiosk, recovery_a):
    case_outcomes_build(business=business_a)
    figures, rolled = read(business_a, last_30_days(business_a, location=kiosk))
    assert not rolled and figures == Recovery(0, 0, 0, 0, 0)
    assert not read(business_a, last_30_days(business_a, channel="qr"))[1]


def test_a_reader_asks_for_a_rebuild_once_a_day_has_closed(
    business_a, recovery_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert read(business_a, last_30_days(business_a)) == (HAND_COMPUTED, False)
    assert len(callbacks) == 1  # never built: built now (eager in tests)
    assert outcome_source(business=business_a).cutoff == open_days_start(business_a)

    with django_capture_on_commit_callbacks() as callbacks:
        read(business_a, last_30_days(business_a))
    assert callbacks == []  # current: nothing asked

    # A day later the cutoff is a day behind: still read, and a rebuild asked for.
    CaseOutcomeState.objects.filter(business=business_a).update(
        cutoff=open_days_start(business_a) - D
    )
    assert outcome_source(business=business_a).behind
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        read(business_a, last_30_days(business_a))
    assert len(callbacks) == 1
    assert not outcome_source(business=business_a).behind
    assert read(business_a, last_30_days(business_a)) == (HAND_COMPUTED, True)


def test_the_purchase_task_rebuilds_them(business_a, recovery_a):
    purchase_rollup_rebuild(business_a.pk)
    assert CaseOutcome.objects.filter(business=business_a).count() == 8
    assert not outcome_source(business=business_a).behind


def test_the_command_rebuilds_them(business_a, business_b, recovery_a, recovery_b, capsys):
    call_command("rebuild_kpi_rollups")
    assert CaseOutcome.objects.filter(business=business_a).count() == 8
    assert CaseOutcome.objects.filter(business=business_b).count() == 2
    assert "8 case outcomes" in capsys.readouterr().out


def test_it_hides_other_businesses(business_a, business_b, recovery_a, recovery_b):
    """B's outcomes and figures hold none of A's cases, purchases or answers."""
    for business in (business_a, business_b):
        case_outcomes_build(business=business)
    figures, rolled = read(business_b, last_30_days(business_b))
    # Gus bought after his case; an anonymous case.
    assert rolled and figures == Recovery(1, 1, 1, 0, 1)
    assert not CaseOutcome.objects.filter(business=business_b, case__business=business_a)
    assert read(business_a, last_30_days(business_a)) == (HAND_COMPUTED, True)


def test_the_cutoff_is_the_start_of_today_once_it_is_a_little_old(business_a):
    """Yesterday's cases are stored as soon as no submission of yesterday can still be
    committing (CLOSE_AFTER): the raw part is then today's rows only."""
    today = local_today(business_a)
    midnight = day_bounds(business_a, today, today)[0]
    yesterday_began = day_bounds(business_a, today - D, today - D)[0]
    assert open_days_start(business_a, now=midnight + CLOSE_AFTER / 2) == yesterday_began
    assert open_days_start(business_a, now=midnight + CLOSE_AFTER) == midnight
    assert open_days_start(business_a, now=midnight + 20 * H) == midnight


def test_a_case_of_yesterday_is_stored_and_agrees_with_the_raw_rows(
    business_a, business_b, recovery_a, recovery_b, monkeypatch
):
    monkeypatch.setattr(rollups, "CLOSE_AFTER", timedelta(0))  # whatever the clock
    today = local_today(business_a)
    yesterday_noon = day_bounds(business_a, today - D, today - D)[0] + 12 * H
    ivy = CustomerFactory(business=business_a, name="Ivy")
    case(business_a, opened=yesterday_noon, customer=ivy)
    bought(ivy, yesterday_noon + H)
    filters = last_30_days(business_a)
    raw = recovery_from_cases(business=business_a, filters=filters)

    case_outcomes_build(business=business_a)

    stored = CaseOutcome.objects.get(business=business_a, customer=ivy)
    assert stored.bought_at == yesterday_noon + H
    assert read(business_a, filters) == (raw, True)
    assert raw.customers == HAND_COMPUTED.customers + 1


def test_cases_without_a_customer_are_counted_before_and_after_the_cutoff(
    business_a, business_b, recovery_a, recovery_b
):
    """They are counted apart from the grouping by customer: stored ones and today's."""
    now = timezone.now()
    case(business_a, opened=now - 3 * D)
    case(business_a, opened=now - 2 * D)
    case_outcomes_build(business=business_a)
    case(business_a, opened=now - timedelta(minutes=1))  # after the cutoff: read raw
    filters = last_30_days(business_a)
    raw = recovery_from_cases(business=business_a, filters=filters)
    assert raw.cases_without_customer == HAND_COMPUTED.cases_without_customer + 3
    assert read(business_a, filters) == (raw, True)


def test_a_period_ending_today_reads_the_days_and_an_earlier_one_the_cases(business_a, recovery_a):
    """Both agree with the raw rows; a period ending today needs no look-up per case."""
    case_outcomes_build(business=business_a)
    today = local_today(business_a)
    for last, table in ((today, "metrics_recoveryday"), (today - D, "metrics_caseoutcome")):
        filters = KpiFilters(period=Period(first=today - 30 * D, last=last))
        with CaptureQueriesContext(connection) as captured:
            figures = recovery(business=business_a, filters=filters)
        assert figures == recovery_from_cases(business=business_a, filters=filters)
        assert re.search(rf"{table}\b", captured.captured_queries[-1]["sql"])


def test_the_days_count_each_customer_on_the_day_of_their_latest_case(business_a, recovery_a):
    case_outcomes_build(business=business_a)
    days = {row.day: row for row in RecoveryDay.objects.filter(business=business_a)}
    eve = CustomerRecovery.objects.get(customer__name="Eve")
    # Eve's cases: 20 and 8 days ago; she is counted once, on the later day, not back.
    assert local_today(business_a, eve.last_opened) == local_today(
        business_a, timezone.now() - 8 * D
    )
    assert not eve.bought and not eve.better
    assert sum(row.customers for row in days.values()) == 6  # Ann..Fay
    assert sum(row.opened for row in days.values()) == 8  # every case before the cutoff
    assert sum(row.anonymous for row in days.values()) == 1


def test_a_customer_upset_again_today_moves_out_of_their_old_day(
    business_a, recovery_a, scored_survey
):
    """Fay's rolled case is older than the period; a new one today brings her in, and
    Dan, who had come back, is upset again today: not recovered any more."""
    case_outcomes_build(business=business_a)
    now = timezone.now()
    customers = {c.name: c for c in Customer.objects.filter(business=business_a)}
    case(business_a, opened=now - timedelta(minutes=3), customer=customers["Fay"])
    case(business_a, opened=now - timedelta(minutes=2), customer=customers["Dan"])
    filters = last_30_days(business_a)
    figures, rolled = read(business_a, filters)
    assert rolled
    assert figures == recovery_from_cases(business=business_a, filters=filters)
    assert figures == Recovery(
        customers=6, recovered=2, bought_again=1, answered_better=1, cases_without_customer=1
    )


@pytest.mark.parametrize("days", [(400, 0), (29, 0), (12, 9), (1, 0), (0, 0), (60, 25)])
def test_the_cases_opened_come_from_the_days_as_counted_raw(business_a, recovery_a, days):
    today = local_today(business_a)
    filters = KpiFilters(period=Period(first=today - days[0] * D, last=today - days[1] * D))
    raw = case_kpis(business=business_a, filters=filters).opened
    case_outcomes_build(business=business_a)
    case(business_a, opened=timezone.now() - timedelta(minutes=1))  # after the cutoff
    with CaptureQueriesContext(connection) as captured:
        opened = case_kpis(business=business_a, filters=filters).opened
    assert opened == raw + (1 if days[1] == 0 else 0)
    assert any("metrics_recoveryday" in q["sql"] for q in captured.captured_queries)
