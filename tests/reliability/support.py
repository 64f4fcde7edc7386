"""What the fault tests share: comments waiting to be scored, the broker's own state
(read from the Redis keys kombu keeps), a worker that can be killed whole, waiting."""

from __future__ import annotations

import os
import random
import re
import signal
from datetime import timedelta
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cxplatform.batching import batched
from cxplatform.demo.comments import comment_for_score
from feedback.models import Answer, FollowUpCase, Response
from tests.workers import Worker
from textanalysis.models import Alert
from textanalysis.services import insight_settings_for
from textanalysis.tasks import score_texts

LAST_MONTH = timezone.now() - timedelta(days=30)
# Fresh, negative and naming an urgent matter: each raises one alert and opens one case.
URGENT = "Disgusting. My kid got sick after the sandwich, I want a refund."
# kombu's Redis transport: messages taken but not acknowledged, and when they were taken.
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"
QUEUES = ("scoring", "default", "email", "rollups", "polling")


# --- Work to do -----------------------------------------------------------------------


def long_comments(count: int, seed: int = 11) -> list[str]:
    """Long texts of mixed feeling, naming several aspects each."""
    rng = random.Random(seed)
    return [
        " ".join(comment_for_score(rng, rng.randint(0, 10)) for _ in range(24))
        for _ in range(count)
    ]


def comments_waiting(survey, texts: list[str], *, fresh_every: int = 0) -> list[int]:
    """One response with an NPS of 8 and a comment per text, written straight to the
    tables as an import does, with no scoring request sent: each test sends the work
    itself. Comments are last month's (history: no alert) except every `fresh_every`-th,
    which is today's urgent complaint. Returns the comments' ids in order."""
    nps, reason = survey.questions.order_by("position")
    # Made now, as after a business's first text: otherwise the first batch makes them
    # and a second batch under way waits for that batch's commit, not at its own write.
    insight_settings_for(survey.business)
    now = timezone.now()
    fresh = [bool(fresh_every) and i % fresh_every == 0 for i in range(len(texts))]
    responses = Response.objects.bulk_create(
        Response(business_id=survey.business_id, survey=survey, created_at=now if f else LAST_MONTH)
        for f in fresh
    )
    Answer.objects.bulk_create(
        Answer(business_id=survey.business_id, response=r, question=nps, number=8,
               created_at=r.created_at)
        for r in responses
    )  # fmt: skip
    comments = Answer.objects.bulk_create(
        Answer(business_id=survey.business_id, response=r, question=reason,
               text=URGENT if f else text, created_at=r.created_at)
        for r, f, text in zip(responses, fresh, texts, strict=True)
    )  # fmt: skip
    return [comment.pk for comment in comments]


def send_for_scoring(ids: list[int]) -> list[str]:
    """Publish the scoring batches (500 ids each) as the batcher does; their task ids."""
    return [score_texts.delay("feedback.Answer", batch).id for batch in batched(ids)]


def analysed(*logs: str) -> int:
    """What the workers' score_texts tasks say they analysed, added up: a text analysed
    twice would count twice."""
    counts = re.findall(r"score_texts\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)", "".join(logs))
    return sum(int(n) for n in counts)


def unscored(ids: list[int]) -> int:
    return Answer.objects.filter(pk__in=ids, scored_at=None).count()


# --- The broker -------------------------------------------------------------------------


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def broker_clear() -> None:
    """Leave nothing of an earlier test in the test's Redis database."""
    client = broker()
    client.delete(*QUEUES, UNACKED, UNACKED_INDEX, "unacked_mutex")
    for key in client.scan_iter("cx:task:*"):
        client.delete(key)


def broker_backlog() -> dict[str, int]:
    """Messages in every queue list, in the 'unacked' hash and its 'unacked_index'."""
    client = broker()
    queued = {
        key.decode(): client.llen(key)
        for key in client.scan_iter()
        if client.type(key) == b"list" and client.llen(key)
    }
    return {"queued": sum(queued.values()), "unacked": client.hlen(UNACKED),
            "unacked_index": client.zcard(UNACKED_INDEX), **queued}  # fmt: skip


def broker_is_empty() -> bool:
    backlog = broker_backlog()
    return backlog["queued"] == backlog["unacked"] == backlog["unacked_index"] == 0


def deliveries(task_id: str) -> dict[str, int]:
    """How often each try of a task was delivered (cxplatform.deadletters counts them)."""
    raw = broker().hgetall(f"cx:task:{task_id}")
    return {k.decode(): int(v) for k, v in raw.items() if k.startswith(b"deliveries:")}


# --- Proof that duplicates cannot exist -------------------------------------------------


def unique_key(table: str, columns: set[str]) -> str | None:
    """The name of the unique index (or constraint) of `table` on exactly `columns`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(a.attname::text) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisunique AND i.indpred IS NULL "
            "GROUP BY c.relname",
            [table],
        )
        for name, indexed in cursor.fetchall():
            if set(indexed) == columns:
                return name
    return None


# --- Workers ----------------------------------------------------------------------------


class KillableWorker(Worker):
    def kill_everything(self) -> list[int]:
        """SIGKILL the main process and its pool children together: all are stopped
        first, so none sees another die and acts on it (a machine losing power)."""
        pids = [self.process.pid, *self.pool_children()]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        return pids


def worker_in(tmp_path: Path, name: str, **options) -> KillableWorker:
    return KillableWorker(tmp_path / f"{name}.log", **options)


# --- Each text done once ----------------------------------------------------------------


def assert_each_text_done_once(ids: list[int], *, urgent: int, logs: list[str]) -> None:
    """Every text scored, its aspects, alert and case recorded once, each alert e-mailed
    once (the workers' console mail in `logs`), and the unique keys that make a second
    copy impossible (not merely absent) in place."""
    assert unique_key("textanalysis_aspectmention", {"source", "source_id", "aspect_key"})
    assert unique_key("textanalysis_alert", {"source", "source_id"}) == "one_alert_per_text"
    assert unique_key("feedback_followupcase", {"response_id"})
    assert unscored(ids) == 0
    assert Answer.objects.filter(pk__in=ids, sentiment_label="").count() == 0
    found, expected = mentions_against_explanations(ids)
    assert found == expected > 0
    alerts = Alert.objects.filter(source="feedback.Answer", source_id__in=ids)
    assert alerts.count() == urgent
    assert not alerts.filter(emailed_at=None).exists()
    mailed = re.findall(r"/insights/alerts/([0-9a-f-]+)/", "".join(logs))
    assert sorted(mailed) == sorted(str(uuid) for uuid in alerts.values_list("uuid", flat=True))
    cases = FollowUpCase.objects.filter(response__answers__pk__in=ids)
    assert cases.count() == urgent


def mentions_against_explanations(ids: list[int]) -> tuple[int, int]:
    """Aspect mentions stored for these texts, and aspects their analyses found."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM textanalysis_aspectmention "
            "        WHERE source = 'feedback.Answer' AND source_id = ANY(%s)), "
            "       (SELECT count(*) FROM feedback_answer a, "
            "        jsonb_object_keys(a.sentiment_explanation->'aspects') "
            "        WHERE a.id = ANY(%s))",
            [ids, ids],
        )
        return cursor.fetchone()
