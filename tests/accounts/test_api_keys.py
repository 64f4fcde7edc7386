from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import ApiKey, AuditEntry
from accounts.services import api_key_create, hash_api_key

pytestmark = pytest.mark.django_db


def api(key: str, path: str = "/api/v1/surveys/", method: str = "get") -> int:
    return getattr(Client(), method)(path, HTTP_AUTHORIZATION=f"Api-Key {key}").status_code


def test_an_owner_creates_a_key_that_is_shown_once_and_stored_hashed(alice, business_a, client_of):
    client = client_of(alice)
    reply = client.post("/accounts/api-keys/", {"name": "Till", "scope": "read"})
    assert reply.status_code == 200
    raw_key = re.search(r'id="new-key">([^<]+)<', reply.content.decode()).group(1)
    stored = ApiKey.objects.get(business=business_a)
    assert stored.key_hash == hash_api_key(raw_key)
    assert raw_key not in stored.key_hash
    assert raw_key not in client.get("/accounts/api-keys/").content.decode()
    assert api(raw_key) == 200
    assert AuditEntry.objects.filter(business=business_a, action="api_key.create").exists()


def test_a_key_form_names_the_missing_field(alice, business_a, client_of):
    reply = client_of(alice).post("/accounts/api-keys/", {"name": "", "scope": "read"})
    assert reply.status_code == 400
    assert "This field is required." in reply.content.decode()
    assert not ApiKey.objects.exists()


def test_a_revoked_key_stops_working_at_once(alice, business_a, client_of):
    api_key, raw_key = api_key_create(business=business_a, name="Till", created_by=alice)
    assert api(raw_key) == 200
    reply = client_of(alice).post(f"/accounts/api-keys/{api_key.uuid}/revoke/")
    assert reply.status_code == 302
    assert api(raw_key) == 401


def test_a_key_sees_only_its_own_business(business_a, business_b, survey_a, survey_b):
    _, raw_key = api_key_create(business=business_a, name="Till", created_by=None)
    listed = Client().get("/api/v1/surveys/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}").json()
    assert [s["uuid"] for s in listed["results"]] == [str(survey_a.uuid)]
    assert api(raw_key, f"/api/v1/surveys/{survey_b.uuid}/") == 404


def test_a_read_only_key_cannot_write(business_a):
    _, read_key = api_key_create(business=business_a, name="Reader", created_by=None)
    _, write_key = api_key_create(
        business=business_a, name="Writer", scope="write", created_by=None
    )
    assert api(read_key, method="post") == 403
    created = Client().post(
        "/api/v1/surveys/", data={"name": "Till survey"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {write_key}",
    )  # fmt: skip
    assert created.status_code == 201


@pytest.mark.parametrize("header", ["Api-Key nonsense", "Api-Key cx_abc_def", "Api-Key "])
def test_bad_keys_are_401(db, header):
    assert Client().get("/api/v1/surveys/", HTTP_AUTHORIZATION=header).status_code == 401


def test_keys_cannot_be_managed_by_managers_staff_or_outsiders(
    alice, mia, bob, charlie, business_a, business_b, client_of
):
    api_key, _ = api_key_create(business=business_a, name="Till", created_by=alice)
    for user in (mia, bob):
        assert client_of(user).post(f"/accounts/api-keys/{api_key.uuid}/revoke/").status_code == 403
    assert client_of(charlie).post(f"/accounts/api-keys/{api_key.uuid}/revoke/").status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
