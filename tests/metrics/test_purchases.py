"""Retention, cohorts and historical CLV from the purchase roll-up, against hand-computed
figures; the template section and the API (parameters, 400s, roles, outsiders)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from accounts.services import business_create, location_create
from customers.models import Purchase
from metrics.filters import KpiFilters, Period
from metrics.purchases import (
    CHURN_DAYS,
    cohorts,
    historical_clv,
    predicted_clv,
    purchase_kpis_context,
    purchase_rollup_build,
    retention,
    revenue_at_risk,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RETENTION_API = "/api/v1/metrics/retention/"
COHORTS_API = "/api/v1/metrics/cohorts/"
CLV_API = "/api/v1/metrics/clv/"
JULY = Period(first=date(2025, 7, 1), last=date(2025, 7, 31))


def buy(customer, day: date, amount: str, currency: str = "EUR", location=None, hour: int = 12):
    return Purchase.objects.create(
        business=customer.business, customer=customer, location=location, currency=currency,
        purchased_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        amount=Decimal(amount),
    )  # fmt: skip


def july(**extra) -> KpiFilters:
    return KpiFilters(period=JULY, **extra)


@pytest.fixture
def kiosk(business_a):
    return location_create(business=business_a, name="Kiosk")


@pytest.fixture
def shop(business_a, kiosk):
    """Seven customers of a UTC café. A customer counts on a day when they bought in the
    180 days up to it; a spell lapses 180 days after its last purchase:

    Ann  10 Jan, 5 Mar, 10 Jul (Kiosk)     one spell, active all through July
    Ben  1 Feb                             lapses 31 Jul (1 Feb + 180 days)
    Cem  1 Nov 2024 twice (one visit), 20 Jun   lapsed 30 Apr, back 20 Jun
    Dia  15 Jul, 20 Jul (both Kiosk)       new in July
    Eve  5 Jul, 100 USD                    new in July; left out of money figures
    Fay  1 Dec 2024                        lapsed 30 May, before July
    Gus  15 Jan, 25 Jul                    lapses 14 Jul, comes back 25 Jul
    """
    people = {name: CustomerFactory(business=business_a, name=name)
              for name in ("Ann", "Ben", "Cem", "Dia", "Eve", "Fay", "Gus")}  # fmt: skip
    ann, ben, cem, dia, eve, fay, gus = people.values()
    buy(ann, date(2025, 1, 10), "20.00")
    buy(ann, date(2025, 3, 5), "30.00")
    buy(ann, date(2025, 7, 10), "50.00", location=kiosk)
    buy(ben, date(2025, 2, 1), "10.00")
    buy(cem, date(2024, 11, 1), "40.00", hour=9)
    buy(cem, date(2024, 11, 1), "10.00", hour=17)
    buy(cem, date(2025, 6, 20), "25.00")
    buy(dia, date(2025, 7, 15), "15.00", location=kiosk)
    buy(dia, date(2025, 7, 20), "15.00", location=kiosk)
    buy(eve, date(2025, 7, 5), "100.00", currency="USD")
    buy(fay, date(2024, 12, 1), "60.00")
    buy(gus, date(2025, 1, 15), "12.00")
    buy(gus, date(2025, 7, 25), "12.00")
    purchase_rollup_build(business=business_a)
    return people


# --- retention ---------------------------------------------------------------------------


def test_retention_of_a_period_by_hand(shop, business_a):
    # At the start (end of 30 June): Ann, Ben, Cem (since 20 Jun), Gus (15 Jan + 166 days)
    # -> S = 4. At the end (31 July): Ann, Cem, Dia, Eve, Gus (back on 25 Jul); Ben lapsed
    # on 31 Jul -> E = 5. New in July: Dia, Eve -> N = 2. Rate = (5 - 2) / 4 = 0.75.
    figures = retention(business=business_a, filters=july())
    assert (figures.start_customers, figures.end_customers, figures.new_customers) == (4, 5, 2)
    assert figures.rate == pytest.approx(0.75)
    assert figures.rate_percent == pytest.approx(75)
    # Churned: of the 4, Ben's window ran out on 31 Jul and Gus's on 14 Jul (he came back
    # on 25 Jul and is in E too, as documented).
    assert figures.churned == 2
    # Repeat buyers by 31 July: Ann, Cem (two days; his two purchases of 1 Nov are one
    # visit), Dia, Gus -> 4 of 7.
    assert (figures.repeat_customers, figures.customers_to_date) == (4, 7)
    assert figures.repeat_rate == pytest.approx(4 / 7)
    assert figures.caveat == ""


def test_the_previous_period_counts_returning_customers_as_kept(shop, business_a):
    # 31 May - 30 Jun: S = Ann, Ben, Gus (Cem lapsed 30 Apr, Fay on 30 May) = 3; E = Ann,
    # Ben, Cem (back on 20 Jun), Gus = 4; N = 0: (4 - 0) / 3 = 1.33, above 100%.
    figures = retention(business=business_a, filters=july())
    assert figures.previous_rate == pytest.approx(4 / 3)


def test_the_monthly_trend(shop, business_a):
    trend = {point.month: point for point in retention(business=business_a, filters=july()).trend}
    # August 2024 to July 2025.
    assert list(trend) == [date(2024 + (7 + k) // 12, (7 + k) % 12 + 1, 1) for k in range(12)]
    # November 2024: nobody before Cem, so no rate.
    november = trend[date(2024, 11, 1)]
    assert (november.start_customers, november.end_customers, november.new_customers) == (0, 1, 1)
    assert november.rate is None
    # January: S = Cem, Fay; E = Cem, Fay, Ann, Gus; N = Ann, Gus -> (4 - 2) / 2 = 1.
    assert trend[date(2025, 1, 1)].rate == pytest.approx(1.0)
    # May: S = Ann, Ben, Fay, Gus (Cem lapsed 30 Apr); Fay lapses 30 May -> (3 - 0) / 4.
    may = trend[date(2025, 5, 1)]
    assert (may.start_customers, may.end_customers, may.lapsed) == (4, 3, 1)
    assert may.rate == pytest.approx(0.75)
    assert trend[date(2025, 7, 1)].rate == pytest.approx(0.75)


def test_churn_is_only_counted_over_short_periods(shop, business_a):
    year = KpiFilters(period=Period(first=date(2024, 8, 1), last=date(2025, 7, 31)))
    figures = retention(business=business_a, filters=year)
    assert figures.churned is None
    assert str(CHURN_DAYS) in figures.churned_reason
    assert figures.caveat  # the rate over a long period is explained
    assert figures.rate is None  # nobody bought before 1 Aug 2024
    assert "Nobody was a customer" in figures.rate_reason


def test_a_location_counts_only_its_own_purchases(shop, business_a, kiosk):
    # At the Kiosk: nobody before July; Ann (first Kiosk visit 10 Jul) and Dia are new.
    figures = retention(business=business_a, filters=july(location=kiosk))
    assert (figures.start_customers, figures.end_customers, figures.new_customers) == (0, 2, 2)
    assert figures.rate is None and figures.rate_reason
    assert (figures.repeat_customers, figures.customers_to_date) == (1, 2)  # Dia


def test_days_are_the_business_s_local_days(business_a, kiosk):
    business_a.time_zone = "Europe/Madrid"
    business_a.save()
    zoe = CustomerFactory(business=business_a, name="Zoe")
    buy(zoe, date(2025, 6, 30), "5.00", hour=23)  # 1 July, 01:00 in Madrid
    purchase_rollup_build(business=business_a)
    figures = retention(business=business_a, filters=july())
    assert (figures.start_customers, figures.new_customers) == (0, 1)


# --- cohorts -----------------------------------------------------------------------------


def test_cohorts_by_hand(shop, business_a):
    table = cohorts(business=business_a, filters=july())
    assert table.through == date(2025, 7, 1) and not table.running
    rows = {row.cohort: row for row in table.rows}
    # First purchases: Cem Nov, Fay Dec, Ann and Gus Jan, Ben Feb, Dia and Eve Jul.
    assert {month: row.size for month, row in rows.items()} == {
        date(2024, 11, 1): 1, date(2024, 12, 1): 1, date(2025, 1, 1): 2,
        date(2025, 2, 1): 1, date(2025, 7, 1): 2,
    }  # fmt: skip
    january = [None if cell is None else cell.share for cell in rows[date(2025, 1, 1)].cells]
    # Ann bought again in March (month 2) and July (month 6), Gus in July: 50% and 100%;
    # August onwards has not begun by 31 July.
    assert january == [1.0, 0.0, 0.5, 0.0, 0.0, 0.0, 1.0, None, None, None, None, None]
    november = rows[date(2024, 11, 1)].cells
    assert [c.percent for c in november[:9]] == [100, 0, 0, 0, 0, 0, 0, 100, 0]
    assert november[9] is None
    assert [c is not None for c in rows[date(2025, 7, 1)].cells] == [True] + [False] * 11


def test_the_running_month_is_flagged(shop, business_a):
    until_20th = KpiFilters(period=Period(JULY.first, date(2025, 7, 20)))
    table = cohorts(business=business_a, filters=until_20th)
    assert table.running


# --- historical CLV ----------------------------------------------------------------------


def test_historical_clv_by_hand(shop, business_a):
    # The year 1 Aug 2024 - 31 Jul 2025: 13 purchases, 12 in EUR worth 299.00 (Ann 100,
    # Ben 10, Cem 75, Dia 30, Fay 60, Gus 24); Eve's 100 USD is left out of money.
    # Customer-days of being a customer in the year: Ann 203 (10 Jan - 31 Jul), Ben 180,
    # Cem 180 + 42, Dia 17, Eve 27, Fay 180, Gus 180 + 7 = 1016. Lapsed in the year: Cem
    # (30 Apr), Fay (30 May), Gus (14 Jul), Ben (31 Jul) = 4.
    # AOV = 299 / 12 = 24.92; purchases per year = 13 / 1016 * 365 = 4.670;
    # lifespan = 1016 / 4 / 365 = 0.696 years; CLV = 299 / 12 * 13 / 4 = 80.98.
    value = historical_clv(business=business_a, filters=july())
    assert (value.first, value.last) == (date(2024, 8, 1), date(2025, 7, 31))
    assert (value.purchases, value.revenue, value.currency) == (13, Decimal("299.00"), "EUR")
    assert value.average_order_value == Decimal("24.92")
    assert value.purchases_per_year == pytest.approx(13 / 1016 * 365)
    assert value.lifespan_years == pytest.approx(1016 / 4 / 365)
    assert value.value == Decimal("80.98")
    assert value.left_out == "1 purchase in USD is not counted in money figures (shown in EUR)."
    with_margin = historical_clv(business=business_a, filters=july(), margin=0.4)
    assert with_margin.value == Decimal("32.39")  # 80.979... x 0.4


def test_historical_clv_needs_someone_who_left(shop, business_a, kiosk):
    value = historical_clv(business=business_a, filters=july(location=kiosk))
    assert (value.purchases, value.revenue) == (3, Decimal("80.00"))
    assert value.value is None and value.lifespan_years is None
    assert "cannot be estimated yet" in value.reason


def test_the_main_currency_is_the_most_used_one(business_a):
    cyd = CustomerFactory(business=business_a, name="Cyd")
    for day, currency in ((1, "EUR"), (2, "EUR"), (3, "USD"), (4, "USD"), (5, "USD")):
        buy(cyd, date(2025, 7, day), "10.00", currency=currency)
    purchase_rollup_build(business=business_a)
    value = historical_clv(business=business_a, filters=july())
    assert (value.currency, value.revenue) == ("USD", Decimal("30.00"))
    assert value.left_out.startswith("2 purchases in EUR are not counted")


def test_the_section_reads_the_state_and_the_fit_once(business_a, shop):
    purchase_rollup_build(business=business_a)
    with CaptureQueriesContext(connection) as queries:
        purchase_kpis_context(business=business_a, filters=july())
    tables = [q["sql"] for q in queries]
    assert sum('FROM "metrics_purchaserollupstate"' in sql for sql in tables) == 1
    assert sum('FROM "metrics_clvfit"' in sql for sql in tables) == 1


# --- empty states --------------------------------------------------------------------------


def test_a_business_without_purchases_explains_itself(business_a):
    purchase_rollup_build(business=business_a)
    context = purchase_kpis_context(business=business_a, filters=july())
    assert context["retention"].reason.startswith("No purchases yet")
    assert not context["retention"].has_purchases and context["retention"].rate is None
    assert context["cohorts"].rows == () and context["cohorts"].reason
    assert context["clv"].historical.value is None and context["clv"].historical.reason
    assert context["clv"].predicted.status == "none"
    assert context["revenue_at_risk"].reason


def test_purchases_not_yet_rolled_up_are_announced(business_a):
    buy(CustomerFactory(business=business_a), date(2025, 7, 2), "3.00")
    assert "being prepared" in retention(business=business_a, filters=july()).reason


def test_one_purchase_only(business_a):
    buy(CustomerFactory(business=business_a), date(2025, 7, 2), "8.50")
    purchase_rollup_build(business=business_a)
    figures = retention(business=business_a, filters=july())
    assert (figures.start_customers, figures.end_customers, figures.new_customers) == (0, 1, 1)
    assert figures.rate is None and figures.rate_reason
    assert figures.repeat_rate == 0.0
    value = historical_clv(business=business_a, filters=july())
    assert value.average_order_value == Decimal("8.50")
    assert value.value is None and value.reason
    table = cohorts(business=business_a, filters=july())
    assert [row.size for row in table.rows] == [1]


# --- the dashboard section ---------------------------------------------------------------


def render(business, filters=None, **extra) -> str:
    context = purchase_kpis_context(business=business, filters=filters or july(), **extra)
    return render_to_string("metrics/_customers.html", context)


def test_the_section_shows_the_figures_and_their_definitions(shop, business_a):
    html = render(business_a, margin=0.4)
    text = " ".join(strip_tags(html).split())
    assert "75%" in text  # retention rate
    assert "(E \N{MINUS SIGN} N) / S" in text
    assert "57%" in text  # repeat rate, 4 of 7
    assert "32.39 EUR" in text  # historical CLV with a 40% margin
    assert "1 purchase in USD is not counted" in text
    assert '<th scope="col"' in html and "<caption" in html
    assert "color-mix" in html  # the cohort table's shading


def test_the_section_of_an_empty_business(business_a):
    purchase_rollup_build(business=business_a)
    html = render(business_a)
    assert "No purchases yet" in " ".join(strip_tags(html).split())
    assert "<table" not in html


# --- API -----------------------------------------------------------------------------------


def refused(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] and field in body["errors"], body
    return body


def test_the_retention_api(shop, alice, client_of, kiosk):
    body = client_of(alice).get(RETENTION_API, {"start": "2025-07-01", "end": "2025-07-31"}).json()
    assert (body["start_customers"], body["end_customers"], body["new_customers"]) == (4, 5, 2)
    assert body["rate"] == pytest.approx(0.75) and body["churned"] == 2
    assert body["period"] == {"start": "2025-07-01", "end": "2025-07-31"}
    assert body["location"] is None and body["churn_days"] == CHURN_DAYS
    assert len(body["trend"]) == 12 and body["at_risk"]["customers"] is None
    at_kiosk = (
        client_of(alice)
        .get(
            RETENTION_API, {"start": "2025-07-01", "end": "2025-07-31", "location": str(kiosk.uuid)}
        )
        .json()
    )
    assert (at_kiosk["start_customers"], at_kiosk["rate"]) == (0, None)
    assert at_kiosk["location"] == str(kiosk.uuid)


def test_the_cohorts_api(shop, mia, client_of):
    body = client_of(mia).get(COHORTS_API, {"end": "2025-07-31"}).json()
    january = next(row for row in body["rows"] if row["cohort"] == "2025-01-01")
    assert january["size"] == 2
    assert [cell and cell["share"] for cell in january["cells"][:3]] == [1.0, 0.0, 0.5]
    assert january["cells"][7] is None


def test_the_clv_api(shop, alice, client_of):
    query = {"start": "2025-07-01", "end": "2025-07-31", "margin": "0.4"}
    body = client_of(alice).get(CLV_API, query).json()
    assert body["historical"]["value"] == "32.39"
    assert body["historical"]["average_order_value"] == "24.92"
    assert body["historical"]["margin"] == 0.4
    assert body["predicted"]["status"] == "none"
    assert body["predicted"]["bgnbd"] is None and body["predicted"]["as_of"] is None
    assert body["revenue_at_risk"]["reason"]


def test_the_default_period_is_the_last_30_days(shop, alice, client_of):
    body = client_of(alice).get(RETENTION_API).json()
    assert body["start_customers"] == 0  # July 2025 is long past
    period = {name: date.fromisoformat(day) for name, day in body["period"].items()}
    assert (period["end"] - period["start"]).days == 29


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "yesterday"}, "start", "valid date"),
        ({"end": "2025-13-01"}, "end", "valid date"),
        ({"start": "2025-07-10", "end": "2025-07-01"}, "end", "ends before it starts"),
        ({"end": "2999-01-01"}, "end", "after today"),
        ({"start": "2019-01-01", "end": "2025-01-01"}, "start", "three years"),
        ({"location": "not-a-uuid"}, "location", "no such location"),
        ({"location": "00000000-0000-4000-8000-000000000000"}, "location", "no such location"),
    ],
)
def test_bad_parameters_are_named(alice, business_a, client_of, query, field, message):
    for url in (RETENTION_API, COHORTS_API, CLV_API):
        body = refused(client_of(alice).get(url, query), field)
        assert message in body["errors"][field][0]


@pytest.mark.parametrize("margin", ["abc", "1.5", "-0.1", "nan"])
def test_a_bad_margin_is_named(alice, business_a, client_of, margin):
    body = refused(client_of(alice).get(CLV_API, {"margin": margin}), "margin")
    assert "from 0 to 1" in body["errors"]["margin"][0]


def test_staff_may_not_read_them(bob, client_of):
    for url in (RETENTION_API, COHORTS_API, CLV_API):
        assert client_of(bob).get(url).status_code == 403


def test_signed_out_callers_are_refused(client, business_a):
    for url in (RETENTION_API, COHORTS_API, CLV_API):
        assert client.get(url).status_code in (401, 403)


def test_an_outsider_sees_only_their_own_business(shop, charlie, business_b, client_of, kiosk):
    client = client_of(charlie)
    query = {"start": "2025-07-01", "end": "2025-07-31"}
    body = client.get(RETENTION_API, query).json()
    assert body["reason"].startswith("No purchases yet") and body["end_customers"] == 0
    assert client.get(COHORTS_API, query).json()["rows"] == []
    clv_body = client.get(CLV_API, query).json()
    assert clv_body["historical"]["value"] is None and clv_body["historical"]["purchases"] == 0
    # Naming business A's location is refused as unknown, the same answer as for a uuid
    # that exists nowhere: nothing tells the outsider it exists.
    for url in (RETENTION_API, COHORTS_API, CLV_API):
        refused(client.get(url, {**query, "location": str(kiosk.uuid)}), "location")


def test_an_outsider_s_purchases_never_count_for_another_business(shop, business_a, charlie):
    other = business_create(name="Other", owner=charlie)
    buy(CustomerFactory(business=other), date(2025, 7, 3), "999.00")
    purchase_rollup_build(business=other)
    purchase_rollup_build(business=business_a)
    assert retention(business=business_a, filters=july()).new_customers == 2
    assert historical_clv(business=business_a, filters=july()).revenue == Decimal("299.00")
    assert predicted_clv(business=business_a).status == "none"
    assert revenue_at_risk(business=business_a).reason
