"""The retention setting: the owner's settings page and the API (owners only)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import AuditEntry, Business
from accounts.services import api_key_create

pytestmark = pytest.mark.django_db


def retention_of(business: Business) -> int | None:
    return Business.objects.get(pk=business.pk).retention_months


def patch(client: Client, body: dict, **headers):
    return client.patch(
        "/api/v1/business-settings/", data=json.dumps(body), content_type="application/json",
        **headers,
    )  # fmt: skip


def test_the_owner_sets_and_clears_the_retention_period(alice, business_a, client_of):
    client = client_of(alice)
    assert 'name="retention_months"' in client.get("/accounts/settings/").content.decode()

    saved = client.post("/accounts/settings/", {"retention_months": "18"})

    assert saved.status_code == 302 and retention_of(business_a) == 18
    cleared = client.post("/accounts/settings/", {"retention_months": ""})
    assert cleared.status_code == 302 and retention_of(business_a) is None
    changes = AuditEntry.objects.filter(action="business.settings").order_by("created_at", "pk")
    assert [(e.actor, e.detail["retention_months"]) for e in changes] == [
        (alice, {"from": None, "to": 18}), (alice, {"from": 18, "to": None}),
    ]  # fmt: skip
    assert 'href="/accounts/settings/"' in client.get("/customers/").content.decode()


@pytest.mark.parametrize("value", ["0", "241", "twelve", "-3", "1.5"])
def test_a_bad_period_is_refused_by_name(alice, business_a, client_of, value):
    reply = client_of(alice).post("/accounts/settings/", {"retention_months": value})

    assert reply.status_code == 400
    assert 'id="id_retention_months"' in reply.content.decode()
    assert "field--error" in reply.content.decode()
    assert retention_of(business_a) is None
    assert not AuditEntry.objects.filter(action="business.settings").exists()


def test_managers_and_staff_cannot_change_it(mia, bob, business_a, client_of):
    for user in (mia, bob):
        client = client_of(user)
        assert client.get("/accounts/settings/").status_code == 403
        assert client.post("/accounts/settings/", {"retention_months": "1"}).status_code == 403
        assert client.get("/api/v1/business-settings/").status_code == 403
        assert patch(client, {"retention_months": 1}).status_code == 403
    assert retention_of(business_a) is None


def test_an_outsider_changes_only_their_own_business(charlie, business_a, business_b, client_of):
    client = client_of(charlie)
    client.post("/accounts/settings/", {"retention_months": "6"})
    patch(client, {"retention_months": 7})

    assert retention_of(business_a) is None and retention_of(business_b) == 7
    assert not AuditEntry.objects.filter(business=business_a).exists()


def test_the_api_reads_and_changes_it(alice, business_a, client_of):
    client = client_of(alice)
    assert client.get("/api/v1/business-settings/").json() == {
        "retention_months": None, "brand_colour": None, "logo_url": None,
    }  # fmt: skip

    reply = patch(client, {"retention_months": 24})

    assert reply.status_code == 200 and reply.json()["retention_months"] == 24
    assert retention_of(business_a) == 24
    assert patch(client, {}).json()["retention_months"] == 24  # nothing given, nothing changed
    assert patch(client, {"retention_months": None}).json()["retention_months"] is None


@pytest.mark.parametrize("value", [0, 241, "x", 2.5, [], {}])
def test_the_api_names_the_bad_field(alice, business_a, client_of, value):
    reply = patch(client_of(alice), {"retention_months": value})

    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["retention_months"]
    assert retention_of(business_a) is None


def test_api_keys_cannot_change_it(alice, business_a):
    _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=alice)
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    assert Client().get("/api/v1/business-settings/", **headers).status_code == 403
    assert patch(Client(), {"retention_months": 1}, **headers).status_code == 403
    assert retention_of(business_a) is None
