"""Follow-up cases, recovery and staff load against hand-computed figures, and their API."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import Role
from accounts.services import location_create, membership_add
from customers.models import Customer, Purchase
from feedback.models import (
    Answer,
    CaseReason,
    CaseStatus,
    Channel,
    FollowUpCase,
    Mood,
    Question,
    QuestionKind,
    Response,
    Survey,
)
from journeys.models import STAFF_CHANNEL
from journeys.rollups import day_bounds, local_today
from metrics.care import (
    CaseKpis,
    Recovery,
    case_kpis,
    is_overloaded,
    recovery,
    staff_load,
    support_note,
)
from metrics.filters import KpiFilters, Period
from tests.factories import CustomerFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db

CASES_API = "/api/v1/metrics/cases/"
STAFF_API = "/api/v1/metrics/staff-load/"
H = timedelta(hours=1)
D = timedelta(days=1)


def last_30_days(business, **extra) -> KpiFilters:
    today = local_today(business)
    return KpiFilters(period=Period(first=today - 29 * D, last=today), **extra)


def case(business, *, opened, status=CaseStatus.OPEN, due=None, resolved=None, **links):
    """A case opened at `opened`, due 48 hours later unless `due` says otherwise."""
    return FollowUpCase.objects.create(
        business=business,
        reason=links.pop("reason", CaseReason.DETRACTOR),
        status=CaseStatus.RESOLVED if resolved else status,
        created_at=opened,
        due_at=due or opened + 48 * H,
        contacted_at=resolved,
        resolved_at=resolved,
        **links,
    )


def response_at(survey, when, *, customer=None, location=None, **scores):
    """A response given at `when` with answers {question kind: number}."""
    response = Response.objects.create(
        business=survey.business, survey=survey, customer=customer, location=location,
        created_at=when,
    )  # fmt: skip
    for kind, number in scores.items():
        question = survey.questions.get(kind=kind)
        Answer.objects.create(
            business=survey.business, response=response, question=question, number=number,
            created_at=when,
        )  # fmt: skip
    return response


@pytest.fixture
def scored_survey(business_a):
    """A survey asking NPS and CSAT."""
    survey = Survey.objects.create(business=business_a, name="After the visit")
    for position, kind in enumerate((QuestionKind.NPS, QuestionKind.CSAT)):
        Question.objects.create(
            business=business_a, survey=survey, position=position, kind=kind, prompt=kind
        )
    return survey


@pytest.fixture
def kiosk(business_a):
    return location_create(business=business_a, name="Kiosk")


# --- Follow-up cases ---------------------------------------------------------------------


@pytest.fixture
def cases_a(business_a, survey_a, kiosk):
    now = timezone.now()
    at_kiosk = response_at(survey_a, now - 10 * D, location=kiosk)
    also_at_kiosk = response_at(survey_a, now - 40 * D, location=kiosk)
    kiosk_note = InteractionFactory(business=business_a, location=kiosk, created_at=now - 20 * D)
    kiosk_call = InteractionFactory(business=business_a, location=kiosk, created_at=now - 5 * D)
    elsewhere = response_at(survey_a, now - 10 * D)
    # 1: open, due tomorrow.
    case(business_a, opened=now - 2 * D, due=now + D)
    # 2: contacted, overdue since 3 days (at the kiosk, through its interaction).
    case(business_a, opened=now - 5 * D, status=CaseStatus.CONTACTED, due=now - 3 * D,
         interaction=kiosk_call)  # fmt: skip
    # 3: opened before the period, still open and overdue.
    case(business_a, opened=now - 40 * D)
    # 4-6 opened and resolved in the period: 2 h (on time, kiosk), 6 h (on time),
    # 72 h (due after 48 h: late, kiosk through its interaction).
    case(business_a, opened=now - 10 * D, resolved=now - 10 * D + 2 * H, response=at_kiosk)
    case(business_a, opened=now - 10 * D, resolved=now - 10 * D + 6 * H, response=elsewhere)
    case(business_a, opened=now - 20 * D, resolved=now - 20 * D + 72 * H, interaction=kiosk_note)
    # 7: opened and resolved before the period.
    case(business_a, opened=now - 45 * D, resolved=now - 44 * D)
    # 8: opened before, resolved in the period after 15 days = 360 h (late, kiosk).
    case(business_a, opened=now - 40 * D, resolved=now - 25 * D, response=also_at_kiosk)


@pytest.fixture
def cases_b(business_b):
    # Another business: an overdue case and a 1-hour resolution that must not count in A.
    now = timezone.now()
    case(business_b, opened=now - 6 * D)
    case(business_b, opened=now - 3 * D, resolved=now - 3 * D + H)


def test_case_kpis_count_the_queue_now_and_the_period(business_a, cases_a, cases_b):
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    # Open now: 1, 2, 3; not contacted: 1, 3; overdue: 2, 3. Opened in the period:
    # 1, 2, 4, 5, 6. Resolved in the period: 4, 5, 6, 8, of which 4 and 5 on time.
    assert (kpis.open_now, kpis.awaiting_contact, kpis.overdue_now) == (3, 2, 2)
    assert (kpis.opened, kpis.resolved, kpis.resolved_on_time) == (5, 4, 2)
    assert kpis.on_time_share == 0.5
    # Even count: durations 2, 6, 72, 360 h, median (6 + 72) / 2 = 39 h.
    assert kpis.median_time_to_resolve == 39 * H
    assert kpis.median_hours_to_resolve == 39.0


def test_the_location_comes_from_the_response_or_the_interaction(
    business_a, kiosk, cases_a, cases_b
):
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a, location=kiosk))
    # At the kiosk: 2 (interaction), 4 (response), 6 (interaction), 8 (response).
    # Open and overdue: 2. Opened in the period: 2, 4, 6. Resolved: 4, 6, 8; on time: 4.
    assert (kpis.open_now, kpis.awaiting_contact, kpis.overdue_now) == (1, 0, 1)
    assert (kpis.opened, kpis.resolved, kpis.resolved_on_time) == (3, 3, 1)
    # Odd count: durations 2, 72, 360 h, median 72 h.
    assert kpis.median_time_to_resolve == 72 * H


def test_survey_and_channel_filters_keep_only_response_cases(
    business_a, survey_a, cases_a, cases_b
):
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a, survey=survey_a))
    # Cases with a response: 4, 5, 8 (all resolved in the period: 2, 6, 360 h).
    assert (kpis.open_now, kpis.opened, kpis.resolved) == (0, 2, 3)
    assert kpis.median_time_to_resolve == 6 * H
    by_qr = case_kpis(business=business_a, filters=last_30_days(business_a, channel=Channel.QR))
    assert by_qr == CaseKpis(0, 0, 0, 0, 0, 0, None)
    by_link = case_kpis(business=business_a, filters=last_30_days(business_a, channel="link"))
    assert (by_link.opened, by_link.resolved) == (2, 3)


def test_the_staff_channel_keeps_the_cases_opened_from_interactions(business_a, cases_a, cases_b):
    staff = last_30_days(business_a, channel=STAFF_CHANNEL)
    kpis = case_kpis(business=business_a, filters=staff)
    # Cases 2 (open, overdue) and 6 (resolved in 72 h).
    assert (kpis.open_now, kpis.overdue_now, kpis.opened, kpis.resolved) == (1, 1, 2, 1)
    assert kpis.median_time_to_resolve == 72 * H


def test_a_period_before_any_case_has_no_median(business_a, cases_a):
    today = local_today(business_a)
    long_ago = KpiFilters(period=Period(first=today - 400 * D, last=today - 300 * D))
    kpis = case_kpis(business=business_a, filters=long_ago)
    assert (kpis.opened, kpis.resolved, kpis.median_time_to_resolve) == (0, 0, None)
    assert kpis.on_time_share is None
    # The queue is about now, whatever the period.
    assert kpis.open_now == 3


def test_one_resolved_case_is_its_own_median(business_a, business_b, cases_b):
    now = timezone.now()
    case(business_a, opened=now - 3 * D, resolved=now - 3 * D + 5 * H)
    kpis = case_kpis(business=business_a, filters=last_30_days(business_a))
    assert kpis.median_time_to_resolve == 5 * H


def test_without_filters_each_case_figure_needs_one_index_only(business_a, cases_a):
    """Each query reads only columns its index holds, so PostgreSQL answers it from the
    index (a year of a busy business's cases took 150 ms when every row was fetched)."""
    with CaptureQueriesContext(connection) as captured:
        case_kpis(business=business_a, filters=last_30_days(business_a))
    indexes = {index.name: index for index in FollowUpCase._meta.indexes}
    # The queue, the openings (the case outcomes never built), then (after the
    # roll-ups') the few resolutions read raw. (SQLite's seventh query, its median,
    # reads the rows: it has no percentile.)
    queries = [captured.captured_queries[i] for i in (0, 2, 5)]
    names = ("case_queue", "case_opened", "case_resolved_times")
    for query, name in zip(queries, names, strict=True):
        index = indexes[name]
        held = {FollowUpCase._meta.get_field(f).column for f in (*index.fields, *index.include)}
        held |= {"status"} if index.condition else set()
        read = set(re.findall(r'"feedback_followupcase"\."(\w+)"', query["sql"]))
        assert read <= held, (name, read - held)


# --- Recovery ----------------------------------------------------------------------------


@pytest.fixture
def recovery_a(business_a, scored_survey):
    now = timezone.now()
    ann, ben, cat, dan, eve, fay = (
        CustomerFactory(business=business_a, name=name)
        for name in ("Ann", "Ben", "Cat", "Dan", "Eve", "Fay")
    )

    def bought(customer, when):
        Purchase.objects.create(
            business=business_a, customer=customer, purchased_at=when, amount=Decimal("12.50")
        )

    # Ann bought again after her case.
    case(business_a, opened=now - 10 * D, customer=ann)
    bought(ann, now - 5 * D)
    # Ben's case came from CSAT 1 (with an NPS 9 in the same response, before the case);
    # he had bought before it, and later answered CSAT 5: answered better.
    opening = response_at(scored_survey, now - 10 * D - H, customer=ben, nps=9, csat=1)
    case(business_a, opened=now - 10 * D, customer=ben, response=opening,
         reason=CaseReason.LOW_CSAT)  # fmt: skip
    bought(ben, now - 12 * D)
    response_at(scored_survey, now - 3 * D, customer=ben, csat=5)
    # Cat answered NPS 9 before her case and NPS 5 (still a detractor) after: neither.
    response_at(scored_survey, now - 15 * D, customer=cat, nps=9)
    case(business_a, opened=now - 10 * D, customer=cat)
    response_at(scored_survey, now - 3 * D, customer=cat, nps=5, csat=3)
    # Dan both bought again and answered NPS 8: counted once.
    case(business_a, opened=now - 10 * D, customer=dan)
    bought(dan, now - 2 * D)
    response_at(scored_survey, now - 2 * D, customer=dan, nps=8)
    # Eve bought after her first case, then was upset again and has not come back.
    case(business_a, opened=now - 20 * D, customer=eve)
    bought(eve, now - 15 * D)
    case(business_a, opened=now - 8 * D, customer=eve, reason=CaseReason.STAFF_FLAG)
    # Fay's case is older than the period.
    case(business_a, opened=now - 40 * D, customer=fay)
    bought(fay, now - 2 * D)
    # An anonymous detractor: nobody to follow.
    case(business_a, opened=now - 8 * D)


@pytest.fixture
def recovery_b(business_b):
    now = timezone.now()
    gus = CustomerFactory(business=business_b, name="Gus")
    case(business_b, opened=now - 10 * D, customer=gus)
    Purchase.objects.create(
        business=business_b, customer=gus, purchased_at=now - D, amount=Decimal("9")
    )
    case(business_b, opened=now - 10 * D)


def test_recovery_counts_customers_who_came_back(business_a, recovery_a, recovery_b):
    figures = recovery(business=business_a, filters=last_30_days(business_a))
    # Customers with a case in the period: Ann, Ben, Cat, Dan, Eve = 5.
    # Came back: Ann (bought), Ben (CSAT 5), Dan (both) = 3; Cat and Eve did not.
    assert figures == Recovery(
        customers=5, recovered=3, bought_again=2, answered_better=2, cases_without_customer=1
    )
    assert figures.share == 0.6


def test_recovery_reads_only_the_business_s_own_purchases(business_a, business_b, recovery_a):
    """A row of another business that names Cat (a broken import, say) is not Cat coming
    back: every probe is scoped to the business, not only to the customer."""
    cat = Customer.objects.get(business=business_a, name="Cat")
    Purchase.objects.create(
        business=business_b, customer=cat, purchased_at=timezone.now() - D, amount=Decimal("5")
    )
    figures = recovery(business=business_a, filters=last_30_days(business_a))
    assert (figures.recovered, figures.bought_again) == (3, 2)


def test_recovery_of_a_period_without_cases_is_unknown(business_a, recovery_a):
    today = local_today(business_a)
    long_ago = KpiFilters(period=Period(first=today - 400 * D, last=today - 300 * D))
    figures = recovery(business=business_a, filters=long_ago)
    assert figures == Recovery(0, 0, 0, 0, 0)
    assert figures.share is None


def test_recovery_follows_the_location_filter(business_a, kiosk, scored_survey):
    now = timezone.now()
    here, there = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    at_kiosk = response_at(scored_survey, now - 6 * D, customer=here, location=kiosk, nps=2)
    case(business_a, opened=now - 6 * D + H, customer=here, response=at_kiosk)
    case(business_a, opened=now - 6 * D, customer=there)
    response_at(scored_survey, now - D, customer=there, nps=10)
    figures = recovery(business=business_a, filters=last_30_days(business_a, location=kiosk))
    # Only `here` was at the kiosk, and has not come back.
    assert (figures.customers, figures.recovered) == (1, 0)


# --- Staff load --------------------------------------------------------------------------


@pytest.fixture
def team_a(business_a, alice, bob, mia, business_b, charlie):
    """Negative interactions in the last 14 days: Alice 3 of 4, Bob 4 of 6, Mia 5 of 7,
    Sam 12 of 14, Zoe none at all. Median of those who logged any: (4 + 5) / 2 = 4.5."""
    now = timezone.now()
    today = local_today(business_a)
    window_start, _ = day_bounds(business_a, today - 13 * D, today)
    sam = UserFactory(email="sam@a.example", first_name="Sam")
    zoe = UserFactory(email="zoe@a.example", first_name="Zoe")
    ivy = UserFactory(email="ivy@a.example", first_name="Ivy", is_active=False)
    for user in (sam, zoe, ivy):
        membership_add(business=business_a, user=user, role=Role.STAFF)
    membership_add(business=business_b, user=sam, role=Role.STAFF)

    def log(staff, n, *, business=business_a, when=now - D, **fields):
        for _ in range(n):
            InteractionFactory(business=business, staff=staff, created_at=when, **fields)

    log(alice, 3, sentiment_label="negative")
    log(alice, 1, sentiment_label="positive")
    # Bob: 2 frustrated, 1 angry, 1 negative note, all with other labels; 1 on the first
    # second of the window (counts), 1 just before it (does not).
    log(bob, 2, mood=Mood.FRUSTRATED, sentiment_label="neutral")
    log(bob, 1, mood=Mood.ANGRY)
    log(bob, 1, sentiment_label="negative", when=window_start)
    log(bob, 1, mood=Mood.CONTENT, sentiment_label="positive")
    log(bob, 1, mood=Mood.NEUTRAL)
    log(bob, 3, mood=Mood.ANGRY, when=window_start - timedelta(seconds=1))
    # Mia: a note both negative and angry counts once.
    log(mia, 4, sentiment_label="negative")
    log(mia, 1, sentiment_label="negative", mood=Mood.ANGRY)
    log(mia, 2, mood=Mood.DELIGHTED, sentiment_label="positive")
    log(sam, 12, sentiment_label="negative")
    log(sam, 2, sentiment_label="neutral")
    log(sam, 5, sentiment_label="negative", when=now - 20 * D)  # before the window
    # Elsewhere: Sam's shifts at the other business, Charlie's own, and Ivy, who left.
    log(sam, 9, business=business_b, sentiment_label="negative")
    log(charlie, 30, business=business_b, mood=Mood.ANGRY)
    log(ivy, 20, sentiment_label="negative")


def test_staff_load_by_member_in_name_order(business_a, team_a):
    load = staff_load(business=business_a)
    rows = [(m.name, m.handled, m.negative, m.flagged) for m in load.members]
    assert rows == [
        ("Alice", 4, 3, False),
        ("Bob", 6, 4, False),
        ("Mia", 7, 5, False),  # at least 5, but under 2 x 4.5 = 9
        ("Sam", 14, 12, True),  # 12 >= 9 and >= 5
        ("Zoe", 0, 0, False),
    ]
    assert load.team_median == 4.5
    assert load.days == 14
    # 12 / 4.5 = 2.7, about 3 times.
    assert load.flagged[0].note == (
        "Sam met 12 upset customers in the last 14 days, about 3 times the team's usual; "
        "consider sharing the difficult conversations."
    )
    assert [m.note for m in load.members if not m.flagged] == [""] * 4


def test_staff_load_of_a_quiet_fortnight(business_a, alice, bob):
    load = staff_load(business=business_a)
    assert load.team_median is None
    assert [(m.name, m.handled, m.negative, m.flagged) for m in load.members] == [
        ("Alice", 0, 0, False),
        ("Bob", 0, 0, False),
    ]


def test_staff_load_of_another_day(business_a, team_a):
    # Fifteen days on, every interaction above is older than the window.
    load = staff_load(business=business_a, today=local_today(business_a) + 15 * D)
    assert load.team_median is None
    assert {m.negative for m in load.members} == {0}


@pytest.mark.parametrize(
    ("negative", "median", "flagged"),
    [(12, 4.5, True), (9, 4.5, True), (8, 4.5, False), (4, 1, False), (5, 1, True),
     (5, 0, True), (4, 0, False), (5, None, False)],
)  # fmt: skip
def test_a_member_is_flagged_at_twice_the_median_and_at_least_five(negative, median, flagged):
    assert is_overloaded(negative, median) is flagged


def test_when_most_met_nobody_upset_the_note_says_so():
    assert support_note("Sam", 6, 0, 14) == (
        "Sam met 6 upset customers in the last 14 days, while most of the team met none; "
        "consider sharing the difficult conversations."
    )


def test_each_figure_is_a_query_or_two(
    business_a, cases_a, recovery_a, team_a, django_assert_num_queries
):
    filters = last_30_days(business_a)
    # Cases: the queue, where the case outcomes reach (never built here) and the raw
    # openings (one index each), the journey roll-up's reach and the resolved cases'
    # roll-up; as it finds few (at most EXACT_UP_TO), the raw resolutions for the exact
    # median. SQLite has no percentile_cont: one more query picks the middle durations.
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 7):
        case_kpis(business=business_a, filters=filters)
    # Recovery: where its roll-up reaches (never built here), then the raw query.
    with django_assert_num_queries(2):
        recovery(business=business_a, filters=filters)
    # Staff load: the fortnight's counts by member in one pass, then the members.
    with django_assert_num_queries(2):
        staff_load(business=business_a, today=local_today(business_a))


# --- Partials ----------------------------------------------------------------------------


def text_of(html: str) -> str:
    return " ".join(strip_tags(html).split())


def rendered_care(business) -> str:
    filters = last_30_days(business)
    context = {
        "cases": case_kpis(business=business, filters=filters),
        "recovery": recovery(business=business, filters=filters),
    }
    return text_of(render_to_string("metrics/_care.html", context))


def rendered_staff_load(business) -> str:
    context = {"staff_load": staff_load(business=business)}
    return text_of(render_to_string("metrics/_staff_load.html", context))


def test_the_care_partial_shows_the_figures(business_a, cases_a, recovery_a):
    text = rendered_care(business_a)
    assert "39.0 h" in text
    assert "50% resolved by their due time" in text
    assert "3 of 5 customers with a follow-up in this period came back" in text
    # The anonymous cases: 1, 2, 4, 5, 6 of cases_a and one of recovery_a.
    assert "6 cases without a known customer are not counted." in text


def test_the_care_partial_explains_an_empty_period(business_a):
    text = rendered_care(business_a)
    assert "No follow-up case is open" in text
    assert "No case was opened in this period" in text


def test_the_staff_load_partial_supports_rather_than_ranks(business_a, team_a):
    text = rendered_staff_load(business_a)
    assert "Sam met 12 upset customers" in text
    table = text[text.index("Team member") :]
    assert table.index("Alice") < table.index("Mia") < table.index("Sam") < table.index("Zoe")
    assert "Usual now: 4.5." in text
    assert "Charlie" not in text and "Ivy" not in text


def test_the_staff_load_partial_explains_a_quiet_fortnight(business_a):
    text = rendered_staff_load(business_a)
    assert "Nobody logged an interaction with a customer in the last 14 days." in text


# --- API ---------------------------------------------------------------------------------


def refused(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    return body


def test_a_manager_reads_cases_and_recovery(mia, client_of, cases_a, cases_b):
    today = local_today(mia.memberships.get().business)
    start = today - 29 * D
    body = client_of(mia).get(CASES_API, {"start": start, "end": today}).json()
    assert body["period"] == {"start": start.isoformat(), "end": today.isoformat()}
    assert body["cases"] == {
        "open_now": 3,
        "awaiting_contact": 2,
        "overdue_now": 2,
        "opened": 5,
        "resolved": 4,
        "resolved_on_time": 2,
        "on_time_share": 0.5,
        "median_hours_to_resolve": 39.0,
    }
    # No case of A names a customer: 5 opened in the period are all anonymous.
    assert body["recovery"] == {
        "customers": 0,
        "recovered": 0,
        "bought_again": 0,
        "answered_better": 0,
        "share": None,
        "cases_without_customer": 5,
    }


def test_the_default_period_is_the_last_30_days(alice, client_of, kiosk, cases_a):
    body = client_of(alice).get(CASES_API, {"location": str(kiosk.uuid)}).json()
    today = local_today(kiosk.business)
    assert body["period"] == {"start": (today - 29 * D).isoformat(), "end": today.isoformat()}
    assert body["cases"]["median_hours_to_resolve"] == 72.0


def test_staff_cannot_read_care_figures(bob, client_of, cases_a):
    assert client_of(bob).get(CASES_API).status_code == 403
    assert client_of(bob).get(STAFF_API).status_code == 403


def test_signed_out_callers_are_refused(client, cases_a):
    # 401: the API-key authenticator, first in the list, names its scheme.
    assert client.get(CASES_API).status_code == 401
    assert client.get(STAFF_API).status_code == 401


def test_an_outsider_sees_only_their_own_business(charlie, client_of, cases_a, cases_b, team_a):
    client = client_of(charlie)
    body = client.get(CASES_API).json()
    # B: one open case (overdue: opened 6 days ago, due after 48 h), one resolved in 1 h.
    assert body["cases"]["open_now"] == 1
    assert body["cases"]["overdue_now"] == 1
    assert body["cases"]["median_hours_to_resolve"] == 1.0
    members = client.get(STAFF_API).json()["members"]
    # Sam's 9 interactions at B are B's; none of A's members or figures appear.
    assert [(m["name"], m["handled"], m["negative"]) for m in members] == [
        ("Charlie", 30, 30),
        ("Sam", 9, 9),
    ]


def test_an_outsider_cannot_filter_by_anothers_location(charlie, business_b, client_of, kiosk):
    refused(client_of(charlie).get(CASES_API, {"location": str(kiosk.uuid)}), "location")


def test_a_manager_reads_the_staff_load(mia, client_of, team_a):
    body = client_of(mia).get(STAFF_API).json()
    assert body["team_median"] == 4.5
    assert [(m["name"], m["negative"], m["flagged"]) for m in body["members"]] == [
        ("Alice", 3, False),
        ("Bob", 4, False),
        ("Mia", 5, False),
        ("Sam", 12, True),
        ("Zoe", 0, False),
    ]
    assert body["members"][3]["note"].startswith("Sam met 12 upset customers")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-02-30"}, "start"),
        ({"end": "31/01/2026"}, "end"),
        ({"start": "2026-05-10", "end": "2026-05-01"}, "end"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "start"),
        ({"end": "9999-12-31"}, "end"),
        ({"location": "not-a-uuid"}, "location"),
        ({"location": "00000000-0000-4000-8000-000000000000"}, "location"),
    ],
)
def test_bad_filters_are_named(alice, client_of, business_a, query, field):
    body = refused(client_of(alice).get(CASES_API, query), field)
    assert len(body["errors"]) == 1


def test_the_schema_lists_the_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/metrics/cases/:" in schema
    assert "/api/v1/metrics/staff-load/:" in schema
