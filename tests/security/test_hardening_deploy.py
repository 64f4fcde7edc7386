"""Production settings: `manage.py check --deploy` passes with them, cookies are secure,
and every page carries the security headers. The checks run in fresh processes with a
production-like environment, as a deploy would start them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

COOKIE_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
reply = Client(HTTP_HOST="cx.example.com").get("/accounts/login/", secure=True)
cookie = reply.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": reply.status_code,
    "csrf_cookie": {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"]),
                    "samesite": cookie["samesite"]},
    "session": {"secure": settings.SESSION_COOKIE_SECURE,
                "httponly": settings.SESSION_COOKIE_HTTPONLY,
                "samesite": settings.SESSION_COOKIE_SAMESITE},
}))
"""

SETTINGS_PROBE = """
import json, sys, django
django.setup()
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in sys.argv[1:]}, default=str))
"""


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
        "ALLOWED_HOSTS": "cx.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://cx.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SECURE_COOKIES": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def demo_env(tmp_path: Path) -> dict[str, str]:
    """What `make demo` runs with: nothing set but the database."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "AXES_"))}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        clean.pop(name, None)
    clean.update(DJANGO_SETTINGS_MODULE="cxplatform.settings", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def settings_in_subprocess(tmp_path: Path, names: list[str], **env: str) -> dict:
    result = run({**demo_env(tmp_path), **env}, "-c", SETTINGS_PROBE, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_passes_with_the_production_settings(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stderr


def test_check_deploy_fails_on_the_demo_settings_naming_what_is_missing(tmp_path):
    """The same check catches a deploy that forgot the production variables."""
    result = check_deploy(demo_env(tmp_path))
    assert result.returncode != 0
    for warning in ["W004", "W008", "W009", "W012", "W016"]:
        assert f"security.{warning}" in result.stderr, warning


def test_production_cookies_are_secure_httponly_and_lax(tmp_path):
    result = run(production_env(tmp_path), "-c", COOKIE_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    assert probe["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert probe["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_the_demo_over_http_keeps_plain_cookies_and_no_redirect(tmp_path):
    """make demo serves http on 127.0.0.1: secure-only cookies would sign nobody in."""
    found = settings_in_subprocess(
        tmp_path, ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "DEBUG"]
    )
    assert found == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "DEBUG": False,
    }


def test_the_lock_out_settings_come_from_the_environment(tmp_path):
    found = settings_in_subprocess(
        tmp_path, ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME"],
        AXES_FAILURE_LIMIT="8", AXES_COOLOFF_MINUTES="30",
    )  # fmt: skip
    assert found == {"AXES_FAILURE_LIMIT": 8, "AXES_COOLOFF_TIME": "0:30:00"}


@pytest.mark.parametrize("name", ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES"])
def test_a_bad_lock_out_setting_stops_the_start_naming_it(tmp_path, name):
    result = run({**demo_env(tmp_path), name: "lots"}, "-c", "import django; django.setup()")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr.splitlines()[-1]


# --- Headers on a page, DEBUG off ---------------------------------------------------------

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    return settings


def test_a_page_over_https_carries_every_security_header(production_like, alice, business_a):
    client = Client()
    client.force_login(alice)
    reply = client.get("/dashboard/", secure=True)
    assert reply.status_code == 200
    assert reply["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert {name: reply.get(name) for name in HEADERS} == HEADERS
    assert "default-src 'self'" in reply["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/no-such-page/", "/api/v1/alerts/"])
def test_sign_in_error_and_api_answers_carry_them_too(production_like, db, path):
    reply = Client().get(path, secure=True)
    assert reply.status_code in {200, 401, 403, 404}
    assert reply["Strict-Transport-Security"].startswith("max-age=31536000")
    assert {name: reply.get(name) for name in HEADERS} == HEADERS
    assert "frame-ancestors 'none'" in reply["Content-Security-Policy"]


def test_hsts_is_only_sent_when_configured_and_over_https(settings, db):
    settings.SECURE_HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/", secure=True)
    settings.SECURE_HSTS_SECONDS = 600
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/")
    assert Client().get("/accounts/login/", secure=True)["Strict-Transport-Security"] == (
        "max-age=600"
    )
