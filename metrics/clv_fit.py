"""Predictive CLV for a business: fit BG/NBD and Gamma-Gamma, store every customer's value.

Runs in a task (metrics.tasks.clv_fit), never in a request. Reads ONE grouped query of
per-customer summaries (frequency, recency, age and mean repeat spend in weeks, main
currency, one purchase per local day, as in Fader, Hardie & Lee 2005), fits with
metrics.clv, and replaces the business's CustomerValue rows in one transaction together
with the totals, the at-risk count and the revenue at risk kept on the ClvFit row, so the
dashboard reads one row and a top-10.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from customers.models import Purchase
from feedback.models import Answer, QuestionKind
from journeys.rollups import DETRACTOR_UP_TO, PROMOTER_FROM, day_bounds, local_today, zone_of

from . import clv
from .models import ClvFit, ClvFitStage, ClvStatus, CustomerValue
from .purchases import (
    CHURN_DAYS,
    RISK_GROUPS,
    cents,
    currency_counts,
    fetch,
    locked_state,
    main_currency,
    sql_date_param,
    sql_days,
)

# Below 20 customers who bought on two or more days, BG/NBD's four and Gamma-Gamma's three
# parameters (the latter fitted on those customers alone) swing from night to night: the
# estimate would be noise presented as a forecast.
MIN_REPEAT_CUSTOMERS = 20
AT_RISK_P_ALIVE = 0.5
GAP_FACTOR = 2  # the fallback rule: last purchase more than twice the usual gap ago
PREDICT_MONTHS = 12
ANNUAL_DISCOUNT = 0.10
WEEKS_PER_YEAR = 365.25 / 7
FITS_KEPT = 30
# A repeat customer whose repeat purchases were all free has no spend to model; valued as if
# they spent a cent (Gamma-Gamma needs a positive mean).
FREE_SPEND_STAND_IN = 0.01

# Told the step a fit starts (a ClvFitStage), so a job can show how far it has got.
Progress = Callable[[str], None]


def no_progress(stage: str) -> None:
    """The nightly fits: nobody is watching."""


SUMMARY_SQL = """
WITH cd AS ({customer_days}),
seq AS (SELECT customer_id, day, value,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY day) AS nth FROM cd)
SELECT customer_id, COUNT(*) - 1, {recency}, {age}, SUM(CASE WHEN nth > 1 THEN value ELSE 0 END)
FROM seq GROUP BY customer_id ORDER BY customer_id
"""


@dataclass(frozen=True)
class Summaries:
    """Per customer, in weeks (FHL's convention): frequency = purchase days after the
    first, recency = first to last purchase day, T = first purchase day to as_of,
    monetary = mean spend of the repeat days (0 without any)."""

    customer_ids: np.ndarray
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary: np.ndarray

    @property
    def days_since_last(self) -> np.ndarray:
        return np.rint((self.T - self.recency) * 7)


def customer_summaries(*, business: Business, as_of: date, currency: str) -> Summaries:
    """One grouped query over the business's purchases in `currency` up to the end of as_of."""
    day = TruncDate("purchased_at", tzinfo=zone_of(business))
    purchases = Purchase.objects.filter(
        business=business, currency=currency, purchased_at__lt=day_bounds(business, as_of, as_of)[1]
    )
    values = purchases.annotate(day=day).values("customer_id", "day").annotate(value=Sum("amount"))
    sql, params = values.order_by().query.sql_with_params()
    rows = fetch(
        SUMMARY_SQL.format(
            customer_days=sql,
            recency=sql_days("MIN(day)", "MAX(day)"),
            age=sql_days("MIN(day)", sql_date_param()),
        ),
        (*params, as_of.isoformat()),
    )
    table = np.array(rows, dtype=float).reshape(-1, 5)
    frequency = table[:, 1]
    repeat_spend = np.divide(table[:, 4], frequency, out=np.zeros(len(table)), where=frequency > 0)
    return Summaries(
        table[:, 0].astype(np.int64), frequency, table[:, 2] / 7, table[:, 3] / 7, repeat_spend
    )


@dataclass
class Estimate:
    status: str
    message: str = ""
    bgnbd: clv.BgNbdParams | None = None
    gamma_gamma: clv.GammaGammaParams | None = None
    p_alive: np.ndarray | None = None
    purchases: np.ndarray | None = None
    values: np.ndarray | None = None


def estimate(data: Summaries, progress: Progress = no_progress) -> Estimate:
    """BG/NBD and Gamma-Gamma on the summaries, or why not (too few, or the fit failed)."""
    x, t_x, age, spend = data.frequency, data.recency, data.T, data.monetary
    repeat = int(np.count_nonzero(x))
    if repeat < MIN_REPEAT_CUSTOMERS:
        return Estimate(
            ClvStatus.TOO_FEW,
            _(
                "Only %(n)d customers have bought on two or more days; predicting needs at least "
                "%(min)d. Until then, use the historical value."
            )
            % {"n": repeat, "min": MIN_REPEAT_CUSTOMERS},
        )
    try:
        progress(ClvFitStage.BGNBD)
        bgnbd = clv.bgnbd_fit(x, t_x, age)
        progress(ClvFitStage.GAMMA_GAMMA)
        gamma_gamma = clv.gamma_gamma_fit(np.where(spend > 0, x, 0), spend)
        spend = np.where((x > 0) & (spend <= 0), FREE_SPEND_STAND_IN, spend)
        values = clv.discounted_value(
            bgnbd,
            gamma_gamma,
            x,
            t_x,
            age,
            spend,
            months=PREDICT_MONTHS,
            annual_discount=ANNUAL_DISCOUNT,
        )
        result = Estimate(
            ClvStatus.OK,
            "",
            bgnbd,
            gamma_gamma,
            clv.bgnbd_p_alive(bgnbd, x, t_x, age),
            clv.bgnbd_expected_purchases(bgnbd, WEEKS_PER_YEAR, x, t_x, age),
            values,
        )
    except ValueError as error:  # clv.FitError and numeric refusals: a plain message
        return Estimate(
            ClvStatus.FAILED, _("The prediction could not be made: %(why)s.") % {"why": str(error)}
        )
    if not all(np.all(np.isfinite(a)) for a in (result.p_alive, result.purchases, values)):
        return Estimate(ClvStatus.FAILED, _("The prediction gave numbers that are not finite."))
    return result


def _at_risk(data: Summaries, result: Estimate) -> tuple[np.ndarray, str]:
    since = data.days_since_last
    active = since < CHURN_DAYS
    if result.status == ClvStatus.OK:
        return active & (result.p_alive < AT_RISK_P_ALIVE), "p_alive"
    gap = np.divide(
        data.recency * 7, data.frequency, out=np.full(len(since), np.inf), where=data.frequency > 0
    )
    return active & (since > GAP_FACTOR * gap), "gap"


def clv_fit_run(*, business: Business, progress: Progress = no_progress) -> ClvFit:
    """Estimate every customer's next 12 months and store it, replacing the previous set
    in one transaction (idempotent: a second run as of the same day stores the same).
    `progress` hears each step as it starts (outside the storing transaction)."""
    started = time.monotonic()
    progress(ClvFitStage.READING)
    as_of = local_today(business)
    currency = main_currency(currency_counts(business=business))
    data = customer_summaries(business=business, as_of=as_of, currency=currency)
    if currency:
        result = estimate(data, progress)
    else:
        result = Estimate(ClvStatus.TOO_FEW, _("No purchases yet."))
    risky, rule = _at_risk(data, result)
    ok = result.status == ClvStatus.OK
    values = [cents(round(float(v), 2)) for v in result.values] if ok else []
    progress(ClvFitStage.STORING)
    with transaction.atomic():
        locked_state(business)
        fit = ClvFit.objects.create(
            business=business,
            as_of=as_of,
            status=result.status,
            message=result.message[:500],
            currency=currency,
            customers_n=len(data.frequency),
            repeat_customers_n=int(np.count_nonzero(data.frequency)),
            bgnbd=result.bgnbd.as_dict() if ok else None,
            gamma_gamma=result.gamma_gamma.as_dict() if ok else None,
            expected_purchases_12m=float(result.purchases.sum()) if ok else None,
            expected_value_12m=sum(values, Decimal(0)) if ok else None,
            at_risk_rule=rule,
            at_risk_customers=int(risky.sum()),
            fitted_at=timezone.now(),
        )
        CustomerValue.objects.filter(business=business).delete()
        if ok:
            _store_values(fit, data, result, values, risky)
            fit.revenue_at_risk = revenue_at_risk_compute(fit=fit)
        fit.seconds = time.monotonic() - started
        fit.save(update_fields=["revenue_at_risk", "seconds"])
        stale = ClvFit.objects.filter(business=business).order_by("-fitted_at", "-pk")
        ClvFit.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[FITS_KEPT:])).delete()
    return fit


def _store_values(fit: ClvFit, data: Summaries, result: Estimate, values: list, risky) -> None:
    rows = zip(data.customer_ids, result.p_alive, result.purchases, values, risky, strict=True)
    CustomerValue.objects.bulk_create(
        (
            CustomerValue(
                business_id=fit.business_id,
                fit=fit,
                customer_id=int(customer),
                p_alive=float(alive),
                expected_purchases_12m=float(purchases),
                expected_value_12m=value,
                currency=fit.currency,
                at_risk=bool(risk),
            )
            for customer, alive, purchases, value, risk in rows
        ),
        batch_size=2000,
    )


def revenue_at_risk_compute(*, fit: ClvFit) -> dict:
    """The fit's predicted value by latest NPS answer and of the at-risk customers: one
    grouped query joining CustomerValue with each customer's latest NPS answer."""
    latest_nps = (
        Answer.objects.filter(
            business_id=fit.business_id,
            question__kind=QuestionKind.NPS,
            number__isnull=False,
            response__customer=OuterRef("customer_id"),
        )
        .order_by("-created_at", "-pk")
        .values("number")[:1]
    )
    rows = (
        CustomerValue.objects.filter(fit=fit)
        .annotate(nps=Subquery(latest_nps))
        .values("nps", "at_risk")
        .annotate(customers=Count("pk"), value=Sum("expected_value_12m"))
        .order_by()
    )
    totals = {name: [0, Decimal(0)] for name in RISK_GROUPS}
    for row in rows:
        names = [_nps_group(row["nps"])] + (["at_risk"] if row["at_risk"] else [])
        for name in names:
            totals[name][0] += row["customers"]
            totals[name][1] += cents(row["value"])
    return {name: {"customers": n, "value": str(value)} for name, (n, value) in totals.items()}


def _nps_group(score: int | None) -> str:
    if score is None:
        return "no_score"
    if score <= DETRACTOR_UP_TO:
        return "detractors"
    return "promoters" if score >= PROMOTER_FROM else "passives"


def businesses_with_purchases() -> QuerySet[Business]:
    """Businesses with at least one purchase (for the nightly fits)."""
    has_purchases = Exists(Purchase.objects.filter(business=OuterRef("pk")))
    return Business.objects.filter(has_purchases).order_by("pk")
