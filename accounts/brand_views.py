"""The business's logo, served to anyone: the survey pages that show it are public."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .branding import LOGO_EXTENSIONS, unscoped_logo

# The hash in the URL changes with the image, so a browser may keep it for a year.
LOGO_CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def business_logo(
    request: HttpRequest, business_uuid: UUID, version: str, extension: str
) -> HttpResponse:
    logo = unscoped_logo(business_uuid=business_uuid, version=version)
    if logo is None or LOGO_EXTENSIONS.get(logo.content_type) != extension:
        raise Http404("logo")
    response = HttpResponse(logo.content, content_type=logo.content_type)
    # The stored type, never a browser's guess: only checked PNG, JPEG or WebP go out.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = LOGO_CACHE_CONTROL
    response["Content-Length"] = str(len(logo.content))
    return response
