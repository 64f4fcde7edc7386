"""The benchmark's baseline view: exempt from CSRF, so it answers this machine only."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]
BODY = json.dumps({"answers": {"a": 7}})
TOKEN = "run-secret-0123456789"
URL = f"/bare/{TOKEN}/1/"


@pytest.fixture(autouse=True)
def bench_token(settings):
    settings.BENCH_BARE_TOKEN = TOKEN


@pytest.fixture
def bare_table(db):
    serial = "bigserial" if connection.vendor == "postgresql" else "integer"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_bare_row (id {serial} PRIMARY KEY, uuid varchar(36) NOT NULL, "
            "survey_id bigint NOT NULL, answers text NOT NULL, created_at timestamp NOT NULL)"
        )


def rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bare_row")
        return cursor.fetchone()[0]


def test_the_local_load_generator_stores_a_row(bare_table):
    reply = Client().post(URL, BODY, content_type="application/json")
    assert reply.status_code == 201
    assert rows() == 1


def test_another_machine_is_refused(bare_table):
    reply = Client(REMOTE_ADDR="203.0.113.9").post(URL, BODY, content_type="application/json")
    assert reply.status_code == 403
    assert rows() == 0


@pytest.mark.parametrize("body", ["{", "[]", '{"no": 1}'])
def test_a_bad_body_is_400_not_500(bare_table, body):
    reply = Client().post(URL, body, content_type="application/json")
    assert reply.status_code == 400
    assert "body" in reply.json()["errors"]
    assert rows() == 0


def test_only_post(bare_table):
    assert Client().get(URL).status_code == 405


def test_a_wrong_token_is_refused(bare_table):
    reply = Client().post("/bare/guess/1/", BODY, content_type="application/json")
    assert reply.status_code == 403
    assert rows() == 0


def test_without_a_configured_token_it_refuses_everything(bare_table, settings):
    settings.BENCH_BARE_TOKEN = ""
    reply = Client().post("/bare//1/", BODY, content_type="application/json")
    assert reply.status_code in (403, 404)
    reply = Client().post(URL, BODY, content_type="application/json")
    assert reply.status_code == 403
    assert rows() == 0
