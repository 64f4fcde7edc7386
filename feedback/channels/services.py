"""The ways a survey reaches customers: its link, the embed widget and QR codes."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
from django.db import transaction
from django.utils.translation import gettext as _

from cxplatform.errors import ApplicationError

from ..models import Survey
from ..selectors import public_survey_forget

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
MAX_ORIGINS = 20


def clean_origin(raw: str) -> str:
    """An origin like https://shop.example (http only for local testing); no path."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    secure_enough = parts.scheme == "https" or (
        parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS | {"::1"}
    )
    if not secure_enough or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ValueError(value)
    if parts.username or parts.password:
        raise ValueError(value)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def embed_origins_set(*, survey: Survey, origins: list[str]) -> Survey:
    cleaned: list[str] = []
    bad = []
    for raw in origins:
        if not raw.strip():
            continue
        try:
            origin = clean_origin(raw)
        except ValueError:
            bad.append(raw.strip())
            continue
        if origin not in cleaned:
            cleaned.append(origin)
    if bad or len(cleaned) > MAX_ORIGINS:
        message = (
            _("Use web addresses like https://www.example.com (no page path): %(bad)s")
            % {"bad": ", ".join(bad)}
            if bad
            else _("At most %(n)d sites.") % {"n": MAX_ORIGINS}
        )
        raise ApplicationError(message, errors={"embed_origins": [message]})
    survey.embed_origins = cleaned
    with transaction.atomic():
        public_survey_forget(survey)
        survey.save(update_fields=["embed_origins"])
    return survey


def frame_ancestors(survey: Survey) -> list[str]:
    """The CSP frame-ancestors sources that let exactly the business's own sites frame
    the survey (none listed: no site)."""
    return list(survey.embed_origins) or ["'none'"]


# The blank margin around the code, in modules: the QR standard (ISO/IEC 18004) asks for
# 4; with less, phones miss a code printed next to text or a dark edge.
QUIET_ZONE = 4


def qr_code(url: str, *, kind: str) -> bytes:
    """The survey link as a QR code: "svg" for print, "png" for anything else."""
    code = segno.make(url, error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=10, border=QUIET_ZONE, xmldecl=False, title=url)
    else:
        code.save(buffer, kind="png", scale=12, border=QUIET_ZONE)
    return buffer.getvalue()
