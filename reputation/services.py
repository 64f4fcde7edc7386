"""Writing reviews: the one way reviews reach the database (polling, manual entry,
CSV import), and asking for a poll now.

`reviews_store` takes a list of reviews as the site shows them and makes the table
match: new ones created, edited ones updated (their earlier version kept), ones gone
from a complete listing marked deleted. A handful of queries per call whatever the
number of reviews, one transaction, and the same list stored twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cxplatform.batching import BATCH_SIZE, batched
from cxplatform.celery import enqueue_on_commit
from textanalysis.models import Alert, AlertReason
from textanalysis.services import (
    ALERT_FRESH_FOR,
    EXCERPT_CHARS,
    alerts_save,
    texts_enqueue_scoring,
    texts_rescore_edited,
)

from .connectors.base import FetchedReview
from .models import POLLED_PROVIDERS, ReplyStatus, Review, ReviewRevision, ReviewSource

# A review of this many stars or fewer raises an alert, whatever its words say.
LOW_RATING = 2
# What the site decides about a review: taken from every fetch.
SITE_FIELDS = ("author_name", "rating", "title", "text", "url", "language", "edited_at")
# A change to one of these is an edit by the reviewer: the earlier version is kept.
REVISED_FIELDS = ("rating", "title", "text")
REPLY_FIELDS = ("reply_text", "replied_at", "reply_status")
UPDATED_FIELDS = (*SITE_FIELDS, *REPLY_FIELDS, "deleted_at")
# Replies the business wrote here: what the site shows never overwrites them.
OURS = (ReplyStatus.POSTED, ReplyStatus.COPIED)


@dataclass
class StoreOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # Marked deleted before, listed again now.
    restored: int = 0
    alerts: int = 0
    # New reviews and reviews whose text changed, sent to the scorer on commit.
    to_score: list[int] = field(default_factory=list)
    # Reviews that could not be stored, in plain words (the others were).
    skipped: list[str] = field(default_factory=list)
    # external_id -> Review pk of every review stored by this call.
    ids: dict[str, int] = field(default_factory=dict)


# --- Making a fetched review fit the table --------------------------------------------


def review_clean(item: FetchedReview) -> FetchedReview | str:
    """The review as the table can hold it, or why it cannot be stored."""
    external_id = _fit(str(item.external_id or ""), 10_000).strip()
    if not external_id:
        return _("A review without an id was skipped.")
    if len(external_id) > Review._meta.get_field("external_id").max_length:
        return _("A review with an id longer than 255 characters was skipped.")
    if not isinstance(item.published_at, datetime):
        return _("Review %(id)s has no date and was skipped.") % {"id": external_id[:40]}
    rating = item.rating
    if rating is not None and (isinstance(rating, bool) or rating not in range(1, 6)):
        return _("Review %(id)s has a rating of %(rating)r stars and was skipped.") % {
            "id": external_id[:40],
            "rating": rating,
        }
    return replace(
        item,
        external_id=external_id,
        published_at=_aware(item.published_at),
        edited_at=_aware(item.edited_at),
        replied_at=_aware(item.replied_at),
        author_name=_fit(item.author_name, 200),
        title=_fit(item.title, 300),
        text=_fit(item.text),
        language=_fit(item.language, 16),
        url=_web_address(item.url),
        reply_text=_fit(item.reply_text),
    )


def _fit(value: Any, limit: int | None = None) -> str:
    # PostgreSQL refuses NUL characters in text; a title longer than the column would
    # fail the whole poll, so it is cut (the text itself has no limit).
    value = str(value or "").replace("\x00", "")
    return value[:limit] if limit else value


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or not isinstance(moment, datetime):
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _web_address(url: str) -> str:
    # Shown as a link: only http(s), never javascript: or data: from a hostile feed.
    url = _fit(url).strip()
    if len(url) > 1000 or not url.lower().startswith(("http://", "https://")):
        return ""
    return url


def fetched_by_id(fetched: list[FetchedReview], skipped: list[str]) -> dict[str, FetchedReview]:
    """The clean reviews by external id; an id listed twice keeps its last version."""
    wanted: dict[str, FetchedReview] = {}
    for item in fetched:
        cleaned = review_clean(item)
        if isinstance(cleaned, str):
            skipped.append(cleaned)
        else:
            wanted[cleaned.external_id] = cleaned
    return wanted


# --- Storing --------------------------------------------------------------------------


def reviews_store(
    *,
    source: ReviewSource,
    fetched: list[FetchedReview],
    complete: bool,
    now: datetime | None = None,
) -> StoreOutcome:
    """Make the source's stored reviews match `fetched` (see the module docstring).

    `complete` says `fetched` is everything the site lists, so a stored review missing
    from it was deleted there. Raises ReviewSource.DoesNotExist if the source is gone.
    """
    now = now or timezone.now()
    outcome = StoreOutcome()
    wanted = fetched_by_id(fetched, outcome.skipped)
    with transaction.atomic():
        source_lock(source)
        existing = reviews_existing(source, list(wanted))
        created = reviews_create(source, [i for e, i in wanted.items() if e not in existing])
        outcome.ids = {**{e: r.pk for e, r in existing.items()}, **created}
        reviews_update(existing, wanted, now, outcome)
        if complete:
            outcome.deleted = reviews_mark_deleted(source, keep=set(wanted), now=now)
        outcome.created = len(created)
        new_texts = [created[e] for e in created if wanted[e].text.strip()]
        texts_enqueue_scoring(model=Review, ids=new_texts)
        outcome.to_score = new_texts + outcome.to_score
        outcome.alerts = low_rating_alerts(source, wanted, created, now)
    return outcome


def source_lock(source: ReviewSource) -> None:
    """Stores of one source run one after the other (a poll and a CSV import at the same
    moment), so each sees the other's rows: no duplicate, no revision saved twice. The
    unique (source, external_id) constraint stays the last word."""
    if not ReviewSource.objects.select_for_update().filter(pk=source.pk).exists():
        raise ReviewSource.DoesNotExist(f"Review source {source.pk} is gone")


def reviews_existing(source: ReviewSource, external_ids: list[str]) -> dict[str, Review]:
    """The stored reviews among these ids, with the fields a store compares: one query
    per 500 ids."""
    found: dict[str, Review] = {}
    fields = ("id", "external_id", *UPDATED_FIELDS)
    for chunk in batched(external_ids):
        rows = Review.objects.filter(source=source, external_id__in=chunk).only(*fields)
        found.update((review.external_id, review) for review in rows)
    return found


def reviews_create(source: ReviewSource, items: list[FetchedReview]) -> dict[str, int]:
    """Insert the new reviews; returns external_id -> pk."""
    if not items:
        return {}
    Review.objects.bulk_create(
        [review_new(source, item) for item in items], batch_size=BATCH_SIZE, ignore_conflicts=True
    )
    created: dict[str, int] = {}
    for chunk in batched([item.external_id for item in items]):
        created.update(
            Review.objects.filter(source=source, external_id__in=chunk).values_list(
                "external_id", "pk"
            )
        )
    return created


def review_new(source: ReviewSource, item: FetchedReview) -> Review:
    review = Review(
        business_id=source.business_id,
        source=source,
        location_id=source.location_id,
        external_id=item.external_id,
        created_at=item.published_at,
        **{name: getattr(item, name) for name in SITE_FIELDS},
    )
    if item.reply_text:
        review.reply_text, review.replied_at = item.reply_text, item.replied_at
        review.reply_status = ReplyStatus.ON_SITE
    return review


def reviews_update(
    existing: dict[str, Review], wanted: dict[str, FetchedReview], now, outcome: StoreOutcome
) -> None:
    """Bring stored reviews up to date; keep the earlier version of edited ones."""
    changed: list[Review] = []
    revisions: list[ReviewRevision] = []
    edited_texts: list[int] = []
    for external_id, review in existing.items():
        item = wanted[external_id]
        revision = revision_if_edited(review, item)
        text_changed = review.text != item.text
        restored = review.deleted_at is not None
        # Both applied, whatever the first returns.
        site_changed = site_apply(review, item)
        reply_changed = reply_apply(review, item)
        if not (site_changed or reply_changed or restored):
            outcome.unchanged += 1
            continue
        review.deleted_at = None
        changed.append(review)
        outcome.restored += restored
        if revision is not None:
            revisions.append(revision)
        if text_changed:
            edited_texts.append(review.pk)
    Review.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=BATCH_SIZE)
    ReviewRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
    texts_rescore_edited(model=Review, ids=edited_texts)
    outcome.updated = len(changed)
    outcome.to_score.extend(edited_texts)


def revision_if_edited(review: Review, item: FetchedReview) -> ReviewRevision | None:
    if all(getattr(review, name) == getattr(item, name) for name in REVISED_FIELDS):
        return None
    return ReviewRevision(
        review_id=review.pk,
        rating=review.rating,
        title=review.title,
        text=review.text,
        edited_at=review.edited_at,
    )


def site_apply(review: Review, item: FetchedReview) -> bool:
    """Copy what the site says onto the review; True if anything changed."""
    changed = False
    for name in SITE_FIELDS:
        if getattr(review, name) != getattr(item, name):
            setattr(review, name, getattr(item, name))
            changed = True
    return changed


def reply_apply(review: Review, item: FetchedReview) -> bool:
    """A reply shown on the site is recorded, unless the business replied from here.
    A reply missing from a fetch is kept: many sites and imports never show replies."""
    if not item.reply_text or review.reply_status in OURS:
        return False
    seen = (item.reply_text, item.replied_at, ReplyStatus.ON_SITE)
    if (review.reply_text, review.replied_at, review.reply_status) == seen:
        return False
    review.reply_text, review.replied_at, review.reply_status = seen
    return True


def reviews_mark_deleted(source: ReviewSource, *, keep: set[str], now) -> int:
    """Stored reviews missing from a complete listing were deleted on the site."""
    live = Review.objects.filter(source=source, deleted_at=None).values_list("external_id", "pk")
    gone = [pk for external_id, pk in live if external_id not in keep]
    for chunk in batched(gone):
        Review.objects.filter(pk__in=chunk).update(deleted_at=now)
    return len(gone)


def low_rating_alerts(
    source: ReviewSource, wanted: dict[str, FetchedReview], created: dict[str, int], now
) -> int:
    """An alert for each new review of one or two stars written lately (an import of old
    reviews alerts nobody). One alert per review, as for texts: see alerts_save."""
    alerts = [
        Alert(
            business_id=source.business_id,
            source=Review._meta.label,
            source_id=pk,
            reason=AlertReason.LOW_RATING,
            excerpt=wanted[external_id].text[:EXCERPT_CHARS],
            score=None,
            created_at=now,
        )
        for external_id, pk in created.items()
        if is_low_and_fresh(wanted[external_id], now)
    ]
    return alerts_save(alerts)


def is_low_and_fresh(item: FetchedReview, now) -> bool:
    low = item.rating is not None and item.rating <= LOW_RATING
    return low and item.published_at >= now - ALERT_FRESH_FOR


# --- Polling on demand ----------------------------------------------------------------


def source_poll_now(*, source: ReviewSource) -> bool:
    """Poll the source as soon as a worker is free (the "Poll now" button).

    Claims the source like the periodic poller does, so a double click or a beat tick
    at the same moment never polls it twice at once. False when it cannot be polled now:
    not a polled site, paused, archived, or a poll already under way (claimed within
    the lease) or about to start.
    """
    from .polling import LEASE
    from .tasks import poll_source

    now = timezone.now()
    not_leased = Q(next_poll_at=None) | Q(next_poll_at__lte=now) | Q(next_poll_at__gt=now + LEASE)
    claimed = (
        ReviewSource.objects.filter(
            not_leased,
            pk=source.pk,
            is_active=True,
            archived_at=None,
            provider__in=POLLED_PROVIDERS,
        ).update(next_poll_at=now + LEASE)
        == 1
    )
    if claimed:
        source.next_poll_at = now + LEASE
        enqueue_on_commit(poll_source, source.pk)
    return claimed
