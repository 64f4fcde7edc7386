"""The worker path end to end: a real Celery worker process, real Redis, real PostgreSQL."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from feedback.models import Answer, PendingAnswers
from tests.workers import WAIT_SECONDS, Worker

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


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
        # Filed by the worker first, then scored.
        comment = Answer.objects.filter(response__uuid=response_uuid).exclude(text="").first()
        if comment is not None and comment.scored_at is not None:
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
    # Kept as sent until a worker files them.
    waiting = PendingAnswers.objects.get(response__uuid=uuid_)
    assert [given["text"] for given in waiting.answers] == [
        "",
        "Best croissants in town, lovely people!",
    ]
    assert not Answer.objects.filter(response__uuid=uuid_).exists()
    worker.start()
    assert wait_until_scored(uuid_, worker).sentiment_label == "positive"
    assert Answer.objects.filter(response__uuid=uuid_).count() == 2
    assert not PendingAnswers.objects.exists()
    assert "feedback.tasks.file_answers" in worker.log()
