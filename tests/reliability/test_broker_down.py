"""Redis stopped: customers still answer surveys (page and API) and staff still log
interactions, at once; /healthz says the broker is down. Redis back: the sweepers, run by
a real worker as beat would send them, file the answers and score everything written
meanwhile; nothing lost.

A private redis-server on a free port (never the machine's shared one), with this test
process's Django and Celery pointed at it, stopped and started again by the test.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time

import pytest
import redis
from django.test import Client
from kombu import pools

from cxplatform.celery import app
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.models import Answer, FollowUpCase, Interaction, PendingAnswers, Response
from feedback.tasks import sweep_unfiled_answers
from tests.workers import wait_for
from textanalysis.tasks import sweep_unscored

from .support import analysed

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = "/usr/bin/redis-server"
# An answer never waits on the broker (sending happens after the commit, off the request).
QUICK_SECONDS = 2.0


class RedisServer:
    def __init__(self, directory) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.directory)]  # fmt: skip
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_for(lambda: self.answers(client), "the private redis-server answering")

    def answers(self, client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def fresh_broker_connections() -> None:
    """Close this process's broker connections; the next send opens new ones."""
    pools.reset()  # kombu's registry, which app.pool would hand back closed otherwise
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path, settings, monkeypatch):
    """This process's Celery publishes to the private server, /healthz pings it."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        # Celery reads the broker's address from the environment first, then settings.
        monkeypatch.setenv("CELERY_BROKER_URL", server.url)
        settings.CELERY_BROKER_URL = server.url
        fresh_broker_connections()
        assert app.connection_for_write().port == server.port
        yield server
    finally:
        monkeypatch.undo()
        fresh_broker_connections()
        server.stop()


def timed(send) -> tuple[object, float]:
    started = time.perf_counter()
    reply = send()
    return reply, time.perf_counter() - started


def answer_on_the_page(survey, score: int, comment: str):
    nps, reason = survey.questions.order_by("position")
    client = Client()
    assert client.get(f"/s/{survey.uuid}/").status_code == 200
    form = {f"q-{nps.uuid}": str(score), f"q-{reason.uuid}": comment,
            STARTED_FIELD: form_started_token(at=time.time() - 30)}  # fmt: skip
    return client.post(f"/s/{survey.uuid}/", form)


def answer_by_api(survey, score: int, comment: str):
    nps, reason = survey.questions.order_by("position")
    body = {"answers": {str(nps.uuid): score, str(reason.uuid): comment}}
    return Client().post(
        f"/api/v1/public/surveys/{survey.uuid}/responses/",
        data=json.dumps(body),
        content_type="application/json",
    )


def log_on_the_page(staff_client, note: str):
    return staff_client.post("/interactions/new/", {"channel": "phone", "note": note})


def log_by_api(staff_client, note: str):
    return staff_client.post(
        "/api/v1/interactions/",
        data=json.dumps({"channel": "phone", "note": note, "new_customer": {"name": "Ines"}}),
        content_type="application/json",
    )


COMMENTS = [
    (2, "Cold coffee, rude staff, never again."),
    (10, "Lovely people and the best croissants in town!"),
    (7, "Fine, a bit slow at lunch."),
]
NOTES = [
    "Customer was furious: wrong order twice, left angry and upset.",
    "Asked about oat milk, very happy with the answer.",
]


def test_with_redis_stopped_nothing_waits_nothing_is_lost_and_the_sweeper_catches_up(
    private_redis, survey_a, bob, client_of, workers, caplog
):
    private_redis.stop()
    health = Client().get("/healthz")
    assert (health.status_code, health.json()["broker"]) == (200, "down")

    staff = client_of(bob)
    sent = [timed(lambda s=s, c=c: answer_on_the_page(survey_a, s, c)) for s, c in COMMENTS]
    sent += [timed(lambda s=s, c=c: answer_by_api(survey_a, s, c)) for s, c in COMMENTS]
    sent += [timed(lambda n=n: log_on_the_page(staff, n)) for n in NOTES]
    sent += [timed(lambda n=n: log_by_api(staff, n)) for n in NOTES]
    statuses = [reply.status_code for reply, _ in sent]
    assert statuses == [302] * 3 + [201] * 3 + [302] * 2 + [201] * 2
    slowest = max(seconds for _, seconds in sent)
    print(f"broker down: {len(sent)} requests, slowest {slowest * 1000:.0f} ms")  # for -s runs
    assert slowest < QUICK_SECONDS
    assert Response.objects.count() == 6 and Interaction.objects.count() == 4
    # The filing and scoring requests could not leave; they were logged and left for
    # the sweepers. Each response's answers wait, kept as sent, to be filed.
    for task in ("feedback.tasks.file_answers", "textanalysis.tasks.score_texts"):
        logged = f"{task} left for the sweeper"
        wait_for(lambda logged=logged: logged in caplog.text, f"the failed send of {task}")
    assert PendingAnswers.objects.count() == 6 and not Answer.objects.exists()
    assert not Interaction.objects.exclude(scored_at=None).exists()

    private_redis.start()
    assert Client().get("/healthz").json()["broker"] == "ok"
    worker = workers("worker", env={"CELERY_BROKER_URL": private_redis.url})
    # What beat sends every minute: the answers are filed, and their comments sent to
    # be scored as they are; the interactions were never sent.
    sweep_unfiled_answers.delay(older_than_seconds=0)
    sweep_unscored.delay(older_than_seconds=0)
    comments = Answer.objects.exclude(text="")
    wait_for(
        lambda: (
            comments.count() == 6
            and not comments.filter(scored_at=None).exists()
            and not Interaction.objects.filter(scored_at=None).exists()
            and analysed(worker.log()) >= 10
        ),
        "every text written while Redis was down scored",
        worker,
    )
    # The sweeper re-sent what could not leave (a send still retrying as Redis came back
    # may have got through as well); each of the 10 texts was analysed once all the same.
    swept = re.search(r"sweep_unscored\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)", worker.log())
    assert swept and int(swept[1]) >= 1
    # As for scoring: at least the send that was logged as failed was filed by the
    # sweeper (a later one may have got through as Redis came back); each answer once.
    filed = r"sweep_unfiled_answers\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)"
    assert (swept := re.search(filed, worker.log())) and int(swept[1]) >= 1
    assert not PendingAnswers.objects.exists() and Answer.objects.count() == 12
    assert analysed(worker.log()) == 10
    assert sorted(comments.values_list("sentiment_label", flat=True)) == [
        "negative", "negative", "positive", "positive", "positive", "positive"
    ]  # fmt: skip
    furious = Interaction.objects.filter(note=NOTES[0])
    assert set(furious.values_list("sentiment_label", flat=True)) == {"negative"}
    # What scoring sets off happened too: a case for each furious customer.
    assert FollowUpCase.objects.filter(interaction__in=furious).count() == 2
    assert Response.objects.count() == 6 and Interaction.objects.count() == 4
