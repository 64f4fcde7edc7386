"""/api/v1/review-sources/: secrets write-only, errors naming the field, archive on delete."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditEntry
from accounts.services import api_key_create, location_create
from cxplatform import vault
from reputation.models import Review, ReviewSource
from reputation.sources.services import source_create
from tests.reputation.conftest import SITE_IDS, sample_reviews

URL = "/api/v1/review-sources/"
SECRET = "tp-api-key-that-is-secret-9876"


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), "application/json", **extra)


def patch(client, url, body, **extra):
    return client.patch(url, json.dumps(body), "application/json", **extra)


def trustpilot(**changes) -> dict:
    return {"provider": "trustpilot", "name": "Trustpilot", "external_id": "5f1e2d3c4b5a",
            "secrets": {"api_key": SECRET}, **changes}  # fmt: skip


@pytest.fixture
def source(business_a):
    return source_create(
        business=business_a, provider="trustpilot",
        values={"name": "Trustpilot", "external_id": "5f1e2d3c4b5a"}, secrets={"api_key": SECRET},
    )  # fmt: skip


class TestWrite:
    def test_secrets_are_write_only_and_the_hint_is_shown(self, business_a, mia, client_of):
        client = client_of(mia)
        place = location_create(business=business_a, name="Centre")
        created = post(client, URL, trustpilot(location=str(place.uuid)))
        assert created.status_code == 201, created.content
        body = created.json()
        assert SECRET not in created.content.decode() and "secrets" not in body
        assert body["secret_hint"] == "…9876" and body["location"] == str(place.uuid)
        assert body["health"] == "new" and body["next_poll_at"] and body["review_count"] == 0
        stored = ReviewSource.objects.get(uuid=body["uuid"])
        assert vault.decrypt(stored.secrets_encrypted) == {"api_key": SECRET}
        for reply in [client.get(URL), client.get(f"{URL}{body['uuid']}/")]:
            assert reply.status_code == 200 and SECRET not in reply.content.decode()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"base_url": "http://10.0.0.7"}, "base_url"),
            ({"base_url": "gopher://example.com"}, "base_url"),
            ({"secrets": {}}, "secrets.api_key"),
            ({"secrets": {"api_key": SECRET, "password": "x"}}, "secrets.password"),
            ({"poll_interval_minutes": 2}, "poll_interval_minutes"),
            ({"external_id": ""}, "external_id"),
            ({"provider": "facebook"}, "provider"),
            ({"location": "00000000-0000-0000-0000-000000000000"}, "location"),
            ({"review_page_url": "data:text/html,hi"}, "review_page_url"),
            ({"health": "ok"}, "health"),
        ],
    )
    def test_validation_errors_name_the_field(self, changes, field, business_a, alice, client_of):
        reply = post(client_of(alice), URL, trustpilot(**changes))
        assert reply.status_code == 400, reply.content
        assert field in reply.json()["errors"], reply.json()
        assert not ReviewSource.objects.exists()

    def test_a_hand_entered_source_takes_no_address_or_key(self, business_a, alice, client_of):
        body = {"provider": "manual", "name": "Facebook", "base_url": "http://10.0.0.1",
                "secrets": {"api_key": "x"}}  # fmt: skip
        reply = post(client_of(alice), URL, body)
        assert reply.status_code == 400
        assert {"base_url", "secrets.api_key"} <= set(reply.json()["errors"])
        plain = post(client_of(alice), URL, {"provider": "manual", "name": "Facebook"})
        assert plain.status_code == 201 and plain.json()["next_poll_at"] is None

    def test_a_private_feed_address_names_the_field(self, business_a, alice, client_of):
        body = {"provider": "feed", "name": "F", "external_id": "http://[::1]:8080/feed.xml"}
        reply = post(client_of(alice), URL, body)
        assert reply.status_code == 400
        assert "Feed address (URL):" in reply.json()["errors"]["external_id"][0]

    def test_partial_update_keeps_secrets_and_refuses_a_new_provider(
        self, source, alice, client_of
    ):
        client = client_of(alice)
        url = f"{URL}{source.uuid}/"
        changed = patch(client, url, {"name": "TP", "poll_interval_minutes": 15})
        assert changed.status_code == 200 and changed.json()["name"] == "TP"
        source.refresh_from_db()
        assert vault.decrypt(source.secrets_encrypted) == {"api_key": SECRET}
        refused = patch(client, url, {"provider": "yelp"})
        assert refused.status_code == 400 and "provider" in refused.json()["errors"]
        new_key = patch(client, url, {"secrets": {"business_user_token": "tok-abcdefghijkl"}})
        assert new_key.status_code == 200 and "tok-" not in new_key.content.decode()
        source.refresh_from_db()
        assert vault.decrypt(source.secrets_encrypted) == {
            "api_key": SECRET, "business_user_token": "tok-abcdefghijkl",
        }  # fmt: skip

    def test_destroy_archives(self, source, alice, client_of):
        client = client_of(alice)
        assert client.delete(f"{URL}{source.uuid}/").status_code == 204
        assert client.get(URL).json()["results"] == []
        archived = client.get(f"{URL}{source.uuid}/").json()
        assert archived["archived_at"] and archived["is_active"] is False
        again = patch(client, f"{URL}{source.uuid}/", {"name": "x"})
        assert again.status_code == 409
        assert ReviewSource.objects.filter(pk=source.pk).exists()


class TestAccess:
    def test_staff_get_403(self, source, bob, client_of):
        client = client_of(bob)
        assert client.get(URL).status_code == 403
        assert post(client, URL, trustpilot()).status_code == 403

    def test_read_keys_read_and_write_keys_write(self, source, business_a, client):
        _, read = api_key_create(business=business_a, name="R", created_by=None)
        _, write = api_key_create(business=business_a, name="W", scope="write", created_by=None)
        assert client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {read}").status_code == 200
        as_reader = post(client, URL, trustpilot(), HTTP_AUTHORIZATION=f"Api-Key {read}")
        assert as_reader.status_code == 403
        as_writer = post(client, URL, trustpilot(), HTTP_AUTHORIZATION=f"Api-Key {write}")
        assert as_writer.status_code == 201

    def test_it_hides_other_businesses(self, source, charlie, business_b, client_of):
        client = client_of(charlie)
        url = f"{URL}{source.uuid}/"
        assert client.get(URL).json()["results"] == []
        assert client.get(url).status_code == 404
        assert patch(client, url, {"name": "mine"}).status_code == 404
        assert client.delete(url).status_code == 404
        assert client.post(f"{url}poll/").status_code == 404
        source.refresh_from_db()
        assert source.name == "Trustpilot" and source.archived_at is None


class TestPoll:
    def test_poll_reads_the_site_and_a_second_call_waits(
        self, business_a, alice, client_of, provider_server, django_capture_on_commit_callbacks
    ):
        provider_server.put_reviews("tripadvisor", SITE_IDS["tripadvisor"], sample_reviews(2))
        client = client_of(alice)
        created = post(client, URL, {
            "provider": "tripadvisor", "name": "TA", "external_id": SITE_IDS["tripadvisor"],
            "base_url": provider_server.url, "secrets": {"api_key": "ta-key"},
        })  # fmt: skip
        uuid = created.json()["uuid"]
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(f"{URL}{uuid}/poll/")
        assert first.status_code == 202 and first.json() == {"polling": True}
        assert Review.objects.filter(source__uuid=uuid).count() == 2
        assert client.get(f"{URL}{uuid}/").json()["review_count"] == 2

    def test_a_poll_under_way_is_409_and_manual_sources_400(
        self, source, business_a, alice, client_of
    ):
        client = client_of(alice)
        assert client.post(f"{URL}{source.uuid}/poll/").status_code == 202
        assert client.post(f"{URL}{source.uuid}/poll/").status_code == 409  # leased meanwhile
        manual = source_create(business=business_a, provider="manual", values={"name": "Other"})
        reply = client.post(f"{URL}{manual.uuid}/poll/")
        assert reply.status_code == 400 and "provider" in reply.json()["errors"]


class TestAudit:
    """Connecting, changing and archiving a source are in the owner's audit log, with who
    did it and which fields changed; a credential's value never is."""

    def test_each_change_is_recorded_with_its_fields_and_no_secret(
        self, business_a, alice, client_of
    ):
        client = client_of(alice)
        created = post(client, URL, trustpilot())
        assert created.status_code == 201, created.json()
        uuid = ReviewSource.objects.get().uuid
        url = f"{URL}{uuid}/"
        patch(client, url, {"name": "Trustpilot (main)", "secrets": {"api_key": "new-key-123456"}})
        patch(client, url, {"name": "Trustpilot (main)"})  # nothing changes: nothing recorded
        client.delete(url)
        entries = AuditEntry.objects.filter(target=str(uuid)).order_by("pk")
        assert [(e.action, e.actor, e.detail) for e in entries] == [
            ("review_source.create", alice, {"provider": "trustpilot"}),
            ("review_source.update", alice,
             {"provider": "trustpilot", "fields": ["credentials", "name"]}),
            ("review_source.archive", alice, {"provider": "trustpilot"}),
        ]  # fmt: skip
        logged = json.dumps(list(entries.values("detail", "target")))
        assert SECRET not in logged and "new-key-123456" not in logged

    def test_a_refused_change_records_nothing(self, source, alice, client_of):
        before = AuditEntry.objects.count()
        refused = patch(client_of(alice), f"{URL}{source.uuid}/", {"poll_interval_minutes": 1})
        assert refused.status_code == 400
        assert AuditEntry.objects.count() == before

    def test_the_browser_form_records_its_changes_too(self, source, alice, client_of):
        client_of(alice).post(f"/reviews/sources/{source.uuid}/archive/")
        entry = AuditEntry.objects.get(action="review_source.archive")
        assert (entry.actor, entry.target) == (alice, str(source.uuid))
