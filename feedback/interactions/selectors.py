"""Reads for staff interactions and the customer search they use."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Business, User
from customers.models import Customer

from ..models import Interaction

SEARCH_LIMIT = 8


def interactions_for_business(
    *, business: Business, staff: User | None = None
) -> QuerySet[Interaction]:
    interactions = Interaction.objects.filter(business=business)
    if staff is not None:
        interactions = interactions.filter(staff=staff)
    return interactions.select_related(
        "customer", "staff", "location", "touchpoint__stage"
    ).order_by("-created_at", "-id")


def customers_matching(*, business: Business, query: str) -> QuerySet[Customer]:
    """Customers whose name, e-mail or phone contains the query (for the quick picker)."""
    query = query.replace("\x00", "").strip()  # no stored text holds a NUL (PostgreSQL)
    if len(query) < 2:
        return Customer.objects.none()
    matches = Q(name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query)
    return (
        Customer.objects.filter(business=business).filter(matches).order_by("name")[:SEARCH_LIMIT]
    )
