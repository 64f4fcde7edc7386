"""Celery finds tasks in each app's `tasks` module; the feedback areas keep theirs apart.
Filing answers is the first step of scoring them: both run on the scoring queue."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import IntegrityError

from cxplatform.batching import batched
from textanalysis.tasks import RETRY, TRANSIENT_ERRORS

from .channels.tasks import send_due_invitations, send_invitations, send_reminders
from .filing import FILING_KEY, answers_file, unscoped_unfiled_response_ids

__all__ = [
    "file_answers",
    "send_due_invitations",
    "send_invitations",
    "send_reminders",
    "sweep_unfiled_answers",
]

logger = logging.getLogger(__name__)


# An IntegrityError here is a question removed while its answers were being filed: the
# next try no longer finds the question and drops its answers (filing.answers_file).
@shared_task(autoretry_for=(*TRANSIENT_ERRORS, IntegrityError), **RETRY)
def file_answers(_key: str, response_ids: list[int]) -> int:
    """File the answers of a batch of responses (`_key` is the batcher's, one for all)."""
    return answers_file(response_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_unfiled_answers(older_than_seconds: int = 120, limit: int = 20_000) -> int:
    """Send again whatever answers were never filed (broker down at submission time, a
    lost message, a killed worker)."""
    ids = unscoped_unfiled_response_ids(
        older_than=timedelta(seconds=older_than_seconds), limit=limit
    )
    for batch in batched(ids):
        file_answers.delay(FILING_KEY, batch)
    if ids:
        logger.info("Sweeper re-sent the answers of %d responses for filing", len(ids))
    return len(ids)
