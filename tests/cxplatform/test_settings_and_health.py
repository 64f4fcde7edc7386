"""Start-up checks and /healthz, each in a fresh Python process with its own environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.test import Client
reply = Client(HTTP_HOST="127.0.0.1").get("/healthz")
print(json.dumps({"status": reply.status_code, "body": reply.json()}))
"""


def run_django(env: dict[str, str], code: str = "import django; django.setup()"):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="cxplatform.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql-ish://nowhere"),
        ("DATABASE_URL", "not a url"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//"),
        ("CONN_MAX_AGE", "forever"),
        ("SECRET_KEY", "short"),
        ("EMAIL_URL", "pigeon://coop"),
        ("SECRETS_ENCRYPTION_KEYS", "not-a-fernet-key"),
        ("OUTBOUND_ALLOW_LOOPBACK", "maybe"),
        ("WORKER_SWITCH_INTERVAL_MS", "0"),
    ],
)
def test_a_bad_setting_stops_the_start_naming_the_variable(name, value):
    result = run_django({name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


def test_good_settings_start(tmp_path):
    result = run_django({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "false"})
    assert result.returncode == 0, result.stderr


def health_in_subprocess(tmp_path, **env) -> dict:
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = run_django(env, PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_health_is_200_with_eager_tasks_when_there_is_no_broker(tmp_path):
    health = health_in_subprocess(tmp_path)
    # The probe's database is not migrated: no dead-letter table to count.
    assert health == {
        "status": 200,
        "body": {"status": "ok", "database": "ok", "broker": "eager", "dead_letters": None},
    }


def test_health_reports_a_broker_that_is_down_but_stays_200(tmp_path):
    # Nothing listens on port 9 (discard) here: the connection is refused at once.
    health = health_in_subprocess(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    assert health["status"] == 200
    assert health["body"]["broker"] == "down"


def test_health_is_503_when_the_database_cannot_be_reached(tmp_path):
    health = health_in_subprocess(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing")
    assert health["status"] == 503
    assert health["body"]["database"] == "down"


@pytest.mark.django_db
def test_health_in_this_process_names_both_states():
    body = Client().get("/healthz").json()
    assert body["database"] == "ok"
    expected = "ok" if os.environ.get("CELERY_BROKER_URL") else "eager"
    assert body["broker"] == expected


def test_production_settings_pass_the_deploy_checks():
    production = {
        "SECRET_KEY": "x7Kq9vN2mP4rT8wZ1bC5dF6gH3jL0sA9eR2tY7uI4oP8aS1dF5gH",
        "ALLOWED_HOSTS": "cx.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    code = (
        "import django, sys; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    result = run_django(production, code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("pool", "queues", "turn"),
    [
        ("threads", ["scoring"], 0.25),  # the configured turns
        ("threads", ["polling"], None),  # network waits: Python's own
        ("prefork", ["scoring"], None),  # one task per process at a time
    ],
)
def test_a_threads_pool_scoring_worker_gives_its_threads_longer_turns(settings, pool, queues, turn):
    """Set by the worker_init signal as a worker is made (nothing starts: no pool, no
    broker connection)."""
    from cxplatform.celery import app

    settings.WORKER_SWITCH_INTERVAL_MS = 250
    before, consumed = sys.getswitchinterval(), app.amqp.queues._consume_from
    try:
        sys.setswitchinterval(0.005)
        app.WorkController(pool_cls=pool, queues=queues, concurrency=2, quiet=True)
        assert sys.getswitchinterval() == pytest.approx(turn or 0.005)
    finally:
        sys.setswitchinterval(before)
        app.amqp.queues._consume_from = consumed  # the worker chose queues of the shared app


def test_the_default_turn_is_a_tenth_of_a_second():
    result = run_django(
        {"WORKER_SWITCH_INTERVAL_MS": ""},  # unset, whatever the caller's environment
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.WORKER_SWITCH_INTERVAL_MS)",
    )
    assert result.stdout.split() == ["100"], result.stderr
