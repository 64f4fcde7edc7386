"""Whether customers came back after a follow-up case, rolled up for the recovery rate.

The recovery rate (metrics.care.recovery) asks, for every customer with a case in the
period, whether they bought or answered better after their latest case: read raw, two
look-ups per customer, so a busy month cost a few thousand probes and a year tens of
thousands. CaseOutcome keeps each closed case's answer up to a cutoff (the start of
today, see `open_days_start`), built by one INSERT ... SELECT
(`case_outcomes_build`); the reader (`recovery_from_outcomes`) adds what came after the
cutoff from raw rows: the cases opened since, and the purchases and answers since, which
are only the open days' rows. The figures are the same as the raw query's.

A year of outcome rows is still a grouping of a hundred thousand at a busy business. For
a period ending today (the dashboard's, as a rule) each customer's latest case is their
latest of all, so the same build keeps one row per customer (CustomerRecovery: their
latest case before the cutoff, whether they came back after it) and their sums per
local day of that case (RecoveryDay, with the cases opened that day): such a period
reads one row per day and corrects it for the customers touched since the cutoff
(`recovery_now_counts`). Earlier periods read the outcome rows (`recovery_counts`).

Kept current by tasks: the first reader after a day closes asks for a rebuild (the
cutoff moves on), and so does every change of purchases (with the purchase roll-up,
metrics.tasks), since an imported purchase can be dated in the past;
`manage.py rebuild_kpi_rollups` builds every business. The rows are exact as of their
build; a case moved to another customer or a customer's data erased shows from the next
one (the next day at the latest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Business
from customers.models import Purchase
from feedback.models import Answer, FollowUpCase, Question, QuestionKind, Response
from journeys.rollups import (
    DETRACTOR_UP_TO,
    SATISFIED_FROM,
    day_bounds,
    first_open_day,
    zone_of,
)

from .models import CaseOutcome, CaseOutcomeState, CustomerRecovery, RecoveryDay

# A later answer "better" than the one that opened a case: no longer a detractor
# (NPS 7-10) or satisfied (CSAT 4-5).
NPS_RECOVERED_FROM = DETRACTOR_UP_TO + 1
CSAT_RECOVERED_FROM = SATISFIED_FROM

TABLES = {
    "outcome": CaseOutcome._meta.db_table,
    "customer": CustomerRecovery._meta.db_table,
    "day": RecoveryDay._meta.db_table,
    "case": FollowUpCase._meta.db_table,
    "purchase": Purchase._meta.db_table,
    "response": Response._meta.db_table,
    "answer": Answer._meta.db_table,
    "question": Question._meta.db_table,
}

# An answer that counts as "better", for response r, answer a and question q.
BETTER = "((q.kind = %s AND a.number >= %s) OR (q.kind = %s AND a.number >= %s))"


def better_params() -> list[object]:
    return [QuestionKind.NPS, NPS_RECOVERED_FROM, QuestionKind.CSAT, CSAT_RECOVERED_FROM]


def db_moment(moment: datetime) -> object:
    """As the ORM would pass it (SQLite compares UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def open_days_start(business: Business, now: datetime | None = None) -> datetime:
    """The start of the first day new rows may still be written to (first_open_day).
    Unlike the journey roll-up's, nothing here waits for a text's score: cases are
    opened at the moment they are written (a case for yesterday's comment scored today
    is today's), and a better answer is a number."""
    day = first_open_day(business, now)
    return day_bounds(business, day, day)[0]


# --- Building ---------------------------------------------------------------------------

# The recovery counts from came_back (customer_id, cases, bought, better per customer):
# with a customer, came back by either way, by purchase, by a better answer; and cases
# with no customer. Shared with metrics.care.
RECOVERY_TOTALS_SQL = """
SELECT SUM(CASE WHEN customer_id IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN bought OR better THEN 1 ELSE 0 END),
       SUM(CASE WHEN bought THEN 1 ELSE 0 END),
       SUM(CASE WHEN better THEN 1 ELSE 0 END),
       SUM(CASE WHEN customer_id IS NULL THEN cases ELSE 0 END)
FROM came_back
"""


BUILD_SQL = """
INSERT INTO {outcome} (case_id, business_id, customer_id, opened_at, bought_at, better_at)
SELECT c.id, c.business_id, c.customer_id, c.created_at,
    (SELECT MIN(p.purchased_at) FROM {purchase} p
     WHERE p.business_id = c.business_id AND p.customer_id = c.customer_id
       AND p.purchased_at > c.created_at AND p.purchased_at < %s),
    (SELECT MIN(r.created_at) FROM {response} r
     JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
     JOIN {question} q ON q.id = a.question_id
     WHERE r.business_id = c.business_id AND r.customer_id = c.customer_id
       AND r.created_at > c.created_at AND r.created_at < %s AND {better})
FROM {case} c
WHERE c.business_id = %s AND c.created_at < %s
"""


def case_outcomes_build(*, business: Business) -> int:
    """Replace the business's case outcomes with those of every case opened before the
    open days; return how many were written. One transaction behind the state's lock."""
    cutoff = open_days_start(business)
    now = timezone.now()
    with transaction.atomic():
        state, _created = CaseOutcomeState.objects.select_for_update().get_or_create(
            business=business, defaults={"cutoff": cutoff, "built_at": now}
        )
        CaseOutcome.objects.filter(business=business).delete()
        at = db_moment(cutoff)
        with connection.cursor() as cursor:
            cursor.execute(
                BUILD_SQL.format(better=BETTER, **TABLES),
                [at, at, *better_params(), business.pk, at],
            )
            written = cursor.rowcount
        _customers_build(business)
        state.cutoff, state.built_at = cutoff, now
        state.save()
    return written


# Each customer's latest case before the cutoff and whether they came back after it
# (as RECOVERY_SQL's `latest`: after the latest opening came some case's first purchase).
CUSTOMERS_SQL = """
INSERT INTO {customer} (customer_id, business_id, last_opened, bought, better)
SELECT customer_id, business_id, MAX(opened_at),
    CASE WHEN MAX(bought_at) > MAX(opened_at) THEN %s ELSE %s END,
    CASE WHEN MAX(better_at) > MAX(opened_at) THEN %s ELSE %s END
FROM {outcome}
WHERE business_id = %s AND customer_id IS NOT NULL
GROUP BY customer_id, business_id
"""


# Each local day's sums: of the customers whose latest case opened that day, and of the
# cases opened that day ({customers} and {opened}, as _day_sums gives them).
DAYS_SQL = """
INSERT INTO {day} (business_id, day, customers, bought, better, recovered, opened, anonymous)
SELECT %s, local_day, SUM(n_customers), SUM(n_bought), SUM(n_better), SUM(n_recovered),
    SUM(n_opened), SUM(n_anonymous)
FROM ({customers} UNION ALL {opened}) AS sums
GROUP BY local_day
"""
RECOVERY_DAY_COLUMNS = ("customers", "bought", "better", "recovered", "opened", "anonymous")


def _customers_build(business: Business) -> None:
    """CustomerRecovery and RecoveryDay from the outcome rows just written."""
    CustomerRecovery.objects.filter(business=business).delete()
    RecoveryDay.objects.filter(business=business).delete()
    with connection.cursor() as cursor:
        cursor.execute(CUSTOMERS_SQL.format(**TABLES), [True, False, True, False, business.pk])
    zone = zone_of(business)
    customers = _day_sums(
        CustomerRecovery.objects.filter(business=business), "last_opened", zone,
        customers=Count("pk"), bought=Count("pk", filter=Q(bought=True)),
        better=Count("pk", filter=Q(better=True)),
        recovered=Count("pk", filter=Q(bought=True) | Q(better=True)),
    )  # fmt: skip
    opened = _day_sums(
        CaseOutcome.objects.filter(business=business), "opened_at", zone,
        opened=Count("pk"), anonymous=Count("pk", filter=Q(customer=None)),
    )  # fmt: skip
    (customers_sql, customers_params), (opened_sql, opened_params) = customers, opened
    with connection.cursor() as cursor:
        cursor.execute(
            DAYS_SQL.format(day=TABLES["day"], customers=customers_sql, opened=opened_sql),
            [business.pk, *customers_params, *opened_params],
        )


def _day_sums(rows: QuerySet, moment: str, zone, **sums) -> tuple[str, tuple]:
    """The SQL of `rows` grouped by the local day of `moment`: local_day and, for each
    of RECOVERY_DAY_COLUMNS in order (so the two sides of DAYS_SQL's UNION line up), its
    sum as n_<column>, 0 where `sums` gives none (not the column's own name:
    CustomerRecovery has fields `bought` and `better` that the sums are made from)."""
    named = {f"n_{column}": sums.pop(column, Value(0)) for column in RECOVERY_DAY_COLUMNS}
    if sums:
        raise TypeError(f"Not a RecoveryDay column: {', '.join(sums)}")
    grouped = (
        rows.annotate(local_day=TruncDate(moment, tzinfo=zone))
        .values("local_day")
        .annotate(**named)
        .values_list("local_day", *named)
        .order_by()
    )
    return grouped.query.sql_with_params()


# --- Reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeSource:
    """The cutoff the business's outcomes reach, None when they were never built; `behind`
    when a day has closed since (still right, as the days since are read raw)."""

    cutoff: datetime | None
    behind: bool


def outcome_source(*, business: Business) -> OutcomeSource:
    cutoff = (
        CaseOutcomeState.objects.filter(business=business).values_list("cutoff", flat=True).first()
    )
    return OutcomeSource(cutoff, cutoff is None or cutoff < open_days_start(business))


# The figures in the order of metrics.care.Recovery's fields. Before the cutoff the
# outcome rows answer; after it raw rows do: the cases opened since (probed one by one,
# as few as the open days hold) and, for the older cases, whether the customer bought or
# answered better since (two sets read once: the open days' purchases and answers).
#
# The cases without a customer are only counted (`anonymous`): two counts rather than
# a group the size of all of them (most of a busy business's cases) in the grouping.
#
# No need to find each customer's latest case row: they came back before the cutoff
# after their latest case exactly when some case's first purchase (or better answer)
# after it came after the latest opening, i.e. MAX(bought_at) > MAX(opened). A plain
# grouping then, not a sort of the period's cases by customer and time.
RECOVERY_SQL = (
    """
WITH period_cases AS (
    SELECT customer_id, opened_at AS opened, bought_at, better_at
    FROM {outcome}
    WHERE business_id = %s AND opened_at >= %s AND opened_at < %s
      AND customer_id IS NOT NULL
    UNION ALL
    SELECT customer_id, created_at, NULL, NULL
    FROM {case}
    WHERE business_id = %s AND created_at >= %s AND created_at < %s
      AND customer_id IS NOT NULL
),
anonymous AS (
    SELECT (SELECT COUNT(*) FROM {outcome}
            WHERE business_id = %s AND opened_at >= %s AND opened_at < %s
              AND customer_id IS NULL)
         + (SELECT COUNT(*) FROM {case}
            WHERE business_id = %s AND created_at >= %s AND created_at < %s
              AND customer_id IS NULL) AS cases
),
latest AS (
    SELECT customer_id, MAX(opened) AS opened, COUNT(*) AS cases,
        CASE WHEN MAX(bought_at) > MAX(opened) THEN 1 ELSE 0 END AS bought,
        CASE WHEN MAX(better_at) > MAX(opened) THEN 1 ELSE 0 END AS better
    FROM period_cases
    GROUP BY customer_id
),
came_back AS MATERIALIZED (
    SELECT customer_id, cases,
        CASE WHEN opened < %s THEN bought = 1 OR customer_id IN (
                SELECT p.customer_id FROM {purchase} p
                WHERE p.business_id = %s AND p.purchased_at >= %s
                  AND p.customer_id IS NOT NULL)
            ELSE EXISTS (
                SELECT 1 FROM {purchase} p
                WHERE p.business_id = %s AND p.customer_id = latest.customer_id
                  AND p.purchased_at > latest.opened)
        END AS bought,
        CASE WHEN opened < %s THEN better = 1 OR customer_id IN (
                SELECT r.customer_id FROM {response} r
                JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
                JOIN {question} q ON q.id = a.question_id
                WHERE r.business_id = %s AND r.created_at >= %s
                  AND r.customer_id IS NOT NULL AND {better})
            ELSE EXISTS (
                SELECT 1 FROM {response} r
                JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
                JOIN {question} q ON q.id = a.question_id
                WHERE r.business_id = %s AND r.customer_id = latest.customer_id
                  AND r.created_at > latest.opened AND {better})
        END AS better
    FROM latest
    UNION ALL
    SELECT NULL, cases, FALSE, FALSE FROM anonymous WHERE cases > 0
)
"""
    + RECOVERY_TOTALS_SQL
)


def recovery_counts(
    business: Business, start: datetime, end: datetime, cutoff: datetime
) -> tuple[int, ...]:
    """Recovery's figures for the cases opened in [start, end), every one of them (the
    reader applies no filter here): outcome rows before `cutoff`, raw rows from it."""
    pk, at = business.pk, db_moment(cutoff)
    rolled = [db_moment(start), db_moment(min(end, cutoff))]
    live = [db_moment(max(start, cutoff)), db_moment(end)]
    params = [
        pk, *rolled, pk, *live,
        pk, *rolled, pk, *live,
        at, pk, at, pk,
        at, pk, at, *better_params(), pk, *better_params(),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(RECOVERY_SQL.format(better=BETTER, **TABLES), params)
        figures = cursor.fetchone()
    return tuple(int(figure or 0) for figure in figures)  # SUM gives numeric on PG


# For a period ending after now: the customers' latest cases are their latest of all, so
# the figures are RecoveryDay's sums over the period's days, corrected for the customers
# something happened to since the cutoff (`touched`: a case, a purchase or a better
# answer since; the open days' rows, a few thousand at most): each counts as they are
# now (`new_*`) instead of as the roll-up has them (`old_*`). Their latest case is one
# since the cutoff if they have one, else the rolled one; they came back after it when
# the roll-up says so (a rolled case) or a purchase or better answer since came after
# it. Plus the cases without a customer opened since the cutoff. MATERIALIZED: each
# look-up once per customer, or PostgreSQL repeats them for every column that reads them.
RECOVERY_NOW_SQL = """
WITH touched AS (
    SELECT customer_id FROM {case}
    WHERE business_id = %(business)s AND created_at >= %(cutoff)s AND customer_id IS NOT NULL
    UNION
    SELECT customer_id FROM {purchase}
    WHERE business_id = %(business)s AND purchased_at >= %(cutoff)s
      AND customer_id IS NOT NULL
    UNION
    SELECT r.customer_id FROM {response} r
    JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
    JOIN {question} q ON q.id = a.question_id
    WHERE r.business_id = %(business)s AND r.created_at >= %(cutoff)s
      AND r.customer_id IS NOT NULL AND {better}
),
rolled AS MATERIALIZED (
    SELECT t.customer_id, cr.last_opened AS opened, cr.bought, cr.better
    FROM touched t
    LEFT JOIN {customer} cr
        ON cr.customer_id = t.customer_id AND cr.business_id = %(business)s
),
latest AS (
    SELECT cr.customer_id, cr.opened AS old_opened, cr.bought AS old_bought,
        cr.better AS old_better, live.opened AS live_opened,
        COALESCE(live.opened, cr.opened) AS opened
    FROM rolled cr
    LEFT JOIN (
        SELECT customer_id, MAX(created_at) AS opened FROM {case}
        WHERE business_id = %(business)s AND created_at >= %(cutoff)s
          AND customer_id IS NOT NULL
        GROUP BY customer_id
    ) live ON live.customer_id = cr.customer_id
),
flags AS MATERIALIZED (
    SELECT
        CASE WHEN old_opened >= %(start)s THEN 1 ELSE 0 END AS old_in,
        CASE WHEN old_bought THEN 1 ELSE 0 END AS old_bought,
        CASE WHEN old_better THEN 1 ELSE 0 END AS old_better,
        CASE WHEN opened >= %(start)s AND opened < %(end)s THEN 1 ELSE 0 END AS new_in,
        CASE WHEN (live_opened IS NULL AND old_bought) OR EXISTS (
                SELECT 1 FROM {purchase} p
                WHERE p.business_id = %(business)s AND p.customer_id = latest.customer_id
                  AND p.purchased_at > latest.opened AND p.purchased_at >= %(cutoff)s)
            THEN 1 ELSE 0 END AS new_bought,
        CASE WHEN (live_opened IS NULL AND old_better) OR EXISTS (
                SELECT 1 FROM {response} r
                JOIN {answer} a ON a.response_id = r.id AND a.business_id = r.business_id
                JOIN {question} q ON q.id = a.question_id
                WHERE r.business_id = %(business)s AND r.customer_id = latest.customer_id
                  AND r.created_at > latest.opened AND r.created_at >= %(cutoff)s
                  AND {better})
            THEN 1 ELSE 0 END AS new_better
    FROM latest WHERE opened IS NOT NULL
),
parts AS (
    SELECT customers, recovered, bought, better, anonymous FROM {day}
    WHERE business_id = %(business)s AND day >= %(first)s AND day <= %(last)s
    UNION ALL
    SELECT new_in - old_in,
        new_in * (CASE WHEN new_bought = 1 OR new_better = 1 THEN 1 ELSE 0 END)
            - old_in * (CASE WHEN old_bought = 1 OR old_better = 1 THEN 1 ELSE 0 END),
        new_in * new_bought - old_in * old_bought,
        new_in * new_better - old_in * old_better,
        0
    FROM flags
    UNION ALL
    SELECT 0, 0, 0, 0, COUNT(*) FROM {case}
    WHERE business_id = %(business)s AND created_at >= %(live_start)s
      AND created_at < %(end)s AND customer_id IS NULL
)
SELECT SUM(customers), SUM(recovered), SUM(bought), SUM(better), SUM(anonymous) FROM parts
"""
BETTER_NAMED = BETTER % ("%(nps)s", "%(nps_from)s", "%(csat)s", "%(csat_from)s")


def recovery_now_counts(
    business: Business, first: date, last: date, cutoff: datetime
) -> tuple[int, ...]:
    """Recovery's figures for the cases opened on days first..last, a period ending
    after now (its customers' latest cases are their latest of all): the same figures
    as `recovery_counts`, from a row per day of RecoveryDay and the rows since `cutoff`."""
    start, end = day_bounds(business, first, last)
    nps, nps_from, csat, csat_from = better_params()
    params = {
        "business": business.pk, "cutoff": db_moment(cutoff), "start": db_moment(start),
        "end": db_moment(end), "live_start": db_moment(max(start, cutoff)),
        "first": first, "last": last,
        "nps": nps, "nps_from": nps_from, "csat": csat, "csat_from": csat_from,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(RECOVERY_NOW_SQL.format(better=BETTER_NAMED, **TABLES), params)
        figures = cursor.fetchone()
    return tuple(int(figure or 0) for figure in figures)  # SUM gives numeric on PG


def opened_count(business: Business, first: date, last: date, cutoff: datetime) -> int:
    """How many cases were opened on days first..last: RecoveryDay's counts of the days
    before `cutoff`, and the cases opened since, counted raw."""
    start, end = day_bounds(business, first, last)
    rolled = RecoveryDay.objects.filter(business=business, day__gte=first, day__lte=last)
    since = FollowUpCase.objects.filter(
        business=business, created_at__gte=max(start, cutoff), created_at__lt=end
    )
    total = rolled.aggregate(n=Sum("opened"))["n"] or 0
    return total + since.count()
