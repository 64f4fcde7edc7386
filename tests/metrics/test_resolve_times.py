"""The resolved cases' roll-up (metrics.resolve_times): its buckets and their edges, the
running totals a period reads, the exact counts and the median within 1% of the
hand-computed one, today's resolutions read raw, kept in step by every journey build,
a reopened case taken out, rebuilt by the command, scoped to its business."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from feedback.cases.services import case_update
from feedback.models import CaseStatus, FollowUpCase
from journeys.models import RollupState
from journeys.rollups import coverage_of, local_today, rollup_advance, rollup_build
from metrics import care
from metrics.care import case_kpis
from metrics.models import ResolvedCaseDay
from metrics.resolve_times import (
    BUCKET_BASE,
    ResolvedFigures,
    bucket_bounds,
    named_parameters,
    resolve_bucket,
    resolved_days_follow,
    resolved_figures,
)
from tests.metrics.test_care import case, last_30_days
from tests.metrics.test_care import cases_a as cases_a  # fixtures, re-exported
from tests.metrics.test_care import cases_b as cases_b
from tests.metrics.test_care import kiosk as kiosk

pytestmark = pytest.mark.django_db

D, H, S = timedelta(days=1), timedelta(hours=1), timedelta(seconds=1)


@pytest.fixture
def rolled_up(monkeypatch):
    """Every period read from the roll-up, however few cases it holds."""
    monkeypatch.setattr(care, "EXACT_UP_TO", 0)


def within_one_percent(figure: timedelta, exact: timedelta) -> bool:
    return abs(figure - exact) <= exact * (BUCKET_BASE - 1)


def first_second_of(bucket: int) -> int:
    return math.ceil(bucket_bounds(bucket)[0])


# From bucket 463 (100 s) on, each holds a whole second at least.
@pytest.mark.parametrize("bucket", [463, 600, 823, 1200])
def test_a_bucket_starts_at_its_first_whole_second(business_a, bucket):
    now = timezone.now()
    first = first_second_of(bucket)
    for seconds in (first - 1, first, first_second_of(bucket + 1) - 1):
        case(business_a, opened=now - D, resolved=now - D + seconds * S)
    buckets = sorted(
        FollowUpCase.objects.annotate(bucket=resolve_bucket()).values_list("bucket", flat=True)
    )
    assert buckets == [bucket - 1, bucket, bucket]


def test_each_bucket_is_one_percent_wide_and_under_a_second_is_the_first():
    low, high = bucket_bounds(500)
    assert high / low == pytest.approx(1.01)
    assert bucket_bounds(0) == (1.0, 1.01)


def test_seconds_are_rounded_and_under_one_is_bucket_zero(business_a):
    now = timezone.now()
    case(business_a, opened=now - D, resolved=now - D + timedelta(milliseconds=300))
    # 6h = 21,600 s exactly, and 21,600.4 s rounded: the same bucket.
    case(business_a, opened=now - D, resolved=now - D + 6 * H)
    case(business_a, opened=now - D, resolved=now - D + 6 * H + timedelta(milliseconds=400))
    buckets = sorted(
        FollowUpCase.objects.annotate(bucket=resolve_bucket()).values_list("bucket", flat=True)
    )
    six_hours = math.floor(math.log(21600) / math.log(BUCKET_BASE))
    assert buckets == [0, six_hours, six_hours]


def test_the_rollup_gives_the_exact_counts_and_the_median_within_one_percent(
    business_a, cases_a, cases_b, rolled_up
):
    rollup_build(business=business_a)  # the resolved cases' days follow, in its transaction
    assert ResolvedCaseDay.objects.filter(business=business_a).exists()

    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))

    # As in test_care: resolved in the period 2, 6, 72, 360 h, 2 on time; opened 5.
    assert (kpis.opened, kpis.resolved, kpis.resolved_on_time) == (5, 4, 2)
    assert within_one_percent(kpis.median_time_to_resolve, 39 * H)
    assert kpis.median_hours_to_resolve == pytest.approx(39.0, abs=0.4)


def test_a_period_counts_only_its_own_days(business_a, cases_a, rolled_up):
    rollup_build(business=business_a)
    today = local_today(business_a)
    # Days -20..-8: resolved 2 h and 6 h (day -10, on time) and 72 h (day -17, late).
    figures = resolved_figures(
        business_a, today - 20 * D, today - 8 * D, coverage_of(business_a).through
    )
    assert (figures.resolved, figures.resolved_on_time) == (3, 2)
    assert within_one_percent(figures.median_time_to_resolve, 6 * H)
    # Days -30..-21: the 360 h case only (resolved on day -25).
    older = resolved_figures(
        business_a, today - 30 * D, today - 21 * D, coverage_of(business_a).through
    )
    assert (older.resolved, older.resolved_on_time) == (1, 0)
    assert within_one_percent(older.median_time_to_resolve, 360 * H)
    # Nothing before.
    nothing = resolved_figures(
        business_a, today - 400 * D, today - 300 * D, coverage_of(business_a).through
    )
    assert nothing == ResolvedFigures(0, 0, None)


def test_the_running_totals_carry_over_days_without_a_resolution(business_a, rolled_up):
    now = timezone.now()
    # The same bucket (5 h) on days -9 and -3: the period -8..-1 holds only the later one.
    case(business_a, opened=now - 9 * D - 5 * H, resolved=now - 9 * D)
    case(business_a, opened=now - 3 * D - 5 * H, resolved=now - 3 * D)
    rollup_build(business=business_a)
    rows = ResolvedCaseDay.objects.filter(business=business_a).order_by("day")
    assert [(r.resolved, r.resolved_through) for r in rows] == [(1, 1), (1, 2)]
    today = local_today(business_a)
    figures = resolved_figures(
        business_a, today - 8 * D, today - D, coverage_of(business_a).through
    )
    assert figures.resolved == 1


def test_today_s_resolutions_are_read_raw(business_a, cases_a, rolled_up):
    rollup_build(business=business_a)
    now = timezone.now()
    case(business_a, opened=now - 50 * H, resolved=now - timedelta(seconds=30))
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    # 2, 6, 50 (late), 72, 360 h: the median is the new case's 50 h.
    assert (kpis.resolved, kpis.resolved_on_time) == (5, 2)
    assert within_one_percent(kpis.median_time_to_resolve, 50 * H)


def test_without_a_journey_rollup_everything_is_raw(business_a, cases_a, rolled_up):
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    assert (kpis.resolved, kpis.resolved_on_time) == (4, 2)
    assert within_one_percent(kpis.median_time_to_resolve, 39 * H)


def test_few_cases_get_the_exact_median(business_a, cases_a):
    rollup_build(business=business_a)
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    assert kpis.median_time_to_resolve == 39 * H


def test_a_build_from_a_day_gives_the_rows_of_a_full_one(business_a, cases_a, rolled_up):
    def rows():
        return list(
            ResolvedCaseDay.objects.filter(business=business_a)
            .order_by("bucket", "day")
            .values_list("day", "bucket", "resolved", "on_time", "resolved_through")
        )

    now = timezone.now()
    case(business_a, opened=now - 12 * D - 6 * H, resolved=now - 12 * D)
    rollup_build(business=business_a)
    full = rows()
    rollup_build(business=business_a, first=local_today(business_a) - 11 * D)
    assert rows() == full


def test_a_reopened_case_leaves_the_rollup_at_the_next_advance(business_a, cases_a, rolled_up):
    rollup_build(business=business_a)
    two_hours = FollowUpCase.objects.get(business=business_a, resolved_at__isnull=False,
                                         created_at__gt=timezone.now() - 11 * D,
                                         response__location__isnull=False)  # fmt: skip
    case_update(case=two_hours, actor=None, status=CaseStatus.CONTACTED)

    state = RollupState.objects.get(business=business_a)
    assert state.rebuild_from == local_today(business_a, now=two_hours.created_at + 2 * H)
    rollup_advance(business=business_a)
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    # 6, 72, 360 h left: 72 h.
    assert (kpis.resolved, kpis.resolved_on_time) == (3, 1)
    assert within_one_percent(kpis.median_time_to_resolve, 72 * H)


def test_the_command_rebuilds_it(business_a, cases_a, rolled_up, capsys):
    rollup_build(business=business_a)
    written = ResolvedCaseDay.objects.filter(business=business_a).count()
    ResolvedCaseDay.objects.filter(business=business_a).delete()
    call_command("rebuild_kpi_rollups")
    assert ResolvedCaseDay.objects.filter(business=business_a).count() == written


def test_it_hides_other_businesses(business_a, business_b, cases_a, cases_b, rolled_up):
    for business in (business_a, business_b):
        rollup_build(business=business)
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    assert kpis.resolved == 4
    theirs = case_kpis(business=business_b, filters=last_30_days(business_b))
    # B: one case resolved in 1 h.
    assert (theirs.resolved, theirs.resolved_on_time) == (1, 1)
    assert within_one_percent(theirs.median_time_to_resolve, H)


def test_the_follow_hook_writes_nothing_before_a_build(business_a, cases_a):
    assert resolved_days_follow(business=business_a, first=None) == 0
    assert not ResolvedCaseDay.objects.exists()


def test_positional_parameters_are_named_and_a_literal_percent_survives():
    """The live part of the resolved figures goes into a query of named parameters."""
    sql, params = named_parameters(
        "SELECT %s || '%%' AS share, %s + 1 AS next", ["50", 41], prefix="live"
    )
    assert params == {"live0": "50", "live1": 41}
    with connection.cursor() as cursor:
        outer = f"SELECT share, next, %(other)s FROM ({sql}) AS live"
        cursor.execute(outer, {**params, "other": 7})
        assert cursor.fetchone() == ("50%", 42, 7)
