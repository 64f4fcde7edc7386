"""The business's own settings that only its owner changes (retention of personal data,
the time zone its days are counted in)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cxplatform.errors import ApplicationError

from .models import Business, User, time_zone_names
from .services import audit_record

RETENTION_MAX_MONTHS = 240


def business_settings_update(
    *, business: Business, actor: User | None, retention_months: int | None
) -> Business:
    """Change the retention period (None keeps everything); audited when it changes."""
    if retention_months is not None and not 1 <= retention_months <= RETENTION_MAX_MONTHS:
        message = _("Keep data between 1 and %(n)d months, or leave it empty to keep everything.")
        message %= {"n": RETENTION_MAX_MONTHS}
        raise ApplicationError(message, errors={"retention_months": [message]})
    before = business.retention_months
    if before == retention_months:
        return business
    with transaction.atomic():
        Business.objects.filter(pk=business.pk).update(retention_months=retention_months)
        audit_record(
            business=business, actor=actor, action="business.settings",
            detail={"retention_months": {"from": before, "to": retention_months}},
        )  # fmt: skip
    business.retention_months = retention_months
    return business


def clean_time_zone(value: object) -> str:
    if value not in time_zone_names():
        message = _("Choose a time zone from the list, such as Europe/Madrid.")
        raise ApplicationError(message, errors={"time_zone": [message]})
    return value


def business_time_zone_update(
    *, business: Business, actor: User | None, time_zone: str
) -> Business:
    """Count the business's days in `time_zone` from now on; audited when it changes.

    Every figure kept by local day (the journey roll-up and what follows it, purchases,
    case outcomes) is rebuilt once the change commits, by the apps that keep them
    (settings.ACCOUNTS_AFTER_TIME_ZONE_CHANGE): until then a day would hold hours of
    the old zone's.
    """
    with transaction.atomic():
        rows = Business.objects.select_for_update().filter(pk=business.pk)
        before = rows.values_list("time_zone", flat=True).get()
        if time_zone == before:
            return business  # kept as it is, even a zone no longer offered
        rows.update(time_zone=clean_time_zone(time_zone))
        audit_record(
            business=business, actor=actor, action="business.settings",
            detail={"time_zone": {"from": before, "to": time_zone}},
        )  # fmt: skip
        for hook in settings.ACCOUNTS_AFTER_TIME_ZONE_CHANGE:
            import_string(hook)(business_id=business.pk)  # each sends its work on commit
    business.time_zone = time_zone
    return business
