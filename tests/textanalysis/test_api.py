"""The text-insight API: alerts, aspects, insight settings, rescores, and explanations."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from accounts.services import api_key_create
from feedback.interactions.services import interaction_log
from feedback.models import Answer
from tests.textanalysis.conftest import ANGRY
from textanalysis.models import Alert, Aspect, RescoreJob
from textanalysis.services import insight_settings_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(comment) -> Alert:
    comment(ANGRY)
    return Alert.objects.get()


def wait_time(business) -> Aspect:
    insight_settings_for(business)
    return Aspect.objects.get(business=business, key="wait_time")


def patch(client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


def post(client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


# --- Explanations on answers and interactions ---------------------------------------


class TestExplanations:
    def test_a_comment_comes_with_its_words_and_aspects(self, comment, alice, client_of):
        response = comment("The coffee was great but we waited 40 minutes", score=9).response
        body = client_of(alice).get(f"/api/v1/responses/{response.uuid}/").json()
        text = next(a for a in body["answers"] if a["kind"] == "text")
        sentiment = text["sentiment"]
        assert sentiment["label"] == "positive"
        assert sentiment["reason"] == ""
        assert sentiment["words"] == [{"start": 15, "end": 20, "valence": 1.55, "text": "great"}]
        assert sentiment["aspects"]["wait_time"] < 0 < sentiment["aspects"]["quality"]
        assert sentiment["scored_at"]

    def test_a_text_not_scored_says_why(self, comment, alice, client_of):
        response = comment("Le café est bon", score=9).response
        body = client_of(alice).get(f"/api/v1/responses/{response.uuid}/").json()
        sentiment = next(a for a in body["answers"] if a["kind"] == "text")["sentiment"]
        assert (sentiment["label"], sentiment["score"]) == ("unscored", None)
        assert (sentiment["reason"], sentiment["words"]) == ("language", [])

    def test_an_interaction_note_comes_with_its_words(
        self, business_a, bob, client_of, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            note = interaction_log(
                business=business_a, staff=bob, channel="phone", note="A lovely chat"
            )
        body = client_of(bob).get(f"/api/v1/interactions/{note.uuid}/").json()
        assert body["note"] == "A lovely chat"
        assert body["sentiment"]["label"] == "positive"
        assert body["sentiment"]["words"][0]["text"] == "lovely"

    def test_offsets_that_no_longer_fit_the_text_are_left_out(self, comment, alice, client_of):
        response = comment("Great coffee", score=9).response
        Answer.objects.filter(response=response, question__kind="text").update(text="Hi")
        body = client_of(alice).get(f"/api/v1/responses/{response.uuid}/").json()
        sentiment = next(a for a in body["answers"] if a["kind"] == "text")["sentiment"]
        assert sentiment["words"] == []


# --- Alerts --------------------------------------------------------------------------


class TestAlerts:
    def test_members_list_and_read_them(self, alert, bob, client_of):
        client = client_of(bob)
        listed = client.get("/api/v1/alerts/").json()["results"]
        assert [a["uuid"] for a in listed] == [str(alert.uuid)]
        one = client.get(f"/api/v1/alerts/{alert.uuid}/").json()
        assert one["reason"] == "negative"
        assert one["excerpt"] == ANGRY
        assert one["source"] == "feedback.Answer"
        assert one["acknowledged_at"] is None
        assert one["url"] == f"http://testserver/insights/alerts/{alert.uuid}/"

    def test_acknowledging_records_who(self, alert, mia, client_of):
        client = client_of(mia)
        body = post(client, f"/api/v1/alerts/{alert.uuid}/acknowledge/").json()
        assert body["acknowledged_by"] == "mia@a.example"
        first = body["acknowledged_at"]
        again = post(client, f"/api/v1/alerts/{alert.uuid}/acknowledge/").json()
        assert again["acknowledged_at"] == first

    def test_the_list_filters_by_acknowledgement(self, comment, alice, client_of):
        comment(ANGRY)
        comment("Awful, rude, horrible. Never again.")
        done, waiting = Alert.objects.order_by("created_at", "id")
        client = client_of(alice)
        post(client, f"/api/v1/alerts/{done.uuid}/acknowledge/")
        only_waiting = client.get("/api/v1/alerts/?acknowledged=false").json()["results"]
        assert [a["uuid"] for a in only_waiting] == [str(waiting.uuid)]
        only_done = client.get("/api/v1/alerts/?acknowledged=true").json()["results"]
        assert [a["uuid"] for a in only_done] == [str(done.uuid)]
        assert len(client.get("/api/v1/alerts/").json()["results"]) == 2

    def test_a_read_only_key_cannot_acknowledge(self, alert, business_a, alice, client_of):
        _, raw_key = api_key_create(business=business_a, name="Till", created_by=alice)
        headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}
        client = client_of(alice)
        client.logout()
        assert client.get("/api/v1/alerts/", **headers).status_code == 200
        url = f"/api/v1/alerts/{alert.uuid}/acknowledge/"
        assert client.post(url, **headers).status_code == 403
        alert.refresh_from_db()
        assert alert.acknowledged_at is None

    def test_an_outsider_sees_none(self, alert, charlie, business_b, client_of):
        client = client_of(charlie)
        assert client.get("/api/v1/alerts/").json()["results"] == []
        assert client.get(f"/api/v1/alerts/{alert.uuid}/").status_code == 404
        assert post(client, f"/api/v1/alerts/{alert.uuid}/acknowledge/").status_code == 404
        alert.refresh_from_db()
        assert alert.acknowledged_at is None


# --- Aspects -------------------------------------------------------------------------


class TestAspects:
    def test_everyone_reads_them_in_order(self, business_a, bob, client_of):
        body = client_of(bob).get("/api/v1/aspects/").json()
        assert [a["key"] for a in body][:3] == ["quality", "wait_time", "staff"]
        one = client_of(bob).get(f"/api/v1/aspects/{wait_time(business_a).uuid}/").json()
        assert one["name"] == "Wait time"
        assert "wait*" in one["terms"]

    def test_managers_add_one_with_a_key_made_from_its_name(self, business_a, mia, client_of):
        insight_settings_for(business_a)
        response = post(
            client_of(mia), "/api/v1/aspects/",
            {"name": "Parking spaces", "terms": ["parking", " car  park* ", "Parking"]},
        )  # fmt: skip
        assert response.status_code == 201
        body = response.json()
        assert (body["key"], body["terms"]) == ("parking_spaces", ["parking", "car park*"])
        assert Aspect.objects.filter(business=business_a, key="parking_spaces").exists()

    def test_a_key_can_be_given_when_adding(self, business_a, alice, client_of):
        body = post(
            client_of(alice), "/api/v1/aspects/",
            {"key": "kids", "name": "Children welcome", "terms": ["kids", "children"]},
        ).json()  # fmt: skip
        assert body["key"] == "kids"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "", "terms": ["x"]}, "name"),
            ({"name": "Parking", "terms": []}, "terms"),
            ({"name": "Parking", "terms": [" ", ""]}, "terms"),
            ({"name": "Parking", "terms": ["*"]}, "terms"),
            ({"name": "Parking"}, "terms"),
            ({"name": "Wait time", "terms": ["x"]}, "name"),
            ({"key": "wait_time", "name": "Queues", "terms": ["x"]}, "key"),
            ({"key": "Not a key!", "name": "Queues", "terms": ["x"]}, "key"),
        ],
    )
    def test_adding_refuses_with_the_field_named(self, business_a, alice, client_of, body, field):
        insight_settings_for(business_a)
        before = Aspect.objects.filter(business=business_a).count()
        response = post(client_of(alice), "/api/v1/aspects/", body)
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert Aspect.objects.filter(business=business_a).count() == before

    def test_changing_keeps_the_key(self, business_a, alice, client_of):
        aspect = wait_time(business_a)
        response = patch(
            client_of(alice), f"/api/v1/aspects/{aspect.uuid}/",
            {"name": "Queueing", "key": "ignored"},
        )  # fmt: skip
        assert response.status_code == 200
        assert (response.json()["key"], response.json()["name"]) == ("wait_time", "Queueing")
        aspect.refresh_from_db()
        assert aspect.terms  # untouched

    def test_changing_to_no_terms_is_refused(self, business_a, alice, client_of):
        aspect = wait_time(business_a)
        response = patch(client_of(alice), f"/api/v1/aspects/{aspect.uuid}/", {"terms": []})
        assert response.status_code == 400
        assert "terms" in response.json()["errors"]

    def test_deleting_removes_it(self, business_a, alice, client_of):
        aspect = wait_time(business_a)
        assert client_of(alice).delete(f"/api/v1/aspects/{aspect.uuid}/").status_code == 204
        assert not Aspect.objects.filter(pk=aspect.pk).exists()

    def test_staff_cannot_change_them(self, business_a, bob, client_of):
        aspect = wait_time(business_a)
        client = client_of(bob)
        url = f"/api/v1/aspects/{aspect.uuid}/"
        assert post(client, "/api/v1/aspects/", {"name": "X", "terms": ["x"]}).status_code == 403
        assert patch(client, url, {"name": "X"}).status_code == 403
        assert client.delete(url).status_code == 403
        aspect.refresh_from_db()
        assert aspect.name == "Wait time"

    def test_an_outsider_sees_only_their_own(self, business_a, charlie, business_b, client_of):
        aspect = wait_time(business_a)
        client = client_of(charlie)
        listed = {a["uuid"] for a in client.get("/api/v1/aspects/").json()}
        assert str(aspect.uuid) not in listed
        assert listed == {
            str(u)
            for u in Aspect.objects.filter(business=business_b).values_list("uuid", flat=True)
        }
        url = f"/api/v1/aspects/{aspect.uuid}/"
        assert client.get(url).status_code == 404
        assert patch(client, url, {"name": "Mine"}).status_code == 404
        assert client.delete(url).status_code == 404
        aspect.refresh_from_db()
        assert aspect.name == "Wait time"


# --- Insight settings ----------------------------------------------------------------


class TestInsightSettings:
    URL = "/api/v1/insight-settings/"

    def test_managers_read_the_rules(self, business_a, mia, client_of):
        body = client_of(mia).get(self.URL).json()
        assert body["alert_threshold"] == -0.6
        assert "food poisoning" in body["urgent_terms"]
        assert body["webhook_url"] == ""

    def test_managers_change_some_of_them(self, business_a, alice, client_of):
        response = patch(
            client_of(alice), self.URL,
            {"alert_threshold": -0.3, "webhook_url": "https://hooks.example.com/a"},
        )  # fmt: skip
        assert response.status_code == 200
        row = insight_settings_for(business_a)
        assert (row.alert_threshold, row.webhook_url) == (-0.3, "https://hooks.example.com/a")
        assert "food poisoning" in row.urgent_terms  # not sent, not changed

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"alert_threshold": 0.2}, "alert_threshold"),
            ({"alert_threshold": -1.01}, "alert_threshold"),
            ({"alert_threshold": "low"}, "alert_threshold"),
            ({"webhook_url": "ftp://x.example.com/"}, "webhook_url"),
            ({"webhook_url": "not a url"}, "webhook_url"),
            ({"urgent_terms": "refund"}, "urgent_terms"),
            ({"urgent_terms": ["refund", "*"]}, "urgent_terms"),
        ],
    )
    def test_bad_values_are_refused_with_the_field_named(
        self, business_a, alice, client_of, body, field
    ):
        response = patch(client_of(alice), self.URL, body)
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert insight_settings_for(business_a).alert_threshold == -0.6

    def test_staff_are_refused(self, business_a, bob, client_of):
        client = client_of(bob)
        assert client.get(self.URL).status_code == 403
        assert patch(client, self.URL, {"alert_threshold": -0.1}).status_code == 403

    def test_an_outsider_reads_and_changes_only_their_own(
        self, business_a, charlie, business_b, client_of
    ):
        patch(client_of(charlie), self.URL, {"webhook_url": "https://hooks.example.com/b"})
        assert insight_settings_for(business_a).webhook_url == ""
        assert insight_settings_for(business_b).webhook_url == "https://hooks.example.com/b"


# --- Rescores ------------------------------------------------------------------------


class TestRescores:
    def test_starting_answers_202_and_the_job_reports_progress(
        self, comment, business_a, alice, client_of, django_capture_on_commit_callbacks
    ):
        comment("Great coffee", score=9)
        comment(ANGRY)
        client = client_of(alice)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, "/api/v1/rescores/")
        assert response.status_code == 202
        started = response.json()
        assert started["status"] == "queued"
        assert started["requested_by"] == "alice@a.example"
        job = client.get(f"/api/v1/rescores/{started['uuid']}/").json()
        assert (job["status"], job["total"], job["done"]) == ("done", 2, 2)
        assert job["progress_percent"] == 100
        assert job["finished_at"]
        listed = client.get("/api/v1/rescores/").json()["results"]
        assert [j["uuid"] for j in listed] == [started["uuid"]]

    def test_a_second_start_returns_the_running_one(self, business_a, mia, client_of):
        client = client_of(mia)
        first = post(client, "/api/v1/rescores/").json()  # its task waits for the commit
        second = post(client, "/api/v1/rescores/").json()
        assert first["uuid"] == second["uuid"]
        assert RescoreJob.objects.count() == 1

    def test_staff_are_refused(self, business_a, bob, client_of):
        client = client_of(bob)
        assert post(client, "/api/v1/rescores/").status_code == 403
        assert client.get("/api/v1/rescores/").status_code == 403
        assert not RescoreJob.objects.exists()

    def test_an_outsider_sees_none(self, business_a, alice, charlie, business_b, client_of):
        job = post(client_of(alice), "/api/v1/rescores/").json()
        client = client_of(charlie)
        assert client.get("/api/v1/rescores/").json()["results"] == []
        assert client.get(f"/api/v1/rescores/{job['uuid']}/").status_code == 404


class TestConfigurationAudit:
    """Changes to what the analyser does are in the owner's audit log: who, which fields or
    which aspect; no values (a webhook URL may carry a token)."""

    def entries(self, business) -> list[tuple]:
        rows = AuditEntry.objects.filter(business=business).order_by("pk")
        return [(row.action, row.actor, row.target, row.detail) for row in rows]

    def test_a_settings_change_names_the_fields_that_changed(self, business_a, alice, client_of):
        client = client_of(alice)
        url = TestInsightSettings.URL
        patch(client, url, {"alert_threshold": -0.3, "webhook_url": "https://h.example.com/t0k"})
        patch(client, url, {"alert_threshold": -0.3})  # the same again: nothing to record
        assert self.entries(business_a) == [
            ("insight_settings.update", alice, "", {"fields": ["alert_threshold", "webhook_url"]})
        ]
        assert "t0k" not in str(self.entries(business_a))

    def test_a_refused_change_records_nothing(self, business_a, alice, client_of):
        assert (
            patch(client_of(alice), TestInsightSettings.URL, {"alert_threshold": 2}).status_code
            == 400
        )
        assert self.entries(business_a) == []

    def test_aspects_added_changed_and_removed_are_recorded(self, business_a, mia, client_of):
        client = client_of(mia)
        made = post(client, "/api/v1/aspects/", {"name": "Parking", "terms": ["parking"]})
        url = f"/api/v1/aspects/{made.json()['uuid']}/"
        patch(client, url, {"terms": ["parking", "car park"]})
        client.delete(url)
        assert self.entries(business_a) == [
            ("aspect.create", mia, "parking", {}),
            ("aspect.update", mia, "parking", {"fields": ["terms"]}),
            ("aspect.delete", mia, "parking", {}),
        ]

    def test_the_browser_records_who_too(self, business_a, alice, client_of):
        response = client_of(alice).post("/insights/settings/", {"alert_threshold": "-0.4"})
        assert response.status_code in {200, 302}
        assert self.entries(business_a)[0][:2] == ("insight_settings.update", alice)
