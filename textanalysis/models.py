from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class SentimentLabel(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class ScoredText(models.Model):
    """Mixed into every model that holds customer text to be analysed.

    `TEXT_FIELD` names the field holding the text. `scored_at` is null until a
    worker has scored the row: the sweeper looks for exactly those rows.
    """

    TEXT_FIELD: ClassVar[str]

    sentiment_score = models.FloatField(null=True, blank=True)
    sentiment_label = models.CharField(
        max_length=8, choices=SentimentLabel.choices, blank=True, default=""
    )
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_scored(self) -> bool:
        return self.scored_at is not None
