"""Nothing is lost when a worker dies: a real worker, real Redis, real PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from feedback.models import Answer
from tests.helpers import answer
from tests.reliability.support import LAST_MONTH, analysed, long_comments
from tests.workers import WAIT_SECONDS, ScoreWritesHeld, wait_for
from textanalysis.models import Alert, AspectMention
from textanalysis.services import insight_settings_for, texts_enqueue_scoring

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]
TEXTS = 1200  # three batches of 500, 500 and 200


def drop_waiting_messages() -> None:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("scoring")


def test_killing_the_worker_mid_batch_loses_nothing_and_doubles_nothing(survey_a, worker):
    for _ in range(TEXTS):
        answer(survey_a, 5, "placeholder")
    ids = list(Answer.objects.exclude(text="").order_by("pk").values_list("pk", flat=True))
    for pk, text in zip(ids, long_comments(TEXTS), strict=True):
        # Written last month: history raises no alerts, so the worker only scores.
        Answer.objects.filter(pk=pk).update(text=text, created_at=LAST_MONTH)
    time.sleep(0.5)
    drop_waiting_messages()  # the placeholders' own scoring requests
    with transaction.atomic():
        texts_enqueue_scoring(model=Answer, ids=ids)
    time.sleep(0.5)  # the batcher's thread sends shortly after the commit

    with ScoreWritesHeld() as held:
        worker.start()
        backends = held.waiting(1, worker)  # a batch analysed, stopped at its write
        assert Answer.objects.filter(pk__in=ids, scored_at=None).count() == TEXTS
        killed = worker.kill_pool_child(backends=backends)

    wait_for(lambda: not Answer.objects.filter(pk__in=ids, scored_at=None).exists(),
             "every text scored", worker, seconds=2 * WAIT_SECONDS)  # fmt: skip
    # Each text analysed exactly once: the tasks' results add up to the number of texts.
    wait_for(lambda: analysed(worker.log()) >= TEXTS, "every task reporting", worker,
             seconds=2 * WAIT_SECONDS)  # fmt: skip
    log = worker.log()
    assert analysed(log) == TEXTS, log
    assert re.search(rf"pid:{killed} exited with 'signal 9", log), log
    assert "WorkerLostError" in log
    mentions = AspectMention.objects.values("source_id", "aspect_key").annotate(n=Count("id"))
    duplicates = mentions.filter(n__gt=1)
    assert not duplicates.exists()
    assert Answer.objects.filter(pk__in=ids, sentiment_label="").count() == 0


class FlakyReceiver(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(503 if len(type(self).bodies) < 3 else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_real_worker_retries_the_webhook_until_it_takes_the_alert(survey_a, business_a, worker):
    FlakyReceiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), FlakyReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings_row = insight_settings_for(business_a)
        settings_row.webhook_url = f"http://127.0.0.1:{server.server_port}/hook"
        settings_row.save()
        worker.env["OUTBOUND_ALLOW_LOOPBACK"] = "true"  # the receiver is on 127.0.0.1
        worker.start()
        with transaction.atomic():
            answer(survey_a, 0, "Disgusting. My kid got sick, I want a refund.")
        wait_for(lambda: Alert.objects.filter(webhook_sent_at__isnull=False).exists(),
                 "the webhook taking the alert", worker, seconds=2 * WAIT_SECONDS)  # fmt: skip
        alert = Alert.objects.get()
        assert alert.reason == "urgent" and alert.terms == ["refund", "sick"]
        assert alert.webhook_attempts == 3 and len(FlakyReceiver.bodies) == 3
        assert alert.emailed_at is not None and alert.emailed_at <= timezone.now()
    finally:
        server.shutdown()
        server.server_close()
