"""Closing the loop and caring for the team: follow-up cases, recovery and staff load.

Every figure is computed by the database: grouped aggregates with `filter=Q(...)` and
correlated subqueries, never rows looped over in Python. Cases are read from
`FollowUpCase` through its indexes: the open queue by (business, status, due_at), a
period's cases by (business, created_at) and (business, resolved_at); staff load reads
14 days of interactions through (business, created_at).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from statistics import median

from django.db import connection
from django.db.models import (
    Count,
    F,
    Max,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Membership
from feedback.cases.selectors import median_duration_without_percentile, median_time_to_resolve
from feedback.models import (
    CaseStatus,
    FollowUpCase,
    Interaction,
    Mood,
)
from journeys.models import STAFF_CHANNEL
from journeys.rollups import coverage_of, local_today
from textanalysis.models import SentimentLabel

from .case_outcomes import (
    BETTER,
    RECOVERY_TOTALS_SQL,
    TABLES,
    better_params,
    opened_count,
    outcome_source,
    recovery_counts,
    recovery_now_counts,
)
from .filters import KpiFilters, Period
from .resolve_times import EXACT_UP_TO, resolved_figures

STAFF_LOAD_DAYS = 14
UPSET_MOODS = (Mood.FRUSTRATED, Mood.ANGRY)
# A member is flagged when they met at least twice the team's median of upset customers
# (clearly more than their share, not a random wobble of a busy week) and at least five
# (so that 2 against a median of 1 in a quiet fortnight is not called a burden).
FLAG_RATIO = 2
FLAG_MIN_NEGATIVE = 5


# --- Follow-up cases ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseKpis:
    """Follow-up cases: the queue now and how the period's cases were closed.

    `open_now`: not resolved yet (open or contacted); `awaiting_contact`: nobody has
    reached the customer yet (open); `overdue_now`: not resolved and past its due time.
    `opened` and `resolved` count cases opened / resolved during the period;
    `resolved_on_time` those of `resolved` closed by their due time, and
    `median_time_to_resolve` runs from opening to resolving over `resolved`.
    """

    open_now: int
    awaiting_contact: int
    overdue_now: int
    opened: int
    resolved: int
    resolved_on_time: int
    median_time_to_resolve: timedelta | None

    @property
    def on_time_share(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def median_hours_to_resolve(self) -> float | None:
        if self.median_time_to_resolve is None:
            return None
        return round(self.median_time_to_resolve.total_seconds() / 3600, 1)


def filtered_cases(*, business: Business, filters: KpiFilters) -> QuerySet[FollowUpCase]:
    """The business's cases whose source (response or interaction) passes the filters.

    A case carries no location or touchpoint of its own: they come from the response
    (its location, its survey's touchpoint) or the interaction it was opened for. Survey
    exists only on responses, so it leaves out the cases opened from interactions; the
    channel is a response's, or STAFF_CHANNEL for the cases opened from interactions.
    The segment is not applied: it describes voices in the journey, not the people being
    followed up.
    """
    cases = FollowUpCase.objects.filter(business=business)
    if filters.location is not None:
        cases = cases.filter(
            Q(response__location=filters.location) | Q(interaction__location=filters.location)
        )
    if filters.touchpoint is not None:
        cases = cases.filter(
            Q(response__survey__touchpoint=filters.touchpoint)
            | Q(interaction__touchpoint=filters.touchpoint)
        )
    if filters.survey is not None:
        cases = cases.filter(response__survey=filters.survey)
    if filters.channel == STAFF_CHANNEL:
        cases = cases.filter(interaction__isnull=False)
    elif filters.channel:
        cases = cases.filter(response__channel=filters.channel)
    return cases


def case_kpis(*, business: Business, filters: KpiFilters) -> CaseKpis:
    """The queue now, read from its index alone when no filter joins the cases' sources
    (case_queue). Without a filter, the period's figures come from roll-ups, at the same
    cost for a year as for a week: the openings from the case outcomes' days, the
    resolutions from theirs (metrics.resolve_times). With one, from raw rows through
    their indexes: case_opened, and case_resolved_times (which holds each resolved
    case's opening and due time)."""
    cases = filtered_cases(business=business, filters=filters)
    return CaseKpis(
        **_queue_counts(cases, now=timezone.now()),
        opened=_period_opened(business, filters, cases),
        **_period_resolved(business, filters, cases),
    )


def _period_opened(business: Business, filters: KpiFilters, cases: QuerySet[FollowUpCase]) -> int:
    """The cases opened in the period: from the case outcomes' days (RecoveryDay) and
    those opened since their cutoff when no filter applies and they were built, else
    counted raw (index case_opened)."""
    if not cases_filtered(filters):
        cutoff = outcome_source(business=business).cutoff
        if cutoff is not None:
            return opened_count(business, filters.period.first, filters.period.last, cutoff)
    start, end = filters.period.bounds(business)
    return cases.filter(created_at__gte=start, created_at__lt=end).count()


def _period_resolved(
    business: Business, filters: KpiFilters, cases: QuerySet[FollowUpCase]
) -> dict[str, object]:
    """The period's resolved cases: exact from raw rows when a filter applies or when
    the roll-up finds at most EXACT_UP_TO of them (cheap at that size); else the
    roll-up's exact counts and its median, within 1% (metrics.resolve_times)."""
    start, end = filters.period.bounds(business)
    raw = cases.filter(status=CaseStatus.RESOLVED, resolved_at__gte=start, resolved_at__lt=end)
    if cases_filtered(filters):
        return _resolved_figures(raw)
    period, through = filters.period, coverage_of(business).through
    rolled = resolved_figures(business, period.first, period.last, through)
    if rolled.resolved <= EXACT_UP_TO:
        return _resolved_figures(raw)
    return asdict(rolled)


def _queue_counts(cases: QuerySet[FollowUpCase], *, now) -> dict[str, int]:
    """The cases not resolved yet: all, awaiting contact, past their due time."""
    unresolved = cases.filter(status__in=[CaseStatus.OPEN, CaseStatus.CONTACTED])
    # Counted by due_at (never null), not by id, a column the index does not hold.
    return unresolved.aggregate(
        open_now=Count("due_at"),
        awaiting_contact=Count("due_at", filter=Q(status=CaseStatus.OPEN)),
        overdue_now=Count("due_at", filter=Q(due_at__lt=now)),
    )


def _resolved_figures(resolved: QuerySet[FollowUpCase]) -> dict[str, object]:
    """The period's resolved cases: how many, how many on time, the median time."""
    # Counted by resolved_at (never null here), a column the index holds, not by id.
    figures = {
        "resolved": Count("resolved_at"),
        "resolved_on_time": Count("resolved_at", filter=Q(resolved_at__lte=F("due_at"))),
    }
    if connection.vendor == "postgresql":
        figures["median_time_to_resolve"] = median_time_to_resolve()
    counts = resolved.aggregate(**figures)
    if connection.vendor != "postgresql":
        counts["median_time_to_resolve"] = median_duration_without_percentile(
            resolved, count=counts["resolved"]
        )
    return counts


# --- Recovery ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """Of the customers with a case opened in the period, how many came back to us.

    A customer is counted once, by their latest case of the period (so someone upset
    twice must recover after the second time). They `bought_again` when a purchase was
    made after that case was opened; they `answered_better` when a response they gave
    after it holds an NPS of 7-10 (no longer a detractor) or a CSAT of 4-5 (satisfied).
    `recovered` did either. The window for coming back runs to today, so customers of
    the last few days have had less time: read a recent period's share as provisional.
    Cases without a known customer cannot be followed: they are counted apart.
    """

    customers: int
    recovered: int
    bought_again: int
    answered_better: int
    cases_without_customer: int

    @property
    def share(self) -> float | None:
        return self.recovered / self.customers if self.customers else None


def recovery(*, business: Business, filters: KpiFilters) -> Recovery:
    """Without a filter, from the case outcomes roll-up and the open days' raw rows
    (metrics.case_outcomes: two queries); with one, or before the roll-up's first build,
    from raw rows (`recovery_from_cases`)."""
    if not cases_filtered(filters):
        source = outcome_source(business=business)
        if source.behind:
            from .tasks import case_outcomes_refresh_soon  # the tasks module imports this one

            case_outcomes_refresh_soon(business_id=business.pk)
        if source.cutoff is not None:
            start, end = filters.period.bounds(business)
            if end > timezone.now():  # the default, and any period ending today
                period = filters.period
                figures = recovery_now_counts(business, period.first, period.last, source.cutoff)
                return Recovery(*figures)
            return Recovery(*recovery_counts(business, start, end, source.cutoff))
    return recovery_from_cases(business=business, filters=filters)


def cases_filtered(filters: KpiFilters) -> bool:
    """Whether `filtered_cases` leaves some of the business's cases out."""
    return bool(filters.location or filters.touchpoint or filters.survey or filters.channel)


def recovery_from_cases(*, business: Business, filters: KpiFilters) -> Recovery:
    """Set-based, one query: the period's cases give each customer's latest case (one
    grouped scan), then one probe each into their purchases and their later answers (by
    index). The ORM's grouped query is wrapped in SQL because Django cannot correlate a
    subquery with another query's aggregate."""
    start, end = filters.period.bounds(business)
    cases = filtered_cases(business=business, filters=filters).filter(
        created_at__gte=start, created_at__lt=end
    )
    # One row per customer; the cases without a customer make one row of their own.
    latest = (
        cases.values("customer_id").annotate(opened=Max("created_at"), cases=Count("id")).order_by()
    )
    latest_sql, latest_params = latest.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            RECOVERY_SQL.format(latest=latest_sql, better=BETTER, **TABLES),
            # In the order of the %s parameters: the probes, then the latest cases.
            [business.pk, business.pk, *better_params(), *latest_params],
        )
        figures = cursor.fetchone()
    return Recovery(*(int(figure or 0) for figure in figures))  # SUM gives numeric on PG


# The figures in the order of Recovery's fields. MATERIALIZED: computed once, or
# PostgreSQL would run each probe again for every SUM that reads it.
RECOVERY_SQL = (
    """
WITH came_back AS MATERIALIZED (
    SELECT
        latest.customer_id,
        latest.cases,
        EXISTS (
            SELECT 1 FROM {purchase} p
            WHERE p.business_id = %s AND p.customer_id = latest.customer_id
              AND p.purchased_at > latest.opened
        ) AS bought,
        EXISTS (
            SELECT 1 FROM {response} r
            JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
            JOIN {question} q ON q.id = a.question_id
            WHERE r.business_id = %s AND r.customer_id = latest.customer_id
              AND r.created_at > latest.opened
              AND {better}
        ) AS better
    FROM ({latest}) latest
)
"""
    + RECOVERY_TOTALS_SQL
)


# --- Staff load (empathy fatigue) --------------------------------------------------------


@dataclass(frozen=True)
class MemberLoad:
    """One member's last days: interactions logged and how many were with someone upset.

    An interaction is negative when its note scored negative or staff logged the
    customer's mood as frustrated or angry. `note` is a word of support when flagged.
    """

    name: str
    handled: int
    negative: int
    flagged: bool
    note: str

    @property
    def share(self) -> float | None:
        """The part of their interactions that were with someone upset."""
        return self.negative / self.handled if self.handled else None


@dataclass(frozen=True)
class StaffLoad:
    """Who met how many upset customers, in name order: support, never a ranking.

    `team_median` is the median of negative interactions over the members who handled
    any (someone away for the fortnight is not part of the team's usual).
    """

    period: Period
    team_median: float | None
    members: list[MemberLoad]
    # The counts the median was taken of (members who handled any), smallest first:
    # shown with the flag, so an owner can check it.
    median_of: list[int] = field(default_factory=list)

    @property
    def days(self) -> int:
        return self.period.days

    @property
    def flag_at(self) -> float | None:
        """How many upset customers get a member flagged: FLAG_RATIO times the team's
        median, and never fewer than FLAG_MIN_NEGATIVE (see is_overloaded)."""
        if self.team_median is None:
            return None
        return max(FLAG_MIN_NEGATIVE, FLAG_RATIO * self.team_median)

    @property
    def flag_ratio(self) -> int:
        return FLAG_RATIO

    @property
    def flag_min(self) -> int:
        return FLAG_MIN_NEGATIVE

    @property
    def flagged(self) -> list[MemberLoad]:
        return [member for member in self.members if member.flagged]


def staff_load(*, business: Business, today: date | None = None) -> StaffLoad:
    """The last 14 local days (today included) of every active member. Two queries: the
    fortnight's interactions counted by member in one pass (not one count per member,
    which read the fortnight again for each), and the members, so that a member with no
    interactions gets 0."""
    today = today or local_today(business)
    period = Period(first=today - timedelta(days=STAFF_LOAD_DAYS - 1), last=today)
    counts = _counts_by_member(business, period)
    members = list(
        Membership.objects.filter(business=business, user__is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    loads = [(member, *counts.get(member.user_id, (0, 0))) for member in members]
    # The median of a team's dozen counts, already computed by the query above.
    active = [negative for _member, handled, negative in loads if handled]
    team_median = median(active) if active else None
    return StaffLoad(
        period=period,
        team_median=team_median,
        members=[_member_load(*load, team_median, period.days) for load in loads],
        median_of=sorted(active),
    )


def _counts_by_member(business: Business, period: Period) -> dict[int, tuple[int, int]]:
    """{user id: (interactions handled, of which with someone upset)} over the period."""
    start, end = period.bounds(business)
    upset = Q(sentiment_label=SentimentLabel.NEGATIVE) | Q(mood__in=UPSET_MOODS)
    rows = (
        Interaction.objects.filter(
            business=business, created_at__gte=start, created_at__lt=end, staff__isnull=False
        )
        .values("staff")
        .annotate(handled=Count("id"), negative=Count("id", filter=upset))
        .order_by()
    )
    return {row["staff"]: (row["handled"], row["negative"]) for row in rows}


def _member_load(
    member: Membership, handled: int, negative: int, team_median: float | None, days: int
) -> MemberLoad:
    flagged = is_overloaded(negative, team_median)
    name = str(member.user)
    return MemberLoad(
        name=name,
        handled=handled,
        negative=negative,
        flagged=flagged,
        note=support_note(name, negative, team_median, days) if flagged else "",
    )


def is_overloaded(negative: int, team_median: float | None) -> bool:
    if team_median is None or negative < FLAG_MIN_NEGATIVE:
        return False
    return negative >= FLAG_RATIO * team_median


def support_note(name: str, negative: int, team_median: float | None, days: int) -> str:
    """Worded as care for the person, never as a score."""
    if not team_median:
        return _(
            "%(name)s met %(count)s upset customers in the last %(days)s days, while most "
            "of the team met none; consider sharing the difficult conversations."
        ) % {"name": name, "count": negative, "days": days}
    return _(
        "%(name)s met %(count)s upset customers in the last %(days)s days, about "
        "%(times)s times the team's usual; consider sharing the difficult conversations."
    ) % {"name": name, "count": negative, "days": days, "times": round(negative / team_median)}
