"""Rows the platform keeps about itself rather than about a business."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadLetterReason(models.TextChoices):
    # It raised an error that is not retried, or its retries ran out.
    FAILED = "failed", _("Failed")
    # The process running it died again and again (killed, out of memory, crashed).
    REDELIVERED = "redelivered", _("Its worker was lost too often")


class DeadLetter(models.Model):
    """A task that will not be tried again by itself: recorded once, for the operator.

    Written by cxplatform.deadletters for every task (one mechanism, no per-task code).
    Not owned by a business: the arguments are ids, the operator reads them in /admin/.
    """

    task_name = models.CharField(max_length=200)
    # Celery's id of the task; retries and redeliveries keep it, so one row per task.
    task_id = models.CharField(max_length=64, unique=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    # The sender kept the arguments out of logs (a secret among them, e.g. an invitation
    # token): only its own text for them is kept, and the letter cannot be sent again.
    arguments_hidden = models.CharField(max_length=2100, blank=True)
    queue = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=16, choices=DeadLetterReason.choices)
    exception = models.TextField()
    traceback = models.TextField(blank=True)
    tries = models.PositiveIntegerField()
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at"]
        indexes = [models.Index(fields=["resolved", "-last_failed_at"], name="deadletter_open")]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}] after {self.tries} tries"
