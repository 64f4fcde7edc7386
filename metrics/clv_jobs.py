"""A CLV fit asked for in the browser or the API: queued in Celery, followed step by step.

The job row is what a page polls, so whoever started it can leave and come back. One job
is queued or running per business (a partial unique index); asking again while one is
under way returns that one. A job that can no longer finish (its worker was killed, or
the broker lost it) is failed as soon as anyone looks at the business's jobs (the page,
the dashboard panel, the API, a new start), so it blocks neither the button nor a poll.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, User
from cxplatform.celery import enqueue_on_commit

from .clv_fit import clv_fit_run
from .models import CLV_FIT_ACTIVE, ClvFitJob, ClvFitJobStatus

logger = logging.getLogger(__name__)

# A queued job may wait behind the nightly fits of every business; one still queued after
# this was lost with its message.
QUEUED_ABANDONED_AFTER = timedelta(hours=1)
# A worker kills a fit at the task time limit; a job still running this long after the
# limit lost its worker.
RUNNING_MARGIN = timedelta(minutes=5)


def clv_fit_jobs_for_business(*, business: Business) -> QuerySet[ClvFitJob]:
    """The business's jobs, abandoned ones already marked failed (see the module doc)."""
    clv_fit_jobs_abandoned_fail(business=business)
    return ClvFitJob.objects.filter(business=business).select_related("requested_by", "fit")


def clv_fit_job_latest(*, business: Business) -> ClvFitJob | None:
    return clv_fit_jobs_for_business(business=business).order_by("-created_at", "-pk").first()


def clv_fit_job_start(*, business: Business, user: User | None = None) -> ClvFitJob:
    """Queue a fit, or return the one already queued or running for the business."""
    from .tasks import clv_fit_job

    running = active_job(business)
    if running is not None:
        return running
    try:
        with transaction.atomic():
            job = ClvFitJob.objects.create(business=business, requested_by=user)
            enqueue_on_commit(clv_fit_job, job.pk)
    except IntegrityError:  # another request queued one a moment ago
        return active_job(business) or clv_fit_job_latest(business=business)
    return job


def active_job(business: Business) -> ClvFitJob | None:
    return clv_fit_jobs_for_business(business=business).filter(status__in=CLV_FIT_ACTIVE).first()


def clv_fit_jobs_abandoned_fail(*, business: Business) -> int:
    now = timezone.now()
    running_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + RUNNING_MARGIN
    abandoned = Q(status=ClvFitJobStatus.QUEUED, created_at__lt=now - QUEUED_ABANDONED_AFTER) | Q(
        status=ClvFitJobStatus.RUNNING, started_at__lt=now - running_limit
    )
    return ClvFitJob.objects.filter(abandoned, business=business).update(
        status=ClvFitJobStatus.FAILED,
        failure=_("The calculation stopped without finishing. Start it again."),
        finished_at=timezone.now(),
    )


def clv_fit_job_run(*, job_id: int) -> None:
    """Claim a queued job (a second delivery finds it claimed and does nothing), fit,
    and record each step as it starts. The end is written only while the job is still
    running: one given up as abandoned meanwhile stays failed."""
    claimed = ClvFitJob.objects.filter(pk=job_id, status=ClvFitJobStatus.QUEUED).update(
        status=ClvFitJobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ClvFitJob.objects.select_related("business").get(pk=job_id)
    running = ClvFitJob.objects.filter(pk=job_id, status=ClvFitJobStatus.RUNNING)
    try:
        fit = clv_fit_run(business=job.business, progress=lambda stage: running.update(stage=stage))
    except Exception:
        # The job row tells the person; the log keeps the traceback. Not raised: nothing
        # retries a fit, and in-process tasks (the demo) would turn it into a 500 page.
        logger.exception("CLV fit job %s failed", job_id)
        running.update(
            status=ClvFitJobStatus.FAILED,
            failure=_("The calculation stopped unexpectedly. Start it again."),
            finished_at=timezone.now(),
        )
        return
    running.update(status=ClvFitJobStatus.DONE, fit=fit, finished_at=timezone.now())
