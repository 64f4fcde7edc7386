"""Reads: a customer's data for export, and the customers a retention period reaches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Business
from customers.models import ConsentEvent, Customer, Erasure, Purchase
from feedback.models import (
    Answer,
    CaseNote,
    FollowUpCase,
    Interaction,
    Invitation,
    Response,
)
from reputation.models import ReviewRequest

from . import scope as reach
from .scope import Scope

OLDEST = ("created_at", "pk")


@dataclass(frozen=True)
class CustomerData:
    """Everything the business holds about one customer, each list oldest first."""

    customer: Customer
    consent_events: list[ConsentEvent]
    purchases: list[Purchase]
    responses: list[Response]
    interactions: list[Interaction]
    cases: list[FollowUpCase]
    review_requests: list[ReviewRequest]
    invitations: list[Invitation]
    erasures: list[Erasure]


def customer_data(*, business: Business, customer: Customer) -> CustomerData:
    """A fixed number of queries (one per kind, answers and case notes prefetched),
    however much the customer has: never one query per row."""
    scope = Scope.of_customer(business=business, customer=customer)
    return CustomerData(
        customer=customer,
        consent_events=list(
            reach.consent_events(scope).select_related("actor").order_by("created_at", "pk")
        ),
        purchases=list(reach.purchases(scope).select_related("location").order_by(*OLDEST)),
        responses=list(customer_responses(scope)),
        interactions=list(
            reach.interactions(scope).select_related("touchpoint", "location").order_by(*OLDEST)
        ),
        cases=list(customer_cases(scope)),
        review_requests=list(
            reach.review_requests(scope).select_related("source").order_by(*OLDEST)
        ),
        invitations=list(reach.invitations(scope).select_related("survey").order_by(*OLDEST)),
        erasures=list(
            Erasure.objects.filter(business=business, customer=customer)
            .select_related("erased_by")
            .order_by(*OLDEST)
        ),
    )


def customer_responses(scope: Scope) -> QuerySet[Response]:
    answers = (
        Answer.objects.filter(business=scope.business)
        .select_related("question")
        .order_by("question__position", "pk")
    )
    return (
        reach.responses(scope)
        .select_related("survey", "location")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by(*OLDEST)
    )


def customer_cases(scope: Scope) -> QuerySet[FollowUpCase]:
    notes = CaseNote.objects.filter(business=scope.business).order_by(*OLDEST)
    return (
        reach.cases(scope)
        .select_related("response", "interaction")
        .prefetch_related(Prefetch("notes", queryset=notes))
        .order_by(*OLDEST)
    )


def customers_idle_since(*, business: Business, moment: datetime) -> QuerySet[Customer]:
    """Customers still holding personal data whom the business has not heard from since
    `moment`: added before it, and no purchase, survey answer, logged visit or consent
    given or changed after it."""
    since = Q(customer=OuterRef("pk"), business=business)
    idle = Customer.objects.filter(business=business, created_at__lt=moment).exclude(
        Q(consent_recorded_at__gte=moment)
        | Exists(Purchase.objects.filter(since, purchased_at__gte=moment))
        | Exists(Response.objects.filter(since, created_at__gte=moment))
        | Exists(Interaction.objects.filter(since, created_at__gte=moment))
    )
    return idle.filter(reach.holds_personal_data())


def idle_customer_batches(
    *, business: Business, moment: datetime, size: int
) -> Iterator[list[int]]:
    """Their ids, `size` at a time, walking up the primary key (one query a batch)."""
    idle, last_pk = customers_idle_since(business=business, moment=moment), 0
    while batch := list(
        idle.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:size]
    ):
        yield batch
        last_pk = batch[-1]
