"""Purchase KPIs: retention, cohorts, historical and predicted CLV, revenue at risk.

Selectors read only the roll-ups and estimates in metrics.models, never raw purchases, so
their cost depends on days, months and locations, not on the number of purchases. The
roll-up is built here with a handful of grouped queries (window functions, see
`purchase_rollup_build`); the predictive CLV is fitted and stored by metrics.clv_fit.

Definitions (each dataclass repeats its own):

- A customer "is a customer" at a date when they bought within CHURN_DAYS (180) before
  it: the purchase day and the 179 days after. Purchases on one local day are one visit.
- Customer retention rate of a period (the common CRR formula; see Kumar & Reinartz,
  Customer Relationship Management): (E - N) / S, with S customers at the start, E at
  the end and N new customers (first purchase ever) during the period.
- Money counts only the business's main currency (the one most purchases used); the
  figures say how many purchases in other currencies were left out, never add them.

Granularity: customers at a date, new, lapsed, S, E, N, the retention rate and the repeat
purchase rate are exact to the day for any period; the cohort table and the trend are by
calendar month; predicted CLV, at-risk customers and revenue at risk are as of the latest
nightly fit. Location filters apply to the roll-up figures and the cohorts; the
predictions are for the whole business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Business, Location
from customers.models import Purchase
from journeys.rollups import zone_of

from .filters import KpiFilters, Period
from .models import (
    ClvFit,
    ClvStatus,
    CustomerValue,
    PurchaseDay,
    PurchaseMonth,
    PurchaseRollupState,
)

CHURN_DAYS = 180
COHORTS = 12  # cohorts shown, and months after the first one
TREND_MONTHS = 12
YEAR_DAYS = 365
DEFAULT_MARGIN: float | None = None  # None: historical CLV is revenue, not profit
TOP_CUSTOMERS = 10
CENT = Decimal("0.01")


# --- small helpers ------------------------------------------------------------------------


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _as_date(value: object) -> date:
    """A day from raw SQL: a date (PostgreSQL) or ISO text (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return _add_months(month, 1) - timedelta(days=1)


def cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _scoped(model, business: Business, location: Location | None) -> QuerySet:
    rows = model.objects.filter(business=business)
    return rows.filter(location=location) if location else rows.filter(location__isnull=True)


def sql_days(earlier: str, later: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def sql_plus_days(day: str, days: int) -> str:
    if connection.vendor == "postgresql":
        return f"({day} + {int(days)})"
    return f"date({day}, '+{int(days)} days')"


def sql_date_param() -> str:
    return "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"


def fetch(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- currencies ---------------------------------------------------------------------------


def currency_counts(*, business: Business) -> dict[str, int]:
    rows = Purchase.objects.filter(business=business).values("currency").annotate(n=Count("id"))
    return {row["currency"]: row["n"] for row in rows.order_by()}


def main_currency(counts: dict[str, int]) -> str:
    """The currency most purchases used (ties: alphabetical); "" without purchases."""
    return min(counts, key=lambda code: (-counts[code], code)) if counts else ""


def left_out_note(currencies: dict[str, int], main: str, count: int) -> str:
    """E.g. "3 purchases in USD are not counted in money figures." ("" when none)."""
    if not count:
        return ""
    others = ", ".join(sorted(code for code in currencies if code != main)) or "?"
    return ngettext(
        "%(n)d purchase in %(codes)s is not counted in money figures (shown in %(main)s).",
        "%(n)d purchases in %(codes)s are not counted in money figures (shown in %(main)s).",
        count,
    ) % {"n": count, "codes": others, "main": main}


# --- building the roll-up -----------------------------------------------------------------

SPELLS_SQL = """
WITH cd AS ({customer_days}),
seq AS (
    SELECT loc, customer_id, day,
        LAG(day) OVER w AS prev_day, LEAD(day) OVER w AS next_day, ROW_NUMBER() OVER w AS nth
    FROM cd
    WINDOW w AS (PARTITION BY loc, customer_id ORDER BY day)
),
events AS (
    SELECT loc, day, 1 AS visits,
        CASE WHEN nth = 1 THEN 1 ELSE 0 END AS new_customers,
        CASE WHEN nth = 2 THEN 1 ELSE 0 END AS repeat_customers,
        CASE WHEN prev_day IS NULL OR {gap_before} > {window} THEN 1 ELSE 0 END AS started,
        0 AS lapsed
    FROM seq
    UNION ALL
    SELECT loc, {lapse_day}, 0, 0, 0, 0, 1
    FROM seq
    WHERE next_day IS NULL OR {gap_after} > {window}
)
SELECT loc, day, SUM(visits), SUM(new_customers), SUM(repeat_customers), SUM(started),
    SUM(lapsed), SUM(SUM(started) - SUM(lapsed)) OVER by_scope,
    SUM(SUM(new_customers)) OVER by_scope, SUM(SUM(repeat_customers)) OVER by_scope
FROM events
GROUP BY loc, day
WINDOW by_scope AS (PARTITION BY loc ORDER BY day)
"""
SPELL_FIELDS = ("visits", "new_customers", "repeat_customers", "started", "lapsed", "active",
                "customers_to_date", "repeat_customers_to_date")  # fmt: skip

COHORTS_SQL = """
WITH cm AS ({customer_months}),
c AS (SELECT loc, customer_id, month, MIN(month) OVER (PARTITION BY loc, customer_id) AS cohort
      FROM cm)
SELECT loc, cohort, month, COUNT(*) FROM c GROUP BY loc, cohort, month
"""


def purchase_rollup_build(*, business: Business) -> int:
    """Rebuild the business's purchase roll-up (days and cohorts) from all its purchases;
    return the rows written. One transaction behind the business's lock: readers see the
    old roll-up or the new one, never half of each."""
    with transaction.atomic():
        state = locked_state(business)
        counts = currency_counts(business=business)
        main = main_currency(counts)
        days = _day_rows(business, main) if counts else []
        months = _month_rows(business) if counts else []
        PurchaseDay.objects.filter(business=business).delete()
        PurchaseMonth.objects.filter(business=business).delete()
        PurchaseDay.objects.bulk_create(days, batch_size=2000)
        PurchaseMonth.objects.bulk_create(months, batch_size=2000)
        state.main_currency, state.currencies = main, counts
        state.purchases, state.built_at = sum(counts.values()), timezone.now()
        state.save()
    return len(days) + len(months)


def locked_state(business: Business) -> PurchaseRollupState:
    state, _created = PurchaseRollupState.objects.select_for_update().get_or_create(
        business=business
    )
    return state


def _grouped_purchases(business: Business, *, by_location: bool, **dimensions) -> QuerySet:
    """Purchases grouped by (loc, customer, *dimensions); loc is null for the whole business."""
    purchases = Purchase.objects.filter(business=business)
    if by_location:
        purchases = purchases.filter(location__isnull=False)
    loc = F("location_id") if by_location else Value(None, output_field=IntegerField())
    grouped = purchases.annotate(loc=loc, **dimensions).values("loc", "customer_id", *dimensions)
    return grouped.annotate(n=Count("id")).order_by()


def _day_rows(business: Business, main: str) -> list[PurchaseDay]:
    cells: dict[tuple[int | None, date], dict] = {}
    day = TruncDate("purchased_at", tzinfo=zone_of(business))
    for by_location in (False, True):
        sql, params = _grouped_purchases(
            business, by_location=by_location, day=day
        ).query.sql_with_params()
        spells = SPELLS_SQL.format(
            customer_days=sql,
            window=CHURN_DAYS,
            lapse_day=sql_plus_days("day", CHURN_DAYS),
            gap_before=sql_days("prev_day", "day"),
            gap_after=sql_days("day", "next_day"),
        )
        for loc, when, *counts in fetch(spells, params):
            cells[(loc, _as_date(when))] = dict(zip(SPELL_FIELDS, map(int, counts), strict=True))
    for row in _money_by_day(business, main, day):
        scopes = (None,) if row["location_id"] is None else (None, row["location_id"])
        for loc in scopes:
            cell = cells.setdefault((loc, row["day"]), {})
            for name in ("purchases", "revenue", "other_currency_purchases"):
                cell[name] = cell.get(name, 0) + (row[name] or 0)
    return [
        PurchaseDay(business=business, location_id=loc, day=when, **cell)
        for (loc, when), cell in cells.items()
    ]


def _money_by_day(business: Business, main: str, day: TruncDate) -> QuerySet:
    in_main = Q(currency=main)
    rows = Purchase.objects.filter(business=business).annotate(day=day)
    return (
        rows.values("location_id", "day")
        .annotate(
            purchases=Count("id"),
            revenue=Sum("amount", filter=in_main),
            other_currency_purchases=Count("id", filter=~in_main),
        )
        .order_by()
    )


def _month_rows(business: Business) -> list[PurchaseMonth]:
    month = TruncMonth("purchased_at", tzinfo=zone_of(business))
    rows = []
    for by_location in (False, True):
        grouped = _grouped_purchases(business, by_location=by_location, month=month)
        sql, params = grouped.query.sql_with_params()
        for loc, cohort, when, customers in fetch(COHORTS_SQL.format(customer_months=sql), params):
            rows.append(
                PurchaseMonth(
                    business=business,
                    location_id=loc,
                    cohort=_as_date(cohort),
                    month=_as_date(when),
                    customers=customers,
                )
            )
    return rows


# --- reading the roll-up ------------------------------------------------------------------

TOTALS = ("active", "customers_to_date", "repeat_customers_to_date")


def rollup_state(*, business: Business) -> PurchaseRollupState | None:
    return PurchaseRollupState.objects.filter(business=business).first()


class Stored:
    """What several purchase figures read (the roll-up's state, the latest CLV fit, and
    why there is nothing yet), each read at most once however many figures a page shows."""

    def __init__(self, business: Business) -> None:
        self.business = business

    @cached_property
    def state(self) -> PurchaseRollupState | None:
        return rollup_state(business=self.business)

    @cached_property
    def fit(self) -> ClvFit | None:
        return latest_fit(business=self.business)

    @cached_property
    def empty_reason(self) -> str:
        return empty_reason(self.state, self.business)


def _totals_at(days: QuerySet, day: date) -> dict[str, int]:
    """The running totals at the end of `day` (from the latest row on or before it)."""
    row = days.filter(day__lte=day).order_by("-day").values(*TOTALS).first()
    return row or dict.fromkeys(TOTALS, 0)


def _sums(days: QuerySet, period: Period, *names: str) -> dict[str, int | Decimal]:
    rows = days.filter(day__gte=period.first, day__lte=period.last)
    sums = rows.aggregate(**{name: Sum(name) for name in names})
    return {name: value or 0 for name, value in sums.items()}


def empty_reason(state: PurchaseRollupState | None, business: Business) -> str:
    """Why there are no purchase figures at all ("" when there are)."""
    if state is not None and state.purchases:
        return ""
    if Purchase.objects.filter(business=business).exists():  # not rolled up yet
        return _("Customer figures are being prepared; they appear within a few minutes.")
    return _(
        "No purchases yet. Record purchases on a customer's page, import your till's export "
        "or send them through the API, and retention and customer value appear here."
    )


# --- retention ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """Customers of a period: S at the start (end of the day before), E at the end, N new,
    and how many spells lapsed (window ran out) on the period's days."""

    start: int
    end: int
    new: int
    lapsed: int

    @property
    def rate(self) -> float | None:
        """(E - N) / S; None when nobody was a customer at the start."""
        return _ratio(self.end - self.new, self.start)


@dataclass(frozen=True)
class RetentionPoint:
    """One calendar month of the trend (the last one ends with the period)."""

    month: date
    start_customers: int
    end_customers: int
    new_customers: int
    lapsed: int
    rate: float | None


@dataclass(frozen=True)
class AtRisk:
    """Active customers likely to be slipping away, as of the latest nightly estimate
    (for the whole business, whatever the location filter).

    rule "p_alive": P(alive) from the BG/NBD fit below 0.5; rule "gap": no usable fit, so
    those whose last purchase is more than twice their own average gap ago (customers with
    a single purchase day are not judged). `customers` None (with `reason`) before any run.
    """

    customers: int | None
    rule: str
    as_of: date | None
    reason: str = ""


@dataclass(frozen=True)
class Retention:
    """Retention over `period` (exact to the day), for the business or one location.

    - start_customers S, end_customers E: bought in the CHURN_DAYS before the period's
      first day / up to its last day; new_customers N: first purchase ever in the period.
    - rate = (E - N) / S, the common customer retention rate (CRR; see Kumar & Reinartz,
      Customer Relationship Management). Returning customers who had lapsed count as kept;
      over periods longer than the churn window, new customers who lapsed again before the
      end make it understate (see `caveat`).
    - churned: customers active at the start whose churn window ran out during the period.
      Counted for periods of at most CHURN_DAYS days (then every lapse in the period is one
      of S); a customer who lapsed and came back before the end is counted here and in E.
    - repeat_rate: customers with purchases on two or more days / all customers, as of the
      period's end.
    - trend: the retention rate of each of the last 12 calendar months.
    """

    period: Period
    location: str
    churn_days: int
    reason: str
    start_customers: int = 0
    end_customers: int = 0
    new_customers: int = 0
    rate: float | None = None
    rate_reason: str = ""
    caveat: str = ""
    previous_rate: float | None = None
    churned: int | None = None
    churned_reason: str = ""
    customers_to_date: int = 0
    repeat_customers: int = 0
    repeat_rate: float | None = None
    at_risk: AtRisk | None = None
    trend: tuple[RetentionPoint, ...] = ()

    @property
    def has_purchases(self) -> bool:
        return not self.reason

    @property
    def rate_percent(self) -> float | None:
        return None if self.rate is None else 100 * self.rate

    @property
    def previous_percent(self) -> float | None:
        return None if self.previous_rate is None else 100 * self.previous_rate

    @property
    def repeat_percent(self) -> float | None:
        return None if self.repeat_rate is None else 100 * self.repeat_rate


def _movement(days: QuerySet, period: Period) -> tuple[Movement, dict[str, int]]:
    start = _totals_at(days, period.first - timedelta(days=1))["active"]
    end = _totals_at(days, period.last)
    sums = _sums(days, period, "new_customers", "lapsed")
    moved = Movement(start, end["active"], sums["new_customers"], sums["lapsed"])
    return moved, end


def retention(
    *, business: Business, filters: KpiFilters, stored: Stored | None = None
) -> Retention:
    period, location = filters.period, filters.location
    label = location.name if location else ""
    stored = stored or Stored(business)
    reason = stored.empty_reason
    if reason:
        return Retention(period=period, location=label, churn_days=CHURN_DAYS, reason=reason)
    days = _scoped(PurchaseDay, business, location)
    now, end = _movement(days, period)
    previous, _end = _movement(days, period.previous())
    short = period.days <= CHURN_DAYS
    return Retention(
        period=period,
        location=label,
        churn_days=CHURN_DAYS,
        reason="",
        start_customers=now.start,
        end_customers=now.end,
        new_customers=now.new,
        rate=now.rate,
        rate_reason=_rate_reason(now, period),
        caveat=_caveat(period),
        previous_rate=previous.rate,
        churned=now.lapsed if short else None,
        churned_reason="" if short else _churned_reason(),
        customers_to_date=end["customers_to_date"],
        repeat_customers=end["repeat_customers_to_date"],
        repeat_rate=_ratio(end["repeat_customers_to_date"], end["customers_to_date"]),
        at_risk=at_risk(business=business, stored=stored),
        trend=_trend(days, period.last),
    )


def _rate_reason(moved: Movement, period: Period) -> str:
    if moved.start:
        return ""
    return _(
        "Nobody was a customer when the period began (no purchase in the %(days)d days "
        "before %(first)s), so there is no one whose retention to measure."
    ) % {"days": CHURN_DAYS, "first": period.first.isoformat()}


def _churned_reason() -> str:
    return _(
        "Churn is counted over periods of at most %(days)d days (the churn window); choose a "
        "shorter period or read the monthly trend."
    ) % {"days": CHURN_DAYS}


def _caveat(period: Period) -> str:
    if period.days <= CHURN_DAYS:
        return ""
    return _(
        "Over periods longer than %(days)d days, new customers who stopped buying before the "
        "end lower this rate; compare periods of equal length."
    ) % {"days": CHURN_DAYS}


def _trend(days: QuerySet, last: date) -> tuple[RetentionPoint, ...]:
    months = [_add_months(_month_of(last), -back) for back in range(TREND_MONTHS - 1, -1, -1)]
    active = _totals_at(days, months[0] - timedelta(days=1))["active"]
    rows = days.filter(day__gte=months[0], day__lte=last).order_by("day")
    rows = list(rows.values_list("day", "new_customers", "lapsed", "active"))
    points, index = [], 0
    for month in months:
        until, start, new, lapsed = min(_month_end(month), last), active, 0, 0
        while index < len(rows) and rows[index][0] <= until:
            _day, born, gone, active = rows[index]
            new, lapsed, index = new + born, lapsed + gone, index + 1
        moved = Movement(start, active, new, lapsed)
        points.append(RetentionPoint(month, start, active, new, lapsed, moved.rate))
    return tuple(points)


def latest_fit(*, business: Business) -> ClvFit | None:
    return ClvFit.objects.filter(business=business).order_by("-fitted_at", "-pk").first()


def at_risk(*, business: Business, stored: Stored | None = None) -> AtRisk:
    fit = (stored or Stored(business)).fit
    if fit is None:
        return AtRisk(None, "", None, _("Worked out every night; not run yet."))
    return AtRisk(fit.at_risk_customers, fit.at_risk_rule, fit.as_of)


# --- cohorts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortCell:
    """Share of the cohort who bought in the month `months_after` their first (month 0 is
    the first month itself, always 100%)."""

    months_after: int
    customers: int
    share: float

    @property
    def percent(self) -> int:
        return round(100 * self.share)

    @property
    def shade(self) -> int:
        """Heat for the table, 0-60% of the accent colour (text stays readable)."""
        return round(60 * self.share)


@dataclass(frozen=True)
class CohortRow:
    cohort: date
    size: int
    cells: tuple[CohortCell | None, ...]  # None: that month has not begun yet


@dataclass(frozen=True)
class CohortTable:
    """The last 12 cohorts (customers by the month of their first purchase in the scope)
    up to the period's last month, and who bought again 1, 2, ... months later ("on period
    N": a customer counts in every month they bought). Month-granular: whole calendar
    months, the period's first day is not used; `running` when its last month is not over.
    """

    through: date
    location: str
    months: int
    rows: tuple[CohortRow, ...]
    running: bool
    reason: str = ""


def cohorts(
    *, business: Business, filters: KpiFilters, stored: Stored | None = None
) -> CohortTable:
    last, location = filters.period.last, filters.location
    through = _month_of(last)
    table = {
        "through": through,
        "location": location.name if location else "",
        "months": COHORTS,
        "running": last < _month_end(through),
    }
    reason = (stored or Stored(business)).empty_reason
    months = _scoped(PurchaseMonth, business, location).filter(month__lte=through)
    sizes = months.filter(month=F("cohort")).order_by("-cohort").values_list("cohort", "customers")
    sizes = dict(sizes[:COHORTS]) if not reason else {}
    if not sizes:
        reason = reason or _("No customer made a first purchase by %(day)s.") % {
            "day": last.isoformat()
        }
        return CohortTable(rows=(), reason=reason, **table)
    counts = months.filter(cohort__in=list(sizes)).values_list("cohort", "month", "customers")
    bought = {(cohort, month): n for cohort, month, n in counts}
    rows = tuple(_cohort_row(c, sizes[c], bought, through) for c in sorted(sizes))
    return CohortTable(rows=rows, **table)


def _cohort_row(cohort: date, size: int, bought: dict, through: date) -> CohortRow:
    cells = []
    for after in range(COHORTS):
        month = _add_months(cohort, after)
        customers = bought.get((cohort, month), 0)
        cells.append(CohortCell(after, customers, customers / size) if month <= through else None)
    return CohortRow(cohort=cohort, size=size, cells=tuple(cells))


# --- historical CLV -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoricalClv:
    """Historical customer lifetime value over the year (365 days) up to the period's end.

    value = average order value x purchases per year x lifespan in years [x margin]
    - average order value: revenue / purchases, main currency only;
    - purchases per year: purchases / customer-years of being a customer (each day a
      customer counts, the churn window after their last purchase included);
    - lifespan: customer-years / customers who lapsed in the year (the exponential
      lifetime estimate, i.e. 1 / churn rate).
    So value = average order value x purchases / lapsed customers. `margin` (0-1) turns
    revenue into gross profit; None keeps revenue.
    """

    first: date
    last: date
    location: str
    currency: str
    margin: float | None
    purchases: int = 0
    revenue: Decimal = Decimal(0)
    average_order_value: Decimal | None = None
    purchases_per_year: float | None = None
    lifespan_years: float | None = None
    value: Decimal | None = None
    reason: str = ""
    left_out: str = ""


def historical_clv(
    *, business: Business, filters: KpiFilters, margin: float | None = DEFAULT_MARGIN,
    stored: Stored | None = None,
) -> HistoricalClv:  # fmt: skip
    last, location = filters.period.last, filters.location
    year = Period(first=last - timedelta(days=YEAR_DAYS - 1), last=last)
    stored = stored or Stored(business)
    state = stored.state
    main = state.main_currency if state else ""
    base = {
        "first": year.first,
        "last": last,
        "location": location.name if location else "",
        "currency": main,
        "margin": margin,
    }
    reason = stored.empty_reason
    if reason:
        return HistoricalClv(reason=reason, **base)
    days = _scoped(PurchaseDay, business, location)
    sums = _year_sums(days, year)
    in_main = sums["purchases"] - sums["other_currency_purchases"]
    aov = (sums["revenue"] / in_main).quantize(CENT) if in_main else None
    per_year = _ratio(sums["purchases"] * YEAR_DAYS, sums["exposure"])
    lifespan = _ratio(sums["exposure"], sums["lapsed"] * YEAR_DAYS)
    value = None
    if aov is not None and sums["lapsed"]:
        value = sums["revenue"] / in_main * sums["purchases"] / sums["lapsed"]
        value = (value * Decimal(str(1 if margin is None else margin))).quantize(CENT)
    return HistoricalClv(
        purchases=sums["purchases"],
        revenue=cents(sums["revenue"]),
        average_order_value=aov,
        purchases_per_year=per_year,
        lifespan_years=lifespan,
        value=value,
        reason=_clv_reason(sums, in_main, year),
        **base,
        left_out=left_out_note(state.currencies, main, sums["other_currency_purchases"]),
    )


def _year_sums(days: QuerySet, year: Period) -> dict:
    """Sums over the year, and `exposure`: customer-days of being a customer in it."""
    active = _totals_at(days, year.first - timedelta(days=1))["active"]
    rows = days.filter(day__gte=year.first, day__lte=year.last).order_by("day")
    sums = {"purchases": 0, "revenue": Decimal(0), "other_currency_purchases": 0, "lapsed": 0}
    exposure, since = 0, year.first
    for row in rows.values("day", "active", *sums):
        exposure += active * (row["day"] - since).days
        active, since = row["active"], row["day"]
        for name in sums:
            sums[name] += row[name]
    exposure += active * (year.last - since).days + active
    return {**sums, "exposure": exposure}


def _clv_reason(sums: dict, in_main: int, year: Period) -> str:
    if not sums["purchases"]:
        return _("No purchases in the year up to %(day)s.") % {"day": year.last.isoformat()}
    if not in_main:
        return _("No purchases in the main currency in the year up to %(day)s.") % {
            "day": year.last.isoformat()
        }
    if not sums["lapsed"]:
        return _(
            "No customer stopped buying (went %(days)d days without a purchase) in the year up "
            "to %(day)s, so how long customers stay cannot be estimated yet."
        ) % {"days": CHURN_DAYS, "day": year.last.isoformat()}
    return ""


# --- predicted CLV and revenue at risk (read) ---------------------------------------------


@dataclass(frozen=True)
class TopCustomer:
    uuid: str
    name: str
    p_alive: float
    expected_purchases_12m: float
    expected_value_12m: Decimal


@dataclass(frozen=True)
class PredictedClv:
    """The latest nightly BG/NBD + Gamma-Gamma estimate for the whole business (filters
    are not applied): each customer's expected purchases and discounted revenue over the
    next 12 months. status "ok", "too_few", "failed", or "none" before the first run;
    `message` says why when it is not ok. Parameters are in weeks (alpha) and currency."""

    status: str
    message: str
    as_of: date | None = None
    fitted_at: datetime | None = None
    currency: str = ""
    bgnbd: dict | None = None
    gamma_gamma: dict | None = None
    customers: int = 0
    repeat_customers: int = 0
    expected_purchases_12m: float | None = None
    expected_value_12m: Decimal | None = None
    average_value_12m: Decimal | None = None
    top: tuple[TopCustomer, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == ClvStatus.OK


@dataclass(frozen=True)
class Clv:
    historical: HistoricalClv
    predicted: PredictedClv


def predicted_clv(*, business: Business, stored: Stored | None = None) -> PredictedClv:
    fit = (stored or Stored(business)).fit
    if fit is None:
        return PredictedClv(
            "none", _("The prediction is worked out every night for businesses with purchases.")
        )
    ok = fit.status == ClvStatus.OK
    values = CustomerValue.objects.filter(business=business).select_related("customer")
    top = values.order_by("-expected_value_12m", "pk")[:TOP_CUSTOMERS] if ok else []
    return PredictedClv(
        status=fit.status,
        message=fit.message,
        as_of=fit.as_of,
        fitted_at=fit.fitted_at,
        currency=fit.currency,
        bgnbd=fit.bgnbd,
        gamma_gamma=fit.gamma_gamma,
        customers=fit.customers_n,
        repeat_customers=fit.repeat_customers_n,
        expected_purchases_12m=fit.expected_purchases_12m,
        expected_value_12m=fit.expected_value_12m,
        average_value_12m=_average(fit.expected_value_12m, fit.customers_n) if ok else None,
        top=tuple(
            TopCustomer(
                str(v.customer.uuid),
                str(v.customer),
                v.p_alive,
                v.expected_purchases_12m,
                v.expected_value_12m,
            )
            for v in top
        ),
    )


def _average(total: Decimal | None, n: int) -> Decimal | None:
    return (total / n).quantize(CENT) if total is not None and n else None


def clv_summary(
    *, business: Business, filters: KpiFilters, margin: float | None = DEFAULT_MARGIN,
    stored: Stored | None = None,
) -> Clv:  # fmt: skip
    stored = stored or Stored(business)
    return Clv(
        historical=historical_clv(business=business, filters=filters, margin=margin,
                                  stored=stored),
        predicted=predicted_clv(business=business, stored=stored),
    )  # fmt: skip


@dataclass(frozen=True)
class ValueGroup:
    customers: int = 0
    value: Decimal = Decimal(0)


@dataclass(frozen=True)
class RevenueAtRisk:
    """Predicted 12-month revenue (latest fit, whole business) by the customer's latest
    NPS answer: detractors (0-6), passives (7-8), promoters (9-10), no score; and of the
    at-risk customers (active, P(alive) < 0.5). None of it (with `reason`) without a fit."""

    as_of: date | None
    currency: str
    reason: str = ""
    detractors: ValueGroup = field(default_factory=ValueGroup)
    passives: ValueGroup = field(default_factory=ValueGroup)
    promoters: ValueGroup = field(default_factory=ValueGroup)
    no_score: ValueGroup = field(default_factory=ValueGroup)
    at_risk: ValueGroup = field(default_factory=ValueGroup)

    @property
    def available(self) -> bool:
        return not self.reason


RISK_GROUPS = ("detractors", "passives", "promoters", "no_score", "at_risk")


def revenue_at_risk(*, business: Business, stored: Stored | None = None) -> RevenueAtRisk:
    fit = (stored or Stored(business)).fit
    if fit is None or fit.status != ClvStatus.OK or not fit.revenue_at_risk:
        reason = (fit.message if fit else "") or _("It needs the nightly prediction first.")
        return RevenueAtRisk(as_of=fit.as_of if fit else None, currency="", reason=reason)
    groups = {
        name: ValueGroup(
            fit.revenue_at_risk[name]["customers"], Decimal(fit.revenue_at_risk[name]["value"])
        )
        for name in RISK_GROUPS
    }
    return RevenueAtRisk(as_of=fit.as_of, currency=fit.currency, **groups)


def purchase_kpis_context(
    *, business: Business, filters: KpiFilters, margin: float | None = DEFAULT_MARGIN
) -> dict:
    """The context templates/metrics/_customers.html expects."""
    stored = Stored(business)
    return {
        "retention": retention(business=business, filters=filters, stored=stored),
        "cohorts": cohorts(business=business, filters=filters, stored=stored),
        "clv": clv_summary(business=business, filters=filters, margin=margin, stored=stored),
        "revenue_at_risk": revenue_at_risk(business=business, stored=stored),
    }
