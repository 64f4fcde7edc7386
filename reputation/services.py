"""Writing reviews: the one way reviews reach the database (polling, manual entry,
CSV import), and asking for a poll now.

`reviews_store` takes a list of reviews as the site shows them and makes the table
match: new ones created, edited ones updated (their earlier version kept), ones gone
from a complete listing marked deleted (never the ones entered by hand, which the site
does not list). A handful of queries per call whatever the number of reviews, one
transaction, and the same list stored twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Field, TextField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from cxplatform.batching import BATCH_SIZE, batched
from cxplatform.celery import enqueue_on_commit
from textanalysis.models import LOW_RATING_UP_TO, Alert, AlertReason
from textanalysis.services import (
    ALERT_FRESH_FOR,
    EXCERPT_CHARS,
    alerts_save,
    texts_enqueue_scoring,
    texts_rescore_edited,
)

from .connectors.base import FetchedReview
from .connectors.parsing import cut, text_of, url_of
from .models import POLLED_PROVIDERS, ReplyStatus, Review, ReviewRevision, ReviewSource

logger = logging.getLogger(__name__)

# A review of this many stars or fewer raises an alert, whatever its words say.
LOW_RATING = LOW_RATING_UP_TO
# What the site decides about a review: taken from every fetch.
SITE_FIELDS = ("author_name", "rating", "title", "text", "url", "language", "edited_at")
# A change to one of these is an edit by the reviewer: the earlier version is kept.
REVISED_FIELDS = ("rating", "title", "text")
REPLY_FIELDS = ("reply_text", "replied_at", "reply_status")
COMPARED_FIELDS = (*SITE_FIELDS, *REPLY_FIELDS, "deleted_at")
# Replies the business wrote here: what the site shows never overwrites them.
OURS = (ReplyStatus.POSTED, ReplyStatus.COPIED)
# A complete listing that leaves out more than this many live reviews, and more than
# half of them, is not believed (a site answering an empty or cut-short list by
# mistake): nothing is marked deleted and the source's page says why.
DELETIONS_ALWAYS_BELIEVED = 3


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
    # Reviews that could not be read or stored, in plain words (the others were).
    skipped: list[str] = field(default_factory=list)
    # Anything else the owner should know about this store, in plain words.
    warnings: list[str] = field(default_factory=list)
    # external_id -> Review pk of every review stored by this call.
    ids: dict[str, int] = field(default_factory=dict)


# --- Making a fetched review fit the table --------------------------------------------


def review_clean(item: FetchedReview) -> FetchedReview | str:
    """The review as the table can hold it, or why it cannot be stored."""
    external_id = cut(str(item.external_id or ""), 10_000).strip()
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
        # Without NUL characters (PostgreSQL refuses them) and cut to the columns, so
        # one long title never fails a whole poll; the text itself has no limit.
        author_name=cut(item.author_name, 200),
        title=cut(item.title, 300),
        text=text_of(item.text),
        language=cut(item.language, 16),
        # Shown as a link: only http(s), never javascript: or data: from a hostile feed.
        url=url_of(item.url),
        reply_text=text_of(item.reply_text),
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or not isinstance(moment, datetime):
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


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
    listed_before: Iterable[str] = (),
    skipped: Iterable[str] = (),
    by_hand: bool = False,
    now: datetime | None = None,
) -> StoreOutcome:
    """Make the source's stored reviews match `fetched` (see the module docstring).

    `complete` says `fetched` (with `listed_before`, the ids earlier polls of the same
    walk read) is everything the site lists, so a stored review missing from it was
    deleted there. `skipped` are the items of this listing the connector could not
    read. `by_hand` marks new reviews as typed in or imported: no listing of the site
    ever deletes them. Raises ReviewSource.DoesNotExist if the source is gone.
    """
    now = now or timezone.now()
    outcome = StoreOutcome(skipped=list(skipped))
    wanted = fetched_by_id(fetched, outcome.skipped)
    with transaction.atomic():
        source_lock(source)
        existing = reviews_existing(source, list(wanted))
        new_items = [item for external_id, item in wanted.items() if external_id not in existing]
        created = reviews_create(source, new_items, by_hand=by_hand)
        outcome.ids = {**{e: r.pk for e, r in existing.items()}, **created}
        lowered = reviews_update(existing, wanted, now, outcome)
        # A listing with items we could not read is not the whole listing to us: the
        # stored copies of those items would be taken for deleted.
        if complete and not outcome.skipped:
            keep = set(wanted) | {str(external_id).strip() for external_id in listed_before}
            reviews_mark_deleted(source, keep=keep, now=now, outcome=outcome)
        outcome.created = len(created)
        new_texts = [created[e] for e in created if wanted[e].text.strip()]
        texts_enqueue_scoring(model=Review, ids=new_texts)
        outcome.to_score = new_texts + outcome.to_score
        low = {e: pk for e, pk in created.items() if is_low_and_fresh(wanted[e], now)}
        outcome.alerts = low_rating_alerts(source, wanted, {**low, **lowered}, now)
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
    fields = ("id", "external_id", *COMPARED_FIELDS)
    for chunk in batched(external_ids):
        rows = Review.objects.filter(
            business_id=source.business_id, source=source, external_id__in=chunk
        ).only(*fields)
        found.update((review.external_id, review) for review in rows)
    return found


def reviews_create(
    source: ReviewSource, items: list[FetchedReview], *, by_hand: bool
) -> dict[str, int]:
    """Insert the new reviews; returns external_id -> pk."""
    if not items:
        return {}
    Review.objects.bulk_create(
        [review_new(source, item, by_hand=by_hand) for item in items],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )
    created: dict[str, int] = {}
    for chunk in batched([item.external_id for item in items]):
        created.update(
            Review.objects.filter(
                business_id=source.business_id, source=source, external_id__in=chunk
            ).values_list("external_id", "pk")
        )
    return created


def review_new(source: ReviewSource, item: FetchedReview, *, by_hand: bool) -> Review:
    review = Review(
        business_id=source.business_id,
        source=source,
        location_id=source.location_id,
        external_id=item.external_id,
        created_at=item.published_at,
        entered_by_hand=by_hand,
        **{name: getattr(item, name) for name in SITE_FIELDS},
    )
    if item.reply_text:
        review.reply_text, review.replied_at = item.reply_text, item.replied_at
        review.reply_status = ReplyStatus.ON_SITE
    return review


def reviews_update(
    existing: dict[str, Review], wanted: dict[str, FetchedReview], now, outcome: StoreOutcome
) -> dict[str, int]:
    """Bring stored reviews up to date; keep the earlier version of edited ones.
    Returns the reviews lately edited down to a low rating (external_id -> pk)."""
    changed: list[Review] = []
    replied: list[Review] = []
    revisions: list[ReviewRevision] = []
    edited_texts: list[int] = []
    lowered: dict[str, int] = {}
    for external_id, review in existing.items():
        item = wanted[external_id]
        revision = revision_if_edited(review, item)
        text_changed = review.text != item.text
        restored = review.deleted_at is not None
        if is_lowered_lately(review.rating, item, now):
            lowered[external_id] = review.pk
        # Both applied, whatever the first returns.
        site_changed = site_apply(review, item)
        reply_changed = reply_apply(review, item)
        if not (site_changed or reply_changed or restored):
            outcome.unchanged += 1
            continue
        outcome.updated += 1
        outcome.restored += restored
        if reply_changed:
            replied.append(review)
        if site_changed or restored:
            review.deleted_at = None
            changed.append(review)
        if revision is not None:
            revisions.append(revision)
        if text_changed:
            edited_texts.append(review.pk)
    # Only the fields the store alone writes: the reply fields go separately, below.
    Review.objects.bulk_update(changed, (*SITE_FIELDS, "deleted_at"), batch_size=BATCH_SIZE)
    site_replies_record(replied)
    ReviewRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
    texts_rescore_edited(model=Review, ids=edited_texts)
    outcome.to_score.extend(edited_texts)
    return lowered


def site_replies_record(reviews: list[Review]) -> None:
    """Write the replies seen on the site, except on reviews the business replied to
    from here since this store read them (a reply posted meanwhile is not undone)."""
    for chunk in batched(reviews):
        Review.objects.filter(pk__in=[review.pk for review in chunk]).exclude(
            reply_status__in=OURS
        ).update(
            reply_status=ReplyStatus.ON_SITE,
            reply_text=per_review(chunk, "reply_text", TextField()),
            replied_at=per_review(chunk, "replied_at", DateTimeField()),
        )


def per_review(reviews: list[Review], name: str, output_field: Field) -> Case | Cast:
    """Each review's own value of `name`, in one UPDATE, as bulk_update writes it (with
    its cast where the database needs one to type a CASE of NULLs: PostgreSQL)."""
    values = (
        When(pk=review.pk, then=Value(getattr(review, name), output_field=output_field))
        for review in reviews
    )
    case = Case(*values, output_field=output_field)
    if connection.features.requires_casted_case_in_updates:
        return Cast(case, output_field=output_field)
    return case


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


def reviews_mark_deleted(
    source: ReviewSource, *, keep: set[str], now, outcome: StoreOutcome
) -> None:
    """Stored site reviews missing from a complete listing were deleted on the site.
    Reviews entered by hand are never listed by the site, so never concerned."""
    live = list(
        Review.objects.filter(
            business_id=source.business_id, source=source, deleted_at=None, entered_by_hand=False
        ).values_list("external_id", "pk")
    )
    gone = [pk for external_id, pk in live if external_id not in keep]
    if len(gone) > DELETIONS_ALWAYS_BELIEVED and 2 * len(gone) > len(live):
        logger.warning(
            "Review source %s: the complete listing leaves out %d of %d live reviews; "
            "none marked deleted",
            source.pk, len(gone), len(live),
        )  # fmt: skip
        outcome.warnings.append(
            _(
                "The site's full list left out %(gone)d of the %(live)d reviews stored here. "
                "That many at once looks like a fault on the site, so none were marked deleted."
            )
            % {"gone": len(gone), "live": len(live)}
        )
        return
    for chunk in batched(gone):
        Review.objects.filter(pk__in=chunk).update(deleted_at=now)
    outcome.deleted = len(gone)


def low_rating_alerts(
    source: ReviewSource, wanted: dict[str, FetchedReview], low: dict[str, int], now
) -> int:
    """An alert for each of these reviews (new or edited down to one or two stars,
    lately). One alert per review, as for texts: see alerts_save."""
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
        for external_id, pk in low.items()
    ]
    return alerts_save(alerts)


def is_low(rating: int | None) -> bool:
    return rating is not None and rating <= LOW_RATING


def is_low_and_fresh(item: FetchedReview, now) -> bool:
    """A new review of one or two stars written lately (an import of old reviews
    alerts nobody)."""
    return is_low(item.rating) and item.published_at >= now - ALERT_FRESH_FOR


def is_lowered_lately(before: int | None, item: FetchedReview, now) -> bool:
    """Edited from three stars or more down to one or two, lately (when the site gives
    no edit time, now is when we see it)."""
    edited = item.edited_at or now
    lowered = before is not None and not is_low(before) and is_low(item.rating)
    return lowered and edited >= now - ALERT_FRESH_FOR


# --- Polling on demand ----------------------------------------------------------------


def source_poll_now(*, source: ReviewSource) -> bool:
    """Poll the source as soon as a worker is free (the "Poll now" button).

    Claims the source like the periodic poller does, so a double click or a beat tick
    at the same moment never polls it twice at once. False when it cannot be polled now:
    not a polled site, paused, archived, or a poll already under way (claimed, its
    lease not over). The schedule (next_poll_at) is left to the poll.
    """
    from .polling import LEASE, not_claimed
    from .tasks import poll_source

    now = timezone.now()
    claimed = (
        ReviewSource.objects.filter(
            not_claimed(now),
            pk=source.pk,
            is_active=True,
            archived_at=None,
            provider__in=POLLED_PROVIDERS,
        ).update(claimed_until=now + LEASE)
        == 1
    )
    if claimed:
        source.claimed_until = now + LEASE
        enqueue_on_commit(poll_source, source.pk)
    return claimed
