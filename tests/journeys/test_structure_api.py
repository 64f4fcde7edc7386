"""The journey's structure over the API: read by every member, changed by managers."""

from __future__ import annotations

import pytest

from accounts.services import api_key_create, business_create
from journeys.models import Journey, Stage, Touchpoint
from journeys.services import stage_archive, touchpoint_archive

pytestmark = pytest.mark.django_db

API = "/api/v1/journey"


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def patch(client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


def live_stages(business) -> list[Stage]:
    return list(Stage.objects.filter(business=business, archived_at=None).order_by("position"))


def all_stages(business) -> list[Stage]:
    return list(Stage.objects.filter(business=business).order_by("position", "id"))


def touchpoints_of(stage: Stage) -> list[Touchpoint]:
    return list(stage.touchpoints.order_by("position", "id"))


def snapshot(business) -> list[tuple]:
    stages = Stage.objects.filter(business=business).order_by("id")
    touchpoints = Touchpoint.objects.filter(business=business).order_by("id")
    return [(s.uuid, s.name, s.position, s.archived_at) for s in stages] + [
        (t.uuid, t.name, t.stage_id, t.position, t.archived_at) for t in touchpoints
    ]


@pytest.fixture
def owner(alice, business_a, client_of):
    return client_of(alice)


@pytest.fixture
def first(business_a) -> Stage:
    return live_stages(business_a)[0]


@pytest.fixture
def second(business_a) -> Stage:
    return live_stages(business_a)[1]


def refused(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert any(name == field or name.startswith(f"{field}.") for name in body["errors"]), body
    return body


# --- Reading -------------------------------------------------------------------------


class TestReading:
    def test_every_member_reads_the_stages_in_order_with_their_touchpoints(
        self, business_a, bob, client_of
    ):
        touchpoint_archive(touchpoint=touchpoints_of(live_stages(business_a)[0])[0])
        response = client_of(bob).get(f"{API}/")
        assert response.status_code == 200
        body = response.json()
        journey = Journey.objects.get(business=business_a)
        assert (body["uuid"], body["name"], body["template"]) == (
            str(journey.uuid),
            journey.name,
            "food_drink",
        )
        stages = all_stages(business_a)
        assert [s["uuid"] for s in body["stages"]] == [str(s.uuid) for s in stages]
        assert [s["position"] for s in body["stages"]] == sorted(s.position for s in stages)
        discover = body["stages"][0]
        assert discover["name"] == "Discover" and discover["archived"] is False
        social, maps = discover["touchpoints"]
        assert (social["name"], social["key"], social["archived"]) == (
            "Social media",
            "social",
            True,
        )
        assert social["archived_at"] and social["stage"] == discover["uuid"]
        assert (maps["name"], maps["archived"], maps["archived_at"]) == (
            "Maps and reviews",
            False,
            None,
        )

    def test_a_business_without_a_journey_gets_its_ready_made_one(self, charlie, client_of):
        shop = business_create(name="Corner Shop", owner=charlie, industry="retail")
        body = client_of(charlie).get(f"{API}/").json()
        assert body["template"] == "retail"
        assert Journey.objects.filter(business=shop).count() == 1
        names = [t["name"] for s in body["stages"] for t in s["touchpoints"]]
        assert "Returns and exchanges" in names

    def test_one_stage_and_one_touchpoint_can_be_read(self, first, bob, client_of):
        client = client_of(bob)
        stage = client.get(f"{API}/stages/{first.uuid}/").json()
        assert stage["name"] == first.name
        touchpoint = touchpoints_of(first)[0]
        body = client.get(f"{API}/touchpoints/{touchpoint.uuid}/").json()
        assert (body["name"], body["stage"]) == (touchpoint.name, str(first.uuid))

    def test_a_read_only_api_key_reads_but_cannot_write(self, alice, business_a, client):
        _, raw_key = api_key_create(business=business_a, name="Till", created_by=alice)
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}
        assert client.get(f"{API}/", **headers).status_code == 200
        before = snapshot(business_a)
        assert post(client, f"{API}/stages/", {"name": "X"}, **headers).status_code == 403
        assert snapshot(business_a) == before

    def test_signing_in_comes_first(self, client, business_a):
        assert client.get(f"{API}/").status_code in {401, 403}


# --- Stages --------------------------------------------------------------------------


class TestStages:
    def test_adding_puts_it_at_the_end(self, business_a, mia, client_of):
        response = post(client_of(mia), f"{API}/stages/", {"name": " Recommend "})
        assert response.status_code == 201
        stage = live_stages(business_a)[-1]
        assert response.json() == {
            "uuid": str(stage.uuid), "name": "Recommend", "position": stage.position,
            "archived": False, "archived_at": None, "touchpoints": [],
        }  # fmt: skip

    @pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}])
    def test_adding_a_bad_name_is_refused_naming_the_field(self, business_a, owner, body):
        before = snapshot(business_a)
        refused(post(owner, f"{API}/stages/", body), "name")
        assert snapshot(business_a) == before

    def test_a_body_that_is_not_an_object_is_refused(self, business_a, owner):
        before = snapshot(business_a)
        response = owner.post(f"{API}/stages/", "[1]", content_type="application/json")
        assert response.status_code == 400
        response = owner.post(f"{API}/stages/", "{not json", content_type="application/json")
        refused(response, "body")
        assert snapshot(business_a) == before

    def test_renaming(self, first, owner):
        response = patch(owner, f"{API}/stages/{first.uuid}/", {"name": "Find us"})
        assert response.status_code == 200
        assert response.json()["name"] == "Find us"
        first.refresh_from_db()
        assert first.name == "Find us"

    def test_renaming_to_nothing_is_refused(self, business_a, first, owner):
        before = snapshot(business_a)
        refused(patch(owner, f"{API}/stages/{first.uuid}/", {"name": ""}), "name")
        assert snapshot(business_a) == before

    def test_archiving_keeps_the_rows_and_restoring_brings_them_back(self, first, owner):
        alone, *together = touchpoints_of(first)
        touchpoint_archive(touchpoint=alone)
        body = post(owner, f"{API}/stages/{first.uuid}/archive/").json()
        assert body["archived"] is True
        assert all(t["archived"] for t in body["touchpoints"])
        assert Touchpoint.objects.filter(stage=first).count() == 1 + len(together)
        body = post(owner, f"{API}/stages/{first.uuid}/restore/").json()
        assert body["archived"] is False
        flags = {t["uuid"]: t["archived"] for t in body["touchpoints"]}
        assert flags == {str(alone.uuid): True, **{str(t.uuid): False for t in together}}

    def test_reordering(self, business_a, owner):
        stages = all_stages(business_a)
        stage_archive(stage=stages[1])  # archived ones are listed too
        order = [str(s.uuid) for s in reversed(stages)]
        response = post(owner, f"{API}/stages/reorder/", {"order": order})
        assert response.status_code == 200
        assert [s["uuid"] for s in response.json()["stages"]] == order
        assert [str(s.uuid) for s in all_stages(business_a)] == order

    @pytest.mark.parametrize(
        "change",
        ["missing", "extra", "twice", "other_business", "not_a_uuid", "not_a_list", "absent"],
    )
    def test_reordering_refuses_anything_but_each_stage_once(
        self, business_a, business_b, owner, change
    ):
        order = [str(s.uuid) for s in all_stages(business_a)]
        body = {
            "missing": {"order": order[1:]},
            "extra": {"order": [*order, "00000000-0000-4000-8000-000000000000"]},
            "twice": {"order": [*order, order[0]]},
            "other_business": {"order": [*order[1:], str(live_stages(business_b)[0].uuid)]},
            "not_a_uuid": {"order": [*order[1:], "nope"]},
            "not_a_list": {"order": "nope"},
            "absent": {},
        }[change]
        before = snapshot(business_a)
        refused(post(owner, f"{API}/stages/reorder/", body), "order")
        assert snapshot(business_a) == before


# --- Touchpoints ---------------------------------------------------------------------


class TestTouchpoints:
    def test_adding_puts_it_at_the_end_of_its_stage(self, first, owner):
        body = {"stage": str(first.uuid), "name": "Flyer"}
        response = post(owner, f"{API}/touchpoints/", body)
        assert response.status_code == 201
        touchpoint = touchpoints_of(first)[-1]
        assert response.json() == {
            "uuid": str(touchpoint.uuid), "name": "Flyer", "key": "", "stage": str(first.uuid),
            "position": touchpoint.position, "archived": False, "archived_at": None,
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"stage": "FIRST", "name": ""}, "name"),
            ({"stage": "FIRST"}, "name"),
            ({"stage": "FIRST", "name": "x" * 101}, "name"),
            ({"name": "Flyer"}, "stage"),
            ({"stage": "nope", "name": "Flyer"}, "stage"),
            ({"stage": "00000000-0000-4000-8000-000000000000", "name": "Flyer"}, "stage"),
            ({"stage": "OTHER", "name": "Flyer"}, "stage"),
            ({"stage": "ARCHIVED", "name": "Flyer"}, "stage"),
        ],
    )
    def test_adding_bad_input_is_refused_naming_the_field(
        self, business_a, business_b, first, second, owner, body, field
    ):
        stage_archive(stage=second)
        swap = {
            "FIRST": str(first.uuid),
            "OTHER": str(live_stages(business_b)[0].uuid),
            "ARCHIVED": str(second.uuid),
        }
        if "stage" in body:
            body = {**body, "stage": swap.get(body["stage"], body["stage"])}
        before = snapshot(business_a)
        refused(post(owner, f"{API}/touchpoints/", body), field)
        assert snapshot(business_a) == before

    def test_renaming_and_moving_to_another_stage(self, first, second, owner):
        touchpoint = touchpoints_of(first)[0]
        url = f"{API}/touchpoints/{touchpoint.uuid}/"
        assert patch(owner, url, {"name": "Instagram"}).json()["name"] == "Instagram"
        body = patch(owner, url, {"stage": str(second.uuid)}).json()
        assert (body["name"], body["stage"]) == ("Instagram", str(second.uuid))
        assert touchpoints_of(second)[-1] == touchpoint
        assert touchpoint not in touchpoints_of(first)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": ""}, "name"),
            ({"stage": "nope"}, "stage"),
            ({"stage": "OTHER"}, "stage"),
            ({"stage": "ARCHIVED"}, "stage"),
        ],
    )
    def test_bad_changes_are_refused_naming_the_field(
        self, business_a, business_b, first, second, owner, body, field
    ):
        stage_archive(stage=second)
        swap = {"OTHER": str(live_stages(business_b)[0].uuid), "ARCHIVED": str(second.uuid)}
        if "stage" in body:
            body = {"stage": swap.get(body["stage"], body["stage"])}
        touchpoint = touchpoints_of(first)[0]
        before = snapshot(business_a)
        refused(patch(owner, f"{API}/touchpoints/{touchpoint.uuid}/", body), field)
        assert snapshot(business_a) == before

    def test_archiving_keeps_the_row(self, first, owner):
        touchpoint = touchpoints_of(first)[0]
        body = post(owner, f"{API}/touchpoints/{touchpoint.uuid}/archive/").json()
        assert body["archived"] is True
        touchpoint.refresh_from_db()
        assert touchpoint.archived_at is not None
        body = post(owner, f"{API}/touchpoints/{touchpoint.uuid}/restore/").json()
        assert (body["archived"], body["archived_at"]) == (False, None)

    def test_restoring_in_an_archived_stage_is_refused(self, business_a, first, owner):
        touchpoint = touchpoints_of(first)[0]
        stage_archive(stage=first)
        before = snapshot(business_a)
        refused(post(owner, f"{API}/touchpoints/{touchpoint.uuid}/restore/"), "stage")
        assert snapshot(business_a) == before

    def test_reordering_in_a_stage(self, first, owner):
        order = [str(t.uuid) for t in reversed(touchpoints_of(first))]
        response = post(owner, f"{API}/stages/{first.uuid}/touchpoints/reorder/", {"order": order})
        assert response.status_code == 200
        assert [t["uuid"] for t in response.json()["touchpoints"]] == order
        assert [str(t.uuid) for t in touchpoints_of(first)] == order

    @pytest.mark.parametrize("change", ["missing", "extra", "twice", "from_another_stage"])
    def test_reordering_refuses_anything_but_each_touchpoint_once(
        self, business_a, first, second, owner, change
    ):
        order = [str(t.uuid) for t in touchpoints_of(first)]
        wrong = {
            "missing": order[1:],
            "extra": [*order, "00000000-0000-4000-8000-000000000000"],
            "twice": [*order, order[0]],
            "from_another_stage": [*order, str(touchpoints_of(second)[0].uuid)],
        }[change]
        before = snapshot(business_a)
        url = f"{API}/stages/{first.uuid}/touchpoints/reorder/"
        refused(post(owner, url, {"order": wrong}), "order")
        assert snapshot(business_a) == before


# --- Roles and other businesses ------------------------------------------------------


def writes(stage: Stage, touchpoint: Touchpoint) -> list[tuple[str, str, dict]]:
    order = {"order": [str(stage.uuid)]}
    return [
        ("post", f"{API}/stages/", {"name": "X"}),
        ("patch", f"{API}/stages/{stage.uuid}/", {"name": "X"}),
        ("post", f"{API}/stages/{stage.uuid}/archive/", {}),
        ("post", f"{API}/stages/{stage.uuid}/restore/", {}),
        ("post", f"{API}/stages/reorder/", order),
        ("post", f"{API}/stages/{stage.uuid}/touchpoints/reorder/", order),
        ("post", f"{API}/touchpoints/", {"stage": str(stage.uuid), "name": "X"}),
        ("patch", f"{API}/touchpoints/{touchpoint.uuid}/", {"name": "X"}),
        ("post", f"{API}/touchpoints/{touchpoint.uuid}/archive/", {}),
        ("post", f"{API}/touchpoints/{touchpoint.uuid}/restore/", {}),
    ]


class TestAccess:
    def test_staff_cannot_change_anything(self, business_a, first, bob, client_of):
        client = client_of(bob)
        before = snapshot(business_a)
        for method, url, body in writes(first, touchpoints_of(first)[0]):
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 403, (method, url)
        assert snapshot(business_a) == before

    def test_an_outsider_gets_404_on_every_object(
        self, business_a, first, charlie, business_b, client_of
    ):
        client = client_of(charlie)
        touchpoint = touchpoints_of(first)[0]
        before = snapshot(business_a)
        assert client.get(f"{API}/stages/{first.uuid}/").status_code == 404
        assert client.get(f"{API}/touchpoints/{touchpoint.uuid}/").status_code == 404
        object_urls = [w for w in writes(first, touchpoint) if str(first.uuid) in w[1]]
        object_urls += [w for w in writes(first, touchpoint) if str(touchpoint.uuid) in w[1]]
        for method, url, body in object_urls:
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 404, (method, url)
            assert response.json() == {"detail": "Not found.", "errors": {}}
        assert snapshot(business_a) == before

    def test_an_outsider_reads_only_their_own_journey(
        self, business_a, charlie, business_b, client_of
    ):
        body = client_of(charlie).get(f"{API}/").json()
        theirs = {s["uuid"] for s in body["stages"]}
        assert theirs == {str(s.uuid) for s in all_stages(business_b)}
        assert not theirs & {str(s.uuid) for s in all_stages(business_a)}

    def test_an_unknown_or_malformed_uuid_is_404(self, owner):
        assert owner.get(f"{API}/stages/00000000-0000-4000-8000-000000000000/").status_code == 404
        assert post(owner, f"{API}/touchpoints/nope/archive/").status_code == 404

    def test_the_schema_lists_the_endpoints(self, client):
        schema = client.get("/api/schema/").content.decode()
        for path in [
            "/api/v1/journey/:",
            "/api/v1/journey/stages/reorder/:",
            "/api/v1/journey/stages/{uuid}/touchpoints/reorder/:",
            "/api/v1/journey/touchpoints/{uuid}/restore/:",
        ]:
            assert path in schema
