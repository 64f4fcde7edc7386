from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import BUSINESS_COPY, Business, BusinessOwned


class SentimentLabel(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
    # VADER cannot judge it (another language, no word it knows, empty): never "neutral".
    NOT_SCORED = "unscored", _("Not scored")


class ScoredText(models.Model):
    """Mixed into every model that holds customer text to be analysed.

    `TEXT_FIELD` names the field holding the text. `scored_at` is null until a
    worker has analysed the row: the sweeper looks for exactly those rows.
    `sentiment_explanation` holds what the analysis found (analysis.Analysis.explanation):
    {"words": [[start, end, valence], ...], "aspects": {key: score}, "reason": ""}.
    """

    TEXT_FIELD: ClassVar[str]

    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment_label = models.CharField(
        max_length=8, choices=SentimentLabel.choices, blank=True, default=""
    )
    sentiment_explanation = models.JSONField(default=dict, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_scored(self) -> bool:
        return self.scored_at is not None


class Aspect(BusinessOwned):
    """Something customers talk about (wait time, staff, price...) and the words that
    name it. Every business starts from its industry's list and edits it."""

    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    # Words and phrases; "refund*" also finds "refunds" and "refunded".
    terms = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "key"], name="aspect_key_per_business")
        ]

    def __str__(self) -> str:
        return self.name


class InsightSettings(models.Model):
    """What raises an alert for a business, and where alerts go besides the app."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="insight_settings"
    )
    alert_threshold = models.FloatField(default=-0.6)
    urgent_terms = models.JSONField(default=list)
    webhook_url = models.URLField(blank=True, max_length=500)
    # The key webhook requests are signed with (HMAC-SHA256, see textanalysis/webhooks.py),
    # encrypted with cxplatform.vault; the owner sees it once, then only its last characters.
    webhook_secret_encrypted = models.TextField(blank=True, default="")
    webhook_secret_hint = models.CharField(max_length=8, blank=True, default="")
    webhook_secret_created_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Insight settings of {self.business}"


class AspectMention(models.Model):
    """One text's sentiment about one aspect: what aspect charts aggregate in SQL."""

    # Every read is a business's and starts with business: mention_period serves them
    # (a period's sums, the first mention; deleting an aspect's mentions, a rare edit,
    # filters its key there too), so neither field has an index of its own, and each
    # index fewer is one write fewer for every mention a worker writes.
    business = models.ForeignKey(Business, db_index=False, **BUSINESS_COPY)
    aspect_key = models.SlugField(max_length=40, db_index=False)
    source = models.CharField(max_length=40)  # "feedback.Answer"
    source_id = models.BigIntegerField()
    score = models.FloatField()
    # When the text was written, for trends.
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "aspect_key"], name="one_mention_per_aspect"
            )
        ]
        indexes = [
            # A period's mentions of every aspect from the index alone (PostgreSQL's
            # index-only scan): the dashboard's aspect moves.
            models.Index(
                fields=["business", "created_at"],
                include=["aspect_key", "score"],
                name="mention_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aspect_key} {self.score:+.2f} ({self.source} {self.source_id})"


class AlertReason(models.TextChoices):
    NEGATIVE = "negative", _("Strongly negative")
    URGENT = "urgent", _("Urgent matter")
    # A review of one or two stars, whatever its words say (raised by reputation).
    LOW_RATING = "low_rating", _("Low-star review")


# A review of this many stars or fewer raises a LOW_RATING alert (reputation raises it;
# the alert's explanation names the same figure).
LOW_RATING_UP_TO = 2


class Alert(BusinessOwned):
    """A text someone should look at now. One per text, however often it is scored."""

    source = models.CharField(max_length=40)
    source_id = models.BigIntegerField()
    reason = models.CharField(max_length=16, choices=AlertReason.choices)
    terms = models.JSONField(default=list, blank=True)
    score = models.FloatField(null=True, blank=True)
    excerpt = models.TextField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    emailed_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    webhook_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="one_alert_per_text")
        ]
        indexes = [models.Index(fields=["business", "-created_at"], name="alert_business_time")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.excerpt[:40]}"


class RescoreStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rescoring")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RescoreJob(BusinessOwned):
    """Analysing a business's texts again, e.g. after its aspect lists changed."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(
        max_length=16, choices=RescoreStatus.choices, default=RescoreStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def progress_percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0
