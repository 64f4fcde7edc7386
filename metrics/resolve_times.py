"""The median time to resolve follow-up cases, and how many were resolved (on time), from
a roll-up whose reading costs the same for a week or a year, a café or a chain.

An exact median sorts every case resolved in the period: a year at a busy business is
over a hundred thousand. ResolvedCaseDay keeps, per local day of resolving and per
bucket of time to resolve, how many cases were resolved and the running totals so far;
a period's count in a bucket is the running total at its last day minus the one before
its first day: two look-ups per bucket the business ever used, a few hundred at most.

Buckets: the time to resolve in whole seconds (rounded), bucket k holding [1.01^k,
1.01^(k+1)) seconds (under a second counts as one): each bucket is 1% wide. The
median is read from the cumulative counts, placed within its bucket by its rank there
(linear interpolation), so it is within 1% of the exact median (about 15 minutes at a
day). A period with at most EXACT_UP_TO resolved cases (a small business, a short
period) gets the exact median from its raw rows, a cheap read at that size; the counts
of resolved and on-time cases are always exact.

Kept current as the KPI roll-up is (metrics.kpi_rollup): every journey build rewrites
the days it rebuilt, in its own transaction (`resolved_days_follow`, named in
settings.JOURNEYS_AFTER_BUILD), so the roll-up holds exactly the journey roll-up's days
(its Coverage `through`); later resolutions (today's, as a rule) are read from raw
rows. A case reopened after being resolved on a built day marks that day for rebuilding
(feedback.cases.services, journeys.rollups.rollup_take_in_late); `manage.py
rebuild_kpi_rollups` rebuilds everything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Floor, Greatest, Ln, TruncDate

from accounts.models import Business
from feedback.models import CaseStatus, FollowUpCase
from journeys.models import RollupState
from journeys.rollups import day_bounds, zone_of

from .models import ResolvedCaseDay

BUCKET_BASE = 1.01  # each bucket 1% wide
EXACT_UP_TO = 1000  # resolved cases up to which the median is computed exactly


class SecondsBetween(Func):
    """Whole seconds (rounded) from the second expression to the first, as a number."""

    arity = 2
    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="ROUND(EXTRACT(EPOCH FROM (%(expressions)s)))",
            arg_joiner=" - ", **extra,
        )  # fmt: skip

    def as_sqlite(self, compiler, connection, **extra):
        # django_timestamp_diff: Django's own SQLite function, in microseconds.
        return self.as_sql(
            compiler, connection, function="django_timestamp_diff",
            template="ROUND(%(function)s(%(expressions)s) / 1000000.0)", **extra,
        )  # fmt: skip


def resolve_bucket() -> Cast:
    """A resolved case's bucket: floor(ln(seconds) / ln(1.01)), seconds at least 1."""
    seconds = Greatest(
        Cast(SecondsBetween(F("resolved_at"), F("created_at")), FloatField()), Value(1.0)
    )
    return Cast(Floor(Ln(seconds) / Value(math.log(BUCKET_BASE))), IntegerField())


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """The seconds bucket `bucket` holds: [low, high)."""
    return BUCKET_BASE**bucket, BUCKET_BASE ** (bucket + 1)


def resolved_between(business: Business, start: datetime, end: datetime) -> QuerySet:
    """The business's cases resolved in [start, end) (index case_resolved_times)."""
    return FollowUpCase.objects.filter(
        business=business, status=CaseStatus.RESOLVED, resolved_at__gte=start, resolved_at__lt=end
    )


def bucket_counts(cases: QuerySet, **by) -> QuerySet:
    """`cases` grouped by bucket (and `by`): how many, how many resolved by their due time."""
    return (
        cases.annotate(bucket=resolve_bucket(), **by)
        .values(*by, "bucket")
        .annotate(
            n=Count("resolved_at"),
            on_time=Count("resolved_at", filter=Q(resolved_at__lte=F("due_at"))),
        )
        .order_by()
    )


# --- Building ---------------------------------------------------------------------------

# Each (day, bucket) of the days rebuilt, with its running totals: those of the bucket's
# last day before them plus the sum over its rebuilt days so far.
BUILD_SQL = """
INSERT INTO {table} (business_id, day, bucket, resolved, on_time,
    resolved_through, on_time_through)
SELECT %s, d.day, d.bucket, d.n, d.on_time,
    COALESCE((SELECT b.resolved_through FROM {table} b
              WHERE b.business_id = %s AND b.bucket = d.bucket AND b.day < %s
              ORDER BY b.day DESC LIMIT 1), 0)
        + SUM(d.n) OVER (PARTITION BY d.bucket ORDER BY d.day),
    COALESCE((SELECT b.on_time_through FROM {table} b
              WHERE b.business_id = %s AND b.bucket = d.bucket AND b.day < %s
              ORDER BY b.day DESC LIMIT 1), 0)
        + SUM(d.on_time) OVER (PARTITION BY d.bucket ORDER BY d.day)
FROM ({daily}) d
"""


def resolved_days_follow(*, business: Business, first: date | None) -> int:
    """A journey build rewrote its days from `first` on (every day if None): rewrite the
    same days here, through the day the build reached (its state's `built_through`), in
    the build's transaction. Returns the rows written."""
    through = (
        RollupState.objects.filter(business=business)
        .values_list("built_through", flat=True)
        .first()
    )
    old = ResolvedCaseDay.objects.filter(business=business)
    if first is not None:
        old = old.filter(day__gte=first)
    old.delete()
    if through is None or (first is not None and first > through):
        return 0
    start, end = day_bounds(business, first or through, through)
    cases = FollowUpCase.objects.filter(
        business=business, status=CaseStatus.RESOLVED, resolved_at__lt=end
    )
    if first is not None:
        cases = cases.filter(resolved_at__gte=start)
    daily = bucket_counts(cases, day=TruncDate("resolved_at", tzinfo=zone_of(business)))
    daily_sql, daily_params = daily.query.sql_with_params()
    table = ResolvedCaseDay._meta.db_table
    # The running totals carry on from the days kept (none when all were deleted).
    pk, since = business.pk, first or through
    with connection.cursor() as cursor:
        cursor.execute(
            BUILD_SQL.format(table=table, daily=daily_sql),
            [pk, pk, since, pk, since, *daily_params],
        )
        return cursor.rowcount


# --- Reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedFigures:
    resolved: int
    resolved_on_time: int
    median_time_to_resolve: timedelta | None


# Per bucket the business used (found by a skip scan of the unique index), its count
# over the built days first..last: its running totals at its last row up to `last`
# minus those at its last row before `first`. Then the later days' raw counts, and the
# cumulative counts over buckets: the totals, and the bucket(s) of the middle rank(s).
READ_SQL = """
WITH RECURSIVE buckets(bucket) AS (
    SELECT MIN(bucket) FROM {table} WHERE business_id = %(business)s
    UNION ALL
    SELECT (SELECT MIN(t.bucket) FROM {table} t
            WHERE t.business_id = %(business)s AND t.bucket > buckets.bucket)
    FROM buckets WHERE buckets.bucket IS NOT NULL
),
ends AS (
    SELECT bucket,
        (SELECT MAX(t.day) FROM {table} t WHERE t.business_id = %(business)s
           AND t.bucket = buckets.bucket AND t.day <= %(last)s) AS last_day,
        (SELECT MAX(t.day) FROM {table} t WHERE t.business_id = %(business)s
           AND t.bucket = buckets.bucket AND t.day < %(first)s) AS before_day
    FROM buckets WHERE bucket IS NOT NULL
),
counts AS (
    SELECT e.bucket,
        COALESCE(hi.resolved_through, 0) - COALESCE(lo.resolved_through, 0) AS n,
        COALESCE(hi.on_time_through, 0) - COALESCE(lo.on_time_through, 0) AS on_time
    FROM ends e
    LEFT JOIN {table} hi
      ON hi.business_id = %(business)s AND hi.bucket = e.bucket AND hi.day = e.last_day
    LEFT JOIN {table} lo
      ON lo.business_id = %(business)s AND lo.bucket = e.bucket AND lo.day = e.before_day
    UNION ALL
    SELECT bucket, n, on_time FROM ({live}) live
),
merged AS (
    SELECT bucket, SUM(n) AS n, SUM(on_time) AS on_time FROM counts
    GROUP BY bucket HAVING SUM(n) > 0
),
ranked AS (
    SELECT bucket, n, SUM(n) OVER (ORDER BY bucket) - n AS below,
        SUM(n) OVER () AS total, SUM(on_time) OVER () AS on_time_total
    FROM merged
)
SELECT bucket, n, below, total, on_time_total FROM ranked
WHERE below <= total / 2 AND below + n > (total - 1) / 2
"""


def resolved_figures(
    business: Business, first: date, last: date, through: date | None
) -> ResolvedFigures:
    """The cases resolved on days first..last of the business: the days up to `through`
    (the journey roll-up's Coverage, None when never built) from the roll-up, the later
    ones (today, as a rule) from raw rows."""
    built_last = min(through, last) if through and through >= first else first - timedelta(1)
    start, end = day_bounds(business, first, last)
    live_start = (
        day_bounds(business, built_last + timedelta(1), last)[0] if built_last < last else end
    )
    live = bucket_counts(resolved_between(business, max(start, live_start), end))
    live_named, names = named_parameters(*live.query.sql_with_params(), prefix="live")
    params = {"business": business.pk, "first": first, "last": built_last, **names}
    with connection.cursor() as cursor:
        cursor.execute(
            READ_SQL.format(table=ResolvedCaseDay._meta.db_table, live=live_named), params
        )
        return _figures(cursor.fetchall())


def named_parameters(sql: str, params: Sequence, *, prefix: str) -> tuple[str, dict]:
    """A query with positional placeholders (%s, as Django writes them) rewritten with
    named ones (%(prefix0)s, ...), to sit inside a query whose parameters are named. A
    literal percent sign (%%) stays one."""
    names = {f"{prefix}{i}": value for i, value in enumerate(params)}
    named = sql.replace("%%", "%%%%") % tuple(f"%({name})s" for name in names)
    return named, names


def _figures(middle: list[tuple]) -> ResolvedFigures:
    """The totals and the median from the middle bucket(s): rows (bucket, n, below,
    total, on_time_total), one or two, none when nothing was resolved."""
    if not middle:
        return ResolvedFigures(0, 0, None)
    total, on_time = int(middle[0][3]), int(middle[0][4])
    ranks = {(total - 1) // 2, total // 2}  # the middle one, or the middle two
    values = [
        _estimate(int(bucket), int(n), rank - int(below))
        for bucket, n, below, _total, _on_time in middle
        for rank in ranks
        if int(below) <= rank < int(below) + int(n)
    ]
    seconds = sum(values) / len(values)
    return ResolvedFigures(total, on_time, timedelta(seconds=round(seconds)))


def _estimate(bucket: int, n: int, index: int) -> float:
    """The `index`-th (from 0) of `n` values in `bucket`, spread evenly across it."""
    low, high = bucket_bounds(bucket)
    return low + (high - low) * (index + 0.5) / n
