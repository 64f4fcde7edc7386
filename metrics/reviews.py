"""How the business answers its online reviews, for the dashboard and the API."""

from __future__ import annotations

from accounts.models import Business, Location
from reputation.selectors import reply_summary

from .filters import KpiFilters, Period


def review_kpis(*, business: Business, filters: KpiFilters) -> dict:
    """The period's reviews and replies next to the previous period's (location filter
    applies; touchpoint, survey, channel and segment describe survey answers, not reviews)."""
    return {
        "current": period_summary(business, filters.period, filters.location),
        "previous": period_summary(business, filters.period.previous(), filters.location),
    }


def period_summary(business: Business, period: Period, location: Location | None) -> dict:
    start_at, end_at = period.bounds(business)
    return reply_summary(business=business, start_at=start_at, end_at=end_at, location=location)
