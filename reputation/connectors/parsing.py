"""Reading what review sites send, defensively: dates in odd formats, fields of the
wrong type, items without an id. A bad item is skipped with a reason in plain words;
a bad page (not JSON, wrong top-level shape) is a MalformedPayload. Nothing else
escapes, so one odd review never stops a source's polling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import TypeVar

from .base import MalformedPayload

T = TypeVar("T")

# A review from before the web or more than a day ahead of our clock is a bad date,
# not a review to sort to the top of the inbox for ever.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)
# Field sizes of reputation.models.Review; longer values are cut, not refused by the database.
MAX_EXTERNAL_ID = 255
MAX_AUTHOR = 200
MAX_TITLE = 300
MAX_URL = 1000
MAX_LANGUAGE = 16

_FRACTION = re.compile(r"(\.\d{6})\d+")
_SPACE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})")


class ItemSkipped(Exception):
    """One item could not be read; str(error) says why, in plain words."""


def parse_when(value: object, *, naive_zone: tzinfo = UTC) -> datetime | None:
    """An aware datetime from ISO 8601 (with or without Z, offset or fraction, any
    number of fraction digits), "YYYY-MM-DD HH:MM:SS", a bare date, or RFC 822/1123;
    None when the value is missing, unreadable or implausible. Times without a zone
    are read in `naive_zone` (Yelp's are Pacific time)."""
    if not isinstance(value, str) or not value.strip():
        return None
    moment = _from_iso(value.strip()) or _from_rfc822(value.strip())
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_zone)
    moment = moment.astimezone(UTC)
    if not EARLIEST <= moment <= datetime.now(UTC) + CLOCK_SKEW:
        return None
    return moment


def _from_iso(text: str) -> datetime | None:
    text = _FRACTION.sub(r"\1", text)  # nanoseconds (Google) to microseconds
    text = _SPACE_TIME.sub(r"\1T\2", text)
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_rfc822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def iso(moment: datetime | None) -> str | None:
    """A datetime as the cursor stores it (JSON has no dates)."""
    return moment.astimezone(UTC).isoformat() if moment else None


def text_of(value: object) -> str:
    """A string field as given (HTML and all, it is escaped when shown); numbers become
    text, anything else empty. NUL characters go: PostgreSQL cannot store them."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        value = str(value)
    return value.replace("\x00", "") if isinstance(value, str) else ""


def cut(value: object, limit: int) -> str:
    return text_of(value)[:limit]


def url_of(value: object) -> str:
    """A link to the review on the site, only when it is a plausible http(s) URL."""
    text = text_of(value).strip()
    if len(text) > MAX_URL or not text.lower().startswith(("http://", "https://")):
        return ""
    return "" if any(ch.isspace() for ch in text) else text


def id_of(value: object, *, site: str) -> str:
    """The item's id on the site, or ItemSkipped."""
    text = text_of(value).strip()
    if not text:
        raise ItemSkipped(f"A {site} review without an id was skipped.")
    if len(text) > MAX_EXTERNAL_ID:
        raise ItemSkipped(
            f"A {site} review with an id over {MAX_EXTERNAL_ID} characters was skipped."
        )
    return text


def date_of(value: object, *, site: str, review_id: str, naive_zone: tzinfo = UTC) -> datetime:
    moment = parse_when(value, naive_zone=naive_zone)
    if moment is None:
        raise ItemSkipped(
            f"{site} review {review_id}: no usable date ({str(value)[:40]!r}); skipped."
        )
    return moment


def stars_of(value: object, *, site: str, review_id: str) -> int:
    """A 1..5 star rating given as a number (5, 5.0, "5"), or ItemSkipped."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ItemSkipped(
            f"{site} review {review_id}: the star rating {str(value)[:20]!r} is not 1 to 5; "
            "skipped."
        )
    return value


def mapping(value: object) -> dict:
    """A nested object, or an empty one when the site sent something else."""
    return value if isinstance(value, dict) else {}


def json_object(payload: object, *, site: str) -> dict:
    if not isinstance(payload, dict):
        raise MalformedPayload(
            f"{site}'s answer is not the documented shape (a JSON object was expected)."
        )
    return payload


def item_list(payload: dict, key: str, *, site: str, required: bool = True) -> list:
    """payload[key] as a list; a missing key is an empty list only where the site
    leaves empty lists out (Google)."""
    if key not in payload and not required:
        return []
    items = payload.get(key)
    if not isinstance(items, list):
        raise MalformedPayload(f"{site}'s answer is not the documented shape (no {key!r} list).")
    return items


@dataclass
class JsonPage:
    """One JSON answer of a site: the object, its raw items, the reviews read from
    them and why the others were skipped."""

    payload: dict
    items: list
    reviews: list
    skipped: list[str]


def json_page(
    body: object, key: str, read: Callable[[dict], T], *, site: str, required: bool = True
) -> JsonPage:
    payload = json_object(body, site=site)
    items = item_list(payload, key, site=site, required=required)
    reviews, skipped = read_items(items, read, site=site)
    return JsonPage(payload, items, reviews, skipped)


def read_items(
    items: Iterable[object], read: Callable[[dict], T], *, site: str
) -> tuple[list[T], list[str]]:
    """Each item read by `read`; the ones it cannot read are skipped with a reason."""
    good: list[T] = []
    skipped: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            skipped.append(f"A {site} review that is not an object was skipped.")
            continue
        try:
            good.append(read(item))
        except ItemSkipped as reason:
            skipped.append(str(reason))
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            # An odd shape we did not foresee: skip the one item, keep the page.
            skipped.append(f"A {site} review could not be read ({type(error).__name__}); skipped.")
    return good, skipped
