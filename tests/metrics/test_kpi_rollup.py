"""The dashboard's KPIs read from the roll-up equal those summed from raw rows, for every
filter; and the interval helpers the KPIs use, against hand-computed values."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from accounts.services import location_create
from customers.models import Purchase
from feedback.models import Channel, Interaction, Response
from journeys.models import RollupState, TouchpointDay
from journeys.rollups import (
    coverage_of,
    last_closed_day,
    local_today,
    period_sums,
    rollup_build,
)
from journeys.stats import Sample, difference_interval, mean_interval
from metrics.filters import KpiFilters, Period
from metrics.kpi_rollup import kpi_source
from metrics.selectors import (
    SurveyKpis,
    kpi_trend,
    rollup_filters,
    survey_kpis,
    survey_kpis_with_trend,
)
from tests.factories import CustomerFactory
from tests.metrics.test_kpi_api import Said

pytestmark = pytest.mark.django_db

CHANNELS = (Channel.LINK, Channel.QR, Channel.EMAIL)


@pytest.fixture(params=["UTC", "Pacific/Auckland"])
def heard(request, business_a):
    """Sixty days of varied voices (both 30-day periods), in a business's own time zone:
    two surveys at two touchpoints, three channels, a location, new and returning
    customers, every KPI question, and staff interactions."""
    business_a.time_zone = request.param
    business_a.save()
    said = Said(business_a)
    today = local_today(business_a)
    kiosk = location_create(business=business_a, name="Kiosk")
    visit, help_desk = said.survey_at("visit", "Visit"), said.survey_at("support", "Help")
    regular, newcomer = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    Purchase.objects.create(
        business=business_a, customer=regular, amount=5,
        purchased_at=said.at(today - timedelta(days=90)),
    )  # fmt: skip
    for i in range(60):
        said.response(
            today - timedelta(days=i),
            survey=(visit, help_desk)[i % 2],
            channel=CHANNELS[(i // 2) % 3],
            location=kiosk if i % 5 < 2 else None,
            customer=(regular, newcomer, None, None)[i % 4],
            nps=(i * 7) % 11,
            csat=1 + (i * 3) % 5,
            ces=None if i % 6 == 5 else 1 + (i * 5) % 7,
            trust=(1 + i % 7, 1 + (i * 2) % 7, 1 + (i * 3) % 7, None if i % 4 else 1 + i % 7),
            tone=None if i % 4 == 3 else ((i * 37) % 21 - 10) / 10,
        )
        if i % 3 == 0:
            said.interaction(
                today - timedelta(days=i),
                touchpoint=("support", "visit")[i % 2],
                location=kiosk if i % 2 else None,
                tone=((i * 13) % 11 - 5) / 10,
            )
    return {
        "location": kiosk,
        "survey": visit,
        "touchpoint:support": said.touchpoint("support"),
        "touchpoint:visit": said.touchpoint("visit"),
    }


FILTERS = [
    {},
    {"location": "location"},
    {"survey": "survey"},
    {"touchpoint": "touchpoint:support"},
    {"touchpoint": "touchpoint:visit"},
    {"channel": "link"},
    {"channel": "qr"},
    {"channel": "staff"},
    {"segment": "new"},
    {"segment": "returning"},
    {"survey": "survey", "channel": "qr", "location": "location"},
]


def kpi_filters(business, objects: dict, chosen: dict) -> KpiFilters:
    today = local_today(business)
    resolved = {key: objects.get(value, value) for key, value in chosen.items()}
    return KpiFilters(period=Period(today - timedelta(days=29), today), **resolved)


def figures(kpis: SurveyKpis) -> tuple[dict, dict]:
    """Every count and sum behind a period's KPIs: integers, and the float sentiment sums."""
    exact = {
        "responses": kpis.responses,
        "interactions": kpis.interactions,
        "nps": (kpis.nps.n, kpis.nps.promoters, kpis.nps.detractors),
        "csat": (kpis.csat.share.n, kpis.csat.share.hits, kpis.csat.total),
        "ces": (kpis.ces.sample.n, kpis.ces.sample.total, kpis.ces.sample.squares),
        "ces_easy": kpis.ces.easy.hits,
        "trust": [(pillar.key, pillar.n, pillar.total) for pillar in kpis.trust.pillars],
        "sentiment": (kpis.sentiment.positive, kpis.sentiment.negative, kpis.sentiment.n),
    }
    # Float sums, added in another order (day by day) by the roll-up: equal up to rounding.
    close = {"sentiment_sum": kpis.sentiment.sample.total,
             "sentiment_squares": kpis.sentiment.sample.squares}  # fmt: skip
    return exact, close


def assert_same(rolled: list[tuple[dict, dict]], raw: list[tuple[dict, dict]]) -> None:
    assert [exact for exact, _ in rolled] == [exact for exact, _ in raw]
    for (_, close), (_, raw_close) in zip(rolled, raw, strict=True):
        assert close == pytest.approx(raw_close, abs=1e-9)


def both_periods(business, filters: KpiFilters) -> list[tuple[dict, dict]]:
    comparison = survey_kpis(business=business, filters=filters)
    return [figures(comparison.current), figures(comparison.previous)]


def raw_only(business) -> None:
    """Forget how far the roll-up reaches: every day is summed from raw rows again."""
    RollupState.objects.filter(business=business).delete()
    assert coverage_of(business).through is None


@pytest.mark.parametrize("chosen", FILTERS, ids=[str(f) for f in FILTERS])
def test_the_rollup_and_raw_rows_agree(heard, business_a, chosen):
    filters = kpi_filters(business_a, heard, chosen)
    rollup_build(business=business_a)
    # Yesterday closed (its texts are scored), today built up to CLOSE_AFTER ago.
    assert coverage_of(business_a).through == last_closed_day(business_a)
    assert TouchpointDay.objects.filter(business=business_a).exists()
    rolled = both_periods(business_a, filters)

    raw_only(business_a)
    raw = both_periods(business_a, filters)

    assert_same(rolled, raw)
    assert raw[0][0]["responses"] + raw[0][0]["interactions"] > 0  # the filter kept voices


@pytest.mark.parametrize("chosen", FILTERS, ids=[str(f) for f in FILTERS])
def test_the_rollup_sums_equal_raw_sums_by_channel(heard, business_a, chosen):
    """The Sums themselves, CES squares and trust sums included, cell by cell."""
    filters = kpi_filters(business_a, heard, chosen)
    first, last = filters.period.previous().first, filters.period.last
    rollup_build(business=business_a)
    rolled = period_sums(business_a, first, last, rollup_filters(filters), by=("channel",),
                         coverage=coverage_of(business_a))  # fmt: skip
    raw_only(business_a)
    raw = period_sums(business_a, first, last, rollup_filters(filters), by=("channel",),
                      coverage=coverage_of(business_a))  # fmt: skip

    assert rolled.keys() == raw.keys()
    for key, sums in raw.items():
        expected = vars(sums)
        assert vars(rolled[key]) == {
            name: pytest.approx(value, abs=1e-9) if isinstance(value, float) else value
            for name, value in expected.items()
        }
    assert sum(s.ces_squares for s in raw.values()) > 0 or chosen.get("channel") == "staff"


def test_the_rollup_is_really_read(heard, business_a):
    """With the raw rows of built days gone, the roll-up still gives their figures; raw
    rows alone then give fewer: so the agreement above compared two real paths."""
    filters = kpi_filters(business_a, heard, {})
    rollup_build(business=business_a)
    before = both_periods(business_a, filters)
    closed = local_today(business_a) - timedelta(days=2)
    cut = Said(business_a).at(closed) + timedelta(hours=12)  # the end of the last built day
    Response.objects.filter(business=business_a, created_at__lt=cut).delete()
    Interaction.objects.filter(business=business_a, created_at__lt=cut).delete()

    assert_same(both_periods(business_a, filters), before)
    raw_only(business_a)
    assert both_periods(business_a, filters)[0][0]["responses"] == 2  # today and yesterday


@pytest.mark.parametrize("grain", ["week", "month"])
@pytest.mark.parametrize("chosen", [{}, {"location": "location"}, {"channel": "staff"}])
def test_the_trend_agrees_bucket_by_bucket(heard, business_a, grain, chosen):
    today = local_today(business_a)
    filters = KpiFilters(
        period=Period(today - timedelta(days=59), today),
        **{key: heard.get(value, value) for key, value in chosen.items()},
    )
    rollup_build(business=business_a)
    rolled = kpi_trend(business=business_a, filters=filters, grain=grain)
    raw_only(business_a)
    raw = kpi_trend(business=business_a, filters=filters, grain=grain)

    # A week or month partly built and partly live is one bucket, not two.
    assert [point.start for point in rolled] == [point.start for point in raw]
    assert len({point.start for point in rolled}) == len(rolled)
    assert [figures(point.kpis)[0] for point in rolled] == [figures(p.kpis)[0] for p in raw]
    expected_start = (lambda d: d.weekday() == 0) if grain == "week" else (lambda d: d.day == 1)
    assert all(expected_start(point.start) for point in rolled)


@pytest.mark.parametrize("grain", ["week", "month"])
@pytest.mark.parametrize("chosen", [{}, {"location": "location"}, {"segment": "returning"}])
def test_the_page_reads_its_period_once_and_gets_the_same_figures(
    heard, business_a, grain, chosen, django_assert_max_num_queries
):
    """survey_kpis_with_trend adds the trend's buckets up for the period: the same
    figures as survey_kpis and kpi_trend read separately, with one read fewer."""
    filters = kpi_filters(business_a, heard, chosen)
    rollup_build(business=business_a)
    separate = survey_kpis(business=business_a, filters=filters)
    trend = kpi_trend(business=business_a, filters=filters, grain=grain)

    # Previous period: built days (1 query, plus the roll-up state); current: built days
    # plus the live ones (responses, answers, interactions).
    with django_assert_max_num_queries(7):
        together, together_trend = survey_kpis_with_trend(
            source=kpi_source(business=business_a), filters=filters, grain=grain
        )

    assert_same(
        [figures(together.current), figures(together.previous)],
        [figures(separate.current), figures(separate.previous)],
    )
    assert [p.start for p in together_trend] == [p.start for p in trend]
    assert_same([figures(p.kpis) for p in together_trend], [figures(p.kpis) for p in trend])
    assert together.current.responses > 0


# --- 7. Intervals on a bounded scale --------------------------------------------------------


def sample_of(values: list[float]) -> Sample:
    return Sample(len(values), sum(values), sum(v * v for v in values))


def test_a_mean_interval_stays_within_the_scale():
    # Nineteen 7s and one 1: n = 20, sum 134, squares 19 * 49 + 1 = 932, mean 6.7,
    # variance (932 - 134² / 20) / 19 = 34.2 / 19 = 1.8, se = sqrt(1.8 / 20) = .3,
    # t(19) = 2.093: 6.7 ∓ .628 = 6.072 .. 7.328, and 7.328 is past the scale's 7.
    interval = mean_interval(sample_of([7] * 19 + [1]), bounds=(1.0, 7.0), minimum=20)
    assert interval.estimate == pytest.approx(6.7)
    assert interval.low == pytest.approx(6.072, abs=0.002)
    assert interval.high == 7.0
    unbounded = mean_interval(sample_of([7] * 19 + [1]), bounds=(-math.inf, math.inf))
    assert unbounded.high == pytest.approx(7.328, abs=0.002)


def test_a_mean_interval_inside_the_scale_is_not_moved():
    # Ten 6s and ten 7s: mean 6.5, variance (850 - 130² / 20) / 19 = 5 / 19 = .26316,
    # se = sqrt(.26316 / 20) = .11471, t(19) = 2.093: 6.5 ∓ .2401 = 6.260 .. 6.740.
    interval = mean_interval(sample_of([6] * 10 + [7] * 10), bounds=(1.0, 7.0), minimum=20)
    assert (interval.low, interval.high) == (
        pytest.approx(6.260, abs=0.002),
        pytest.approx(6.740, abs=0.002),
    )


def test_the_default_bounds_are_sentiments():
    # Nine 1.0s and one 0.0: mean .9, variance (9 - 8.1) / 9 = .1, se = .1, t(9) = 2.262:
    # .9 ∓ .2262 = .674 .. 1.126, kept within -1 .. 1.
    interval = mean_interval(sample_of([1.0] * 9 + [0.0]))
    assert interval.low == pytest.approx(0.674, abs=0.002)
    assert interval.high == 1.0


def test_minimum_answers():
    nineteen = sample_of([6] * 10 + [7] * 9)
    assert mean_interval(nineteen, bounds=(1.0, 7.0), minimum=20) is None
    assert mean_interval(nineteen, bounds=(1.0, 7.0)) is not None  # the default is 10
    assert mean_interval(sample_of([5]), minimum=0) is None  # one value has no spread
    twenty = sample_of([2] * 10 + [3] * 10)
    assert difference_interval(nineteen, twenty, minimum=20) is None
    assert difference_interval(twenty, nineteen, minimum=20) is None
    assert difference_interval(nineteen, twenty) is not None


def test_a_difference_interval_by_hand():
    # 6.5 (ten 6s, ten 7s) minus 2.5 (ten 2s, ten 3s): each variance 5/19, a = b = 5/19/20
    # = .013158, sqrt(a + b) = .16222; Welch df = (2a)² / (2a² / 19) = 38, t(38) = 2.024:
    # 4 ∓ .3283 = 3.672 .. 4.328.
    interval = difference_interval(
        sample_of([6] * 10 + [7] * 10), sample_of([2] * 10 + [3] * 10), minimum=20
    )
    assert interval.estimate == pytest.approx(4.0)
    assert interval.low == pytest.approx(3.672, abs=0.002)
    assert interval.high == pytest.approx(4.328, abs=0.002)
