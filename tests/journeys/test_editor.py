"""The journey editor in the browser: stages and touchpoints added, renamed, moved, archived."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import business_create
from journeys.models import Journey, Stage, Touchpoint
from journeys.services import stage_archive, touchpoint_archive

pytestmark = pytest.mark.django_db

EDIT = reverse("journeys:edit")


def url(name: str, *args) -> str:
    return reverse(f"journeys:edit_{name}", args=args)


def live_stages(business) -> list[Stage]:
    return list(Stage.objects.filter(business=business, archived_at=None).order_by("position"))


def live_touchpoints(stage: Stage) -> list[Touchpoint]:
    return list(stage.touchpoints.filter(archived_at=None).order_by("position"))


def names(rows) -> list[str]:
    return [row.name for row in rows]


def snapshot(business) -> list[tuple]:
    """Everything the editor can change, to show a refused request wrote nothing."""
    stages = Stage.objects.filter(business=business).order_by("id")
    touchpoints = Touchpoint.objects.filter(business=business).order_by("id")
    return [(s.uuid, s.name, s.position, s.archived_at) for s in stages] + [
        (t.uuid, t.name, t.stage_id, t.position, t.archived_at) for t in touchpoints
    ]


@pytest.fixture
def owner(alice, business_a, client_of) -> Client:
    return client_of(alice)


@pytest.fixture
def first(business_a) -> Stage:
    return live_stages(business_a)[0]


@pytest.fixture
def second(business_a) -> Stage:
    return live_stages(business_a)[1]


def assert_refused(response, *texts: str) -> str:
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was changed." in html
    for text in texts:
        assert text in html
    return html


# --- The page ------------------------------------------------------------------------


class TestThePage:
    def test_it_shows_the_stages_in_order_with_their_touchpoints(self, business_a, owner):
        html = owner.get(EDIT).content.decode()
        stages = live_stages(business_a)
        places = [html.index(f'id="stage-{stage.uuid}"') for stage in stages]
        assert places == sorted(places)
        for stage in stages:
            for touchpoint in live_touchpoints(stage):
                assert f'id="touchpoint-{touchpoint.uuid}"' in html
        assert "Order and pay" in html
        assert 'name="csrfmiddlewaretoken"' in html

    def test_managers_may_use_it(self, mia, client_of):
        assert client_of(mia).get(EDIT).status_code == 200

    def test_it_requires_a_manager_role(self, bob, business_a, first, client_of):
        client = client_of(bob)
        before = snapshot(business_a)
        assert client.get(EDIT).status_code == 403
        touchpoint = live_touchpoints(first)[0]
        for action, args, data in [
            ("stage_add", (), {"name": "New"}),
            ("stage_rename", (first.uuid,), {"name": "New"}),
            ("stage_move", (first.uuid,), {"direction": "down"}),
            ("stage_archive", (first.uuid,), {}),
            ("stage_restore", (first.uuid,), {}),
            ("touchpoint_add", (first.uuid,), {"name": "New"}),
            ("touchpoint", (touchpoint.uuid,), {"name": "New", "stage": str(first.uuid)}),
            ("touchpoint_move", (touchpoint.uuid,), {"direction": "down"}),
            ("touchpoint_archive", (touchpoint.uuid,), {}),
            ("touchpoint_restore", (touchpoint.uuid,), {}),
        ]:
            assert client.post(url(action, *args), data).status_code == 403, action
        assert snapshot(business_a) == before

    def test_signing_in_comes_first(self, business_a):
        response = Client().get(EDIT)
        assert response.status_code == 302
        assert "/accounts/" in response["Location"]

    def test_a_business_without_a_journey_gets_its_ready_made_one(self, charlie, client_of):
        shop = business_create(name="Corner Shop", owner=charlie, industry="retail")
        assert not Journey.objects.filter(business=shop).exists()
        client = client_of(charlie)
        client.post(reverse("accounts:switch", args=[shop.uuid]))
        html = client.get(EDIT).content.decode()
        journey = Journey.objects.get(business=shop)
        assert journey.template == "retail"
        assert "Returns and exchanges" in html
        client.get(EDIT)
        assert Journey.objects.filter(business=shop).count() == 1

    def test_names_are_escaped(self, business_a, first, owner):
        owner.post(url("stage_add"), {"name": "<script>alert(1)</script>"})
        owner.post(url("touchpoint_add", first.uuid), {"name": "<b>bold</b>"})
        html = owner.get(EDIT).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html
        assert "<script>alert" not in html and "<b>bold" not in html

    def test_the_nav_links_the_map_for_managers_only(self, alice, bob, client_of):
        link = f'<a href="{reverse("journeys:map")}"'
        assert link in client_of(alice).get(EDIT).content.decode()
        staff_page = client_of(bob).get(reverse("interactions:list")).content.decode()
        assert link not in staff_page

    def test_changes_need_a_post(self, first, owner):
        assert owner.get(url("stage_archive", first.uuid)).status_code == 405
        assert first.__class__.objects.get(pk=first.pk).archived_at is None


# --- Stages --------------------------------------------------------------------------


class TestStages:
    def test_adding_puts_it_at_the_end(self, business_a, owner):
        response = owner.post(url("stage_add"), {"name": "  Recommend  "})
        stage = live_stages(business_a)[-1]
        assert stage.name == "Recommend"
        assert response.status_code == 302
        assert response["Location"] == f"{EDIT}#stage-{stage.uuid}"
        assert "Stage “Recommend” added." in owner.get(EDIT).content.decode()

    @pytest.mark.parametrize("name", ["", "   "])
    def test_adding_without_a_name_is_refused_naming_the_field(self, business_a, owner, name):
        before = snapshot(business_a)
        response = owner.post(url("stage_add"), {"name": name})
        html = assert_refused(response, "Stage name: This field is required.")
        assert 'href="#new-stage-name"' in html and 'id="new-stage-name"' in html
        assert snapshot(business_a) == before

    def test_a_name_too_long_is_refused(self, business_a, owner):
        before = snapshot(business_a)
        response = owner.post(url("stage_add"), {"name": "x" * 101})
        assert_refused(response, "Stage name: Ensure this value has at most 100 characters")
        assert snapshot(business_a) == before

    def test_renaming(self, first, owner):
        response = owner.post(url("stage_rename", first.uuid), {"name": "Find us"})
        assert response.status_code == 302
        first.refresh_from_db()
        assert first.name == "Find us"

    def test_renaming_to_nothing_is_refused_next_to_the_field(self, business_a, first, owner):
        before = snapshot(business_a)
        response = owner.post(url("stage_rename", first.uuid), {"name": ""})
        html = assert_refused(response, "Stage name: This field is required.")
        field_id = f"stage-{first.uuid}-name"
        assert f'href="#{field_id}"' in html
        # The rename form is opened, with the error right under its input.
        form_part = html[html.index(f'id="{field_id}"') :]
        assert form_part.index("This field is required.") < form_part.index("</form>")
        assert snapshot(business_a) == before

    def test_moving_down_and_up(self, business_a, first, second, owner):
        assert owner.post(url("stage_move", first.uuid), {"direction": "down"}).status_code == 302
        assert live_stages(business_a)[:2] == [second, first]
        owner.post(url("stage_move", first.uuid), {"direction": "up"})
        assert live_stages(business_a)[:2] == [first, second]

    def test_moving_past_either_end_changes_nothing(self, business_a, first, owner):
        before = snapshot(business_a)
        assert owner.post(url("stage_move", first.uuid), {"direction": "up"}).status_code == 302
        last = live_stages(business_a)[-1]
        owner.post(url("stage_move", last.uuid), {"direction": "down"})
        assert snapshot(business_a) == before

    def test_moving_skips_archived_stages_and_keeps_their_place(
        self, business_a, first, second, owner
    ):
        third = live_stages(business_a)[2]
        stage_archive(stage=second)
        owner.post(url("stage_move", third.uuid), {"direction": "up"})
        assert live_stages(business_a)[:2] == [third, first]
        owner.post(url("stage_restore", second.uuid))
        assert live_stages(business_a)[:3] == [third, second, first]

    @pytest.mark.parametrize("data", [{}, {"direction": "sideways"}])
    def test_a_bad_direction_is_refused(self, business_a, first, owner, data):
        before = snapshot(business_a)
        response = owner.post(url("stage_move", first.uuid), data)
        assert_refused(response, "Direction:")
        assert snapshot(business_a) == before

    def test_archiving_keeps_the_rows_and_shows_them_greyed(self, business_a, first, owner):
        touchpoints = live_touchpoints(first)
        response = owner.post(url("stage_archive", first.uuid))
        assert response["Location"] == f"{EDIT}#archived"
        first.refresh_from_db()
        assert first.archived_at is not None
        for touchpoint in touchpoints:
            touchpoint.refresh_from_db()
            assert touchpoint.archived_at == first.archived_at
        html = owner.get(EDIT).content.decode()
        archived = html[html.index('id="archived"') :]
        assert f'id="stage-{first.uuid}"' in archived
        assert html.count(f'id="stage-{first.uuid}"') == 1
        assert url("stage_restore", first.uuid) in archived
        assert "Archived touchpoints keep their history on the map" in archived

    def test_restoring_brings_back_what_was_archived_with_it(self, first, owner):
        alone, *together = live_touchpoints(first)
        touchpoint_archive(touchpoint=alone)
        owner.post(url("stage_archive", first.uuid))
        owner.post(url("stage_archive", first.uuid))  # a second time keeps the first moment
        assert owner.post(url("stage_restore", first.uuid)).status_code == 302
        first.refresh_from_db()
        assert first.archived_at is None
        assert live_touchpoints(first) == together
        alone.refresh_from_db()
        assert alone.archived_at is not None


# --- Touchpoints ---------------------------------------------------------------------


class TestTouchpoints:
    def test_adding_puts_it_at_the_end_of_its_stage(self, first, owner):
        response = owner.post(url("touchpoint_add", first.uuid), {"name": "Flyer"})
        touchpoint = live_touchpoints(first)[-1]
        assert touchpoint.name == "Flyer"
        assert touchpoint.key == ""
        assert response["Location"] == f"{EDIT}#touchpoint-{touchpoint.uuid}"

    def test_adding_without_a_name_is_refused_naming_the_field(self, business_a, first, owner):
        before = snapshot(business_a)
        response = owner.post(url("touchpoint_add", first.uuid), {"name": " "})
        html = assert_refused(response, "Touchpoint name: This field is required.")
        assert f'href="#stage-{first.uuid}-new-name"' in html
        assert snapshot(business_a) == before

    def test_adding_to_an_archived_stage_is_refused(self, business_a, first, owner):
        stage_archive(stage=first)
        before = snapshot(business_a)
        response = owner.post(url("touchpoint_add", first.uuid), {"name": "Flyer"})
        assert_refused(response, "This stage is archived.")
        assert snapshot(business_a) == before

    def test_renaming(self, first, owner):
        touchpoint = live_touchpoints(first)[0]
        data = {"name": "Instagram", "stage": str(first.uuid)}
        assert owner.post(url("touchpoint", touchpoint.uuid), data).status_code == 302
        touchpoint.refresh_from_db()
        assert (touchpoint.name, touchpoint.stage_id) == ("Instagram", first.pk)

    def test_moving_to_another_stage_puts_it_at_the_end(self, first, second, owner):
        touchpoint = live_touchpoints(first)[0]
        data = {"name": touchpoint.name, "stage": str(second.uuid)}
        assert owner.post(url("touchpoint", touchpoint.uuid), data).status_code == 302
        assert live_touchpoints(second)[-1] == touchpoint
        assert touchpoint not in live_touchpoints(first)

    @pytest.mark.parametrize(
        ("data", "text"),
        [
            ({"name": "", "stage": "SECOND"}, "Name: This field is required."),
            ({"name": "x" * 101, "stage": "SECOND"}, "Name: Ensure this value has at most"),
            ({"name": "X", "stage": "not-a-uuid"}, "Stage: Select a valid choice."),
            ({"name": "X", "stage": "OTHER"}, "Stage: Select a valid choice."),
            ({"name": "X", "stage": "ARCHIVED"}, "Stage: Select a valid choice."),
        ],
    )
    def test_bad_changes_are_refused_next_to_their_field(
        self, business_a, business_b, first, second, owner, data, text
    ):
        archived = live_stages(business_a)[2]
        stage_archive(stage=archived)
        others = live_stages(business_b)[0]
        swap = {"SECOND": second.uuid, "OTHER": others.uuid, "ARCHIVED": archived.uuid}
        data = {**data, "stage": str(swap.get(data["stage"], data["stage"]))}
        touchpoint = live_touchpoints(first)[0]
        before = snapshot(business_a)
        response = owner.post(url("touchpoint", touchpoint.uuid), data)
        html = assert_refused(response, text)
        assert '<details style="width:100%" open>' in html
        assert snapshot(business_a) == before

    def test_moving_down_and_up_in_its_stage(self, first, owner):
        one, two = live_touchpoints(first)[:2]
        owner.post(url("touchpoint_move", one.uuid), {"direction": "down"})
        assert live_touchpoints(first)[:2] == [two, one]
        owner.post(url("touchpoint_move", one.uuid), {"direction": "up"})
        assert live_touchpoints(first)[:2] == [one, two]

    def test_a_bad_direction_is_refused(self, business_a, first, owner):
        touchpoint = live_touchpoints(first)[0]
        before = snapshot(business_a)
        response = owner.post(url("touchpoint_move", touchpoint.uuid), {"direction": "left"})
        assert_refused(response, "Direction:")
        assert snapshot(business_a) == before

    def test_archiving_keeps_the_row_and_offers_restore(self, business_a, first, owner):
        touchpoint = live_touchpoints(first)[0]
        assert owner.post(url("touchpoint_archive", touchpoint.uuid)).status_code == 302
        touchpoint.refresh_from_db()
        assert touchpoint.archived_at is not None
        assert Touchpoint.objects.filter(pk=touchpoint.pk).exists()
        html = owner.get(EDIT).content.decode()
        archived = html[html.index('id="archived"') :]
        assert f'id="touchpoint-{touchpoint.uuid}"' in archived
        assert html.count(f'id="touchpoint-{touchpoint.uuid}"') == 1
        assert url("touchpoint_restore", touchpoint.uuid) in archived
        assert "Archived touchpoints keep their history on the map" in archived

    def test_restoring(self, first, owner):
        touchpoint = live_touchpoints(first)[0]
        touchpoint_archive(touchpoint=touchpoint)
        assert owner.post(url("touchpoint_restore", touchpoint.uuid)).status_code == 302
        touchpoint.refresh_from_db()
        assert touchpoint.archived_at is None

    def test_restoring_in_an_archived_stage_is_refused(self, business_a, first, owner):
        touchpoint = live_touchpoints(first)[0]
        stage_archive(stage=first)
        before = snapshot(business_a)
        response = owner.post(url("touchpoint_restore", touchpoint.uuid))
        assert_refused(response, "This stage is archived.")
        assert snapshot(business_a) == before


# --- Other businesses ----------------------------------------------------------------


class TestOtherBusinesses:
    def test_an_outsider_gets_404_on_every_object(
        self, business_a, first, charlie, business_b, client_of
    ):
        client = client_of(charlie)
        touchpoint = live_touchpoints(first)[0]
        before = snapshot(business_a)
        for action, args, data in [
            ("stage_rename", (first.uuid,), {"name": "Mine"}),
            ("stage_move", (first.uuid,), {"direction": "down"}),
            ("stage_archive", (first.uuid,), {}),
            ("stage_restore", (first.uuid,), {}),
            ("touchpoint_add", (first.uuid,), {"name": "Mine"}),
            ("touchpoint", (touchpoint.uuid,), {"name": "Mine", "stage": str(first.uuid)}),
            ("touchpoint_move", (touchpoint.uuid,), {"direction": "down"}),
            ("touchpoint_archive", (touchpoint.uuid,), {}),
            ("touchpoint_restore", (touchpoint.uuid,), {}),
        ]:
            assert client.post(url(action, *args), data).status_code == 404, action
        assert snapshot(business_a) == before

    def test_an_outsider_sees_only_their_own_journey(
        self, business_a, charlie, business_b, client_of
    ):
        html = client_of(charlie).get(EDIT).content.decode()
        assert "Online booking" in html  # the salon's ready-made journey
        assert "Order and pay" not in html
        assert not any(str(stage.uuid) in html for stage in live_stages(business_a))

    def test_an_unknown_uuid_is_404(self, owner):
        unknown = "00000000-0000-4000-8000-000000000000"
        assert owner.post(url("stage_rename", unknown), {"name": "X"}).status_code == 404
        assert owner.post(url("touchpoint_archive", unknown)).status_code == 404
