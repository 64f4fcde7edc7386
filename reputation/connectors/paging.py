"""Reading the paged sites (Google, Trustpilot) and their cursor.

New reviews are read incrementally, newest first, until a page reaches what the last
poll already saw; once a day the whole listing is walked, so a review deleted on the
site is noticed and an edit to an old review is picked up.

A read longer than one poll may take (MAX_PAGES pages, or the poll's deadline) stops
where it is and keeps its place in the cursor ("walk"); the next poll carries on from
there. A whole-listing walk counts as complete only on the poll that reaches the last
page; the ids its earlier polls saw are kept in the cursor until then, so the reviews
they listed are not taken for deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .base import FetchedReview, FetchResult
from .parsing import iso, parse_when

FULL_WALK_EVERY = timedelta(days=1)
# A listing of more than this many pages is read over several polls, not one.
MAX_PAGES = 200

# Where a page starts: Google's page token, Trustpilot's page number; None is the top.
Position = str | int | None


@dataclass
class Page:
    reviews: list[FetchedReview]
    skipped: list[str]
    # Where the next page starts; None when this is the last page.
    next: Position


@dataclass
class Walk:
    """One read of the listing, newest first: all of it (`since` None, a full walk) or
    down to `since`; maybe begun by an earlier poll."""

    since: datetime | None = None
    start: Position = None
    # Full walk: ids earlier polls of this walk read, and how many items they skipped.
    ids: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def full(self) -> bool:
        return self.since is None


@dataclass
class Read:
    reviews: list[FetchedReview]
    skipped: list[str]
    # Where to carry on next poll; None when the walk is over.
    resume: Position


def walk_for(cursor: dict, now: datetime) -> Walk:
    """The walk a poll makes: the one an earlier poll left unfinished, else a full walk
    when one is due (or on a first poll), else new reviews since the last poll."""
    carried = carried_walk(cursor.get("walk"))
    if carried is not None:
        return carried
    if full_walk_due(cursor, now) or seen_until(cursor) is None:
        return Walk()
    return Walk(since=seen_until(cursor))


def carried_walk(state: object) -> Walk | None:
    """The unfinished walk saved in the cursor; None if there is none (or it is not
    in the shape this code writes: better to start again than to trust it)."""
    if not isinstance(state, dict) or not isinstance(state.get("start"), str | int):
        return None
    ids, skipped = state.get("ids", []), state.get("skipped", 0)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None
    if isinstance(skipped, bool) or not isinstance(skipped, int):
        return None
    since = parse_when(state.get("since"))
    if state.get("since") is not None and since is None:
        return None
    return Walk(since=since, start=state["start"], ids=ids, skipped=skipped)


def read(
    walk: Walk,
    read_page: Callable[[Position], Page],
    *,
    changed: Callable[[FetchedReview], datetime],
    deadline: float | None,
) -> Read:
    """Pages from walk.start on, until the end of the listing, `since` (the page that
    reaches it is the last), MAX_PAGES or the deadline (at least one page is read, so
    a slow site still gets through its listing over several polls)."""
    reviews: list[FetchedReview] = []
    skipped: list[str] = []
    position = walk.start
    for number in range(MAX_PAGES):
        if number and deadline is not None and time.monotonic() >= deadline:
            return Read(reviews, skipped, resume=position)
        page = read_page(position)
        skipped += page.skipped
        if walk.since is not None:
            kept = [r for r in page.reviews if changed(r) >= walk.since]
            reviews += kept
            if len(kept) < len(page.reviews):
                return Read(reviews, skipped, resume=None)
        else:
            reviews += page.reviews
        if page.next is None:
            return Read(reviews, skipped, resume=None)
        position = page.next
    return Read(reviews, skipped, resume=position)


def result(
    cursor: dict,
    walk: Walk,
    done: Read,
    *,
    now: datetime,
    changed: Callable[[FetchedReview], datetime],
    refreshed_secrets: dict[str, str] | None = None,
) -> FetchResult:
    """What the poll hands back: complete only when a full walk reached the last page."""
    complete = walk.full and done.resume is None
    skipped = list(done.skipped)
    if complete and walk.skipped:
        # Said again on the poll that ends the walk: a listing with unreadable items is
        # not trusted for deletions (see reputation.services.reviews_store).
        skipped.append(
            f"{walk.skipped} review(s) on pages read by earlier polls could not be read."
        )
    newest = max((changed(r) for r in done.reviews), default=None)
    previous = seen_until(cursor)
    if previous and (newest is None or previous > newest):
        newest = previous
    next_cursor: dict = {
        "seen_until": iso(newest),
        "full_walk_at": iso(now) if complete else cursor.get("full_walk_at"),
    }
    if done.resume is not None:
        next_cursor["walk"] = {
            "start": done.resume,
            "since": iso(walk.since),
            "ids": [*walk.ids, *(r.external_id for r in done.reviews)] if walk.full else [],
            "skipped": walk.skipped + len(done.skipped),
        }
    return FetchResult(
        reviews=done.reviews,
        cursor=next_cursor,
        complete=complete,
        skipped=skipped,
        listed_before=list(walk.ids) if complete else [],
        refreshed_secrets=refreshed_secrets,
    )


def full_walk_due(cursor: dict, now: datetime) -> bool:
    last = parse_when(cursor.get("full_walk_at"))
    return last is None or now - last >= FULL_WALK_EVERY


def seen_until(cursor: dict) -> datetime | None:
    """Newest change time the previous polls stored; None on a first poll."""
    return parse_when(cursor.get("seen_until"))


def now_utc() -> datetime:
    return datetime.now(UTC)
