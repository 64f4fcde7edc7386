"""The dashboard's aspect moves: hand-computed figures, the daily aspect roll-up against
the raw mentions, local days, and one business's mentions never in another's figures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

import pytest
from django.utils import timezone

from journeys.models import AspectDay, RollupState
from journeys.rollups import (
    CLOSE_AFTER,
    coverage_of,
    last_closed_day,
    local_today,
    rollup_build,
    zone_of,
)
from metrics.filters import Period
from metrics.selectors import aspect_moves
from textanalysis.models import AspectMention

pytestmark = pytest.mark.django_db

source_ids = count(1)


def mention(business, day: date, key: str, score: float, *, hour: int = 12) -> None:
    at = datetime.combine(day, time(hour), tzinfo=zone_of(business))
    AspectMention.objects.create(
        business=business, aspect_key=key, source="feedback.Answer",
        source_id=next(source_ids), score=score, created_at=at,
    )  # fmt: skip


def month_to_today(business) -> Period:
    today = local_today(business)
    return Period(today - timedelta(days=29), today)


@pytest.fixture
def heard(business_a, business_b):
    """The last 30 days and the 30 before: wait time fell from +0.2 to -0.5 (five
    mentions each), staff is liked but was hardly mentioned before, price only before."""
    period = month_to_today(business_a)
    now, before = period.first + timedelta(days=3), period.previous().first + timedelta(days=3)
    for score in (-0.5, -0.4, -0.6, -0.5, -0.5):
        mention(business_a, now, "wait_time", score)
    for score in (0.1, 0.3, 0.2, 0.2, 0.2):
        mention(business_a, before, "wait_time", score)
    for score in (0.5, 0.6, 0.4, 0.5, 0.5, 0.5):
        mention(business_a, period.last, "staff", score)  # today: not built yet
    mention(business_a, before, "staff", 0.9)
    mention(business_a, before, "price", -0.3)
    # Another business, loud and in the same days.
    for _ in range(20):
        mention(business_b, now, "wait_time", 0.9)
        mention(business_b, now, "parking", -0.9)
    return period


def as_rows(moves) -> list[tuple]:
    return [
        (m.key, m.mentions, m.sentiment, m.previous_mentions, m.previous_sentiment, m.change)
        for m in moves
    ]


def test_moves_by_hand(heard, business_a):
    moves = aspect_moves(business=business_a, period=heard, names={"wait_time": "Waiting"})

    assert [move.key for move in moves] == ["wait_time", "staff"]  # price: not this period
    wait, staff = moves
    assert wait.name == "Waiting" and staff.name == "staff"  # a key without a name shows as is
    assert (wait.mentions, wait.previous_mentions) == (5, 5)
    assert wait.sentiment == pytest.approx(-0.5)
    assert wait.previous_sentiment == pytest.approx(0.2)
    assert wait.change == pytest.approx(-0.7)
    # One earlier mention is too few to call a move.
    assert (staff.mentions, staff.previous_mentions, staff.change) == (6, 1, None)
    assert staff.sentiment == pytest.approx(0.5)


def test_the_roll_up_gives_the_raw_figures_and_is_really_read(heard, business_a):
    raw = as_rows(aspect_moves(business=business_a, period=heard, names={}))
    rollup_build(business=business_a)
    coverage = coverage_of(business_a)
    # Nothing waits for a score: yesterday is closed, today built to CLOSE_AFTER ago.
    today = local_today(business_a)
    assert coverage.through == last_closed_day(business_a)  # yesterday, once past 00:10
    assert coverage.until == pytest.approx(timezone.now() - CLOSE_AFTER, abs=timedelta(minutes=1))
    # Closed days: wait time on two of them, staff and price on one.
    assert AspectDay.objects.filter(business=business_a, day__lt=today).count() == 4

    rolled = as_rows(aspect_moves(business=business_a, period=heard, names={}))
    assert [row[:2] + row[3:4] for row in rolled] == [row[:2] + row[3:4] for row in raw]
    for got, expected in zip(rolled, raw, strict=True):
        assert got == pytest.approx(expected)

    # The mentions the roll-up holds gone: it still has them; later ones are read raw.
    AspectMention.objects.filter(business=business_a, created_at__lt=coverage.until).delete()
    assert as_rows(aspect_moves(business=business_a, period=heard, names={})) == rolled
    RollupState.objects.filter(business=business_a).delete()
    staff_later = [move.key for move in aspect_moves(business=business_a, period=heard)]
    assert staff_later == (["staff"] if noon(business_a, today) >= coverage.until else [])


def noon(business, day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=zone_of(business))


def test_today_is_built_to_a_moment_and_read_raw_after_it(business_a, business_b):
    """Today's mentions heard before the roll-up's moment are in AspectDay; later ones,
    and B's, are not; the figures are the raw ones."""
    today = local_today(business_a)
    period = month_to_today(business_a)
    before, after = timezone.now() - 2 * CLOSE_AFTER, timezone.now() - CLOSE_AFTER / 2
    for at, score in ((before, 0.5), (after, -0.5)):
        if timezone.localtime(at, zone_of(business_a)).date() != today:
            continue  # just after midnight: that moment was yesterday
        AspectMention.objects.create(
            business=business_a, aspect_key="staff", source="feedback.Answer",
            source_id=next(source_ids), score=score, created_at=at,
        )  # fmt: skip
    mention(business_b, today, "staff", 0.9, hour=0)
    raw = as_rows(aspect_moves(business=business_a, period=period, names={}))
    rollup_build(business=business_a)
    rows = AspectDay.objects.filter(business=business_a, day=today)
    heard_before = timezone.localtime(before, zone_of(business_a)).date() == today
    assert [(row.mentions, row.score_sum) for row in rows] == ([(1, 0.5)] if heard_before else [])
    assert as_rows(aspect_moves(business=business_a, period=period, names={})) == raw


def test_a_mention_late_in_the_evening_counts_on_its_local_day(business_a):
    business_a.time_zone = "Pacific/Auckland"
    business_a.save()
    period = month_to_today(business_a)
    for _ in range(5):
        # 23:30 on the day before the period: the previous period, in Auckland time.
        mention(business_a, period.first - timedelta(days=1), "booking", 0.5, hour=23)
        mention(business_a, period.first, "booking", -0.5, hour=0)
    for build in (False, True):
        if build:
            rollup_build(business=business_a)
        (move,) = aspect_moves(business=business_a, period=period, names={})
        assert (move.mentions, move.previous_mentions) == (5, 5)
        assert move.change == pytest.approx(-1.0)


def test_nothing_said_is_no_moves(business_a, business_b):
    mention(business_b, local_today(business_b), "wait_time", 0.5)
    assert aspect_moves(business=business_a, period=month_to_today(business_a)) == []
    rollup_build(business=business_a)
    assert aspect_moves(business=business_a, period=month_to_today(business_a)) == []
