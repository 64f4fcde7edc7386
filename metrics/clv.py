"""Predictive customer lifetime value: BG/NBD for purchases, Gamma-Gamma for spend.

Pure functions on numpy arrays; no Django. The fit runs in a task (a few seconds at 100,000
customers, see `bench/clv.py`), never in a request; dashboards read what the task stored.

Models, exactly as published:

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an alternative
  to the Pareto/NBD model", Marketing Science 24(2); likelihood as in Hardie's note 004,
  P(alive) as in note 021). While active a customer buys at a Poisson rate lambda ~
  Gamma(r, alpha); after each purchase she drops out with probability p ~ Beta(a, b).
  Input per customer: x = repeat purchases (the first purchase is not counted), t_x = time
  of the last purchase and T = age, both measured from the first purchase.
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer
  base analysis", JMR 42(4); Hardie, "The Gamma-Gamma model of monetary value", 2013).
  Spends z ~ Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, fitted on the mean
  repeat spend of customers with x > 0, independent of the purchase process.

Why our own code and not a library: both likelihoods are closed forms of about a hundred
lines on scipy (minimize, gammaln, betaln, hyp2f1). `lifetimes` is archived, depends on
autograd and helpers that no longer work with current pandas; pymc-marketing (its
maintained successor) pulls PyMC and PyTensor, a C toolchain and hundreds of MB with a slow
cold start, for a maximum-likelihood fit that needs none of it. The test suite checks the
fits against the published CDNOW results (tests/metrics/test_clv.py).

Numerical care:
- Everything is in log space (gammaln, betaln, logaddexp, expit), so a large x or T gives
  a small probability, never an overflow.
- The conditional expectation uses Euler's transformation
  2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1-r-x) 2F1(a+b-1-r, a-1; a+b+x-1; z),
  z = t/(alpha+T+t), so the factor ((alpha+T)/(alpha+T+t))^(r+x) = (1-z)^(r+x) cancels and
  what is left, (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), stays near 1 whatever x is
  (`lifetimes` applies the same identity only when the direct form overflows). Where this
  one overflows (a large) the direct form is used. For extreme parameters with z near 1,
  scipy's 2F1 returns NaN in both shapes; any result that is not finite and within its
  bounds is recomputed from the integral the closed form solves, by adaptive quadrature
  over the Beta's quantiles (a few ms a customer; none on CDNOW or the benchmark).
- a = 1 and a + b + x = 1 are removable singularities of the closed form: evaluated on
  both sides, 1e-6 off, and averaged.
- Time is rescaled so the oldest customer is 10 units old before fitting (alpha is scaled
  back), and spend by its mean, so the optimiser sees parameters of order one whatever the
  unit. Log-likelihoods are reported in the caller's units.
- The fits run L-BFGS-B with analytic gradients on log-parameters inside wide bounds; a
  parameter that ends on a bound means the data cannot pin it down (everyone alike), which
  is reported as FitError, as is an optimiser that did not converge.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy.integrate import quad
from scipy.optimize import minimize
from scipy.special import betaincinv, betaln, digamma, expit, gammaln, hyp2f1

# Below these counts the parameters are noise; callers fall back to historical CLV.
MIN_CUSTOMERS = 10
MIN_REPEAT_BUYERS = 10
# The oldest customer's age after rescaling, and the log-parameter box the optimiser keeps to:
# e^±10 is far past any parameter a real customer base gives at that scale.
TIME_SCALE_TO = 10.0
LOG_BOUND = 10.0
# The closed form has removable singularities at a = 1 and a + b + x = 1: evaluate on both
# sides, this far off, and average (error of order STEP**2).
STEP = 1e-6
DAYS_PER_MONTH = 365.25 / 12

Array = np.ndarray


class FitError(ValueError):
    """The data cannot support a fit; the message says why in plain words."""


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    log_likelihood: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


# --- input checks -------------------------------------------------------------------------


def _array(name: str, values: Any) -> Array:
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(array < 0):
        raise ValueError(f"{name} contains negative values")
    return array


def _history(frequency: Any, recency: Any, T: Any) -> tuple[Array, Array, Array]:
    x, t_x, age = _array("frequency", frequency), _array("recency", recency), _array("T", T)
    if not x.shape == t_x.shape == age.shape:
        raise ValueError(
            f"frequency, recency and T differ in length: {x.size}, {t_x.size}, {age.size}"
        )
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers of repeat purchases")
    if np.any(t_x > age):
        raise ValueError(
            "recency is later than T for some customers (the last purchase after the as-of date)"
        )
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError("recency must be 0 for customers without repeat purchases")
    return x, t_x, age


def _spend(frequency: Any, monetary: Any) -> tuple[Array, Array]:
    x = _array("frequency", frequency)
    m = np.atleast_1d(np.asarray(monetary, dtype=float))
    if m.shape != x.shape:
        raise ValueError(f"frequency and monetary differ in length: {x.size}, {m.size}")
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers of repeat purchases")
    repeat = x > 0
    if not np.all(np.isfinite(m[repeat]) & (m[repeat] > 0)):
        raise ValueError(
            "monetary must be a positive amount for every customer with repeat purchases"
        )
    return x, m


def _positive(**params: float) -> None:
    for name, value in params.items():
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"parameter {name} must be positive and finite, got {value}")


# --- BG/NBD -------------------------------------------------------------------------------


def _bgnbd_loglik(
    theta: Array, x: Array, t_x: Array, age: Array, *, gradient: bool = False
) -> tuple[Array, Array | None]:
    """Per-customer log-likelihood (Hardie note 004, eq. 7) and its gradient in theta."""
    r, alpha, a, b = theta
    x1 = np.maximum(x, 1)  # the second term only exists for x > 0
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    log_age, log_last = np.log(alpha + age), np.log(alpha + t_x)
    term1 = betaln(a, b + x) - (r + x) * log_age
    term2 = np.where(x > 0, betaln(a + 1, b + x1 - 1) - (r + x) * log_last, -np.inf)
    total = np.logaddexp(term1, term2)
    if not gradient:
        return common + total, None
    w1, w2 = np.exp(term1 - total), np.exp(term2 - total)
    psi_abx = digamma(a + b + x)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_age - w2 * log_last
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + age) + w2 / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a) + w1 * (digamma(a) - psi_abx)
    d_a += w2 * (digamma(a + 1) - psi_abx)
    d_b = digamma(a + b) - digamma(b) + w1 * (digamma(b + x) - psi_abx)
    d_b += w2 * (digamma(b + x1 - 1) - psi_abx)
    return common + total, np.stack([d_r, d_alpha, d_a, d_b])


def bgnbd_fit(frequency: Any, recency: Any, T: Any) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters; frequency = repeat purchases, same time unit."""
    x, t_x, age = _history(frequency, recency, T)
    if x.size < MIN_CUSTOMERS:
        raise FitError(f"too few customers to fit purchases: {x.size}, need {MIN_CUSTOMERS}")
    if np.count_nonzero(x) < MIN_REPEAT_BUYERS:
        raise FitError(
            f"too few repeat buyers to fit purchases: {np.count_nonzero(x)}, "
            f"need {MIN_REPEAT_BUYERS}"
        )
    if age.max() <= 0:
        raise FitError("every customer was acquired on the as-of date: no history to fit")
    if np.unique(np.stack([x, t_x, age]), axis=1).shape[1] == 1:
        raise FitError("all customers have the same purchase history: nothing to fit")
    scale = TIME_SCALE_TO / age.max()
    start = np.log([1.0, 1.0, 1.0, 1.0])
    log_theta = _maximise(
        lambda theta: _bgnbd_loglik(theta, x, t_x * scale, age * scale, gradient=True),
        start,
        ("r", "alpha", "a", "b"),
        "purchases",
    )
    r, alpha, a, b = np.exp(log_theta)
    alpha /= scale
    log_likelihood = _bgnbd_loglik(np.array([r, alpha, a, b]), x, t_x, age)[0].sum()
    return BgNbdParams(float(r), float(alpha), float(a), float(b), float(log_likelihood))


def bgnbd_p_alive(params: BgNbdParams, frequency: Any, recency: Any, T: Any) -> Array:
    """P(still active at T | x, t_x, T) (Hardie note 021); 1 for customers with x = 0."""
    x, t_x, age = _history(frequency, recency, T)
    return _p_alive(params, x, t_x, age)


def _p_alive(params: BgNbdParams, x: Array, t_x: Array, age: Array) -> Array:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    _positive(r=r, alpha=alpha, a=a, b=b)
    log_odds_dead = np.log(a) - np.log(b + np.maximum(x, 1) - 1)
    log_odds_dead += (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def bgnbd_expected_purchases(
    params: BgNbdParams, t: float, frequency: Any, recency: Any, T: Any
) -> Array:
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10)."""
    t = float(t)
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"t must be a non-negative time, got {t}")
    x, t_x, age = _history(frequency, recency, T)
    return _p_alive(params, x, t_x, age) * _purchases_if_alive(params, t, x, age)


def _purchases_if_alive(params: BgNbdParams, t: float, x: Array, age: Array) -> Array:
    """E[purchases in (T, T + t] | active at T], stepping around the removable singularities."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    near_a1 = abs(a - 1) < STEP
    near_c0 = np.abs(a + b + x - 1) < STEP
    if not near_a1 and not near_c0.any():
        return _purchases_if_alive_raw(r, alpha, a, b, t, x, age)
    # Moving b twice as far as a keeps a + b - 1 off zero when both singularities meet.
    da = STEP if near_a1 else 0.0
    db = 2 * STEP if near_c0.any() else 0.0
    low = _purchases_if_alive_raw(r, alpha, a - da, b - db, t, x, age)
    high = _purchases_if_alive_raw(r, alpha, a + da, b + db, t, x, age)
    return (low + high) / 2


def _purchases_if_alive_raw(
    r: float, alpha: float, a: float, b: float, t: float, x: Array, age: Array
) -> Array:
    # (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)], with
    # the Euler-transformed 2F1 of the module docstring. With a large the transformed 2F1
    # overflows where the direct one does not: those customers take the direct form.
    z = t / (alpha + age + t)
    c = a + b + x - 1
    log_1z = np.log1p(-z)
    bracket = _one_minus((a - 1) * log_1z, hyp2f1(a + b - 1 - r, a - 1, c, z))
    redo = ~np.isfinite(bracket)
    if redo.any():
        xs, zs = x[redo], z[redo]
        bracket[redo] = _one_minus((r + xs) * log_1z[redo], hyp2f1(r + xs, b + xs, c[redo], zs))
    result = c / (a - 1) * bracket
    # (1 - e^(-lambda p t)) / p <= lambda t, so 0 <= result <= E[lambda | alive] t =
    # (r+x) t / (alpha+T). For extreme parameters with z near 1 scipy's 2F1 gives NaN (in
    # our checks against mpmath, never a wrong finite value); those few take the quadrature.
    bound = (r + x) * t / (alpha + age)
    with np.errstate(invalid="ignore"):
        wrong = ~((result >= 0) & (result <= bound * (1 + 1e-9)))
    for i in np.flatnonzero(wrong):
        result[i] = _purchases_if_alive_by_quadrature(r, alpha, a, b, t, x[i], age[i])
    return result


def _purchases_if_alive_by_quadrature(
    r: float, alpha: float, a: float, b: float, t: float, x: float, age: float
) -> float:
    """E[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p] over p ~ Beta(a, b+x), the integral the
    closed form solves, taken over the Beta's quantiles so the integrand is bounded."""
    shape, rate = r + x, t / (alpha + age)

    def integrand(u: float) -> float:
        p = betaincinv(a, b + x, u)
        return -np.expm1(-shape * np.log1p(p * rate)) / p if p > 0 else shape * rate

    return quad(integrand, 0, 1, limit=200, epsabs=0, epsrel=1e-10)[0]


def _one_minus(log_w: Array, hyp: Array) -> Array:
    """1 - w F as (1 - w) - w (F - 1), accurate when z is small; F may be negative (x = 0,
    a + b < 1), so no log of it."""
    with np.errstate(over="ignore", invalid="ignore"):
        return -np.expm1(log_w) - np.exp(log_w) * (hyp - 1)


# --- Gamma-Gamma --------------------------------------------------------------------------


def _gamma_gamma_loglik(
    theta: Array, x: Array, m: Array, *, gradient: bool = False
) -> tuple[Array, Array | None]:
    """Per-customer log density of the mean spend m over x transactions (Hardie 2013, eq. 4)."""
    p, q, v = theta
    px = p * x
    log_xm = np.log(v + x * m)
    value = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
    value += (px - 1) * np.log(m) + px * np.log(x) - (px + q) * log_xm
    if not gradient:
        return value, None
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - log_xm)
    d_q = psi - digamma(q) + np.log(v) - log_xm
    d_v = q / v - (px + q) / (v + x * m)
    return value, np.stack([d_p, d_q, d_v])


def gamma_gamma_fit(frequency: Any, monetary: Any) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters from the repeat buyers (x > 0) only."""
    x, m = _spend(frequency, monetary)
    repeat = x > 0
    x, m = x[repeat], m[repeat]
    if x.size < MIN_REPEAT_BUYERS:
        raise FitError(f"too few repeat buyers to fit spend: {x.size}, need {MIN_REPEAT_BUYERS}")
    if np.unique(m).size == 1:
        raise FitError("every repeat buyer spends the same on average: nothing to fit")
    scale = 1.0 / m.mean()
    log_theta = _maximise(
        lambda theta: _gamma_gamma_loglik(theta, x, m * scale, gradient=True),
        np.log([1.0, 2.0, 1.0]),
        ("p", "q", "v"),
        "spend",
    )
    p, q, v = np.exp(log_theta)
    v /= scale
    if q <= 1:
        raise FitError(
            f"spend is too heavy-tailed to have an average (q = {q:.3f} <= 1): a few very large "
            "spends dominate; cap outliers or use historical value"
        )
    log_likelihood = _gamma_gamma_loglik(np.array([p, q, v]), x, m)[0].sum()
    return GammaGammaParams(float(p), float(q), float(v), float(log_likelihood))


def gamma_gamma_expected_spend(params: GammaGammaParams, frequency: Any, monetary: Any) -> Array:
    """E[spend per transaction | x, mean spend] (Hardie 2013, eq. 5).

    A weighted mean of the population mean p*v/(q-1) and the customer's own mean; customers
    with x = 0 get the population mean.
    """
    p, q, v = params.p, params.q, params.v
    _positive(p=p, q=q, v=v)
    if q <= 1:
        raise ValueError(f"parameter q must exceed 1 for spend to have a mean, got {q}")
    x, m = _spend(frequency, monetary)
    own = np.where(x > 0, m, 0.0)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * (p * v / (q - 1)) + weight * own


# --- value --------------------------------------------------------------------------------


def discounted_value(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary: Any,
    *,
    months: int = 12,
    annual_discount: float = 0.10,
    days_per_unit: float = 7.0,
) -> Array:
    """Expected value of each customer's purchases over the next `months`, discounted monthly.

    Sum over months i of (E[Y(t_i)] - E[Y(t_i-1)]) * E[spend] / (1 + monthly rate)^i, with
    t_i = i months in the unit of recency and T (`days_per_unit` days, 7 for weeks) and the
    monthly rate equivalent to `annual_discount` a year.
    """
    if months < 1 or annual_discount < 0 or days_per_unit <= 0:
        raise ValueError("months must be >= 1, annual_discount >= 0 and days_per_unit > 0")
    x, t_x, age = _history(frequency, recency, T)
    spend = gamma_gamma_expected_spend(gamma_gamma, x, monetary)
    alive = _p_alive(bgnbd, x, t_x, age)
    monthly_rate = (1 + annual_discount) ** (1 / 12) - 1
    month_units = DAYS_PER_MONTH / days_per_unit
    value, before = np.zeros_like(x), np.zeros_like(x)
    for i in range(1, months + 1):
        upto = _purchases_if_alive(bgnbd, i * month_units, x, age)
        value += (upto - before) / (1 + monthly_rate) ** i
        before = upto
    return value * alive * spend


# --- transactions to RFM ------------------------------------------------------------------


def rfm_summary(
    customer_ids: Any,
    timestamps: Any,
    amounts: Any,
    *,
    as_of: date | datetime | str,
    days_per_unit: float = 7.0,
    tz: str | None = None,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary as of the end of the day `as_of`.

    The published (CDNOW) convention: purchases on the same calendar day are one purchase
    (their amounts summed); frequency counts the purchase days after the first; recency and
    T are the days from the first purchase day to the last one and to `as_of`, divided by
    `days_per_unit`; monetary is the mean of the repeat days' amounts (0 when there are
    none). Aware timestamps are read in `tz` (UTC if not given) before taking their day.
    Indexed by customer id; customers whose first purchase is after `as_of` are left out.
    """
    if days_per_unit <= 0:
        raise ValueError("days_per_unit must be positive")
    days = _days(timestamps, tz)
    frame = pd.DataFrame(
        {"customer": np.asarray(customer_ids), "day": days, "amount": np.asarray(amounts, float)}
    )
    cutoff = pd.Timestamp(as_of)
    if cutoff.tzinfo is not None:
        cutoff = cutoff.tz_convert(tz or "UTC").tz_localize(None)
    cutoff = cutoff.normalize()
    frame = frame[frame["day"] <= cutoff]
    daily = frame.groupby(["customer", "day"], sort=True)["amount"].sum().reset_index()
    per_customer = daily.groupby("customer", sort=True)
    first, last = per_customer["day"].first(), per_customer["day"].last()
    frequency = per_customer.size() - 1
    repeat_total = per_customer["amount"].sum() - per_customer["amount"].first()
    one_unit = pd.Timedelta(days=1) * days_per_unit
    return pd.DataFrame(
        {
            "frequency": frequency.astype(int),
            "recency": (last - first) / one_unit,
            "T": (cutoff - first) / one_unit,
            "monetary": (repeat_total / frequency.clip(lower=1)).where(frequency > 0, 0.0),
        }
    )


def _days(timestamps: Any, tz: str | None) -> pd.Series:
    stamps = pd.Series(pd.to_datetime(timestamps))
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    return stamps.dt.normalize()


# --- optimiser ----------------------------------------------------------------------------


def _maximise(loglik: Any, start: Array, names: tuple[str, ...], what: str) -> Array:
    """Maximise the mean log-likelihood over log-parameters; FitError if it cannot."""

    def objective(log_theta: Array) -> tuple[float, Array]:
        theta = np.exp(log_theta)
        value, grad = loglik(theta)
        n = value.size
        # d/d(log theta) = theta * d/d(theta); the mean keeps the scale independent of n.
        return -value.sum() / n, -(grad.sum(axis=1) * theta) / n

    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * len(start),
        options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-9},
    )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(f"the {what} fit broke down numerically: {result.message}")
    if not result.success and np.max(np.abs(result.jac)) > 1e-5:
        raise FitError(
            f"the {what} fit did not converge ({result.message}): too few or too uniform "
            "customers for the model"
        )
    stuck = [
        name for name, value in zip(names, result.x, strict=True) if abs(value) >= LOG_BOUND - 1e-3
    ]
    if stuck:
        raise FitError(
            f"the {what} fit cannot pin down {', '.join(stuck)}: the customers are too much "
            "alike for the model to tell them apart"
        )
    return result.x
