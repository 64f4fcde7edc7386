"""Reads for customers and purchases; `business` always first."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Lower

from accounts.models import Business

from .models import Customer, CustomerImport, Purchase


def customers_search(*, business: Business, query: str = "") -> QuerySet[Customer]:
    """Customers matching a name, e-mail, phone or tag, with how often and when they bought."""
    customers = Customer.objects.filter(business=business)
    query = search_text(query)
    if query:
        customers = customers.filter(customer_matches(query) | Q(tags__icontains=query))
    return customers.annotate(
        purchase_count=Count("purchases"), last_purchase=Max("purchases__purchased_at")
    ).order_by("name", "id")


def search_text(query: str) -> str:
    """What was typed in a search box, ready to match: trimmed, without NUL."""
    # No stored text holds a NUL (PostgreSQL refuses it, also in a query): dropping it
    # changes no match and keeps a pasted one from failing the search.
    return query.replace("\x00", "").strip()


def customer_matches(query: str, *, through: str = "") -> Q:
    """A customer whose name, e-mail or phone contains the query, in any case. `through`
    reaches the customer from another model: "customer__" for an interaction's."""
    return (
        Q(**{f"{through}name__icontains": query})
        | Q(**{f"{through}email__icontains": query})
        | Q(**{f"{through}phone__icontains": query})
    )


def customers_by_email(*, business: Business, emails: Iterable[str]) -> dict[str, Customer]:
    """The customers with these e-mails, in one query, keyed by the e-mail in lower case.

    Matched in any case, as `email_taken` does: the forms store lower case, but older rows
    and the admin may not. Of customers whose e-mails differ only in case, the oldest is
    the one, as `customer_for_email` picks it."""
    lowered = {email.lower() for email in emails if email}
    found = (
        Customer.objects.filter(business=business)
        .alias(email_lower=Lower("email"))
        .filter(email_lower__in=lowered)
        .order_by("pk")
    )
    by_email: dict[str, Customer] = {}
    for customer in found:
        by_email.setdefault(customer.email.lower(), customer)
    return by_email


def purchases_for_customer(*, business: Business, customer: Customer) -> QuerySet[Purchase]:
    return (
        Purchase.objects.filter(business=business, customer=customer)
        .select_related("location")
        .order_by("-purchased_at")
    )


def customer_totals(*, business: Business, customer: Customer) -> dict:
    """Spend per currency (never added across currencies) and the number of purchases."""
    rows = (
        Purchase.objects.filter(business=business, customer=customer)
        .values("currency")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("currency")
    )
    return {row["currency"]: row for row in rows}


def imports_for_business(*, business: Business) -> QuerySet[CustomerImport]:
    return CustomerImport.objects.filter(business=business).defer("content")
