"""A real worker SIGKILLed in the middle of a batch: its pool child alone, then the whole
worker. Real Redis, real PostgreSQL, the app's own scoring task.

tests/textanalysis/test_worker_kill.py already shows the texts of a batch whose child was
killed get scored once. These add what it leaves out: the broker's own keys after the
recovery (nothing queued, nothing in 'unacked'), the delivery count of the killed batch,
what scoring sets off (alerts, e-mails, follow-up cases) done once, the unique keys that
make that so, and a worker killed whole, main process and children together.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.workers import ScoreWritesHeld, end_backends, wait_for

from .support import (
    analysed,
    assert_each_text_done_once,
    broker_backlog,
    broker_is_empty,
    comments_waiting,
    deliveries,
    long_comments,
    send_for_scoring,
    unscored,
)

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

TEXTS = 1200  # batches of 500, 500 and 200
FRESH_EVERY = 30  # 40 of them urgent complaints of today: 40 alerts, 40 cases
URGENT = TEXTS // FRESH_EVERY
# The restarted worker takes back messages held longer than this (3600 in production).
VISIBILITY = 5


def texts_sent(survey) -> tuple[list[int], list[str]]:
    ids = comments_waiting(survey, long_comments(TEXTS), fresh_every=FRESH_EVERY)
    return ids, send_for_scoring(ids)


def test_killing_the_pool_child_mid_batch_leaves_each_text_done_once_and_the_broker_empty(
    survey_a, workers, empty_broker
):
    ids, task_ids = texts_sent(survey_a)
    with ScoreWritesHeld() as held:
        worker = workers("worker")
        backends = held.waiting(1, worker)
        assert unscored(ids) == TEXTS
        killed = worker.kill_pool_child(backends=backends)

    # The worker's main process puts the message back and a new child takes it again.
    wait_for(lambda: unscored(ids) == 0, "every text scored", worker)
    wait_for(broker_is_empty, "the broker emptied (alerts delivered, all acknowledged)", worker)
    log = worker.log()
    assert re.search(rf"pid:{killed} exited with 'signal 9", log), log
    assert "WorkerLostError" in log
    assert analysed(log) == TEXTS
    assert deliveries(task_ids[0]) == {"deliveries:0": 2}
    assert [deliveries(task_id) for task_id in task_ids[1:]] == [{"deliveries:0": 1}] * 2
    assert_each_text_done_once(ids, urgent=URGENT, logs=[log])


def test_killing_the_whole_worker_mid_batch_loses_nothing_once_a_new_worker_starts(
    survey_a, workers, empty_broker
):
    ids, task_ids = texts_sent(survey_a)
    with ScoreWritesHeld() as held:
        first = workers("first", concurrency=2)
        backends = held.waiting(2, first)
        assert unscored(ids) == TEXTS
        first.kill_everything()
        killed_at = time.monotonic()
        end_backends(backends)

    # The two batches under way are held in 'unacked' (acks_late), the third is queued;
    # the dead processes' transactions rolled back.
    backlog = broker_backlog()
    assert (backlog["unacked"], backlog["unacked_index"], backlog["queued"]) == (2, 2, 1)
    assert unscored(ids) == TEXTS

    time.sleep(max(0.0, killed_at + VISIBILITY + 0.5 - time.monotonic()))
    second = workers("second", concurrency=2, env={"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY)})
    wait_for(lambda: unscored(ids) == 0, "every text scored", first, second)
    wait_for(broker_is_empty, "the broker emptied", first, second)
    assert analysed(first.log(), second.log()) == TEXTS
    assert [deliveries(task_id) for task_id in task_ids] == [
        {"deliveries:0": 2},
        {"deliveries:0": 2},
        {"deliveries:0": 1},
    ]
    assert_each_text_done_once(ids, urgent=URGENT, logs=[first.log(), second.log()])
