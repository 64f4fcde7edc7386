"""The survey KPIs' own roll-up: the journey roll-up added up to one row per day and channel.

The journey roll-up (journeys.models.TouchpointDay) keeps one row per day, survey,
touchpoint, location, segment and channel met, so a busy business has hundreds a day and
a year of them is a six-figure scan. Without those filters the dashboard and the KPI API
need only the day and the channel: KpiDay holds exactly that, a handful of rows a day at
any size.

Every journey build rewrites the KpiDay days it rewrote, by one grouped query in its own
transaction (`kpi_days_follow`, named in settings.JOURNEYS_AFTER_BUILD), so KpiDay always
holds the sums of the journey roll-up readers see. `manage.py rebuild_kpi_rollups`
rebuilds it whole, as a repair.

This assumes TouchpointDay changes only through journey builds: surveys, touchpoints and
locations are archived, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F, Sum

from accounts.models import Business
from journeys.models import RollupState, TouchpointDay
from journeys.rollups import (
    SUM_FIELDS,
    Coverage,
    Filters,
    Sums,
    builds_follow,
    coverage_of,
    grouped_sums,
    period_sums,
    rolled_sums,
)

from .models import KpiDay

# The groupings KpiDay can give: its day (as is, or by week or month) and its channel.
KPI_DAY_DIMENSIONS = frozenset({"day", "week", "month", "channel"})


# --- Building ---------------------------------------------------------------------------


def kpi_days_follow(*, business: Business, first: date | None) -> int:
    """A journey build rewrote its days from `first` on (every day if None): rewrite
    KpiDay's the same way, in the build's transaction. Returns the rows written."""
    old = KpiDay.objects.filter(business=business)
    if first is not None:
        old = old.filter(day__gte=first)
    old.delete()
    return len(KpiDay.objects.bulk_create(_day_rows(business, first), batch_size=2000))


def kpi_rollup_build(*, business: Business) -> int:
    """Rebuild every roll-up that follows the journey builds (settings.
    JOURNEYS_AFTER_BUILD: KpiDay, the resolved cases' days) whole; return how many rows
    were written. The journey roll-up's state row is locked meanwhile, so no journey
    build commits between."""
    with transaction.atomic():
        RollupState.objects.select_for_update().filter(business=business).exists()
        return builds_follow(business=business, first=None)


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
    """What one request reads its KPI sums from: the journey roll-up's `coverage`, read
    once, so every figure of the request comes from the same build."""

    business: Business
    coverage: Coverage


def kpi_source(*, business: Business) -> KpiSource:
    return KpiSource(business, coverage_of(business))


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
    once per request): built days from KpiDay when it holds them, else from the journey
    roll-up; later voices from raw rows."""
    rolled = _kpi_day_sums if serves(filters, by) else rolled_sums
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
