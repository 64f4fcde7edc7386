"""Reads for follow-up cases: the queue, one case with its customer's history, the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, DurationField, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Membership, User
from customers.consent import follow_up_refusal
from customers.models import Customer, Purchase
from cxplatform.median import Median
from cxplatform.median import median_duration_without_percentile as shared_median_fallback

from ..models import CaseStatus, FollowUpCase, Interaction, Response
from ..selectors import with_answers_shown

SUMMARY_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class CaseContact:
    """How the person behind a case may be reached, or why they must not be.

    `refusal` is "" when they may be contacted (customers.consent.follow_up_refusal);
    then `email` and `phone` are the ways to do it. `asked` says they asked to hear
    back about this very answer.
    """

    refusal: str
    email: str = ""
    phone: str = ""
    asked: bool = False

    @property
    def allowed(self) -> bool:
        return not self.refusal


def case_contact(case: FollowUpCase) -> CaseContact:
    """From the case's customer and response as loaded (no query when they are selected)."""
    response, customer = case.response, case.customer
    asked = response is not None and response.contact_requested
    if customer is None and not asked and response is not None and response.contact_email:
        # A survey that takes no anonymous answers asks every customer's e-mail: giving
        # it is not asking to be contacted.
        refusal = _("They left an e-mail address but did not ask to be contacted about this.")
        return CaseContact(refusal=refusal, asked=False)
    refusal = follow_up_refusal(customer, asked_at=response.created_at if asked else None)
    if refusal:
        return CaseContact(refusal=refusal, asked=asked)
    email = (response.contact_email if asked else "") or (customer.email if customer else "")
    phone = customer.phone if customer else ""
    if not (email or phone):
        return CaseContact(refusal=_("No e-mail address or phone number."), asked=asked)
    return CaseContact(refusal="", email=email, phone=phone, asked=asked)


def cases_for_member(
    *, business: Business, membership: Membership | None, status: str = "", mine: bool = False,
    overdue: bool = False,
) -> QuerySet[FollowUpCase]:  # fmt: skip
    """The queue a member works from, soonest due first.

    Staff see cases assigned to them and unassigned ones; managers and owners see all.
    """
    cases = FollowUpCase.objects.filter(business=business).select_related(
        "customer", "assignee", "response__survey", "interaction"
    )
    if membership is not None and not membership.is_manager:
        cases = cases.filter(Q(assignee=membership.user) | Q(assignee=None))
    if status:
        cases = cases.filter(status=status)
    if mine and membership is not None:
        cases = cases.filter(assignee=membership.user)
    if overdue:
        cases = cases.exclude(status=CaseStatus.RESOLVED).filter(due_at__lt=timezone.now())
    return cases.order_by("due_at", "id")


@dataclass(frozen=True)
class CaseSummary:
    open: int
    contacted: int
    overdue: int
    resolved_recently: int
    median_hours_to_resolve: float | None


def case_summary(*, business: Business) -> CaseSummary:
    """Open and overdue cases now, and how long resolving took over the last 30 days."""
    now = timezone.now()
    since = now - SUMMARY_WINDOW
    counts = FollowUpCase.objects.filter(business=business).aggregate(
        open=Count("id", filter=Q(status=CaseStatus.OPEN)),
        contacted=Count("id", filter=Q(status=CaseStatus.CONTACTED)),
        overdue=Count("id", filter=~Q(status=CaseStatus.RESOLVED) & Q(due_at__lt=now)),
        resolved_recently=Count("id", filter=Q(status=CaseStatus.RESOLVED, resolved_at__gte=since)),
    )
    return CaseSummary(
        **counts, median_hours_to_resolve=median_hours_to_resolve(business=business, since=since)
    )


def median_hours_to_resolve(*, business: Business, since) -> float | None:
    """The median time from opening to resolving, computed by the database (from the
    index case_resolved_times: a case has a resolved_at only while it is resolved)."""
    resolved = FollowUpCase.objects.filter(
        business=business, status=CaseStatus.RESOLVED, resolved_at__gte=since
    )
    if connection.vendor == "postgresql":
        median = resolved.aggregate(median=median_time_to_resolve())["median"]
    else:
        median = median_duration_without_percentile(resolved, count=resolved.count())
    return None if median is None else round(median.total_seconds() / 3600, 1)


def median_time_to_resolve(**extra) -> Median:
    """The median of resolved_at - created_at as an aggregate (PostgreSQL only), to put
    next to other figures in one query; `extra` e.g. filter=Q(...)."""
    return Median(F("resolved_at") - F("created_at"), output_field=DurationField(), **extra)


def median_duration_without_percentile(
    resolved: QuerySet[FollowUpCase], *, count: int
) -> timedelta | None:
    """The median time to resolve where there is no percentile_cont (SQLite); `count`
    is the number of `resolved` cases (see cxplatform.median)."""
    return shared_median_fallback(
        resolved, duration=F("resolved_at") - F("created_at"), count=count
    )


@dataclass(frozen=True)
class CustomerHistory:
    responses: list
    interactions: list
    purchases: list


def customer_history(*, business: Business, customer: Customer | None, limit: int = 10):
    """What the customer said and bought before, newest first, shown beside their case."""
    if customer is None:
        return CustomerHistory([], [], [])
    return CustomerHistory(
        responses=with_answers_shown(
            Response.objects.filter(business=business, customer=customer)
            .select_related("survey")
            .order_by("-created_at")[:limit]
        ),
        interactions=list(
            Interaction.objects.filter(business=business, customer=customer)
            .select_related("staff")
            .order_by("-created_at")[:limit]
        ),
        purchases=list(
            Purchase.objects.filter(business=business, customer=customer)
            .select_related("location")
            .order_by("-purchased_at")[:limit]
        ),
    )


def assignable_members(*, business: Business) -> QuerySet[User]:
    return User.objects.filter(memberships__business=business).order_by("first_name", "email")
