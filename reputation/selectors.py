"""Reads for the review inbox, the reviews API and the dashboard's reply figures.

Everything takes `business` first and filters by it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Avg, Count, DurationField, F, Q, QuerySet

from accounts.models import Business, Location
from cxplatform.median import Median, median_duration_without_percentile
from cxplatform.vault import SecretUnreadable
from textanalysis.models import Aspect
from textanalysis.selectors import aspects_for_business

from .connectors import CONNECTORS, connector_for
from .connectors.base import Connector
from .models import REPLIED, Provider, Review, ReviewRevision, ReviewSource

# Sites whose API gives only an excerpt of each review (see their connectors'
# limits_note): the inbox links to the full text.
EXCERPT_PROVIDERS = frozenset({Provider.YELP})

TIME_TO_REPLY = F("replied_at") - F("created_at")


def reviews_for_business(
    *,
    business: Business,
    source: ReviewSource | None = None,
    rating: int | None = None,
    location: Location | None = None,
    replied: bool | None = None,
    sentiment: str = "",
    include_deleted: bool = False,
) -> QuerySet[Review]:
    """The business's reviews newest first; reviews gone from their site only on request."""
    reviews = Review.objects.filter(business=business).select_related(
        "source", "location", "replied_by"
    )
    if not include_deleted:
        reviews = reviews.filter(deleted_at=None)
    if source is not None:
        reviews = reviews.filter(source=source)
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    if location is not None:
        reviews = reviews.filter(location=location)
    if replied is not None:
        reviews = (
            reviews.filter(reply_status__in=REPLIED)
            if replied
            else reviews.exclude(reply_status__in=REPLIED)
        )
    if sentiment:
        reviews = reviews.filter(sentiment_label=sentiment_stored_as(sentiment))
    return reviews.order_by("-created_at", "-pk")


def sentiment_stored_as(sentiment: str) -> str:
    # A review not yet analysed has a blank label; "not scored" covers both.
    return "" if sentiment == "pending" else sentiment


def review_sources_for_business(*, business: Business) -> QuerySet[ReviewSource]:
    """Every source, archived ones too: their reviews are still in the inbox."""
    return ReviewSource.objects.filter(business=business).order_by("name")


def locations_for_business(*, business: Business) -> QuerySet[Location]:
    """The business's locations by name, for the pickers of the inbox and the sources."""
    return Location.objects.filter(business=business).order_by("name")


def review_revisions(*, review: Review) -> QuerySet[ReviewRevision]:
    return ReviewRevision.objects.filter(review=review).order_by("-replaced_at", "-pk")


def connector_class(provider: str) -> type[Connector] | None:
    """The site's connector class (None for reviews entered by hand): what it can do,
    without decrypting any source's credentials."""
    return CONNECTORS.get(provider)


def can_post_reply(source: ReviewSource) -> bool:
    """Whether the site takes this source's replies by API. Some sites decide per
    source (Trustpilot needs a business user's token), so the connector is built."""
    connector = connector_class(source.provider)
    if connector is None or not connector.can_reply:
        return False
    try:
        return bool(connector_for(source).can_reply)
    except SecretUnreadable:
        return True  # posting then says the credentials must be entered again


def limits_notes(sources) -> dict[str, str]:
    """Site name -> what the site's API does not give (Yelp: excerpts only), for the
    sites of the sources given."""
    return {
        source.get_provider_display(): str(connector.limits_note)
        for source in sources
        if (connector := connector_class(source.provider)) is not None and connector.limits_note
    }


def aspect_names_of(*, business: Business) -> dict[str, str]:
    """Aspect key -> the business's name for it (its industry's list the first time)."""
    return dict(aspects_for_business(business=business).values_list("key", "name"))


def aspects_of_review(*, review: Review) -> list[Aspect]:
    """The business's aspects the review talks about."""
    keys = review_aspect_keys(review)
    if not keys:
        return []
    return list(aspects_for_business(business=review.business).filter(key__in=keys))


def review_aspect_keys(review: Review) -> list[str]:
    raw = review.sentiment_explanation.get("aspects") if isinstance(
        review.sentiment_explanation, dict
    ) else None  # fmt: skip
    return [str(key) for key in raw] if isinstance(raw, dict) else []


# --- The dashboard's reply figures ----------------------------------------------------


def reply_summary(
    *,
    business: Business,
    start_at: datetime,
    end_at: datetime,
    location: Location | None = None,
) -> dict:
    """How the business answers the reviews written in [start_at, end_at) (aware
    datetimes: the dashboard passes its period's bounds, metrics.filters.Period.bounds):
    one aggregate query on PostgreSQL, two on SQLite.

    Reviews since removed from their site are left out: nobody can answer them and
    the site no longer counts them. `median_hours_to_reply` runs from the review's
    writing to the reply; `unreplied_low_ratings` counts reviews of 1 or 2 stars
    without an answer.
    """
    reviews = Review.objects.filter(
        business=business, deleted_at=None, created_at__gte=start_at, created_at__lt=end_at
    )
    if location is not None:
        reviews = reviews.filter(location=location)
    replied = Q(reply_status__in=REPLIED)
    timed = replied & Q(replied_at__isnull=False)
    figures = {
        "reviews": Count("id"),
        "average_rating": Avg("rating"),
        "replied": Count("id", filter=replied),
        "timed": Count("id", filter=timed),
        "unreplied_low_ratings": Count("id", filter=~replied & Q(rating__lte=2)),
    }
    if connection.vendor == "postgresql":
        figures["median"] = Median(TIME_TO_REPLY, filter=timed, output_field=DurationField())
    counts = reviews.aggregate(**figures)
    if connection.vendor != "postgresql":
        counts["median"] = median_duration_without_percentile(
            reviews.filter(timed), duration=TIME_TO_REPLY, count=counts["timed"]
        )
    return summary_figures(counts)


def summary_figures(counts: dict) -> dict:
    total, replied, median = counts["reviews"], counts["replied"], counts["median"]
    average = counts["average_rating"]
    return {
        "reviews": total,
        "average_rating": round(average, 2) if average is not None else None,
        "replied": replied,
        "replied_percent": round(100 * replied / total, 1) if total else None,
        "median_hours_to_reply": round(median.total_seconds() / 3600, 1)
        if median is not None
        else None,
        "unreplied_low_ratings": counts["unreplied_low_ratings"],
    }
