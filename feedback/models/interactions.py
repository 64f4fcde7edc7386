from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned, Location
from customers.models import Customer
from textanalysis.models import ScoredText


class InteractionChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social media")


class Mood(models.TextChoices):
    DELIGHTED = "delighted", _("Delighted")
    CONTENT = "content", _("Content")
    NEUTRAL = "neutral", _("Neutral")
    FRUSTRATED = "frustrated", _("Frustrated")
    ANGRY = "angry", _("Angry")


class Interaction(BusinessOwned, ScoredText):
    """A moment with a customer that a member of staff logged."""

    TEXT_FIELD = "note"

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=16, choices=InteractionChannel.choices)
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField()
    mood = models.CharField(max_length=16, choices=Mood.choices, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    follow_up_needed = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["business", "created_at"], name="interaction_business_time"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(scored_at=None) & ~models.Q(note=""),
                name="interaction_unscored",
            ),
            # The journey map's newest scored notes per touchpoint (journeys.selectors
            # comments_sample): without it, thousands of notes are sorted for 150.
            # Partial, so it stays narrow.
            models.Index(
                fields=["touchpoint", "created_at"],
                condition=models.Q(sentiment_label__in=["positive", "neutral", "negative"]),
                name="interaction_note_touchpoint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.created_at:%Y-%m-%d}"
