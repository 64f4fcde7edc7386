"""The review polling benchmark's own pieces: the site's changes between cycles, the
seeded sources, the worker CPU figure and the verdict (which must be able to fail)."""

from __future__ import annotations

import os
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bench.review_polling import cpu_seconds, report, seed, site_changes, site_review
from reputation.models import ReviewSource
from reputation.providerserver import ProviderServer


@pytest.fixture
def server():
    with ProviderServer() as running:
        yield running


@pytest.mark.django_db
def test_seed_makes_sources_that_are_not_due_and_twenty_reviews_each(server):
    names = seed(server, 3, random.Random(1))
    assert ReviewSource.objects.count() == 3
    assert not ReviewSource.objects.filter(next_poll_at=None).exists()
    assert [len(server.reviews("google", name)) for name in names] == [20, 20, 20]


def test_site_changes_add_to_one_fifth_and_edit_another(server):
    names = [f"accounts/{n}/locations/{n}" for n in range(10)]
    rng = random.Random(2)
    for name in names:
        server.put_reviews("google", name, [])
    for n in (1, 6):  # the sources that get an edit need a review to edit
        server.put_reviews("google", names[n], [site_review(n, 0, rng, timezone.now())])
    assert site_changes(server, names, rng) == (2, 2)
    assert len(server.reviews("google", names[0])) == 1
    edited = server.reviews("google", names[1])[0]
    assert edited.updated is not None and "Edited" in edited.text


def test_cpu_seconds_reads_this_process():
    assert cpu_seconds(os.getpid()) > 0


def found(**changes) -> dict:
    figures = {
        "rows": 10_100, "duplicates": 0, "listed": 10_100, "missing_or_extra": 0,
        "revisions": 100, "alerts": 3, "health": {"ok": 500}, "unhealthy": 0, "problems": [],
        "polls_logged": 1000, "scoring_queued": 0, "polling_left": 0,
    }  # fmt: skip
    return {**figures, **changes}


def cycle(seconds: float) -> dict:
    return {"seconds": seconds, "requests": 1000, "worker_cpu": 1.0}


ARGS = SimpleNamespace(sources=500, concurrency=32)


@pytest.mark.parametrize(
    ("first", "second", "changes", "verdict"),
    [
        (6.0, 3.0, {}, "PASS"),
        (11.0, 3.0, {}, "FAIL"),
        (6.0, 10.5, {}, "FAIL"),
        (6.0, 3.0, {"duplicates": 1}, "FAIL"),
        (6.0, 3.0, {"missing_or_extra": -20}, "FAIL"),
        (6.0, 3.0, {"unhealthy": 1, "health": {"ok": 499, "failing": 1}}, "FAIL"),
        (6.0, 3.0, {"revisions": 200}, "FAIL"),
    ],
)
def test_the_verdict(capsys, first, second, changes, verdict):
    code = report(ARGS, cycle(first), cycle(second), 100, 100, found(**changes))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"RESULT cycle_s={first:.2f} second_cycle_s={second:.2f} ")
    assert last.endswith(f"target=10 {verdict}")
    assert code == (0 if verdict == "PASS" else 1)
