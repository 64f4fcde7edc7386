from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Business, BusinessOwned, Location


class Journey(BusinessOwned):
    """What customers go through with the business, stage by stage. One per business."""

    name = models.CharField(max_length=200)
    # The ready-made journey it started from (see catalog.py), blank when built by hand.
    template = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business"], name="one_journey_per_business")
        ]

    def __str__(self) -> str:
        return self.name


class Stage(BusinessOwned):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    # Archived stages leave the map's columns but keep their history (never deleted).
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Touchpoint(BusinessOwned):
    """Where the business meets the customer: a survey names it, staff pick it."""

    stage = models.ForeignKey(Stage, on_delete=models.RESTRICT, related_name="touchpoints")
    name = models.CharField(max_length=100)
    # A stable name from the ready-made journey ("visit", "purchase", "support"), so
    # ready-made surveys find their touchpoint; blank for touchpoints added by hand.
    key = models.SlugField(max_length=40, blank=True)
    position = models.PositiveSmallIntegerField()
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "key"], condition=~models.Q(key=""), name="touchpoint_key"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Segment(models.TextChoices):
    NEW = "new", _("New customers")
    RETURNING = "returning", _("Returning customers")
    # Anonymous voices: nobody knows whether they came before.
    UNKNOWN = "unknown", _("Unknown")


STAFF_CHANNEL = "staff"


class DaySums(models.Model):
    """The sums a roll-up keeps for its voices (see rollups.Sums): counts and sums, never
    averages, so any period adds up exactly."""

    voices = models.PositiveIntegerField(default=0)
    sentiment_n = models.PositiveIntegerField(default=0)
    sentiment_sum = models.FloatField(default=0)
    sentiment_squares = models.FloatField(default=0)
    positive_n = models.PositiveIntegerField(default=0)
    negative_n = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    ces_sum = models.PositiveIntegerField(default=0)
    ces_squares = models.PositiveIntegerField(default=0)
    ces_easy = models.PositiveIntegerField(default=0)
    # Trust items (1-7 agreement), per pillar: answers and the sum of their numbers.
    reliability_n = models.PositiveIntegerField(default=0)
    reliability_sum = models.PositiveIntegerField(default=0)
    integrity_n = models.PositiveIntegerField(default=0)
    integrity_sum = models.PositiveIntegerField(default=0)
    competence_n = models.PositiveIntegerField(default=0)
    competence_sum = models.PositiveIntegerField(default=0)
    benevolence_n = models.PositiveIntegerField(default=0)
    benevolence_sum = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class TouchpointDay(DaySums):
    """The voices of one day at one touchpoint, location, segment and channel, summed (a
    roll-up). The journey map and the owner's dashboard (metrics) both read it.

    Sums, not averages, so any period adds up exactly: mean = sum / n and the variance
    comes from the sum of squares. Days up to `RollupState.built_through` are here; later
    days are read from the raw rows (see rollups.py).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # Survey answers are kept by survey, so moving a survey to another touchpoint moves
    # its history without a rebuild; staff interactions by their own touchpoint.
    survey = models.ForeignKey(
        "feedback.Survey", null=True, on_delete=models.CASCADE, related_name="+"
    )
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(Location, null=True, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=10, choices=Segment.choices)
    # Where the voice came from: a survey response's channel (link, embed, qr, email,
    # api) or STAFF_CHANNEL for an interaction staff logged.
    channel = models.CharField(max_length=16, default="")

    class Meta:
        indexes = [models.Index(fields=["business", "day"], name="touchpointday_period")]

    def __str__(self) -> str:
        return f"{self.day} {self.touchpoint_id} {self.segment}: {self.voices}"


class AspectDay(models.Model):
    """What customers said about one aspect (textanalysis) on one day, summed: built and
    read with TouchpointDay (same days, same `RollupState`). Aspect mentions carry no
    location or touchpoint, so the business and the day are the only dimensions."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    aspect_key = models.SlugField(max_length=40)
    mentions = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "day", "aspect_key"], name="one_aspect_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.aspect_key}: {self.mentions}"


class RollupState(models.Model):
    """How far a business's journey roll-up reaches: days up to `built_through` are built,
    and of the day after, the voices heard before `built_until` (None: none of them).
    That day's rows are rebuilt every few minutes (journeys.rollups.rollup_advance)."""

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="+")
    built_through = models.DateField(null=True, blank=True)
    built_until = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # A day a text dated in the past landed on once built (rollups.rollup_take_in_late):
    # the next advance rebuilds from it.
    rebuild_from = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Journey roll-up of {self.business_id} through {self.built_through}"
