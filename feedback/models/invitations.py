from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned
from customers.consent import REFUSALS
from customers.models import Customer, Purchase

from .surveys import Survey


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    SKIPPED = "skipped", _("Not sent")
    FAILED = "failed", _("Failed")


class Invitation(BusinessOwned):
    """An e-mail asking one customer to answer one survey; its token ties the answer to them."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    # Set when the invitation was made automatically after this purchase (one per purchase).
    purchase = models.OneToOneField(
        Purchase, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.SCHEDULED
    )
    send_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Why it was not sent or failed, in plain words for the owner.
    note = models.CharField(max_length=300, blank=True)
    # The same, as a key of customers.consent.REFUSALS, when it (or its reminder) was not
    # sent because the customer must not be e-mailed; "" otherwise. Rules read this, not
    # the note, whose words depend on the language it was written in and may be reworded.
    # A default in the database too: a row written by code that does not know the column
    # yet (a deploy under way) gets "" as well.
    refusal = models.CharField(
        max_length=32, blank=True, default="", db_default="", choices=list(REFUSALS.items())
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "send_at"], name="invitation_due"),
            models.Index(fields=["business", "created_at"], name="invitation_business_time"),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.customer} ({self.get_status_display()})"
