"""A worker stopped as a deploy stops it (SIGTERM) in the middle of a batch loses nothing:
what it had started it finishes and acknowledges, what it had not started stays in the
queue, and a new worker does the rest, each text once. Real worker, Redis, PostgreSQL."""

from __future__ import annotations

import signal

import pytest

from tests.workers import ScoreWritesHeld, wait_for

from .support import (
    analysed,
    assert_each_text_done_once,
    broker_backlog,
    broker_is_empty,
    comments_waiting,
    long_comments,
    send_for_scoring,
    unscored,
)

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

SCORE = "textanalysis.tasks.score_texts"
TEXTS = 1200  # batches of 500, 500 and 200
FRESH_EVERY = 30


def test_a_worker_stopped_with_sigterm_mid_batch_finishes_its_work_and_loses_nothing(
    survey_a, workers, empty_broker
):
    ids = comments_waiting(survey_a, long_comments(TEXTS), fresh_every=FRESH_EVERY)
    task_ids = send_for_scoring(ids)
    with ScoreWritesHeld() as held:
        first = workers("first", concurrency=2)
        held.waiting(2, first)
        assert unscored(ids) == TEXTS  # both batches analysed, nothing written yet
        first.process.send_signal(signal.SIGTERM)
        wait_for(lambda: "worker: Warm shutdown" in first.log(), "the warm shutdown", first)
    # The lock has gone: the two batches write, and the worker stops.
    assert first.process.wait(timeout=60) == 0
    log = first.log()
    assert "worker: Warm shutdown" in log
    # What it had started, it finished: both batches, written and acknowledged.
    for task_id in task_ids[:2]:
        assert f"{SCORE}[{task_id}] succeeded" in log
    assert analysed(log) == 1000 and unscored(ids) == TEXTS - 1000
    # Nothing held unacknowledged; what it had not started waits in the queue.
    backlog = broker_backlog()
    assert (backlog["unacked"], backlog["unacked_index"]) == (0, 0)
    assert backlog["scoring"] >= 1  # the third batch, and the alerts the first two raised

    second = workers("second")
    wait_for(lambda: unscored(ids) == 0, "every text scored", second)
    wait_for(broker_is_empty, "the broker emptied", second)
    assert analysed(first.log(), second.log()) == TEXTS
    assert_each_text_done_once(ids, urgent=TEXTS // FRESH_EVERY, logs=[first.log(), second.log()])
