from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import BusinessOwned, Location
from customers.models import Customer
from textanalysis.models import ScoredText


class Provider(models.TextChoices):
    GOOGLE = "google", "Google Business Profile"
    YELP = "yelp", "Yelp"
    TRUSTPILOT = "trustpilot", "Trustpilot"
    TRIPADVISOR = "tripadvisor", "Tripadvisor"
    FEED = "feed", _("RSS or Atom feed")
    # Reviews from anywhere else, typed in or imported from a CSV file: never polled.
    MANUAL = "manual", _("Other site (entered by hand or CSV)")


POLLED_PROVIDERS = frozenset(Provider.values) - {Provider.MANUAL}


class SourceHealth(models.TextChoices):
    NEW = "new", _("Not polled yet")
    OK = "ok", _("Working")
    # A transient failure (rate limit, server error, timeout): retried with back-off.
    RETRYING = "retrying", _("Retrying")
    # Needs the owner: credentials expired or refused, an address refused, a payload
    # the connector cannot read. Polled again on schedule, but not silently fixed.
    FAILING = "failing", _("Needs attention")


class ReviewSource(BusinessOwned):
    """One place a business is reviewed (its Google profile, its Yelp page, a feed)."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    name = models.CharField(max_length=120)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the provider calls the business: "accounts/1/locations/2", a Yelp business id,
    # a Trustpilot business-unit id, a Tripadvisor location id, or the feed's URL.
    external_id = models.CharField(max_length=500, blank=True)
    # The API's base URL; blank means the provider's own. Tests and the demo point it
    # at a local server.
    base_url = models.URLField(max_length=500, blank=True)
    # Where a customer writes a review (the link in review requests).
    review_page_url = models.URLField(max_length=1000, blank=True)
    # Tokens and keys, encrypted (cxplatform.vault); never shown again after entry.
    secrets_encrypted = models.TextField(blank=True, default="")
    secret_hint = models.CharField(max_length=16, blank=True)
    poll_interval_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)]
    )
    is_active = models.BooleanField(default=True)
    # The connector's own position ("reviews updated after", a page token, an ETag).
    cursor = models.JSONField(default=dict, blank=True)
    # The schedule: due when next_poll_at has passed.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    # A poll is under way until then (the claim's lease); kept apart from the schedule
    # so "Poll now" works for a source polled every 5 minutes. A poll that dies leaves
    # the source free again when the lease ends.
    claimed_until = models.DateTimeField(null=True, blank=True)
    health = models.CharField(max_length=16, choices=SourceHealth.choices, default="new")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active", "next_poll_at"], name="source_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_polled(self) -> bool:
        return self.provider in POLLED_PROVIDERS


class ReplyStatus(models.TextChoices):
    NONE = "none", _("Not replied")
    # Written in the platform and posted through the site's API.
    POSTED = "posted", _("Replied")
    # Written in the platform and pasted on the site by the owner (no reply API).
    COPIED = "copied", _("Replied on the site")
    # Already answered on the site itself (seen when polling).
    ON_SITE = "on_site", _("Replied on the site")
    FAILED = "failed", _("Posting failed")


REPLIED = (ReplyStatus.POSTED, ReplyStatus.COPIED, ReplyStatus.ON_SITE)


class Review(BusinessOwned, ScoredText):
    """A review as the site shows it now. `created_at` is when the reviewer wrote it,
    so trends, alerts and reply times count from there; `fetched_at` is when we saw it."""

    TEXT_FIELD = "text"

    source = models.ForeignKey(ReviewSource, on_delete=models.CASCADE, related_name="reviews")
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=255)
    author_name = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    language = models.CharField(max_length=16, blank=True)
    # The site's time of the last edit (Google's updateTime), when it gives one.
    edited_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True)
    # Gone from the site (seen missing from a complete listing); kept for history.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Typed in or imported from a CSV file: the site's listing never shows it, so a
    # complete listing without it says nothing about it being deleted.
    entered_by_hand = models.BooleanField(default=False)
    reply_text = models.TextField(blank=True)
    reply_draft = models.TextField(blank=True)
    reply_status = models.CharField(
        max_length=8, choices=ReplyStatus.choices, default=ReplyStatus.NONE
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reply_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="one_review_per_source_id"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="review_business_time"),
        ]

    def __str__(self) -> str:
        stars = f"{self.rating}★ " if self.rating else ""
        return f"{stars}{self.author_name or _('anonymous')}: {self.text[:40]}"

    @property
    def is_replied(self) -> bool:
        return self.reply_status in REPLIED


class ReviewRevision(models.Model):
    """What a review said before the reviewer edited it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"Earlier version of review {self.review_id}"


class RequestStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    # Not sent on purpose: the customer withdrew consent (or lost their e-mail address)
    # between the request being made and its turn to be sent. `error` says which.
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class ReviewRequest(BusinessOwned):
    """An e-mail inviting one customer to review the business on the site the owner
    chose. Every customer with consent is asked alike: no review gating."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(ReviewSource, on_delete=models.CASCADE, related_name="requests")
    token = models.CharField(max_length=43, unique=True)
    status = models.CharField(
        max_length=8, choices=RequestStatus.choices, default=RequestStatus.QUEUED
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # The last try that failed for a passing reason (the request is queued again); the
    # sweeper's back-off counts from it.
    tried_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["business", "customer", "-created_at"], name="request_customer"),
        ]

    def __str__(self) -> str:
        return f"Review request to {self.customer} for {self.source}"
