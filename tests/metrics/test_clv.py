"""Predictive CLV math (metrics.clv) against the published CDNOW results and by hand.

Published figures: Fader, Hardie & Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2) (BG/NBD on CDNOW: r=0.243, alpha=4.414, a=0.793, b=2.426,
LL=-9582.4); Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4) with Hardie's note "The
Gamma-Gamma model of monetary value" (Gamma-Gamma on the 946 repeat buyers: p=6.25, q=3.74,
gamma=15.44); Hardie's BG/NBD spreadsheet for E[X(t)] and the x=2, t_x=30.43, T=38.86
example (1.226), the same figures lifetimes' own test suite checks. Data: tests/metrics/data.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.clv import (
    BgNbdParams,
    FitError,
    GammaGammaParams,
    bgnbd_expected_purchases,
    bgnbd_fit,
    bgnbd_p_alive,
    discounted_value,
    gamma_gamma_expected_spend,
    gamma_gamma_fit,
    rfm_summary,
)

DATA = Path(__file__).parent / "data"
PUBLISHED_BGNBD = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4)
PUBLISHED_GG = GammaGammaParams(p=6.25, q=3.74, v=15.44, log_likelihood=float("nan"))


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_summary.csv")


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> BgNbdParams:
    return bgnbd_fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


@pytest.fixture(scope="module")
def cdnow_from_transactions() -> pd.DataFrame:
    rows = pd.read_csv(DATA / "cdnow_transactions.csv", dtype={"date": str})
    when = pd.to_datetime(rows["date"], format="%Y%m%d")
    # The calibration period of both papers: 39 weeks, 1 January to 30 September 1997.
    return rfm_summary(rows["id"], when, rows["value"], as_of="1997-09-30", days_per_unit=7)


@pytest.fixture
def no_warnings():
    # Overflow, division by zero or invalid values in numpy would warn before any NaN appears.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- the published fits -------------------------------------------------------------------


def test_bgnbd_fit_matches_the_published_cdnow_parameters(fitted):
    assert fitted.r == pytest.approx(0.243, abs=0.001)
    assert fitted.alpha == pytest.approx(4.414, abs=0.001)
    assert fitted.a == pytest.approx(0.793, abs=0.001)
    assert fitted.b == pytest.approx(2.426, abs=0.001)
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_fit_does_not_depend_on_the_time_unit(cdnow, fitted):
    in_days = bgnbd_fit(cdnow["x"], cdnow["t_x"] * 7, cdnow["T"] * 7)
    assert (in_days.r, in_days.a, in_days.b) == pytest.approx((fitted.r, fitted.a, fitted.b))
    assert in_days.alpha == pytest.approx(fitted.alpha * 7)
    # The density of t_x is per day instead of per week: log 7 less for each repeat purchase.
    shift = cdnow["x"].sum() * np.log(7)
    assert in_days.log_likelihood == pytest.approx(fitted.log_likelihood - shift)


def test_gamma_gamma_fit_matches_the_published_cdnow_parameters(cdnow):
    params = gamma_gamma_fit(cdnow["x"], cdnow["zbar"])
    # zbar in the file is rounded to cents, which moves gamma by 0.008 (15.448 against
    # 15.44); from the raw transactions, below, the published figures come out to the cent.
    assert params.p == pytest.approx(6.25, abs=0.005)
    assert params.q == pytest.approx(3.74, abs=0.005)
    assert params.v == pytest.approx(15.44, abs=0.01)


def test_gamma_gamma_fit_on_the_raw_transactions_gives_the_published_figures(
    cdnow_from_transactions,
):
    summary = cdnow_from_transactions
    params = gamma_gamma_fit(summary["frequency"], summary["monetary"])
    assert params.p == pytest.approx(6.25, abs=0.005)
    assert params.q == pytest.approx(3.74, abs=0.005)
    assert params.v == pytest.approx(15.44, abs=0.005)


def test_gamma_gamma_fit_uses_the_946_repeat_buyers_only(cdnow):
    repeat = cdnow[cdnow["x"] > 0]
    assert len(repeat) == 946
    everyone = gamma_gamma_fit(cdnow["x"], cdnow["zbar"])
    assert gamma_gamma_fit(repeat["x"], repeat["zbar"]) == everyone


# --- predictions against the published examples and by hand -------------------------------


def test_conditional_expectation_matches_the_published_example(fitted):
    # x=2 repeat purchases, the last at week 30.43, 38.86 weeks old: 1.226 in the next 39 weeks.
    assert bgnbd_expected_purchases(PUBLISHED_BGNBD, 39, 2, 30.43, 38.86)[0] == pytest.approx(
        1.226, abs=0.0005
    )
    assert bgnbd_expected_purchases(fitted, 39, 2, 30.43, 38.86)[0] == pytest.approx(
        1.226, abs=0.0005
    )


def test_new_customer_expectation_matches_hardies_spreadsheet(fitted):
    # A customer just acquired (x=0, t_x=0, T=0) is the unconditional E[X(t)].
    times = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    got = [bgnbd_expected_purchases(fitted, t, 0, 0, 0)[0] for t in times]
    assert got == pytest.approx(expected, abs=0.0005)


def test_p_alive_by_hand():
    # 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)), x=2, t_x=30.43, T=38.86:
    #   a/(b+x-1) = 0.793/3.426 = 0.231465
    #   (4.414+38.86)/(4.414+30.43) = 43.274/34.844 = 1.241936; ^2.243 = e^(2.243*0.216671)
    #   = e^0.485993 = 1.625806;  0.231465 * 1.625806 = 0.376320;  1/1.376320 = 0.72658
    # A customer whose last purchase was at week 5 of 38.86: ratio 43.274/9.414 = 4.596770,
    #   ^2.243 = e^(2.243*1.525350) = e^3.421360 = 30.612;  1/(1 + 0.231465*30.612) = 0.12368
    alive = bgnbd_p_alive(PUBLISHED_BGNBD, [2, 2, 0], [30.43, 5.0, 0.0], [38.86] * 3)
    assert alive == pytest.approx([0.72658, 0.12368, 1.0], abs=0.00001)


def test_expected_spend_by_hand():
    # (p*(v + x*m)) / (p*x + q - 1) with p=6.25, q=3.74, v=15.44, x=2, m=22.35:
    #   6.25 * (15.44 + 44.70) / (12.50 + 2.74) = 375.875 / 15.24 = 24.6638
    # x=0 gets the population mean p*v/(q-1) = 6.25*15.44/2.74 = 96.5/2.74 = 35.2190
    spend = gamma_gamma_expected_spend(PUBLISHED_GG, [2, 0], [22.35, 0.0])
    assert spend == pytest.approx([24.6638, 35.2190], abs=0.0001)


def test_discounted_value_without_discount_is_expected_purchases_times_spend():
    history = ([2, 0, 7], [30.43, 0.0, 20.0], [38.86, 38.86, 25.0])
    monetary = [22.35, 0.0, 40.0]
    value = discounted_value(PUBLISHED_BGNBD, PUBLISHED_GG, *history, monetary, annual_discount=0)
    # The monthly increments add up to a year: 365.25 days = 52.178... weeks.
    year = bgnbd_expected_purchases(PUBLISHED_BGNBD, 365.25 / 7, *history)
    spend = gamma_gamma_expected_spend(PUBLISHED_GG, history[0], monetary)
    assert value == pytest.approx(year * spend, rel=1e-10)


def test_discounted_value_discounts_each_month():
    history = ([2], [30.43], [38.86])
    value = discounted_value(
        PUBLISHED_BGNBD, PUBLISHED_GG, *history, [22.35], months=2, annual_discount=0.1
    )
    month = 365.25 / 12 / 7
    first = bgnbd_expected_purchases(PUBLISHED_BGNBD, month, *history)
    second = bgnbd_expected_purchases(PUBLISHED_BGNBD, 2 * month, *history) - first
    rate = 1.1 ** (1 / 12) - 1
    spend = gamma_gamma_expected_spend(PUBLISHED_GG, [2], [22.35])
    assert value == pytest.approx((first / (1 + rate) + second / (1 + rate) ** 2) * spend)
    undiscounted = discounted_value(
        PUBLISHED_BGNBD, PUBLISHED_GG, *history, [22.35], months=2, annual_discount=0
    )
    assert value < undiscounted


def test_discounted_value_in_days_equals_weeks(cdnow):
    history = (cdnow["x"], cdnow["t_x"], cdnow["T"])
    weekly = discounted_value(PUBLISHED_BGNBD, PUBLISHED_GG, *history, cdnow["zbar"])
    daily_params = BgNbdParams(0.243, 4.414 * 7, 0.793, 2.426, 0.0)
    daily = discounted_value(
        daily_params,
        PUBLISHED_GG,
        cdnow["x"],
        cdnow["t_x"] * 7,
        cdnow["T"] * 7,
        cdnow["zbar"],
        days_per_unit=1,
    )
    assert daily == pytest.approx(weekly, rel=1e-9)


# --- edge cases ---------------------------------------------------------------------------


def test_every_cdnow_prediction_is_finite_and_in_range(cdnow, fitted, no_warnings):
    history = (cdnow["x"], cdnow["t_x"], cdnow["T"])
    alive = bgnbd_p_alive(fitted, *history)
    purchases = bgnbd_expected_purchases(fitted, 52, *history)
    value = discounted_value(fitted, PUBLISHED_GG, *history, cdnow["zbar"])
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(np.isfinite(purchases) & (purchases >= 0))
    assert np.all(np.isfinite(value) & (value >= 0))


def test_customers_without_repeat_purchases_are_alive_and_get_the_mean_spend(fitted):
    assert bgnbd_p_alive(fitted, [0, 0], [0, 0], [1, 38]) == pytest.approx([1.0, 1.0])
    purchases = bgnbd_expected_purchases(fitted, 39, [0, 0], [0, 0], [1, 38])
    # Older customers who never came back are expected to buy less.
    assert 0 < purchases[1] < purchases[0]
    spend = gamma_gamma_expected_spend(PUBLISHED_GG, [0], [np.nan])
    assert spend == pytest.approx([6.25 * 15.44 / 2.74])


def test_huge_frequency_and_age_do_not_overflow(no_warnings):
    frequency = [100_000, 1_000_000, 3, 0]
    recency = [999_990.0, 1.0, 0.5, 0.0]
    T = [1_000_000.0, 1e9, 1e9, 1e9]
    alive = bgnbd_p_alive(PUBLISHED_BGNBD, frequency, recency, T)
    purchases = bgnbd_expected_purchases(PUBLISHED_BGNBD, 52, frequency, recency, T)
    value = discounted_value(
        PUBLISHED_BGNBD, PUBLISHED_GG, frequency, recency, T, [1e6, 1e-9, 10, 0]
    )
    for result in (alive, purchases, value):
        assert np.all(np.isfinite(result))
    # A purchase every 10 weeks for a million weeks, the last 10 weeks ago: still alive,
    # about 0.1 a week for the next 52 weeks.
    assert alive[0] > 0.99 and purchases[0] == pytest.approx(5.2, rel=0.01)
    # A million purchases in the first week and then nothing for a billion: gone.
    assert alive[1] == 0 and purchases[1] == 0


@pytest.mark.parametrize("a", [1.0, 1.0 + 1e-9, 1.0 - 3e-7])
def test_a_equal_to_one_gives_the_limit_not_nan(a, no_warnings):
    # The closed form divides by a - 1. Reference from the integral it solves,
    # E[Y(t) | alive] = E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p], p ~ Beta(a, b+x),
    # by mpmath quadrature at a=1: 1.751687919 for r=0.5, alpha=3, b=2, x=3, T=30, t=20;
    # P(alive) at t_x = T is 1/(1 + a/(b+x-1)) = 1/(1 + 1/4) = 0.8.
    got = bgnbd_expected_purchases(BgNbdParams(0.5, 3.0, a, 2.0, 0.0), 20, 3, 30, 30)
    assert got[0] == pytest.approx(0.8 * 1.751687919, abs=1e-6)


def test_a_plus_b_equal_to_one_gives_the_limit_not_nan(no_warnings):
    # x = 0 and a + b = 1 make the 2F1's third argument a + b + x - 1 zero. Reference by
    # quadrature as above: 0.2714452892 for r=0.5, alpha=3, a=0.3, b=0.7, T=30, t=20.
    got = bgnbd_expected_purchases(BgNbdParams(0.5, 3.0, 0.3, 0.7, 0.0), 20, 0, 0, 30)
    assert got[0] == pytest.approx(0.2714452892, abs=1e-6)


@pytest.mark.parametrize(
    ("params", "t", "x", "T", "if_alive"),
    [
        # scipy's 2F1 returns NaN in both of the closed form's shapes here (z near 1 and a
        # tiny or large); the references are the closed form in mpmath at 60 digits.
        (BgNbdParams(0.4, 0.1, 0.0015, 500.0, 0.0), 1000.0, 1, 0.05, 9299.31688989424),
        (BgNbdParams(687.0, 0.003, 320.0, 4.5, 0.0), 52.0, 1000, 0.95, 4.14890282131661),
    ],
)
def test_extreme_parameters_fall_back_to_quadrature(params, t, x, T, if_alive, no_warnings):
    got = bgnbd_expected_purchases(params, t, x, T, T)
    # Last purchase at T: P(alive) = 1 / (1 + a/(b+x-1)).
    alive = 1 / (1 + params.a / (params.b + x - 1))
    assert got[0] == pytest.approx(alive * if_alive, rel=1e-9)


def test_one_customer_is_too_few():
    with pytest.raises(FitError, match="too few customers"):
        bgnbd_fit([2], [10.0], [20.0])


def test_identical_customers_cannot_be_fitted():
    with pytest.raises(FitError, match="same purchase history"):
        bgnbd_fit([2] * 50, [10.0] * 50, [20.0] * 50)


def test_customers_who_never_come_back_cannot_be_fitted():
    with pytest.raises(FitError, match="too few repeat buyers"):
        bgnbd_fit([0] * 50, [0.0] * 50, np.linspace(1, 50, 50))


def test_a_fit_that_runs_to_a_bound_is_reported():
    # A hundred who never came back and ten who all came back once, in week 1: two
    # histories, nothing to measure how customers differ in dropping out.
    with pytest.raises(FitError, match=r"cannot pin down|did not converge"):
        bgnbd_fit([0] * 100 + [1] * 10, [0.0] * 100 + [1.0] * 10, [20.0] * 110)


def test_spend_needs_repeat_buyers_who_differ():
    with pytest.raises(FitError, match="too few repeat buyers"):
        gamma_gamma_fit([1, 0, 0], [10.0, 0, 0])
    with pytest.raises(FitError, match="spends the same"):
        gamma_gamma_fit([1, 2, 3] * 5, [10.0] * 15)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, 2], [5.0, 30.0], [10.0, 20.0], "recency is later than T"),
        ([1.5], [1.0], [2.0], "whole numbers"),
        ([-1], [0.0], [2.0], "frequency contains negative"),
        ([1], [np.nan], [2.0], "recency contains NaN"),
        ([0], [1.0], [2.0], "recency must be 0"),
        ([1, 2], [1.0], [2.0, 3.0], "differ in length"),
    ],
)
def test_invalid_histories_are_refused_by_name(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        bgnbd_p_alive(PUBLISHED_BGNBD, frequency, recency, T)


def test_a_repeat_buyer_without_a_positive_spend_is_refused():
    with pytest.raises(ValueError, match="monetary must be a positive amount"):
        gamma_gamma_expected_spend(PUBLISHED_GG, [2, 0], [0.0, 0.0])


def test_fit_error_is_a_value_error():
    assert issubclass(FitError, ValueError)


def test_params_as_dict(fitted):
    assert set(fitted.as_dict()) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert PUBLISHED_GG.as_dict()["v"] == 15.44


# --- transactions to frequency, recency, T, monetary --------------------------------------


def test_rfm_summary_by_hand():
    purchases = [
        # ann: first day 1 March (two purchases, one purchase day), back on 8 and 15 March
        ("ann", "2024-03-01 09:00", 10.0),
        ("ann", "2024-03-01 17:30", 5.0),
        ("ann", "2024-03-08 12:00", 20.0),
        ("ann", "2024-03-15 12:00", 7.0),
        ("ann", "2024-03-15 18:00", 3.0),
        ("ann", "2024-04-02 10:00", 99.0),  # after the as-of date: not counted
        ("bob", "2024-03-22 10:00", 30.0),  # bought once
        ("cat", "2024-03-31 23:59", 8.0),  # on the as-of date: counted, age 0
        ("dan", "2024-04-01 00:00", 50.0),  # first purchase after the as-of date: left out
    ]
    ids, stamps, amounts = zip(*purchases, strict=True)
    summary = rfm_summary(ids, list(stamps), amounts, as_of="2024-03-31", days_per_unit=7)
    assert list(summary.index) == ["ann", "bob", "cat"]
    # ann: purchase days 1, 8, 15 March: x=2, t_x=14 days=2 weeks, T=30 days=30/7 weeks,
    # repeat days spent 20 and 7+3=10: mean 15.
    assert summary.loc["ann"].tolist() == pytest.approx([2, 2.0, 30 / 7, 15.0])
    # bob: one purchase on 22 March, 9 days before the as-of date.
    assert summary.loc["bob"].tolist() == pytest.approx([0, 0.0, 9 / 7, 0.0])
    assert summary.loc["cat"].tolist() == pytest.approx([0, 0.0, 0.0, 0.0])
    assert summary["frequency"].dtype.kind == "i"


def test_rfm_summary_takes_the_day_in_the_given_time_zone():
    stamps = pd.to_datetime(["2024-06-01 10:00", "2024-06-01 23:30"]).tz_localize("UTC")
    # 23:30 UTC is 00:30 on 2 June in London: a second purchase day there, not in UTC.
    london = rfm_summary(["ann"] * 2, stamps, [1.0, 2.0], as_of="2024-06-10", tz="Europe/London")
    utc = rfm_summary(["ann"] * 2, stamps, [1.0, 2.0], as_of="2024-06-10")
    assert london.loc["ann", "frequency"] == 1 and london.loc["ann", "monetary"] == 2.0
    assert utc.loc["ann", "frequency"] == 0


def test_rfm_summary_reproduces_the_published_cdnow_summary(cdnow, cdnow_from_transactions):
    summary = cdnow_from_transactions
    published = cdnow.set_index("id")
    assert len(summary) == 2357
    assert summary["frequency"].tolist() == published["x"].tolist()
    # The published file is rounded to 2 decimals.
    assert np.abs(summary["recency"] - published["t_x"]).max() <= 0.005
    assert np.abs(summary["T"] - published["T"]).max() <= 0.005
    assert np.abs(summary["monetary"] - published["zbar"]).max() <= 0.005 + 1e-9
