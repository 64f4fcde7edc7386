"""Strict readers for settings that come from the environment.

Every reader fails at start with a message naming the variable, so a typo in
production is found by the deploy, not by the first customer.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
DATABASE_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}
BROKER_SCHEMES = {"redis", "rediss"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={raw!r}, use 'true' or 'false'.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={raw!r}, use a whole number."
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={raw!r}, use {minimum} or more.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE = re.compile(r"^\d+/\d*[smhd]$")


def env_rate(name: str, default: str) -> str:
    """A rate such as "30/m" (per second, minute, hour or day); "off" turns it off."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"off", "0"}:
        return ""
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"Unexpected value {name}={raw!r}, use e.g. '30/m' or 'off'.")
    return value


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    scheme = urlsplit(raw).scheme
    if scheme not in DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={raw!r}, use postgres://user:password@host:port/name "
            "or sqlite:////absolute/path.db."
        )
    config = environ.Env.db_url_config(raw)
    config["ENGINE"] = DATABASE_ENGINES[scheme]
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"Unexpected value {name}={raw!r}: it names no database.")
    return config


def env_broker(name: str) -> str:
    """The Celery broker URL, or "" when unset (tasks then run eagerly in-process)."""
    raw = os.environ.get(name, "").strip()
    if raw and urlsplit(raw).scheme not in BROKER_SCHEMES:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={raw!r}, use redis://host:port/db (or leave it unset "
            "to run tasks in-process)."
        )
    return raw


def env_email_url(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        return environ.Env.email_url_config(raw)
    except (ImproperlyConfigured, KeyError, ValueError):
        raise ImproperlyConfigured(
            f"Unexpected value {name}={raw!r}, use smtp://user:password@host:port, "
            "smtp+tls://… or consolemail://."
        ) from None
