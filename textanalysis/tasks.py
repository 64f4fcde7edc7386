from __future__ import annotations

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cxplatform.batching import batched

from .alerts import WebhookFailed, alert_email_send, alert_webhook_post, alerts_undelivered
from .rescore import rescore_run
from .services import scorable_model, scorable_models, texts_score, unscored_ids

logger = logging.getLogger(__name__)

# Only errors that may pass on the next try; a bug must fail loudly, not loop.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY = {"acks_late": True, "reject_on_worker_lost": True, "retry_backoff": 2,
         "retry_backoff_max": 300, "max_retries": 8}  # fmt: skip


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY)
def score_texts(model_label: str, ids: list[int]) -> int:
    """Analyse a batch of rows of one model. Rows already analysed or gone are skipped."""
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


@shared_task(bind=True, autoretry_for=(*TRANSIENT_ERRORS, SMTPException, ConnectionError), **RETRY)
def deliver_alert(self, alert_id: int) -> None:
    """E-mail the alert and post it to the webhook; each channel is claimed, so a retry
    only redoes what has not gone out."""
    alert_email_send(alert_id=alert_id)
    try:
        alert_webhook_post(alert_id=alert_id)
    except WebhookFailed as error:
        if self.request.is_eager:  # no broker to retry through: sweep_alerts tries again
            logger.warning("Webhook for alert %s failed: %s", alert_id, error)
            return
        raise self.retry(exc=error, countdown=2**self.request.retries, max_retries=5) from error


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_alerts() -> int:
    """Send again the alerts of the last day whose e-mail or webhook has not gone out."""
    ids = alerts_undelivered(older_than=timedelta(minutes=2), newer_than=timedelta(days=1))
    for alert_id in ids:
        deliver_alert.delay(alert_id)
    return len(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rescore_texts(job_id: int) -> None:
    rescore_run(job_id=job_id)
