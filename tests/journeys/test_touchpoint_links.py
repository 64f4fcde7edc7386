"""Surveys and staff interactions name a touchpoint of their own business's journey."""

from __future__ import annotations

import json

import pytest

from feedback.models import Interaction, Survey
from journeys.models import Journey, Touchpoint
from journeys.services import touchpoint_archive

pytestmark = pytest.mark.django_db


def touchpoint(business, key: str) -> Touchpoint:
    return Touchpoint.objects.get(business=business, key=key)


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_a_new_business_gets_its_industrys_journey(business_a, business_b, survey_a):
    assert Journey.objects.get(business=business_a).stages.first().name == "Discover"
    assert touchpoint(business_b, "front_desk").stage.name == "Visit"  # a salon
    assert survey_a.touchpoint.key == "visit"


def test_a_ready_made_survey_measures_its_moment(alice, business_a, client_of):
    reply = post_json(client_of(alice), "/api/v1/surveys/", {"template": "food_drink.support"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["touchpoint"]["name"] == "Questions and complaints"
    assert reply.json()["touchpoint"]["stage"] == "Get help"


def test_the_survey_api_moves_a_survey(alice, survey_a, client_of):
    target = touchpoint(survey_a.business, "purchase")
    reply = post_json(
        client_of(alice), f"/api/v1/surveys/{survey_a.uuid}/", {"touchpoint": str(target.uuid)},
        method="patch",
    )  # fmt: skip
    assert reply.status_code == 200, reply.content
    assert reply.json()["touchpoint"]["uuid"] == str(target.uuid)
    reply = post_json(
        client_of(alice), f"/api/v1/surveys/{survey_a.uuid}/", {"touchpoint": None}, method="patch"
    )
    assert reply.json()["touchpoint"] is None


def test_the_survey_api_refuses_another_businesss_touchpoint(
    alice, survey_a, business_b, client_of
):
    theirs = touchpoint(business_b, "visit")
    reply = post_json(
        client_of(alice), f"/api/v1/surveys/{survey_a.uuid}/", {"touchpoint": str(theirs.uuid)},
        method="patch",
    )  # fmt: skip
    assert reply.status_code == 400
    assert "touchpoint" in reply.json()["errors"]
    assert Survey.objects.get(pk=survey_a.pk).touchpoint.key == "visit"


def test_staff_pick_a_touchpoint_in_the_form(bob, business_a, client_of):
    client = client_of(bob)
    page = client.get("/interactions/new/").content.decode()
    assert "Get help: Questions and complaints" in page
    delivery = touchpoint(business_a, "delivery")
    reply = client.post(
        "/interactions/new/",
        {"channel": "phone", "note": "Late again", "touchpoint": str(delivery.uuid)},
    )
    assert reply.status_code == 302
    assert Interaction.objects.get().touchpoint == delivery


def test_archived_touchpoints_are_not_offered(bob, business_a, client_of):
    touchpoint_archive(touchpoint=touchpoint(business_a, "loyalty"))
    page = client_of(bob).get("/interactions/new/").content.decode()
    assert "Loyalty card" not in page
    assert "Follow-up e-mail" in page


def test_the_interaction_api_takes_a_touchpoint(bob, business_a, business_b, client_of):
    client = client_of(bob)
    ours, theirs = touchpoint(business_a, "support"), touchpoint(business_b, "support")
    reply = post_json(
        client, "/api/v1/interactions/",
        {"channel": "phone", "note": "Refund sorted", "touchpoint": str(theirs.uuid)},
    )  # fmt: skip
    assert reply.status_code == 400
    assert "touchpoint" in reply.json()["errors"]
    assert not Interaction.objects.exists()
    reply = post_json(
        client, "/api/v1/interactions/",
        {"channel": "phone", "note": "Refund sorted", "touchpoint": str(ours.uuid)},
    )  # fmt: skip
    assert reply.status_code == 201
    assert reply.json()["touchpoint"] == {
        "uuid": str(ours.uuid), "name": "Questions and complaints", "stage": "Get help",
    }  # fmt: skip
