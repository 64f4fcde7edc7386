"""Reads for follow-up cases: the queue, one case with its customer's history, the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Business, Membership, User
from customers.models import Customer, Purchase

from ..models import CaseStatus, FollowUpCase, Interaction, Response

SUMMARY_WINDOW = timedelta(days=30)


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
        resolved_recently=Count("id", filter=Q(resolved_at__gte=since)),
    )
    return CaseSummary(
        **counts, median_hours_to_resolve=median_hours_to_resolve(business=business, since=since)
    )


def median_hours_to_resolve(*, business: Business, since) -> float | None:
    """The median time from opening to resolving, computed by the database in one query."""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY EXTRACT(EPOCH FROM resolved_at - created_at)) "
            "FROM feedback_followupcase WHERE business_id = %s AND resolved_at >= %s"
        )
    else:
        # SQLite has no percentile: average the one or two middle values instead.
        sql = (
            "WITH d AS (SELECT (julianday(resolved_at) - julianday(created_at)) * 86400 AS s "
            "FROM feedback_followupcase WHERE business_id = %s AND resolved_at >= %s) "
            "SELECT AVG(s) FROM (SELECT s FROM d ORDER BY s "
            "LIMIT 2 - (SELECT COUNT(*) FROM d) % 2 OFFSET ((SELECT COUNT(*) FROM d) - 1) / 2)"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [business.pk, since])
        seconds = cursor.fetchone()[0]
    return None if seconds is None else round(float(seconds) / 3600, 1)


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
        responses=list(
            Response.objects.filter(business=business, customer=customer)
            .select_related("survey")
            .prefetch_related("answers__question")
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
