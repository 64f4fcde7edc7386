"""The KPI roll-up (metrics.kpi_rollup.KpiDay: the journey roll-up added up by day and
channel): the same figures as the journey roll-up, really read, kept in step by every
journey build, rebuilt by its command, and never a business's figures in another's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journeys.models import TouchpointDay
from journeys.rollups import CLOSE_AFTER, Filters, last_closed_day, local_today, rollup_build
from journeys.tasks import rollups_advance
from metrics import kpi_rollup
from metrics.kpi_rollup import kpi_source, kpi_sums, serves
from metrics.models import KpiDay
from metrics.selectors import kpi_trend
from tests.metrics.test_kpi_api import Said
from tests.metrics.test_kpi_rollup import (
    assert_same,
    both_periods,
    figures,
    kpi_filters,
)
from tests.metrics.test_kpi_rollup import heard as heard  # a fixture, re-exported

pytestmark = pytest.mark.django_db

SERVED = [{}, {"channel": "link"}, {"channel": "qr"}, {"channel": "staff"}]
NOT_SERVED = [
    {"location": "location"},
    {"survey": "survey"},
    {"touchpoint": "touchpoint:visit"},
    {"segment": "returning"},
]


def read_kpi_days(business, filters) -> tuple[list, bool]:
    """Both periods' figures, and whether the KPI roll-up's table was read for them."""
    with CaptureQueriesContext(connection) as captured:
        found = both_periods(business, filters)
    return found, any("metrics_kpiday" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize("chosen", SERVED + NOT_SERVED, ids=str)
def test_it_gives_the_journey_rollups_figures(heard, business_a, chosen, monkeypatch):
    filters = kpi_filters(business_a, heard, chosen)
    rollup_build(business=business_a)  # KpiDay follows, in the same transaction
    mine, read = read_kpi_days(business_a, filters)
    assert read == (chosen in SERVED)

    monkeypatch.setattr(kpi_rollup, "serves", lambda filters, by: False)
    journey, read = read_kpi_days(business_a, filters)
    assert not read  # the journey roll-up alone

    assert_same(mine, journey)
    assert journey[0][0]["responses"] + journey[0][0]["interactions"] > 0


@pytest.mark.parametrize("grain", ["week", "month"])
def test_the_trend_agrees_bucket_by_bucket(heard, business_a, grain, monkeypatch):
    filters = kpi_filters(business_a, heard, {})
    rollup_build(business=business_a)
    mine = kpi_trend(business=business_a, filters=filters, grain=grain)
    monkeypatch.setattr(kpi_rollup, "serves", lambda filters, by: False)
    journey = kpi_trend(business=business_a, filters=filters, grain=grain)

    assert [p.start for p in mine] == [p.start for p in journey]
    assert_same([figures(p.kpis) for p in mine], [figures(p.kpis) for p in journey])


def test_it_is_really_read(heard, business_a):
    """With the journey roll-up's rows gone (its state unchanged), the KPI roll-up still
    gives the figures; a filter it does not serve then finds fewer."""
    unfiltered = kpi_filters(business_a, heard, {})
    at_location = kpi_filters(business_a, heard, {"location": "location"})
    rollup_build(business=business_a)
    before, before_there = (
        both_periods(business_a, unfiltered),
        both_periods(business_a, at_location),
    )

    TouchpointDay.objects.filter(business=business_a).delete()

    assert_same(both_periods(business_a, unfiltered), before)
    assert both_periods(business_a, at_location)[1][0]["responses"] == 0
    assert before_there[1][0]["responses"] > 0


def test_the_built_days_and_the_live_days_add_up(heard, business_a):
    """Built days from KpiDay, today's voices before the roll-up's moment too, later ones
    from raw rows, exactly once each."""
    rollup_build(business=business_a)
    source = kpi_source(business=business_a)
    today = local_today(business_a)
    # Yesterday (from ten past midnight on: last_closed_day), then today up to a moment.
    assert source.coverage.through == last_closed_day(business_a)
    assert source.coverage.until == pytest.approx(
        timezone.now() - CLOSE_AFTER, abs=timedelta(minutes=1)
    )

    whole = kpi_sums(source, today - timedelta(days=9), today, Filters(), by=("channel",))
    built = kpi_sums(source, today - timedelta(days=9), today - timedelta(days=1), Filters(),
                     by=("channel",))  # fmt: skip
    live = kpi_sums(source, today, today, Filters(), by=("channel",))
    voices = {key: sums.voices for key, sums in whole.items()}
    added = {key: built.get(key).voices if key in built else 0 for key in whole}
    for key, sums in live.items():
        added[key] += sums.voices
    assert voices == added
    assert sum(voices.values()) == 10 + 4  # a response a day, an interaction every third


def test_every_journey_build_keeps_it_in_step(heard, business_a):
    """A journey build over some days (a late voice, as the night's rebuild takes in)
    rewrites the same KpiDay days in its transaction; the others are left as they are."""
    rollup_build(business=business_a)
    day = local_today(business_a) - timedelta(days=6)  # a day heard through a link
    before = KpiDay.objects.get(business=business_a, day=day, channel="link").voices
    older = KpiDay.objects.filter(business=business_a, day__lt=day).first()

    Said(business_a).response(day, nps=10)
    rollup_build(business=business_a, first=day)

    after = KpiDay.objects.get(business=business_a, day=day, channel="link").voices
    assert after == before + 1
    journey = TouchpointDay.objects.filter(business=business_a, day=day, channel="link")
    assert after == sum(journey.values_list("voices", flat=True))
    assert KpiDay.objects.filter(pk=older.pk).exists()  # before `first`: kept, not redone


def test_the_advance_task_keeps_it_in_step_with_today_so_far(
    heard, business_a, business_b, django_capture_on_commit_callbacks
):
    """Beat's advance (every few minutes) rebuilds today so far, and KpiDay's today with
    it: the older rows stay, the sums stay the journey roll-up's, and nothing is left
    to refresh afterwards."""
    rollup_build(business=business_a)
    old_day = local_today(business_a) - timedelta(days=6)
    old_row = KpiDay.objects.get(business=business_a, day=old_day, channel="link")
    with django_capture_on_commit_callbacks() as callbacks:
        rollups_advance.delay().get()
    assert callbacks == []
    assert KpiDay.objects.filter(pk=old_row.pk).exists()  # kept, not deleted and made again
    for business in (business_a, business_b):  # every business
        rows = KpiDay.objects.filter(business=business)
        journey = TouchpointDay.objects.filter(business=business)
        for field in ("voices", "nps_promoters", "nps_detractors"):
            assert sum(rows.values_list(field, flat=True)) == sum(
                journey.values_list(field, flat=True)
            )


def test_without_a_journey_rollup_everything_is_raw(heard, business_a):
    source = kpi_source(business=business_a)
    assert source.coverage.through is None
    filters = kpi_filters(business_a, heard, {})
    found, read = read_kpi_days(business_a, filters)
    assert not read and found[0][0]["responses"] == 30


def test_what_it_serves():
    assert serves(Filters(), ("week", "channel"))
    assert serves(Filters(channel="qr"), ("channel",))
    assert not serves(Filters(location_id=1), ("channel",))
    assert not serves(Filters(segment="new"), ("channel",))
    assert not serves(Filters(tag="vip"), ("channel",))
    assert not serves(Filters(survey_id=1), ("channel",))
    assert not serves(Filters(touchpoint_id=1), ("channel",))
    assert not serves(Filters(), ("touchpoint", "channel"))


def test_the_command_rebuilds_every_business_or_those_named(heard, business_a, business_b):
    Said(business_b).response(local_today(business_b) - timedelta(days=3), nps=3)
    for business in (business_a, business_b):
        rollup_build(business=business)

    KpiDay.objects.all().delete()  # as if lost: the command is the repair
    call_command("rebuild_kpi_rollups", str(business_b.uuid))
    assert not KpiDay.objects.filter(business=business_a).exists()
    assert KpiDay.objects.filter(business=business_b).count() == 1

    call_command("rebuild_kpi_rollups")
    journey = TouchpointDay.objects.filter(business=business_a)
    rows = KpiDay.objects.filter(business=business_a)
    assert sum(rows.values_list("voices", flat=True)) == sum(
        journey.values_list("voices", flat=True)
    )
    with pytest.raises(CommandError):
        call_command("rebuild_kpi_rollups", "nope")


def test_it_hides_other_businesses(heard, business_a, business_b):
    """Business B's roll-up holds only B's voices, and B's figures count none of A's."""
    Said(business_b).response(local_today(business_b) - timedelta(days=3), nps=3)
    for business in (business_a, business_b):
        rollup_build(business=business)

    theirs = both_periods(business_b, kpi_filters(business_b, {}, {}))
    assert theirs[0][0]["responses"] == 1 and theirs[0][0]["nps"] == (1, 0, 1)
    assert sum(KpiDay.objects.filter(business=business_b).values_list("voices", flat=True)) == 1
    mine = KpiDay.objects.filter(business=business_a).values_list("voices", flat=True)
    journey = TouchpointDay.objects.filter(business=business_a).values_list("voices", flat=True)
    assert sum(mine) == sum(journey)  # A's rows hold A's voices, none of B's
