"""Writes for what a business tells the analyser: its alert rules and its aspects.

The browser and the API both come here, so both refuse the same things with the same
field-named errors (ApplicationError). Changes apply to texts scored from now on;
`rescore.rescore_start` applies them to earlier texts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Business, User
from accounts.services import audit_record
from cxplatform import outbound
from cxplatform.errors import ApplicationError

from .models import Aspect, AspectMention, InsightSettings
from .services import insight_settings_for
from .webhooks import webhook_secret_ensure

MAX_TERMS = 300
# What insight_settings_update changes (the webhook's secret is made apart, once).
SETTING_FIELDS = ("alert_threshold", "urgent_terms", "webhook_url")
MAX_TERM_CHARS = 80
NAME_CHARS = 80
KEY_CHARS = 40
WEBHOOK_CHARS = 500
TERM_SEPARATORS = re.compile(r"[,\n]")
KEY_FORMAT = re.compile(r"^[a-z0-9_-]+$")
WORD_CHARACTER = re.compile(r"\w")
webhook_url_validator = URLValidator(schemes=["http", "https"])
SECRET_FIELDS = ("webhook_secret_encrypted", "webhook_secret_hint", "webhook_secret_created_at")


# --- Terms ---------------------------------------------------------------------------


def terms_from_text(text: str) -> list[str]:
    """What people type ("refund*, money back" or one per line) as a list of terms."""
    return terms_clean(TERM_SEPARATORS.split(text or ""))


def terms_clean(terms: Iterable[object]) -> list[str]:
    """Spaces tidied, blanks and repeats (ignoring case) dropped, order kept."""
    kept: dict[str, str] = {}
    for term in terms:
        tidy = " ".join(str(term).split())
        if tidy and tidy.lower() not in kept:
            kept[tidy.lower()] = tidy
    return list(kept.values())


def terms_problems(terms: list[str]) -> list[str]:
    if len(terms) > MAX_TERMS:
        return [_("At most %(n)d words or phrases.") % {"n": MAX_TERMS}]
    problems = []
    for term in terms:
        if len(term) > MAX_TERM_CHARS:
            problems.append(
                _("“%(term)s…” is too long (at most %(n)d characters).")
                % {"term": term[:20], "n": MAX_TERM_CHARS}
            )
        elif not WORD_CHARACTER.search(term):
            # "*" alone would match every word.
            problems.append(_("“%(term)s” has no letters or digits.") % {"term": term})
    return problems


# --- Alert rules ---------------------------------------------------------------------


def insight_settings_update(
    *,
    business: Business,
    alert_threshold: float | None = None,
    urgent_terms: list[str] | None = None,
    webhook_url: str | None = None,
    actor: User | None = None,
) -> InsightSettings:
    """Change what is given (None leaves a setting as it is; "" clears the webhook).

    The first webhook URL also makes the business's signing secret: the returned row
    then carries it in `new_webhook_secret`, for the owner to copy once ("" otherwise)."""
    row = insight_settings_for(business)
    before = {field: getattr(row, field) for field in SETTING_FIELDS}
    errors: dict[str, list[str]] = {}
    if alert_threshold is not None:
        if not math.isfinite(alert_threshold) or not -1 <= alert_threshold <= 0:
            errors["alert_threshold"] = [_("The alert threshold must be between -1 and 0.")]
        row.alert_threshold = alert_threshold
    if urgent_terms is not None:
        row.urgent_terms = terms_clean(urgent_terms)
        if problems := terms_problems(row.urgent_terms):
            errors["urgent_terms"] = problems
    if webhook_url is not None:
        row.webhook_url = webhook_url.strip()
        if problem := webhook_url_problem(row.webhook_url):
            errors["webhook_url"] = [problem]
    if errors:
        raise ApplicationError(_("Some settings are not valid."), errors=errors)
    with transaction.atomic():
        row.save(update_fields=list(SETTING_FIELDS))
        if edited := [field for field in SETTING_FIELDS if getattr(row, field) != before[field]]:
            configuration_audit(business, actor, "insight_settings.update", "", edited)
    row.new_webhook_secret = webhook_secret_ensure(settings_id=row.pk) if row.webhook_url else ""
    if row.new_webhook_secret:
        row.refresh_from_db(fields=list(SECRET_FIELDS))
    return row


def configuration_audit(
    business: Business, actor: User | None, action: str, target: str, fields: Iterable[str] = ()
) -> None:
    """Who changed what the analyser does: field names and aspect keys, no values (a
    webhook URL may carry a token)."""
    detail = {"fields": sorted(fields)} if fields else {}
    audit_record(business=business, actor=actor, action=action, target=target, detail=detail)


def webhook_url_problem(url: str) -> str:
    if not url:
        return ""
    if len(url) > WEBHOOK_CHARS:
        return _("The webhook URL is too long (at most %(n)d characters).") % {"n": WEBHOOK_CHARS}
    try:
        webhook_url_validator(url)
    except ValidationError:
        return _("The webhook URL must be a full web address starting with http:// or https://.")
    if urlsplit(url).username is not None:
        return _("The webhook URL must not contain a user name or password.")
    return webhook_address_problem(url)


def webhook_address_problem(url: str) -> str:
    """Refused now when its host resolves to a private, loopback or link-local address
    (server-side request forgery); every delivery checks again, redirects included.
    A host that does not resolve yet is accepted: its DNS may still be on its way."""
    try:
        outbound.url_check(url)
    except outbound.UrlRefused:
        return _(
            "The webhook URL points to a private or local network address; alerts can only "
            "be sent to a public web address."
        )
    except outbound.Unreachable:
        return ""
    return ""


# --- Aspects -------------------------------------------------------------------------


def aspect_create(
    *, business: Business, name: str, terms: list[str], key: str = "", actor: User | None = None
) -> Aspect:
    """Add an aspect at the end of the list; its key is made from its name unless given."""
    insight_settings_for(business)  # the industry's aspects first, so they are not lost
    name = " ".join((name or "").split())
    terms = terms_clean(terms)
    key_field = "key" if key else "name"
    key = key.strip() if key else key_from_name(name)
    errors = {**name_errors(name), **term_errors(terms), **key_errors(key, key_field)}
    if not errors and Aspect.objects.filter(business=business, key=key).exists():
        errors[key_field] = [key_taken(key, key_field)]
    if errors:
        raise ApplicationError(_("The aspect is not valid."), errors=errors)
    try:
        with transaction.atomic():
            last = Aspect.objects.filter(business=business).aggregate(last=Max("position"))
            aspect = Aspect.objects.create(
                business=business, key=key, name=name, terms=terms,
                position=(last["last"] or 0) + 1,
            )  # fmt: skip
            configuration_audit(business, actor, "aspect.create", key)
            return aspect
    except IntegrityError as error:  # added by someone else at the same moment
        raise ApplicationError(
            _("The aspect is not valid."), errors={key_field: [key_taken(key, key_field)]}
        ) from error


def aspect_update(
    *,
    aspect: Aspect,
    name: str | None = None,
    terms: list[str] | None = None,
    actor: User | None = None,
) -> Aspect:
    """Rename it or change its words. The key stays: stored mentions refer to it."""
    before = {"name": aspect.name, "terms": list(aspect.terms)}
    errors: dict[str, list[str]] = {}
    if name is not None:
        aspect.name = " ".join(name.split())
        errors.update(name_errors(aspect.name))
    if terms is not None:
        aspect.terms = terms_clean(terms)
        errors.update(term_errors(aspect.terms))
    if errors:
        raise ApplicationError(_("The aspect is not valid."), errors=errors)
    with transaction.atomic():
        aspect.save(update_fields=["name", "terms"])
        if edited := [field for field in before if getattr(aspect, field) != before[field]]:
            configuration_audit(aspect.business, actor, "aspect.update", aspect.key, edited)
    return aspect


def aspect_delete(*, aspect: Aspect, actor: User | None = None) -> None:
    """Remove it with what was counted for it, so aspect figures match the list."""
    with transaction.atomic():
        AspectMention.objects.filter(business_id=aspect.business_id, aspect_key=aspect.key).delete()
        configuration_audit(aspect.business, actor, "aspect.delete", aspect.key)
        aspect.delete()


def key_from_name(name: str) -> str:
    key = slugify(name).replace("-", "_")[:KEY_CHARS].strip("_")
    return key or "aspect"


def name_errors(name: str) -> dict[str, list[str]]:
    if not name:
        return {"name": [_("Give the aspect a name.")]}
    if len(name) > NAME_CHARS:
        return {"name": [_("At most %(n)d characters.") % {"n": NAME_CHARS}]}
    return {}


def term_errors(terms: list[str]) -> dict[str, list[str]]:
    if not terms:
        return {"terms": [_("Give at least one word or phrase that names this aspect.")]}
    problems = terms_problems(terms)
    return {"terms": problems} if problems else {}


def key_errors(key: str, field: str) -> dict[str, list[str]]:
    if len(key) > KEY_CHARS or not KEY_FORMAT.match(key):
        return {
            field: [
                _("A key is at most %(n)d lowercase letters, digits, “_” or “-”.")
                % {"n": KEY_CHARS}
            ]
        }
    return {}


def key_taken(key: str, field: str) -> str:
    if field == "name":
        message = _("Another aspect already has the key “%(key)s”; choose another name.")
    else:
        message = _("Another aspect already has the key “%(key)s”.")
    return message % {"key": key}
