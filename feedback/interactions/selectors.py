"""Reads for staff interactions and the customer search they use."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Business, User
from customers.models import Customer
from customers.selectors import customer_matches, search_text

from ..models import Interaction

SEARCH_LIMIT = 8
# As the customers list: a longer search matches nothing anyone logs.
QUERY_MAX = 100


def interactions_for_business(
    *, business: Business, staff: User | None = None, query: str = ""
) -> QuerySet[Interaction]:
    """Newest first; only `staff`'s when given; with `query`, those whose customer's name,
    e-mail or phone or whose note contains it, in any case."""
    interactions = Interaction.objects.filter(business=business)
    if staff is not None:
        interactions = interactions.filter(staff=staff)
    query = search_text(query)
    if query:
        interactions = interactions.filter(
            customer_matches(query, through="customer__") | Q(note__icontains=query)
        )
    return interactions.select_related(
        "customer", "staff", "location", "touchpoint__stage"
    ).order_by("-created_at", "-id")


def customers_matching(*, business: Business, query: str) -> QuerySet[Customer]:
    """Customers whose name, e-mail or phone contains the query (for the quick picker)."""
    query = search_text(query)
    if len(query) < 2:
        return Customer.objects.none()
    return (
        Customer.objects.filter(business=business)
        .filter(customer_matches(query))
        .order_by("name")[:SEARCH_LIMIT]
    )
