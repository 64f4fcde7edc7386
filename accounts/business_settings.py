"""The business's own settings, which only its owner changes: its name, industry and
language, the time zone its days are counted in, and how long personal data is kept."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cxplatform.errors import ApplicationError, field_error

from .models import TIME_ZONE_REFUSAL, Business, Industry, User, time_zone_names
from .services import audit_record

RETENTION_MAX_MONTHS = 240
NAME_MAX_LENGTH = Business._meta.get_field("name").max_length


def business_settings_update(
    *, business: Business, actor: User | None, **changes: object
) -> Business:
    """Change any of the business's `name`, `industry`, `language`, `time_zone` and
    `retention_months` (None keeps everything), given as keywords. A value that differs
    from the business's is checked, and a refusal names every field refused, with
    nothing changed; each change is audited, from and to.

    A new time zone sets off a rebuild of every figure kept by local day (the journey
    roll-up and what follows it, purchases, case outcomes) once it commits, by the apps
    that keep them (settings.ACCOUNTS_AFTER_TIME_ZONE_CHANGE): until then a day would
    hold hours of the old zone's. Rows written before keep their words: questions and
    privacy lines written with the old name, aspects named in the old language.
    """
    unknown = changes.keys() - SETTING_CHECKS.keys()
    if unknown:
        raise TypeError(f"Not a business setting: {', '.join(sorted(unknown))}")
    if not changes:
        return business
    with transaction.atomic():
        rows = Business.objects.select_for_update().filter(pk=business.pk)
        before = rows.values(*changes).get()
        changed = checked_changes(before, changes)
        if changed:
            rows.update(**changed)
            detail = {field: {"from": before[field], "to": to} for field, to in changed.items()}
            audit_record(business=business, actor=actor, action="business.settings", detail=detail)
        if "time_zone" in changed:
            for hook in settings.ACCOUNTS_AFTER_TIME_ZONE_CHANGE:
                import_string(hook)(business_id=business.pk)  # each sends its work on commit
    for field, value in changed.items():
        setattr(business, field, value)
    return business


def checked_changes(before: dict, changes: dict) -> dict:
    """The values that differ from `before`, checked. A value kept as it is is not
    checked again: a business keeps a zone set before the list of zones narrowed."""
    checked, errors = {}, {}
    for field, value in changes.items():
        if value == before[field]:
            continue
        try:
            checked[field] = SETTING_CHECKS[field](value)
        except ApplicationError as error:
            errors.update(error.errors)
    if errors:
        message = next(iter(errors.values()))[0] if len(errors) == 1 else None
        raise ApplicationError(message or _("Please check these settings."), errors=errors)
    # A name sent with spaces around it is the same name.
    return {field: value for field, value in checked.items() if value != before[field]}


def clean_business_name(value: object) -> str:
    """One line of at most NAME_MAX_LENGTH characters, without the spaces around it. No
    line breaks or other control characters: the name goes into e-mail subjects."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > NAME_MAX_LENGTH:
        message = _("Give your business a name of at most %(n)d characters.")
        raise field_error("name", message % {"n": NAME_MAX_LENGTH})
    if any(unicodedata.category(character) == "Cc" for character in name):
        raise field_error("name", _("The name must be one line, without control characters."))
    return name


def clean_industry(value: object) -> str:
    if value not in Industry.values:
        raise field_error("industry", _("Choose an industry from the list."))
    return value


def clean_language(value: object) -> str:
    if value not in [code for code, _name in settings.LANGUAGES]:
        raise field_error("language", _("Choose a language from the list."))
    return value


def clean_time_zone(value: object) -> str:
    if value not in time_zone_names():
        raise field_error("time_zone", str(TIME_ZONE_REFUSAL))
    return value


def clean_retention_months(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        value = -1  # refused below, with the same words
    if not 1 <= value <= RETENTION_MAX_MONTHS:
        message = _("Keep data between 1 and %(n)d months, or leave it empty to keep everything.")
        raise field_error("retention_months", message % {"n": RETENTION_MAX_MONTHS})
    return value


SETTING_CHECKS = {
    "name": clean_business_name,
    "industry": clean_industry,
    "language": clean_language,
    "time_zone": clean_time_zone,
    "retention_months": clean_retention_months,
}
