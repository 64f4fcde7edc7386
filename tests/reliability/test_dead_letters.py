"""Tasks that cannot succeed end in one dead letter after a bounded number of tries,
instead of looping: cxplatform/deadletters.py, through a real worker, real Redis and
PostgreSQL; then what the operator sees (/admin/, /healthz)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cxplatform.celery import app
from cxplatform.models import DeadLetter
from feedback.models import Answer
from tests.workers import wait_for
from textanalysis.tasks import score_texts

from .support import (
    broker_is_empty,
    comments_waiting,
    deliveries,
    send_for_scoring,
    unscored,
)

FAULTY = "tests.reliability.faulty_tasks"
WITH_FAULTY_TASKS = {"CELERY_WORKER_INCLUDE": FAULTY}  # celery worker --include


def received(worker, task_id: str) -> int:
    return len(re.findall(rf"\[{task_id}\] received", worker.log()))


def letters() -> dict[str, DeadLetter]:
    return {letter.task_name: letter for letter in DeadLetter.objects.all()}


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_failing_tasks_end_in_one_dead_letter_after_a_bounded_number_of_tries(
    survey_a, workers, empty_broker
):
    worker = workers("worker", env=WITH_FAULTY_TASKS)
    # Retried on ConnectionError (max_retries=2), failing every time.
    unreachable = app.send_task(f"{FAULTY}.never_reachable", args=["webhook"]).id
    # A real task with a message it can never handle: a model that does not exist.
    poison = score_texts.delay("nowhere.Nothing", [1]).id
    # Arguments the sender kept out of logs (a token) stay out of the dead letter too.
    secret = app.send_task(
        f"{FAULTY}.never_reachable_quietly", args=["tok-3f9a"], argsrepr="('<token>',)"
    ).id
    wait_for(lambda: DeadLetter.objects.count() == 3, "three dead letters", worker)
    wait_for(broker_is_empty, "the broker emptied", worker)

    found = letters()
    quiet = found[f"{FAULTY}.never_reachable_quietly"]
    assert (quiet.task_id, quiet.tries, quiet.args, quiet.kwargs) == (secret, 3, [], {})
    assert quiet.arguments_hidden == "('<token>',) {}"
    assert "tok-3f9a" not in str(DeadLetter.objects.values_list())
    retried = found[f"{FAULTY}.never_reachable"]
    assert (retried.task_id, retried.tries, retried.reason) == (unreachable, 3, "failed")
    assert retried.exception == "ConnectionError: webhook: the other side never answers"
    assert (retried.args, retried.kwargs, retried.queue) == (["webhook"], {}, "default")
    assert "raise ConnectionError" in retried.traceback
    assert retried.first_failed_at < retried.last_failed_at and not retried.resolved
    failed = found["textanalysis.tasks.score_texts"]
    assert (failed.task_id, failed.tries, failed.queue) == (poison, 1, "scoring")
    assert failed.exception.startswith("LookupError: No installed app with label 'nowhere'")
    assert failed.args == ["nowhere.Nothing", [1]]

    # Given up, not looping: no further delivery, and the queue still serves good work.
    time.sleep(1)
    assert (received(worker, unreachable), received(worker, poison)) == (3, 1)
    ids = comments_waiting(survey_a, ["Lovely staff, great coffee."])
    send_for_scoring(ids)
    wait_for(lambda: unscored(ids) == 0, "the next text scored", worker)
    assert DeadLetter.objects.count() == 3
    assert Client().get("/healthz").json()["dead_letters"] == 3


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_task_that_keeps_killing_its_worker_is_dead_lettered_at_the_delivery_limit(
    survey_a, workers, empty_broker
):
    worker = workers("worker", env=WITH_FAULTY_TASKS)
    crash = app.send_task(f"{FAULTY}.kills_its_worker", args=["crash"]).id
    wait_for(DeadLetter.objects.exists, "the dead letter", worker)
    wait_for(broker_is_empty, "the broker emptied", worker)

    limit = settings.TASK_MAX_DELIVERIES
    letter = DeadLetter.objects.get()
    assert (letter.task_id, letter.reason, letter.tries) == (crash, "redelivered", limit)
    assert letter.exception.startswith(f"WorkerLost: the process running it was lost {limit} ")
    assert letter.first_failed_at < letter.last_failed_at
    log = worker.log()
    # Each delivery up to the limit killed a pool child; the next one was dropped.
    assert log.count("exited with 'signal 9 (SIGKILL)'") == limit
    assert received(worker, crash) == limit + 1
    assert deliveries(crash) == {}  # the count is cleared with the dead letter
    # The worker lives on and does its other work.
    ids = comments_waiting(survey_a, ["Cold coffee and a long wait."])
    send_for_scoring(ids)
    wait_for(lambda: unscored(ids) == 0, "the next text scored", worker)
    assert received(worker, crash) == limit + 1


# --- What the operator sees (any database, tasks in-process) ---------------------------


def dead_letter(**fields) -> DeadLetter:
    now = timezone.now()
    values = {
        "task_name": "textanalysis.tasks.score_texts", "task_id": f"t-{time.monotonic_ns()}",
        "args": ["feedback.Answer", []], "reason": "failed",
        "exception": "OperationalError: the database went away\nsecond line", "tries": 9,
        "first_failed_at": now - timedelta(minutes=10), "last_failed_at": now,
    }  # fmt: skip
    return DeadLetter.objects.create(**{**values, **fields})


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator@platform.example", "operator-password-1")


CHANGELIST = "/admin/cxplatform/deadletter/"


@pytest.mark.django_db
def test_the_operator_sees_dead_letters_and_sends_one_again(operator, survey_a, client_of):
    ids = comments_waiting(survey_a, ["The staff were rude and the coffee was cold."])
    letter = dead_letter(args=["feedback.Answer", ids])
    other = dead_letter(task_name="metrics.tasks.clv_fit", args=[1])
    client = client_of(operator)
    page = client.get(CHANGELIST).content.decode()
    assert "textanalysis.tasks.score_texts" in page and "metrics.tasks.clv_fit" in page
    assert "OperationalError: the database went away" in page and "second line" not in page
    reply = client.post(
        CHANGELIST, {"action": "send_again", "_selected_action": [letter.pk]}, follow=True
    )
    assert reply.status_code == 200 and "1 tasks sent again." in reply.content.decode()
    # Sent with the same arguments (here run in-process): the comment is scored now.
    assert Answer.objects.get(pk=ids[0]).sentiment_label == "negative"
    letter.refresh_from_db()
    assert letter.resolved and letter.resolved_at is not None
    secret = dead_letter(args=[], arguments_hidden="(7, '<token>') {}")
    reply = client.post(
        CHANGELIST, {"action": "send_again", "_selected_action": [secret.pk]}, follow=True
    )
    assert "0 tasks sent again." in reply.content.decode()
    assert "1 not sent: their arguments hold a secret" in reply.content.decode()
    client.post(CHANGELIST, {"action": "mark_resolved", "_selected_action": [other.pk, secret.pk]})
    assert DeadLetter.objects.filter(resolved=False).count() == 0
    assert client.get(f"{CHANGELIST}add/").status_code == 403  # only workers write them


@pytest.mark.django_db
def test_business_owners_and_outsiders_cannot_see_or_resend_dead_letters(alice, charlie, client_of):
    letter = dead_letter()
    for user in (alice, charlie):
        client = client_of(user)
        assert client.get(CHANGELIST).status_code == 302  # to the admin's sign-in
        assert client.get(f"{CHANGELIST}{letter.pk}/change/").status_code == 302
        client.post(CHANGELIST, {"action": "mark_resolved", "_selected_action": [letter.pk]})
    letter.refresh_from_db()
    assert not letter.resolved


@pytest.mark.django_db
def test_health_counts_the_dead_letters_still_open():
    assert Client().get("/healthz").json()["dead_letters"] == 0
    dead_letter()
    dead_letter()
    dead_letter(resolved=True)
    reply = Client().get("/healthz")
    assert reply.status_code == 200  # a web node stays in the load balancer
    assert reply.json()["dead_letters"] == 2


@pytest.mark.django_db
def test_a_task_run_in_process_fails_to_its_caller_and_leaves_no_dead_letter():
    with pytest.raises(LookupError):
        score_texts.delay("nowhere.Nothing", [1])
    assert not DeadLetter.objects.exists()


def test_delivery_counts_live_longer_than_a_lost_message_takes_to_return():
    from cxplatform.deadletters import state_ttl

    assert state_ttl() > settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
