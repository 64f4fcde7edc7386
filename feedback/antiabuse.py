"""Protections of the public survey endpoints against floods and bots.

- Rate limits per client IP and per survey (fixed windows in the shared cache, by
  django-ratelimit), answered with 429 and Retry-After.
- A honeypot field people never see, and a minimum time between showing the form
  and sending it, checked with a signed timestamp.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django_ratelimit.core import get_usage

HONEYPOT_FIELD = "website"
STARTED_FIELD = "started"
_SIGNER_SALT = "feedback.survey-form-started"


@dataclass(frozen=True)
class Limited:
    retry_after: int


def rate_limited(request: HttpRequest, survey_uuid) -> Limited | None:
    """Count this submission against both limits; say how long to wait if one is exceeded."""
    checks = [
        ("survey-ip", _client_ip, settings.PUBLIC_RATE_PER_IP),
        ("survey", lambda _group, _request: str(survey_uuid), settings.PUBLIC_RATE_PER_SURVEY),
    ]
    for group, key, rate in checks:
        if not rate:
            continue
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        if usage and usage["should_limit"]:
            return Limited(retry_after=max(1, usage["time_left"]))
    return None


def _client_ip(_group: str, request: HttpRequest) -> str:
    # Behind a proxy, the proxy's address is what Django sees unless it is configured
    # to pass the client's (see BEHIND_TLS_PROXY / the README's production notes).
    return request.META.get("REMOTE_ADDR", "")


def form_started_token(at: float | None = None) -> str:
    """A signed note of when the form was shown, sent back with the answers."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=_SIGNER_SALT)


def filled_too_fast(token: str) -> bool:
    """True when the form came back sooner than a person could fill it (or unsigned)."""
    max_age = settings.PUBLIC_FORM_MAX_AGE_SECONDS
    try:
        started = float(signing.loads(token, salt=_SIGNER_SALT, max_age=max_age)["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return True
    return time.time() - started < settings.PUBLIC_FORM_MIN_SECONDS


def is_bot_honeypot(request: HttpRequest) -> bool:
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())
