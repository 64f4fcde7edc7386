"""Sign-in brute force: what django-axes counts and what a locked-out person sees.

Failures are counted per e-mail address and client address together
(AXES_LOCKOUT_PARAMETERS), so a guesser is stopped without locking out everyone else
behind the same shop Wi-Fi, and without letting anyone lock a colleague out from home.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKED_OUT_STATUS = 429


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The e-mail address tried, tidied as sign-in matches it, so "Alice@X.example " and
    "alice@x.example" count as one account."""
    given = (credentials or {}).get("username")
    if given is None:
        given = request.POST.get("username", "")
    return str(given).strip().lower()


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page shown instead of the sign-in form while the lock lasts (429 + Retry-After).

    Every refused try during the lock restarts the cool-off (axes' default), so it ends
    one cool-off from now."""
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    context = {"minutes": minutes, "retry_at": timezone.now() + cool_off}
    reply = render(request, "accounts/locked_out.html", context, status=LOCKED_OUT_STATUS)
    reply["Retry-After"] = str(int(cool_off.total_seconds()))
    return reply
