"""The business's own settings that only its owner changes (retention of personal data)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cxplatform.errors import ApplicationError

from .models import Business, User
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
