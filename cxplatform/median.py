"""The median of a duration computed by the database, on PostgreSQL and on SQLite.

Shared by every app that reports a "median time to ..." (cases, review replies), so
both compute it the same way and none has to import another app's selectors.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Aggregate, Expression, QuerySet


class Median(Aggregate):
    """PostgreSQL's continuous median: the middle value, or the mean of the two middle
    ones, exactly what `median_duration_without_percentile` computes on SQLite."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def median_duration_without_percentile(
    rows: QuerySet, *, duration: Expression, count: int
) -> timedelta | None:
    """The median of `duration` over `rows` where there is no percentile_cont (SQLite).

    `count` is the number of `rows`. The database orders the durations and returns
    only the middle one (odd count) or two (even count); their mean is the median, the
    value percentile_cont(0.5) interpolates on PostgreSQL.
    """
    if not count:
        return None
    durations = rows.annotate(took=duration).order_by("took").values_list("took", flat=True)
    middle = list(durations[(count - 1) // 2 : count // 2 + 1])
    return sum(middle, timedelta()) / len(middle) if middle else None
