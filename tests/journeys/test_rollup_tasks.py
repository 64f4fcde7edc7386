"""The roll-up is kept current by tasks, a command, and after a rescore."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from journeys.models import RollupState, TouchpointDay
from journeys.tasks import rollup_rebuild, rollups_advance
from textanalysis.rescore import rescore_run, rescore_start

pytestmark = pytest.mark.django_db


def rolled_up(business) -> int:
    return sum(TouchpointDay.objects.filter(business=business).values_list("voices", flat=True))


def test_the_hourly_task_builds_closed_days_only(voices_a, business_a, business_b):
    voices_a.interaction("visit", score=0.2, days_ago=4)
    voices_a.interaction("visit", score=0.2)  # today stays live
    assert rollups_advance.delay().get() >= 1
    assert rolled_up(business_a) == 1
    assert RollupState.objects.filter(business=business_b).exists()
    assert rollups_advance.delay().get() == 0  # idempotent: nothing new closed


def test_a_rebuild_replaces_the_rows(voices_a, business_a):
    voices_a.interaction("visit", score=0.2, days_ago=4)
    rollup_rebuild.delay(business_a.pk).get()
    rollup_rebuild.delay(business_a.pk).get()
    assert rolled_up(business_a) == 1
    assert rollup_rebuild.delay(10**9).get() == 0  # a business gone: nothing to do


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
