"""The survey KPIs' own roll-up: the journey roll-up added up to one row per day and channel.

The journey roll-up (journeys.models.TouchpointDay) keeps one row per day, survey,
touchpoint, location, segment and channel met, so a busy business has hundreds a day and
a year of them is a six-figure scan. Without those filters the dashboard and the KPI API
need only the day and the channel: KpiDay holds exactly that, built from TouchpointDay by
one grouped query (`kpi_rollup_build`), a handful of rows a day at any size.

Current or not: KpiRollupState remembers which journey build the rows came from. While it
is the journey roll-up's latest build, readers take the built days from KpiDay (and the
days after from raw rows, as the journey roll-up's readers do); otherwise they read the
journey roll-up as before and ask for a refresh, so a figure is never read from rows
older than the journey roll-up. The refresh is a task on the "rollups" queue
(metrics.tasks.kpi_rollup_refresh); `manage.py rebuild_kpi_rollups` builds every business.

This assumes TouchpointDay changes only through journey builds (which set a new
`built_at`): surveys, touchpoints and locations are archived, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.utils import timezone

from accounts.models import Business
from journeys.models import RollupState, TouchpointDay
from journeys.rollups import (
    SUM_FIELDS,
    Coverage,
    Filters,
    Sums,
    grouped_sums,
    period_sums,
    rolled_sums,
)

from .models import KpiDay, KpiRollupState

# The groupings KpiDay can give: its day (as is, or by week or month) and its channel.
KPI_DAY_DIMENSIONS = frozenset({"day", "week", "month", "channel"})


# --- Building ---------------------------------------------------------------------------


def kpi_rollup_build(*, business: Business) -> int:
    """Replace the business's KpiDay rows with the sums of its journey roll-up; return how
    many were written. The journey roll-up's state row is locked meanwhile, so a journey
    build cannot commit between reading its rows and recording which build they were."""
    return _build(business, since=None)


def kpi_rollup_advance(
    *, business: Business, previous: datetime | None, changed_from: date | None
) -> int:
    """After a journey advance (every few minutes) that rewrote the days from
    `changed_from` on: rewrite those days only, when KpiDay was built from the journey
    build before it (`previous`), so all other days are still its sums; else everything.
    The few rows of today instead of every day of every year, at each advance."""
    state = KpiRollupState.objects.filter(business=business).first()
    unchanged = (
        changed_from is not None
        and previous is not None
        and state is not None
        and state.source_built_at == previous
    )
    return _build(business, since=changed_from if unchanged else None)


def _build(business: Business, *, since: date | None) -> int:
    """KpiDay rows from `since` on (all if None) made again from the journey roll-up."""
    with transaction.atomic():
        source = RollupState.objects.select_for_update().filter(business=business).first()
        state = _locked_state(business)
        old = KpiDay.objects.filter(business=business)
        if since is not None:
            old = old.filter(day__gte=since)
        old.delete()
        rows = KpiDay.objects.bulk_create(_day_rows(business, since), batch_size=2000)
        state.source_built_at = source.built_at if source else None
        state.built_through = source.built_through if source else None
        state.built_at = timezone.now()
        state.save()
    return len(rows)


def _locked_state(business: Business) -> KpiRollupState:
    state, _created = KpiRollupState.objects.select_for_update().get_or_create(business=business)
    return state


def _day_rows(business: Business, since: date | None) -> list[KpiDay]:
    sums = {name: Sum(name) for name in SUM_FIELDS}
    cells = TouchpointDay.objects.filter(business=business)
    if since is not None:
        cells = cells.filter(day__gte=since)
    grouped = cells.values("day", "channel").annotate(**sums).order_by()
    return [KpiDay(business=business, **row) for row in grouped]


# --- Reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSource:
    """Where one request reads its KPI sums from: the built days (the journey roll-up's
    `coverage`) from KpiDay when it is `current`, else from the journey roll-up; later
    voices from raw rows. Found once per request, with one query."""

    business: Business
    current: bool
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def built_through(self) -> date | None:
        return self.coverage.through


def kpi_source(*, business: Business) -> KpiSource:
    """One query: the journey roll-up's latest build next to the one KpiDay came from. A
    refresh is asked for when they differ (none when the journey roll-up is not built:
    then every day is read raw anyway)."""
    from .tasks import kpi_rollup_refresh_soon  # the tasks module imports this one

    built_from = KpiRollupState.objects.filter(business=OuterRef("business")).values(
        "source_built_at"
    )[:1]
    row = (
        RollupState.objects.filter(business=business)
        .annotate(built_from=Subquery(built_from))
        .values("built_at", "built_through", "built_until", "built_from")
        .first()
    )
    if row is None or row["built_at"] is None:
        return KpiSource(business, current=False)
    current = row["built_from"] == row["built_at"]
    if not current:
        kpi_rollup_refresh_soon(business_id=business.pk)
    coverage = Coverage(row["built_through"], row["built_until"])
    return KpiSource(business, current=current, coverage=coverage)


def serves(filters: Filters, by: tuple[str, ...]) -> bool:
    """Whether KpiDay holds these sums: no filter but the channel, grouped by its columns."""
    unfiltered = not (
        filters.location_id
        or filters.segment
        or filters.tag
        or filters.survey_id
        or filters.touchpoint_id
    )
    return unfiltered and set(by) <= KPI_DAY_DIMENSIONS


def kpi_sums(
    source: KpiSource, first: date, last: date, filters: Filters, *, by: tuple[str, ...]
) -> dict[tuple, Sums]:
    """The same cells as journeys.rollups.period_sums (which this is, with the state read
    once per request): built days from KpiDay when it is current and holds them, else
    from the journey roll-up; later days from raw rows."""
    rolled = _kpi_day_sums if source.current and serves(filters, by) else rolled_sums
    return period_sums(
        source.business, first, last, filters, by=by,
        coverage=source.coverage, rolled=rolled,
    )  # fmt: skip


def _kpi_day_sums(
    business: Business, first: date, last: date, filters: Filters, *, by: tuple[str, ...]
) -> dict[tuple, Sums]:
    rows = KpiDay.objects.filter(business=business, day__gte=first, day__lte=last)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return grouped_sums(rows, {"channel": F("channel")}, by)
