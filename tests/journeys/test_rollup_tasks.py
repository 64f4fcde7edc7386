"""The roll-up is kept current by tasks, a command, and after a rescore."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Business
from feedback.models import Interaction
from journeys import rollups
from journeys.models import RollupState, TouchpointDay
from journeys.rollups import (
    CLOSE_AFTER,
    Coverage,
    Filters,
    coverage_of,
    day_bounds,
    last_closed_day,
    local_today,
    period_sums,
    raw_sums,
    today_until,
)
from journeys.tasks import rollup_advance_business, rollup_rebuild, rollups_advance
from textanalysis.rescore import rescore_run, rescore_start
from textanalysis.services import texts_score

pytestmark = pytest.mark.django_db


def rolled_up(business) -> int:
    return sum(TouchpointDay.objects.filter(business=business).values_list("voices", flat=True))


def test_the_advance_builds_closed_days_for_every_business(voices_a, business_a, business_b):
    voices_a.interaction("visit", score=0.2, days_ago=4)
    voices_a.interaction("visit", score=0.2)  # heard just now: read raw for a while
    assert rollups_advance.delay().get() == Business.objects.count()  # a task each
    assert rolled_up(business_a) == 1
    assert RollupState.objects.filter(business=business_b).exists()
    assert rollup_advance_business.delay(business_a.pk).get() == 0  # nothing new closed
    assert rollup_advance_business.delay(10**9).get() == 0  # a business gone: nothing to do


def test_a_rebuild_replaces_the_rows(voices_a, business_a):
    voices_a.interaction("visit", score=0.2, days_ago=4)
    rollup_rebuild.delay(business_a.pk).get()
    rollup_rebuild.delay(business_a.pk).get()
    assert rolled_up(business_a) == 1
    assert rollup_rebuild.delay(10**9).get() == 0  # a business gone: nothing to do


def test_a_whole_rebuild_keeps_no_day_before_its_first_voice(voices_a, business_a):
    """The oldest voice erased (or the days moved by a new time zone): its day goes too."""
    oldest = voices_a.interaction("visit", score=0.2, days_ago=6)
    voices_a.interaction("visit", score=-0.4, days_ago=4)
    rollup_rebuild.delay(business_a.pk).get()
    assert rolled_up(business_a) == 2
    oldest.delete()
    rollup_rebuild.delay(business_a.pk).get()
    assert rolled_up(business_a) == 1
    assert TouchpointDay.objects.filter(business=business_a).count() == 1


def test_a_rescore_rebuilds_the_rollup(voices_a, business_a, django_capture_on_commit_callbacks):
    voices_a.interaction("visit", score=0.2, days_ago=4, note="Lovely, friendly staff")
    job = rescore_start(business=business_a, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        rescore_run(job_id=job.pk)
    cell = TouchpointDay.objects.get(business=business_a)
    assert cell.sentiment_sum > 0.5  # VADER's score of the text, not the 0.2 written


def test_the_command(voices_a, business_a, capsys):
    voices_a.interaction("visit", score=0.2, days_ago=4)
    call_command("rebuild_journey_rollups", str(business_a.uuid))
    assert "roll-up rows" in capsys.readouterr().out
    assert rolled_up(business_a) == 1
    with pytest.raises(CommandError, match="Not a business uuid"):
        call_command("rebuild_journey_rollups", "nope")


# --- Yesterday closes as soon as nothing can change it -----------------------------------


def began(business, day):
    return day_bounds(business, day, day)[0]


@pytest.fixture
def at_ten(business_a):
    """Ten in the morning of the business's today: well past CLOSE_AFTER."""
    return began(business_a, local_today(business_a)) + timedelta(hours=10)


def test_yesterday_closes_once_its_texts_are_scored(voices_a, business_a, monkeypatch):
    monkeypatch.setattr(rollups, "CLOSE_AFTER", timedelta(0))  # whatever the clock says
    today = local_today(business_a)
    waiting = voices_a.interaction("visit", note="Slow service", days_ago=1)  # not scored
    # Scores exact in binary, so sums added in any order are equal.
    voices_a.interaction("visit", score=0.5, days_ago=1)
    voices_a.interaction("visit", score=0.25)
    rollups_advance.delay().get()
    # Yesterday is built up to its text still waiting, not past it; today not at all.
    assert coverage_of(business_a) == Coverage(today - timedelta(days=2), waiting.created_at)
    assert rolled_up(business_a) == 0  # the other one was heard at the same moment

    Interaction.objects.filter(pk=waiting.pk).update(
        sentiment_score=-0.5, sentiment_label="negative", scored_at=timezone.now()
    )
    assert rollup_advance_business.delay(business_a.pk).get() >= 1
    coverage = coverage_of(business_a)
    assert coverage.through == today - timedelta(days=1)
    assert coverage.until == pytest.approx(timezone.now(), abs=timedelta(seconds=30))
    assert rolled_up(business_a) == 3  # yesterday's two and today's, heard before `until`
    # The built day and today's raw rows give what the raw rows give.
    week = (today - timedelta(days=6), today)
    summed = period_sums(business_a, *week, Filters(), by=("channel",), coverage=coverage)
    assert summed == raw_sums(business_a, *week, Filters(), by=("channel",))
    assert summed[("staff",)].voices == 3 and summed[("staff",)].negative_n == 1


def test_a_text_waiting_anywhere_keeps_yesterday_open(voices_a, business_a, at_ten):
    """Answers and interactions alike; an empty text waits for nothing."""
    survey = voices_a.survey_at("visit")
    yesterday = local_today(business_a) - timedelta(days=1)
    voices_a.response(survey, csat=5, days_ago=1)  # numbers only: nothing to score
    assert last_closed_day(business_a, now=at_ten) == yesterday
    voices_a.response(survey, text="Cold soup", days_ago=1)  # its comment not scored yet
    assert last_closed_day(business_a, now=at_ten) == yesterday - timedelta(days=1)


def test_yesterday_stays_open_just_after_midnight(business_a):
    """A submission begun before midnight may still be committing."""
    today = local_today(business_a)
    midnight = began(business_a, today)
    assert last_closed_day(business_a, now=midnight + CLOSE_AFTER / 2) == today - timedelta(2)
    assert last_closed_day(business_a, now=midnight + CLOSE_AFTER) == today - timedelta(1)


def test_another_business_text_keeps_nothing_open(voices_a, voices_b, business_a, at_ten):
    voices_b.interaction("visit", note="Rude", days_ago=1)  # B's, not scored
    voices_a.interaction("visit", score=0.3, days_ago=1)
    assert last_closed_day(business_a, now=at_ten) == local_today(business_a) - timedelta(1)


def test_today_is_built_up_to_a_moment_and_read_raw_after_it(voices_a, voices_b, business_a):
    """Voices heard before `until` come from the roll-up (gone from the raw rows, they
    still count), later ones from raw rows; another business's never count."""
    now = timezone.now()
    voices_a.now = now - 2 * CLOSE_AFTER  # before `until` (today, or late yesterday)
    early = voices_a.interaction("visit", score=0.5)
    voices_a.now = now
    voices_a.interaction("visit", score=-0.5)  # heard just now: after `until`
    voices_b.interaction("visit", score=0.25)
    today = local_today(business_a)
    days = (today - timedelta(days=1), today)
    raw = raw_sums(business_a, *days, Filters(), by=("channel",))
    call_command("rebuild_journey_rollups", str(business_a.uuid))
    coverage = coverage_of(business_a)
    assert coverage.through == last_closed_day(business_a)  # yesterday, once past 00:10
    assert early.created_at < coverage.until <= timezone.now() - CLOSE_AFTER
    assert rolled_up(business_a) == 1
    assert period_sums(business_a, *days, Filters(), by=("channel",), coverage=coverage) == raw
    # Really read: the built voice gone from the raw rows, it still counts.
    Interaction.objects.filter(pk=early.pk).delete()
    summed = period_sums(business_a, *days, Filters(), by=("channel",), coverage=coverage)
    assert summed[("staff",)].voices == 2 and summed[("staff",)].sentiment_sum == 0.0


def test_a_text_waiting_today_stops_the_build_before_it(voices_a, business_a):
    """Its score, aspects and the voices after it are read raw until it is scored."""
    today = local_today(business_a)
    evening = day_bounds(business_a, today, today)[0] + timedelta(hours=20)
    voices_a.now = evening - 3 * CLOSE_AFTER
    waiting = voices_a.interaction("visit", note="Nobody answered the phone")
    assert today_until(business_a, today, now=evening) == waiting.created_at
    Interaction.objects.filter(pk=waiting.pk).update(scored_at=evening, sentiment_label="negative")
    assert today_until(business_a, today, now=evening) == evening - CLOSE_AFTER
    # Nothing of today before CLOSE_AFTER has passed; a day long over is built whole.
    midnight = day_bounds(business_a, today, today)[0]
    assert today_until(business_a, today, now=midnight + CLOSE_AFTER / 2) is None
    yesterday = today - timedelta(days=1)
    assert today_until(business_a, yesterday, now=evening) == midnight


def test_a_text_dated_on_a_built_day_is_taken_in_once_scored(voices_a, business_a, monkeypatch):
    """A text written on a day already built (a review published yesterday and fetched
    today, an import) is summed at the next advance after it is scored, not at the
    nightly rebuild; however many batches land meanwhile, one rebuild takes them in."""
    monkeypatch.setattr(rollups, "CLOSE_AFTER", timedelta(0))
    today = local_today(business_a)
    voices_a.interaction("visit", score=0.5, days_ago=1)
    rollup_advance_business.delay(business_a.pk).get()
    assert coverage_of(business_a).through == today - timedelta(days=1)
    assert rolled_up(business_a) == 1

    late = voices_a.interaction("visit", note="Lovely, friendly staff", days_ago=1)
    texts_score(model=Interaction, ids=[late.pk])  # its hook marks yesterday
    state = RollupState.objects.get(business=business_a)
    assert state.rebuild_from == today - timedelta(days=1)
    later = voices_a.interaction("visit", note="Slow but kind", days_ago=3)
    texts_score(model=Interaction, ids=[later.pk])  # an older day: the mark moves back
    assert RollupState.objects.get(business=business_a).rebuild_from == today - timedelta(3)
    assert rolled_up(business_a) == 1  # not yet: the advance takes them in

    rollup_advance_business.delay(business_a.pk).get()
    assert rolled_up(business_a) == 3
    cells = TouchpointDay.objects.filter(business=business_a)
    assert sum(cells.values_list("sentiment_n", flat=True)) == 3
    assert RollupState.objects.get(business=business_a).rebuild_from is None


def test_a_text_heard_just_now_sets_off_no_rebuild(
    voices_a, business_a, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(rollups, "CLOSE_AFTER", timedelta(minutes=10))
    voices_a.interaction("visit", score=0.5, days_ago=1)
    rollup_advance_business.delay(business_a.pk).get()
    built_at = RollupState.objects.get(business=business_a).built_at
    fresh = voices_a.interaction("visit", note="Lovely, friendly staff")
    texts_score(model=Interaction, ids=[fresh.pk])
    state = RollupState.objects.get(business=business_a)
    assert (state.built_at, state.rebuild_from) == (built_at, None)
    with django_assert_num_queries(0):  # not even the roll-up's state is read
        rollups.rollup_take_in_late(oldest={business_a.pk: fresh.created_at})
