"""Reads of the audit log: who viewed, exported, erased or changed what (owners only).

Entries are written by accounts.services.audit_record from the services that do the
recorded thing; they hold uuids, field names and counts, never a customer's data.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, AuditEntry, Business, Membership, Role

# The person filter's value for entries no signed-in person made (API keys, scheduled work,
# customers unsubscribing).
NO_PERSON = "-"

# Each action the services record, in words, for the page and its filter. The codes stay
# in the database and the API (machines read them); a code missing here shows as itself.
ACTION_LABELS: dict[str, Promise] = {
    "api_key.create": _("API key created"),
    "api_key.revoke": _("API key revoked"),
    "business.settings": _("Business settings changed"),
    "team.invite": _("Team member invited"),
    "team.invitation_revoke": _("Team invitation withdrawn"),
    "team.join": _("Joined the team"),
    "team.role_change": _("Team member's role changed"),
    "team.remove": _("Team member removed"),
    "customer.create": _("Customer added"),
    "customer.view": _("Customer page viewed"),
    "customer.update": _("Customer edited"),
    "customer.consent": _("Customer's consent to contact changed"),
    "customer.delete": _("Customer deleted"),
    "customer.export": _("Customer's data downloaded"),
    "customer.erase": _("Customer's data erased"),
    "customer_import.upload": _("Customer file uploaded"),
    "retention.anonymise": _("Old data anonymised (retention period)"),
    "case.update": _("Follow-up changed"),
    "survey.create": _("Survey created"),
    "survey.update": _("Survey edited"),
    "survey.status": _("Survey status changed"),
    "question.delete": _("Survey question deleted"),
    "review_source.create": _("Review site connected"),
    "review_source.update": _("Review site changed"),
    "review_source.archive": _("Review site archived"),
    "review.reply_posted": _("Review reply posted"),
    "review.reply_copied": _("Review reply copied to the site"),
    "review.reply_failed": _("Review reply failed to post"),
    "insight_settings.update": _("Insight settings changed"),
    "aspect.create": _("Aspect added"),
    "aspect.update": _("Aspect changed"),
    "aspect.delete": _("Aspect removed"),
}


def action_label(action: str) -> str:
    """The action in words, in the active language; an unknown code as itself."""
    return str(ACTION_LABELS.get(action, action))


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
