"""Polling review sites: which sources are due, claiming them, and one poll.

A source is due when `next_poll_at` (the schedule) has passed. The periodic task
claims due sources by setting `claimed_until` a lease ahead in one conditional UPDATE,
so two beats or workers never poll one source at once; a poll that dies leaves the
source free again when the lease ends. Each poll then sets the next time (the interval
after a success, a back-off after a transient failure) and ends its claim.

The threads pool enforces no task time limit, so a poll keeps to the lease by itself:
its fetch stops asking for pages after FETCH_TIME and the rest is read next time.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxplatform.vault import SecretUnreadable, decrypt, encrypt

from .connectors import connector_for
from .connectors.base import (
    CredentialsRejected,
    FetchResult,
    ProviderUnavailable,
    SourceError,
)
from .models import POLLED_PROVIDERS, ReviewSource, SourceHealth
from .services import StoreOutcome, reviews_store

logger = logging.getLogger(__name__)

# Longer than any poll runs (see FETCH_TIME), so a claimed source is not claimed again
# while its poll is still under way.
LEASE = timedelta(seconds=max(settings.CELERY_TASK_TIME_LIMIT, 60) + 60)
# How long a fetch may keep asking for pages: a minute short of the lease, for the last
# request and the store, and short of the soft time limit where a pool enforces one.
FETCH_TIME = max(
    timedelta(seconds=10),
    min(
        LEASE - timedelta(seconds=60),
        timedelta(
            seconds=(settings.CELERY_TASK_SOFT_TIME_LIMIT or settings.CELERY_TASK_TIME_LIMIT) - 30
        ),
    ),
)
# Sources claimed per tick at most; the rest wait for the next tick.
CLAIM_LIMIT = 5_000
ERROR_CHARS = ReviewSource._meta.get_field("last_error").max_length


def polled_sources() -> QuerySet[ReviewSource]:
    return ReviewSource.objects.filter(
        is_active=True, archived_at=None, provider__in=POLLED_PROVIDERS
    )


def due(now: datetime) -> Q:
    # A source nobody scheduled yet (just connected) is due at once.
    return Q(next_poll_at__lte=now) | Q(next_poll_at=None)


def not_claimed(now: datetime) -> Q:
    """No poll under way: never claimed, or its poll ended or died (the lease is over)."""
    return Q(claimed_until=None) | Q(claimed_until__lte=now)


class AddressChanged(Exception):
    """The owner pointed the source elsewhere while it was polled."""


# --- Claiming -------------------------------------------------------------------------


def sources_claim_due(*, now: datetime | None = None, limit: int = CLAIM_LIMIT) -> list[int]:
    """Claim the due sources (oldest first); returns their ids."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _claim_postgresql(now, limit)
    # SQLite (the demo) has one writer at a time: select, then the same conditional UPDATE.
    with transaction.atomic():
        free = polled_sources().filter(due(now), not_claimed(now))
        ids = list(free.order_by("next_poll_at").values_list("pk", flat=True)[:limit])
        free.filter(pk__in=ids).update(claimed_until=now + LEASE)
    return ids


def _claim_postgresql(now: datetime, limit: int) -> list[int]:
    """One statement for the batch. SKIP LOCKED lets a concurrent claim pass over the
    rows this one is taking instead of waiting and then claiming them again."""
    table = connection.ops.quote_name(ReviewSource._meta.db_table)
    sql = (
        f"UPDATE {table} SET claimed_until = %(lease)s WHERE id IN ("
        f" SELECT id FROM {table}"
        "  WHERE is_active AND archived_at IS NULL AND provider = ANY(%(providers)s)"
        "   AND (next_poll_at <= %(now)s OR next_poll_at IS NULL)"
        "   AND (claimed_until <= %(now)s OR claimed_until IS NULL)"
        "  ORDER BY next_poll_at NULLS FIRST LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
        ") RETURNING id"
    )
    params = {
        "lease": now + LEASE,
        "providers": sorted(POLLED_PROVIDERS),
        "now": now,
        "limit": limit,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# --- One poll -------------------------------------------------------------------------


def source_poll(*, source_id: int) -> str:
    """Fetch the source's new reviews, store them and record how it went. Returns a
    one-line summary for the worker's log."""
    source = polled_sources().filter(pk=source_id).first()
    if source is None:  # deleted, archived or paused since it was claimed
        return "gone"
    # The lease counts from now: a poll that waited in the queue still has all of it.
    ReviewSource.objects.filter(pk=source.pk).update(claimed_until=timezone.now() + LEASE)
    try:
        result = fetch(source, deadline=time.monotonic() + FETCH_TIME.total_seconds())
    except SourceError as error:
        return poll_failed(source, error)
    try:
        with transaction.atomic():
            outcome = reviews_store(
                source=source,
                fetched=result.reviews,
                complete=result.complete,
                listed_before=result.listed_before,
                skipped=result.skipped,
            )
            poll_succeeded(source, result, outcome)
    except AddressChanged:
        return address_changed(source)
    except ReviewSource.DoesNotExist:
        return "gone"
    except (OperationalError, InterfaceError):
        raise  # the database went away: the task retries
    except Exception:
        # Nothing was written (one transaction); the owner sees the source needs looking
        # at instead of a source that silently stopped updating.
        logger.exception("Storing the reviews of source %s failed", source.pk)
        return poll_failed(source, SourceError(_("Unexpected error, we are looking into it.")))
    return (
        f"ok: {outcome.created} new, {outcome.updated} updated, {outcome.deleted} deleted, "
        f"{outcome.unchanged} unchanged, {len(outcome.skipped)} skipped"
    )


def fetch(source: ReviewSource, *, deadline: float | None = None) -> FetchResult:
    """The connector's answer; every failure becomes a SourceError in plain words."""
    try:
        return connector_for(source, deadline=deadline).fetch(dict(source.cursor or {}))
    except SourceError:
        raise
    except SecretUnreadable as error:
        raise CredentialsRejected(str(error)) from None
    except SoftTimeLimitExceeded:
        raise ProviderUnavailable(_("The site took too long to answer; retrying later.")) from None
    except Exception as error:
        # A connector bug or a payload shape nobody foresaw: the worker lives on, the
        # owner sees a calm message, the traceback goes to the logs.
        logger.exception("Polling review source %s failed unexpectedly", source.pk)
        raise SourceError(_("Unexpected error, we are looking into it.")) from error


def same_address(source: ReviewSource) -> QuerySet[ReviewSource]:
    """The source, if it still points where this poll read: the owner may have changed
    the address meanwhile (source_update then resets the cursor and asks for a poll),
    and what the old address said must not land on the new one."""
    return ReviewSource.objects.filter(
        pk=source.pk, external_id=source.external_id, base_url=source.base_url
    )


def poll_succeeded(source: ReviewSource, result: FetchResult, outcome: StoreOutcome) -> None:
    """Record the success; raises AddressChanged (undoing the store) if the source was
    pointed elsewhere during the poll."""
    now = timezone.now()
    notes = [*outcome.warnings, skipped_summary(outcome.skipped)]
    changes = {
        "cursor": result.cursor or {},
        "health": SourceHealth.OK,
        "failures": 0,
        "last_polled_at": now,
        "last_success_at": now,
        "next_poll_at": now + timedelta(minutes=source.poll_interval_minutes),
        "claimed_until": None,
        "last_error": " ".join(note for note in notes if note)[:ERROR_CHARS],
    }
    if changes["last_error"]:
        changes["last_error_at"] = now
    if not same_address(source).update(**changes):
        raise AddressChanged
    if result.refreshed_secrets:
        secrets_refresh(source, result.refreshed_secrets)


def address_changed(source: ReviewSource) -> str:
    # Nothing of this poll is kept; the claim ends so the new address is polled at once.
    ReviewSource.objects.filter(pk=source.pk).update(claimed_until=None)
    return "dropped: the source's address changed during the poll"


def secrets_refresh(source: ReviewSource, refreshed: dict[str, str]) -> None:
    """Keep the refreshed token, unless the owner entered new credentials while the
    poll ran: theirs win."""
    merged = {**decrypt(source.secrets_encrypted), **refreshed}
    ReviewSource.objects.filter(pk=source.pk, secrets_encrypted=source.secrets_encrypted).update(
        secrets_encrypted=encrypt(merged)
    )


def poll_failed(source: ReviewSource, error: SourceError) -> str:
    """Transient errors are retried with a back-off; others wait for the owner (polled
    again at the usual interval, in case the site recovers by itself)."""
    now = timezone.now()
    failures = min(source.failures + 1, 10_000)
    if error.transient:
        health, wait = SourceHealth.RETRYING, retry_wait(source, failures, error.retry_after)
    else:
        health, wait = SourceHealth.FAILING, timedelta(minutes=source.poll_interval_minutes)
    recorded = same_address(source).update(
        health=health,
        failures=failures,
        last_error=error.message[:ERROR_CHARS],
        last_error_at=now,
        last_polled_at=now,
        next_poll_at=now + wait,
        claimed_until=None,
    )
    if not recorded:
        return address_changed(source)
    return f"{health}: {error.message}"


def retry_wait(source: ReviewSource, failures: int, retry_after: int | None) -> timedelta:
    """2, 4, 8... minutes, at most the source's interval; longer if the site asks."""
    interval = timedelta(minutes=source.poll_interval_minutes)
    backoff = min(timedelta(minutes=2 ** min(failures, 20)), interval)
    return max(backoff, timedelta(seconds=retry_after or 0))


def skipped_summary(skipped: list[str]) -> str:
    if not skipped:
        return ""
    summary = ngettext(
        "%(count)d review could not be read and was skipped: %(first)s",
        "%(count)d reviews could not be read and were skipped; the first: %(first)s",
        len(skipped),
    ) % {"count": len(skipped), "first": skipped[0]}
    return summary[:ERROR_CHARS]
