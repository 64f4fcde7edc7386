from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def body_too_large(request: HttpRequest, limit: int | None = None) -> bool:
    """True when the declared or received body exceeds the public limit (checked before parsing)."""
    limit = limit or settings.PUBLIC_BODY_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > limit
