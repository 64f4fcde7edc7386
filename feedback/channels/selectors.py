from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import Business
from customers.consent import contactable
from customers.models import Customer

from ..models import Invitation, InvitationStatus, Survey


def customers_to_invite(
    *, business: Business, emails: list[str], everyone_consenting: bool = False
) -> QuerySet[Customer]:
    """The business's customers named by e-mail, or all who agreed to be contacted."""
    wanted = Q(email__in=emails) if emails else Q(pk__in=[])
    if everyone_consenting:
        wanted |= contactable()
    return Customer.objects.filter(business=business).filter(wanted)


def invitations_for_survey(*, survey: Survey) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(business=survey.business, survey=survey)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )


def invitation_counts(*, survey: Survey) -> list[tuple[str, int]]:
    """Every invitation to the survey, counted by status (label, count) in the order of
    the statuses, in one query."""
    counts = Invitation.objects.filter(business=survey.business, survey=survey).aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in InvitationStatus}
    )
    return [(status.label, counts[status.value]) for status in InvitationStatus]
