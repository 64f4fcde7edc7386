"""Polling end to end: the beat's task through Redis to a real polling worker (threads
pool, as in production), which fetches from the local provider server over HTTP and
writes to PostgreSQL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cxplatform.celery import app as celery_app
from cxplatform.vault import encrypt
from reputation.models import Review, ReviewSource, SourceHealth
from reputation.providerserver import SiteReview
from reputation.tasks import poll_due_sources
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS
from tests.workers import WAIT_SECONDS, Worker

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def polling_worker(tmp_path):
    """The production polling worker: queue `polling` only, threads pool."""
    worker = Worker(
        tmp_path / "worker.log",
        queues="polling",
        pool="threads",
        concurrency=4,
        # The provider server listens on 127.0.0.1, refused by default.
        env={"OUTBOUND_ALLOW_LOOPBACK": "True"},
    )
    yield worker
    worker.stop()
    # The polls sent scoring work that no worker here consumes.
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge("scoring")


def wait_until_polled(sources: list[ReviewSource], worker: Worker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    ids = [source.pk for source in sources]
    while time.monotonic() < deadline:
        if not ReviewSource.objects.filter(pk__in=ids, last_success_at=None).exists():
            return
        time.sleep(0.2)
    raise AssertionError(f"the worker never polled every source:\n{worker.log()}")


def test_a_real_threads_worker_polls_every_due_source_once(
    business_a, provider_server, polling_worker
):
    google = SITE_IDS["google"]
    sources = []
    for n in range(3):
        external_id = google.replace("locations/2", f"locations/{n}")
        created = timezone.now() - timedelta(days=1)
        provider_server.put_reviews(
            "google",
            external_id,
            [SiteReview(f"{n}-{k}", 4, f"Good bread {k}", created=created) for k in range(5)],
        )
        sources.append(
            ReviewSource.objects.create(
                business=business_a, provider="google", name=f"Shop {n}",
                external_id=external_id, base_url=provider_server.url,
                secrets_encrypted=encrypt(SITE_SECRETS["google"]),
                next_poll_at=timezone.now() - timedelta(minutes=1),
            )
        )  # fmt: skip
    polling_worker.start()
    assert "(thread)" in polling_worker.log()
    poll_due_sources.delay()
    poll_due_sources.delay()  # a second beat tick at once claims nothing more
    wait_until_polled(sources, polling_worker)
    assert Review.objects.count() == 15
    assert set(ReviewSource.objects.values_list("health", flat=True)) == {SourceHealth.OK}
    assert len(provider_server.paths()) == 3
    log = polling_worker.log()
    assert "reputation.tasks.poll_source" in log
    assert "ok: 5 new" in log
