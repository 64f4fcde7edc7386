"""Connecting, changing and archiving review sources, and typing in one review.

Every check of what an owner typed lives here, so the browser form and the API refuse
the same things with the same words; errors are keyed by field ("secrets.<key>" for a
credential).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Location, User
from accounts.services import audit_record
from cxplatform import outbound, vault
from cxplatform.errors import ApplicationError, Conflict

from ..connectors.base import FetchedReview
from ..models import Provider, ReviewSource
from ..selectors import connector_class
from ..services import reviews_store

POLL_MINUTES_MIN = 5
POLL_MINUTES_MAX = 7 * 24 * 60
MAX_SECRET_CHARS = 4_096
# Before any review site; older dates are typing mistakes (and overflow time zones).
OLDEST_YEAR = 1990
# Changing these means talking to another place (or as someone else): poll soon.
CONNECTION_FIELDS = ("external_id", "base_url")
MANUAL_FIELDS = ("name", "location", "review_page_url")
EDITABLE = (
    "name",
    "location",
    "external_id",
    "base_url",
    "review_page_url",
    "poll_interval_minutes",
)


def secret_fields(provider: str) -> tuple[tuple[str, str], ...]:
    connector = connector_class(provider)
    return tuple(connector.secret_fields) if connector else ()


def optional_secrets(provider: str) -> frozenset[str]:
    connector = connector_class(provider)
    return frozenset(getattr(connector, "optional_secrets", ()) or ())


def main_secret_key(provider: str) -> str:
    """The credential whose end the page shows: the first one a source cannot do without
    (Google's access token is optional and replaced as it expires)."""
    keys = [key for key, _label in secret_fields(provider)]
    required = [key for key in keys if key not in optional_secrets(provider)]
    return (required or keys or [""])[0]


def external_id_label(provider: str) -> str:
    connector = connector_class(provider)
    return (connector.external_id_label if connector else "") or _("Business ID on the site")


def address_problem(url: str, label: str) -> str:
    """Why the platform must not fetch `url` ("" when it may), naming the field."""
    try:
        outbound.url_check(url)
    except ValueError:  # urlsplit: "http://[::1" and the like
        return _("%(field)s: not a web address.") % {"field": label}
    except outbound.UrlRefused as error:
        return _("%(field)s: %(reason)s") % {"field": label, "reason": error.message}
    except outbound.Unreachable:
        # A host that does not resolve today is reported by the poll, not refused here:
        # the check is about where the address points, not whether it answers now.
        return ""
    return ""


def page_url_problem(url: str, label: str) -> str:
    """Links customers follow: http(s) only (no javascript: or data: links)."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return _("%(field)s: enter a web address starting with https:// or http://.") % {
            "field": label
        }
    return ""


def check_source(*, provider: str, values: dict, secrets: dict, stored: dict) -> dict:
    """Field -> messages for a source about to be saved; {} when it may be saved."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        if message:
            errors.setdefault(field, []).append(message)

    if not (values.get("name") or "").strip():
        refuse("name", _("Name: give the source a name."))
    if values.get("review_page_url"):
        refuse("review_page_url", page_url_problem(values["review_page_url"], _("Review page")))
    if provider == Provider.MANUAL:
        return errors | unused_by_manual(values, secrets)
    external_id = values.get("external_id") or ""
    label = external_id_label(provider)
    if not external_id.strip():
        refuse(
            "external_id", _("%(field)s: this is needed to find the reviews.") % {"field": label}
        )
    elif provider == Provider.FEED:
        refuse("external_id", address_problem(external_id, label))
    if values.get("base_url"):
        refuse("base_url", address_problem(values["base_url"], _("API base URL")))
    minutes = values.get("poll_interval_minutes")
    if minutes is not None and not POLL_MINUTES_MIN <= minutes <= POLL_MINUTES_MAX:
        refuse(
            "poll_interval_minutes",
            _("Poll interval: between %(min)d minutes and %(max)d minutes (7 days).")
            % {"min": POLL_MINUTES_MIN, "max": POLL_MINUTES_MAX},
        )
    errors.update(check_secrets(provider, secrets, stored))
    return errors


def unused_by_manual(values: dict, secrets: dict) -> dict[str, list[str]]:
    """A source typed in by hand is never fetched: an address or key for it is a mistake."""
    message = _("Not used by a source whose reviews are entered by hand.")
    errors = {field: [message] for field in CONNECTION_FIELDS if values.get(field)}
    return errors | {f"secrets.{key}": [message] for key, value in secrets.items() if value}


def check_secrets(provider: str, secrets: dict, stored: dict) -> dict[str, list[str]]:
    fields = dict(secret_fields(provider))
    optional = optional_secrets(provider)
    errors = {
        f"secrets.{key}": [_("Unknown credential for this site.")]
        for key in secrets
        if key not in fields
    }
    for key, label in fields.items():
        value = secrets.get(key) or ""
        if not isinstance(value, str) or len(value) > MAX_SECRET_CHARS:
            errors[f"secrets.{key}"] = [_("%(field)s: not a valid value.") % {"field": label}]
        elif not value and not stored.get(key) and key not in optional:
            errors[f"secrets.{key}"] = [_("%(field)s: this is needed.") % {"field": label}]
    return errors


def raise_if(errors: dict) -> None:
    if errors:
        raise ApplicationError(_("Some fields are not valid."), errors=errors)


def check_location(business: Business, location: Location | None) -> None:
    if location is not None and location.business_id != business.pk:
        raise_if({"location": [_("Location: no such location.")]})


def stored_secrets(source: ReviewSource) -> dict:
    """What is saved; {} when the keys changed since, so the owner enters them again."""
    try:
        return vault.decrypt(source.secrets_encrypted)
    except vault.SecretUnreadable:
        return {}


def sealed(provider: str, values: dict) -> tuple[str, str]:
    """(secrets_encrypted, secret_hint): the hint shows the end of the main secret."""
    if not secret_fields(provider) or not values:
        return "", ""
    return vault.encrypt(values), vault.hint(values.get(main_secret_key(provider), ""))


def source_audit(source: ReviewSource, actor: User | None, action: str, fields=()) -> None:
    """Who connected, changed or archived a source: field names only, never a credential."""
    detail = {"provider": source.provider} | ({"fields": sorted(fields)} if fields else {})
    audit_record(
        business=source.business, actor=actor, action=f"review_source.{action}",
        target=str(source.uuid), detail=detail,
    )  # fmt: skip


@transaction.atomic
def source_create(
    *,
    business: Business,
    provider: str,
    values: dict,
    secrets: dict | None = None,
    actor: User | None = None,
    now=None,
) -> ReviewSource:
    """Connect a source; a polled one is due at once (the next beat tick polls it)."""
    if provider not in Provider.values:
        raise_if({"provider": [_("Provider: unknown site.")]})
    secrets = {k: v for k, v in (secrets or {}).items() if v != ""}
    values = {k: v for k, v in values.items() if k in EDITABLE}
    check_location(business, values.get("location"))
    raise_if(check_source(provider=provider, values=values, secrets=secrets, stored={}))
    if provider == Provider.MANUAL:
        values = {k: v for k, v in values.items() if k in MANUAL_FIELDS}
    polled = provider != Provider.MANUAL
    values.setdefault("poll_interval_minutes", settings.REPUTATION_DEFAULT_POLL_MINUTES)
    if values["poll_interval_minutes"] is None:
        values["poll_interval_minutes"] = settings.REPUTATION_DEFAULT_POLL_MINUTES
    encrypted, hint = sealed(provider, secrets)
    source = ReviewSource.objects.create(
        business=business, provider=provider, secrets_encrypted=encrypted, secret_hint=hint,
        next_poll_at=(now or timezone.now()) if polled else None, **values,
    )  # fmt: skip
    source_audit(source, actor, "create")
    return source


@transaction.atomic
def source_update(
    *,
    source: ReviewSource,
    values: dict,
    secrets: dict | None = None,
    actor: User | None = None,
    now=None,
) -> ReviewSource:
    """Change a source; blank credentials keep the saved ones."""
    if source.archived_at is not None:
        raise Conflict(_("This source is archived."))
    now = now or timezone.now()
    values = {k: v for k, v in values.items() if k in EDITABLE}
    new_secrets = {k: v for k, v in (secrets or {}).items() if v != ""}
    kept = stored_secrets(source)
    check_location(source.business, values.get("location", source.location))
    merged_values = {field: getattr(source, field) for field in EDITABLE} | values
    raise_if(
        check_source(
            provider=source.provider, values=merged_values, secrets=new_secrets, stored=kept
        )
    )
    if source.provider == Provider.MANUAL:
        values = {k: v for k, v in values.items() if k in MANUAL_FIELDS}
    moved = any(
        field in values and values[field] != getattr(source, field) for field in CONNECTION_FIELDS
    )
    edited = {field for field, value in values.items() if value != getattr(source, field)}
    if new_secrets:
        edited.add("credentials")
    changed = set(values)
    for field, value in values.items():
        setattr(source, field, value)
    if source.is_polled and (moved or new_secrets):
        if moved:
            source.cursor = {}  # the old position means nothing at the new address
        source.next_poll_at = now
        changed |= {"cursor", "next_poll_at"}
    if new_secrets:
        source.secrets_encrypted, source.secret_hint = sealed(source.provider, kept | new_secrets)
        changed |= {"secrets_encrypted", "secret_hint"}
    # Only what changed: a poll running now writes the health fields meanwhile.
    source.save(update_fields=sorted(changed))
    if edited:
        source_audit(source, actor, "update", edited)
    return source


@transaction.atomic
def source_archive(*, source: ReviewSource, actor: User | None = None, now=None) -> ReviewSource:
    """Stop polling and hide the source; its reviews stay (history, figures)."""
    if source.archived_at is None:
        source.archived_at = now or timezone.now()
        archived = ReviewSource.objects.filter(pk=source.pk, archived_at=None).update(
            archived_at=source.archived_at, is_active=False, next_poll_at=None
        )
        if archived:  # two archive clicks at once: only the one that did it is recorded
            source_audit(source, actor, "archive")
        source.is_active, source.next_poll_at = False, None
    return source


def written_at(business: Business, day: date) -> datetime:
    """A review dated by day only counts from the start of that day, business time."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(business.time_zone))


def review_enter(*, source: ReviewSource, fields: dict, now=None) -> str:
    """Store one review typed in by the owner; returns its external id."""
    if source.archived_at is not None:
        raise Conflict(_("This source is archived."))
    external_id = f"manual-{uuid.uuid4()}"
    review = FetchedReview(
        external_id=external_id, published_at=written_at(source.business, fields["date"]),
        rating=fields.get("rating"), text=fields.get("text", ""),
        author_name=fields.get("author", ""), title=fields.get("title", ""),
        url=fields.get("url", ""),
    )  # fmt: skip
    outcome = reviews_store(source=source, fetched=[review], complete=False, by_hand=True, now=now)
    if outcome.skipped:
        raise ApplicationError(outcome.skipped[0])
    return external_id
