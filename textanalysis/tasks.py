from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cxplatform.batching import batched

from .services import scorable_model, scorable_models, texts_score, unscored_ids

logger = logging.getLogger(__name__)

# Only errors that may pass on the next try; a bug must fail loudly, not loop.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=8,
)
def score_texts(model_label: str, ids: list[int]) -> int:
    """Score a batch of rows of one model. Rows already scored or gone are skipped."""
    return texts_score(model=scorable_model(model_label), ids=ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_unscored(older_than_seconds: int = 120, limit: int = 20_000) -> int:
    """Send again whatever was never scored (broker down at write time, lost message)."""
    sent = 0
    for model in scorable_models():
        ids = unscored_ids(
            model=model, older_than=timedelta(seconds=older_than_seconds), limit=limit
        )
        for batch in batched(ids):
            score_texts.delay(model._meta.label, batch)
            sent += len(batch)
    if sent:
        logger.info("Sweeper re-sent %d unscored texts", sent)
    return sent
