"""The survey's look: the business's brand colour and logo (owners change them).

The logo is stored in the database (BusinessLogo) and served by a public view whose URL
holds a short hash of the image, so browsers may cache it for a year. Only PNG, JPEG and
WebP are accepted, recognised by their first bytes whatever the file is called; SVG is
refused because it can carry script.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cxplatform.errors import ApplicationError, field_error

from .models import Business, BusinessLogo, User
from .services import audit_record
from .theme import Theme, is_hex_colour, theme_for

LOGO_MAX_BYTES = 256 * 1024
# The platform's own blue (app.css --brand) when the owner has chosen no colour.
DEFAULT_BRAND = "#2f5bd3"
# The survey page's background (app.css --canvas): the darkest light surface brand text
# sits on, so text readable there is readable on the white cards too.
SURVEY_CANVAS = "#f5f6f8"

# content type -> the extension in the logo's URL.
LOGO_EXTENSIONS: Final = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class _Keep:
    """A changed-nothing marker for partial updates (None means "remove")."""


KEEP: Final = _Keep()


@dataclass(frozen=True)
class Logo:
    content: bytes
    content_type: str

    @property
    def version(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:12]


def clean_brand_colour(value: str | None) -> str:
    """The colour as "#rrggbb" in lower case ("" for none); FFD400 and #FFD400 pass too."""
    text = (value or "").strip().lower()
    if text and not text.startswith("#"):
        text = f"#{text}"
    if text and not is_hex_colour(text):
        raise field_error(
            "brand_colour", _("Brand colour: give it as #rrggbb, for example #ffd400.")
        )
    return text


def image_type(content: bytes) -> str | None:
    """The content type the image's magic bytes announce, if it is one we accept."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_too_large(size: int) -> ApplicationError:
    message = _("Logo: the image is %(size)d KB; at most %(max)d KB is accepted.")
    kilobytes = -(-size // 1024)  # rounded up: 256 KB and one byte is not "256 KB"
    return field_error("logo", message % {"size": kilobytes, "max": LOGO_MAX_BYTES // 1024})


def clean_logo(content: bytes) -> Logo:
    if not content:
        raise field_error("logo", _("Logo: the file is empty."))
    if len(content) > LOGO_MAX_BYTES:
        raise logo_too_large(len(content))
    content_type = image_type(content)
    if content_type is None:
        raise field_error("logo", _("Logo: only PNG, JPEG or WebP images are accepted."))
    return Logo(content=content, content_type=content_type)


def business_look_update(
    *,
    business: Business,
    actor: User | None,
    brand_colour: str | _Keep | None = KEEP,
    logo: bytes | _Keep | None = KEEP,
) -> Business:
    """Change the colour and/or the logo (None removes either; KEEP leaves it).

    Everything is checked before anything is written; audited when something changes."""
    changes: dict[str, dict] = {}
    fields: dict[str, str] = {}
    if not isinstance(brand_colour, _Keep):
        colour = clean_brand_colour(brand_colour)
        if colour != business.brand_colour:
            changes["brand_colour"] = {"from": business.brand_colour or None, "to": colour or None}
            fields["brand_colour"] = colour
    new_logo = None if isinstance(logo, _Keep) or logo is None else clean_logo(logo)
    if not isinstance(logo, _Keep):
        version = new_logo.version if new_logo else ""
        if version != business.logo_version:
            changes["logo"] = {"from": business.logo_version or None, "to": version or None}
            fields["logo_version"] = version
            fields["logo_content_type"] = new_logo.content_type if new_logo else ""
    if not changes:
        return business
    with transaction.atomic():
        logo_store(business=business, logo=new_logo, changed="logo" in changes)
        Business.objects.filter(pk=business.pk).update(**fields)
        audit_record(business=business, actor=actor, action="business.settings", detail=changes)
    for name, value in fields.items():
        setattr(business, name, value)
    return business


def logo_store(*, business: Business, logo: Logo | None, changed: bool) -> None:
    if not changed:
        return
    if logo is None:
        BusinessLogo.objects.filter(business=business).delete()
    else:
        BusinessLogo.objects.update_or_create(business=business, defaults={"content": logo.content})


# --- Reads -----------------------------------------------------------------------------


def unscoped_logo(*, business_uuid, version: str) -> Logo | None:
    """The logo a survey page shows, for anyone: surveys are public, and the URL names
    the business by its public uuid and the image by its hash (an old hash finds none)."""
    row = (
        BusinessLogo.objects.filter(business__uuid=business_uuid, business__logo_version=version)
        .values_list("content", "business__logo_content_type")
        .first()
    )
    return Logo(content=bytes(row[0]), content_type=row[1]) if row else None


def logo_url(business: Business) -> str:
    """The logo's path, or "" without one; the hash in it changes with the image."""
    if not business.logo_version:
        return ""
    extension = LOGO_EXTENSIONS.get(business.logo_content_type, "img")
    return reverse("feedback:logo", args=[business.uuid, business.logo_version, extension])


def survey_theme(business: Business) -> Theme:
    return theme_for(business.brand_colour or DEFAULT_BRAND, surface=SURVEY_CANVAS)
