"""Review polling (queue `polling`) and review requests (queue `email`).

Polling waits on review sites, not on the CPU: its worker runs the threads pool
(`celery -A cxplatform worker -Q polling -P threads -c 32`), one source per task.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError, close_old_connections

from cxplatform.celery import enqueue_on_commit

from .polling import source_poll, sources_claim_due

# Review-request tasks live with their service; importing them here lets Celery's
# autodiscovery (which looks for <app>.tasks) register them.
from .review_requests import send_due_review_requests, send_review_request  # noqa: F401

# The database going away for a moment; a connector's errors are handled in the poll.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def poll_due_sources() -> int:
    """Every minute (beat): claim the due sources and send one poll per source. A poll
    whose message is lost is claimed again once its lease ends."""
    claimed = sources_claim_due()
    for source_id in claimed:
        enqueue_on_commit(poll_source, source_id)
    return len(claimed)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    max_retries=3,
)
def poll_source(self, source_id: int) -> str:
    """Poll one claimed source. Idempotent: polled twice, it stores nothing twice."""
    try:
        return source_poll(source_id=source_id)
    finally:
        if not self.request.is_eager:
            # Django's connections are per thread; in the threads pool a task must give
            # its connection back rather than leave one open per thread that ran it.
            close_old_connections()
