"""What every fake site shares: the review a test seeds, a parsed request, an answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

try:
    from zoneinfo import ZoneInfo

    YELP_TIME_ZONE = ZoneInfo("America/Los_Angeles")  # Yelp gives times in Pacific time
except Exception:  # no time-zone database on this machine
    YELP_TIME_ZONE = UTC

STAR_WORDS = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE"}
GOOGLE_MAX_PAGE = 50
TRUSTPILOT_MAX_PAGE = 100
YELP_MAX = 3
TRIPADVISOR_MAX = 5


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class SiteReview:
    id: str
    rating: int | None  # 1..5 (None for feed items)
    text: str
    author: str = "A customer"
    title: str = ""
    created: datetime = field(default_factory=now_utc)
    updated: datetime | None = None
    reply: str = ""
    reply_at: datetime | None = None

    @property
    def changed(self) -> datetime:
        return self.updated or self.created


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    times: int
    body: bytes | None
    headers: dict[str, str]


def json_answer(payload, status: int = 200, headers: dict | None = None) -> Answer:
    return Answer(status, json.dumps(payload).encode(), headers=dict(headers or {}))


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_int(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() else default


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else ""

    def json(self) -> dict:
        try:
            payload = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}
