"""The map page, its printable view and its API: filters, bad input, roles, outsiders."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import location_create
from journeys.rollups import rollup_build

pytestmark = pytest.mark.django_db

MAP, PRINT, API = reverse("journeys:map"), reverse("journeys:print"), "/api/v1/journey/map/"
SECRET = "<script>alert('support')</script> the wait was awful"


@pytest.fixture
def heard_a(voices_a, business_a):
    """Business A: a hurting support desk (with a hostile comment) and happy visits."""
    support, visit = voices_a.survey_at("support"), voices_a.survey_at("visit", "Visit")
    for i in range(15):
        voices_a.response(support, score=-0.5 - 0.02 * i, days_ago=i % 10)
    voices_a.response(support, score=-0.9, text=SECRET, days_ago=1)
    for i in range(30):
        voices_a.response(visit, score=0.5 + 0.01 * i, csat=5, days_ago=i % 10)
    rollup_build(business=business_a)
    return voices_a


def test_the_owner_sees_where_it_hurts(client_of, alice, heard_a):
    page = client_of(alice).get(MAP)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Where it hurts" in html
    assert "Get help: Questions and complaints" in html
    assert "journey-chart-data" in html  # the curve's JSON


def test_customer_text_is_escaped(client_of, alice, heard_a):
    html = client_of(alice).get(MAP).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_the_printable_view(client_of, alice, heard_a):
    page = client_of(alice).get(PRINT, {"start": "2020-01-01", "end": "2030-01-01"})
    assert page.status_code == 400  # more than three years
    page = client_of(alice).get(PRINT)
    assert page.status_code == 200
    assert "Get help" in page.content.decode()
    assert 'class="topbar"' not in page.content.decode()


def test_a_manager_may_see_it_and_staff_may_not(client_of, mia, bob, heard_a):
    assert client_of(mia).get(MAP).status_code == 200
    assert client_of(bob).get(MAP).status_code == 403
    assert client_of(bob).get(API).status_code == 403


def test_signed_out_visitors_go_to_sign_in(client, heard_a):
    assert client.get(MAP).status_code == 302


def test_an_outsider_sees_none_of_it(client_of, charlie, business_b, heard_a):
    page = client_of(charlie).get(MAP)
    assert page.status_code == 200
    assert "the wait was awful" not in page.content.decode()
    assert client_of(charlie).get(API).json()["overall"]["voices"] == 0


def test_an_outsider_cannot_filter_by_anothers_location(client_of, charlie, business_b, business_a):
    kiosk = location_create(business=business_a, name="Kiosk")
    page = client_of(charlie).get(MAP, {"location": str(kiosk.uuid)})
    assert page.status_code == 400
    answer = client_of(charlie).get(API, {"location": str(kiosk.uuid)})
    assert answer.status_code == 400
    assert "location" in answer.json()["errors"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-05-10", "end": "2026-05-01"}, "end", "ends before it starts"),
        ({"start": "yesterday"}, "start", "valid date"),
        ({"segment": "vip"}, "segment", "new or returning"),
        ({"location": "not-a-uuid"}, "location", ""),
        ({"tag": "nobody-has-this"}, "tag", "No customer has the tag"),
    ],
)
def test_bad_filters_are_named(client_of, alice, heard_a, query, field, message):
    page = client_of(alice).get(MAP, query)
    assert page.status_code == 400
    assert message in page.content.decode()
    answer = client_of(alice).get(API, query)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert message in " ".join(answer.json()["errors"][field])


def test_an_empty_period_explains_itself(client_of, alice, heard_a):
    page = client_of(alice).get(MAP, {"start": "2021-01-01", "end": "2021-01-31"})
    assert page.status_code == 200
    assert "No voices in this period." in page.content.decode()


def test_the_api_gives_the_figures(client_of, alice, heard_a):
    body = client_of(alice).get(API).json()
    stages = {stage["name"]: stage for stage in body["stages"]}
    support = stages["Get help"]["touchpoints"][0]
    assert support["voices"] == 16
    assert support["verdict"] == "pain"
    assert support["against_rest"]["high"] < 0
    assert SECRET in [quote["text"] for quote in support["quotes"]]
    assert stages["Visit"]["csat"] == {"answers": 30, "satisfied_share": 1.0}
    assert body["pain_points"][0] in {"Get help", "Get help: Questions and complaints"}


def test_the_api_schema_lists_the_filters(client_of, alice, heard_a):
    schema = client_of(alice).get("/api/schema/").content.decode()
    assert "/api/v1/journey/map/" in schema
