"""Reads for the sources pages and API; everything takes `business` first."""

from __future__ import annotations

from django.db.models import Case, Count, Q, QuerySet, Value, When

from accounts.models import Business

from ..models import Provider, ReviewSource


def sources_for_business(*, business: Business, include_archived: bool = False) -> QuerySet:
    """The business's sources with their number of reviews (one query, no per-row count)."""
    sources = ReviewSource.objects.filter(business=business).select_related("location")
    if not include_archived:
        sources = sources.filter(archived_at=None)
    return sources.annotate(review_count=Count("reviews", filter=Q(reviews__deleted_at=None)))


def sources_open_for_entry(*, business: Business) -> QuerySet[ReviewSource]:
    """Where reviews may be typed in or imported: any live source, hand-entered first."""
    return (
        ReviewSource.objects.filter(business=business, archived_at=None)
        .annotate(rank=Case(When(provider=Provider.MANUAL, then=Value(0)), default=Value(1)))
        .order_by("rank", "name")
    )


def sources_to_request_on(*, business: Business) -> QuerySet[ReviewSource]:
    """Sites customers can be sent to: live sources with a page to write a review on."""
    return ReviewSource.objects.filter(business=business, archived_at=None).exclude(
        review_page_url=""
    )
