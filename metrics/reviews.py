"""How the business answers its online reviews, for the dashboard and the API."""

from __future__ import annotations

from accounts.models import Business
from reputation.selectors import reply_summary

from .filters import KpiFilters


def review_kpis(*, business: Business, filters: KpiFilters) -> dict:
    """The period's reviews and replies next to the previous period's (location filter
    applies; touchpoint, survey, channel and segment describe survey answers, not reviews)."""
    period, previous = filters.period, filters.period.previous()
    return {
        "current": reply_summary(
            business=business, start=period.first, end=period.last, location=filters.location
        ),
        "previous": reply_summary(
            business=business, start=previous.first, end=previous.last, location=filters.location
        ),
    }
