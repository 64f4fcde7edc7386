"""Reads of the audit log: who viewed, exported, erased or changed what (owners only).

Entries are written by accounts.services.audit_record from the services that do the
recorded thing; they hold uuids, field names and counts, never a customer's data.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiKey, AuditEntry, Business, Membership, Role

# The person filter's value for entries no signed-in person made (API keys, scheduled work,
# customers unsubscribing).
NO_PERSON = "-"


def audit_entries(
    *, business: Business, action: str = "", person: str = ""
) -> QuerySet[AuditEntry]:
    """Newest first; `person` is a member's e-mail address, or NO_PERSON."""
    entries = AuditEntry.objects.filter(business=business).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if person == NO_PERSON:
        entries = entries.filter(actor=None)
    elif person:
        entries = entries.filter(actor__email__iexact=person)
    return entries.order_by("-created_at", "-pk")


def audit_actions(*, business: Business) -> list[str]:
    """The actions recorded in the business's log, for the filter."""
    actions = AuditEntry.objects.filter(business=business).values_list("action", flat=True)
    return list(actions.distinct().order_by("action"))


def audit_people(*, business: Business) -> list[str]:
    """The e-mail addresses of everyone who appears in the log, members or not any more."""
    people = AuditEntry.objects.filter(business=business).exclude(actor=None)
    return list(people.values_list("actor__email", flat=True).distinct().order_by("actor__email"))


def api_key_speaks_for_owner(*, api_key: ApiKey) -> bool:
    """A key reads what only owners read while the person who made it owns the business:
    a key made by someone who was since moved to another role or left loses that reach."""
    return Membership.objects.filter(
        business_id=api_key.business_id, user_id=api_key.created_by_id, role=Role.OWNER
    ).exists()
