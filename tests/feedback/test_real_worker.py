"""The worker path end to end: a real Celery worker process, real Redis, real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from feedback.models import Answer

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def worker_database_url() -> str:
    """The URL of the database this test runs in, for the worker to use the same one."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": worker_database_url()}
        command = [
            sys.executable, "-m", "celery", "-A", "cxplatform", "worker",
            "-Q", "scoring,default", "-c", "1", "-P", "prefork", "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        self._wait_for("ready.")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_for(self, marker: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if marker in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker never became ready:\n{self.log()}")


@pytest.fixture
def worker(tmp_path):
    worker = Worker(tmp_path / "worker.log")
    yield worker
    worker.stop()


def submit(survey, score: int, comment: str):
    nps, reason = survey.questions.order_by("position")
    body = {"answers": {str(nps.uuid): score, str(reason.uuid): comment}}
    return Client().post(
        f"/api/v1/public/surveys/{survey.uuid}/responses/",
        data=json.dumps(body),
        content_type="application/json",
    )


def wait_until_scored(response_uuid: str, worker: Worker) -> Answer:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        comment = Answer.objects.filter(response__uuid=response_uuid).exclude(text="").get()
        if comment.scored_at is not None:
            return comment
        time.sleep(0.2)
    raise AssertionError(f"the worker never scored the comment:\n{worker.log()}")


def test_a_real_worker_scores_a_submitted_comment(survey_a, worker):
    worker.start()
    reply = submit(survey_a, 2, "The staff were rude and the coffee was cold. Awful.")
    assert reply.status_code == 201
    comment = wait_until_scored(reply.json()["uuid"], worker)
    assert comment.sentiment_label == "negative"
    assert comment.sentiment_score <= -0.05
    assert "textanalysis.tasks.score_texts" in worker.log()


def test_work_sent_while_no_worker_runs_waits_in_redis(survey_a, worker):
    reply = submit(survey_a, 10, "Best croissants in town, lovely people!")
    assert reply.status_code == 201
    uuid_ = reply.json()["uuid"]
    assert Answer.objects.exclude(text="").get(response__uuid=uuid_).scored_at is None
    worker.start()
    assert wait_until_scored(uuid_, worker).sentiment_label == "positive"
