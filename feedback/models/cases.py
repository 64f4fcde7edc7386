from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned
from customers.models import Customer

from .interactions import Interaction
from .responses import Response


class CaseReason(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor (NPS 0-6)")
    LOW_CSAT = "low_csat", _("Unsatisfied (CSAT 1-2)")
    NEGATIVE_COMMENT = "negative_comment", _("Negative comment")
    STAFF_FLAG = "staff_flag", _("Staff asked for a follow-up")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTACTED = "contacted", _("Contacted")
    RESOLVED = "resolved", _("Resolved")


class FollowUpCase(BusinessOwned):
    """An unhappy customer someone owns until it is resolved (closing the loop)."""

    reason = models.CharField(max_length=20, choices=CaseReason.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    # One case per source: a response or an interaction opens at most one case.
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.CASCADE, related_name="case"
    )
    interaction = models.OneToOneField(
        Interaction, null=True, blank=True, on_delete=models.CASCADE, related_name="case"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()
    contacted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "status", "due_at"], name="case_queue"),
            # The dashboard's cases opened and resolved in a period (metrics.care).
            models.Index(fields=["business", "created_at"], name="case_opened"),
            # The period's resolved cases with what their figures need (on time, the
            # median time), so the dashboard and the case list's summary read the index
            # alone (metrics.care, cases.selectors.median_hours_to_resolve).
            models.Index(
                fields=["business", "resolved_at"],
                include=["created_at", "due_at"],
                condition=models.Q(status="resolved"),
                name="case_resolved_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.get_status_display()}"


class CaseNote(BusinessOwned):
    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()

    class Meta:
        ordering = ["created_at"]
