"""Analysing all of a business's texts again (after its aspect lists change)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from cxplatform.batching import BATCH_SIZE
from cxplatform.celery import enqueue_on_commit

from .models import RescoreJob, RescoreStatus
from .services import scorable_models, texts_score


def rescore_start(*, business, user=None, enqueue: bool = True) -> RescoreJob:
    """Queue a rescore; one at a time per business (a second request returns the first).
    `enqueue=False` leaves it to the caller to run (the management command)."""
    from .tasks import rescore_texts

    with transaction.atomic():
        running = RescoreJob.objects.filter(
            business=business, status__in=[RescoreStatus.QUEUED, RescoreStatus.RUNNING]
        ).first()
        if running is not None:
            return running
        job = RescoreJob.objects.create(
            business=business, requested_by=user if getattr(user, "pk", None) else None
        )
        if enqueue:
            enqueue_on_commit(rescore_texts, job.pk)
    return job


def rescore_run(*, job_id: int, progress: Callable[[RescoreJob], None] | None = None) -> None:
    claimed = RescoreJob.objects.filter(pk=job_id, status=RescoreStatus.QUEUED).update(
        status=RescoreStatus.RUNNING
    )
    if not claimed:
        return
    job = RescoreJob.objects.select_related("business").get(pk=job_id)
    batches = list(text_batches(job.business))
    RescoreJob.objects.filter(pk=job_id).update(total=sum(len(ids) for _, ids in batches))
    try:
        for model, ids in batches:
            texts_score(model=model, ids=ids, rescore=True)
            RescoreJob.objects.filter(pk=job_id).update(done=F("done") + len(ids))
            if progress:
                job.refresh_from_db()
                progress(job)
    except Exception:
        RescoreJob.objects.filter(pk=job_id).update(
            status=RescoreStatus.FAILED, finished_at=timezone.now()
        )
        raise
    RescoreJob.objects.filter(pk=job_id).update(
        status=RescoreStatus.DONE, finished_at=timezone.now()
    )
    # Apps that keep figures from the old scores (the journey roll-up) recompute them.
    for hook_path in settings.TEXTANALYSIS_AFTER_RESCORE:
        import_string(hook_path)(business_id=job.business_id)


def text_batches(business):
    """(model, ids) in batches of BATCH_SIZE, for every text of the business."""
    for model in scorable_models():
        ids = list(
            model.objects.filter(business=business)
            .exclude(**{model.TEXT_FIELD: ""})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), BATCH_SIZE):
            yield model, ids[start : start + BATCH_SIZE]
