"""The cursor of the paged sites (Google, Trustpilot): new reviews are read
incrementally, newest first, until a page reaches what the last poll already saw;
once a day the whole listing is walked, so a review deleted on the site is noticed
and an edit to an old review is picked up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .parsing import iso, parse_when

FULL_WALK_EVERY = timedelta(days=1)
# A listing of more than this many pages is read over several polls, not one.
MAX_PAGES = 200


def full_walk_due(cursor: dict, now: datetime) -> bool:
    last = parse_when(cursor.get("full_walk_at"))
    return last is None or now - last >= FULL_WALK_EVERY


def seen_until(cursor: dict) -> datetime | None:
    """Newest change time the previous polls stored; None on a first poll."""
    return parse_when(cursor.get("seen_until"))


def next_cursor(cursor: dict, *, newest: datetime | None, complete: bool, now: datetime) -> dict:
    previous = seen_until(cursor)
    if previous and (newest is None or previous > newest):
        newest = previous
    full_walk_at = iso(now) if complete else cursor.get("full_walk_at")
    return {"seen_until": iso(newest), "full_walk_at": full_walk_at}


def now_utc() -> datetime:
    return datetime.now(UTC)
