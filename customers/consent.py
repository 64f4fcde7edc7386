"""Consent to be contacted: the one rule every message to a customer obeys, and its history.

The rule (the README's "agreed to be contacted"): the platform contacts a customer only
when they agreed (`consent_to_contact`) and have not unsubscribed since
(`email_opt_out_at`); an e-mail also needs an address. Survey invitations and their
reminders, review requests and follow-up cases all ask `contact_refusal` (one row) or
filter with `contactable()` / annotate `refusal_expression()` (in SQL), and ask again
at send time, so consent withdrawn after queueing stops the e-mail.

One narrower consent exists: a customer who ticks "Yes, contact me about this" on a
survey asked to hear back about that answer. That lets its follow-up case contact them
(`follow_up_refusal`), unless they unsubscribed after asking; it does not make them
someone the business may send surveys or review requests to.

Every change is kept as a ConsentEvent (when, what, from where, by whom).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from .models import ConsentChange, ConsentEvent, Customer

NO_EMAIL = "no_email"
OPTED_OUT = "opted_out"
NO_CONSENT = "no_consent"
# In the order they are checked: an unsubscribe is named even when consent is also off.
REFUSALS = {
    NO_EMAIL: gettext_lazy("No e-mail address."),
    OPTED_OUT: gettext_lazy("Unsubscribed from e-mails."),
    NO_CONSENT: gettext_lazy("Did not agree to be contacted."),
}
HISTORY_SHOWN = 20


# --- The rule ------------------------------------------------------------------------


def refusal_key(customer: Customer, *, by_email: bool = True) -> str:
    """Why this customer must not be contacted (a key of REFUSALS), "" when they may."""
    if by_email and not customer.email:
        return NO_EMAIL
    if customer.email_opt_out_at is not None:
        return OPTED_OUT
    if not customer.consent_to_contact:
        return NO_CONSENT
    return ""


def contact_refusal(customer: Customer, *, by_email: bool = True) -> str:
    """The same in plain words for the owner, "" when the customer may be contacted."""
    key = refusal_key(customer, by_email=by_email)
    return str(REFUSALS[key]) if key else ""


def may_contact(customer: Customer, *, by_email: bool = True) -> bool:
    return not refusal_key(customer, by_email=by_email)


def contactable() -> Q:
    """The rule as a filter: customers who may be e-mailed."""
    return Q(consent_to_contact=True, email_opt_out_at=None) & ~Q(email="")


def refusal_whens() -> list[When]:
    """The rule's reasons as SQL cases, in the order `refusal_key` checks them."""
    return [
        When(email="", then=Value(NO_EMAIL)),
        When(email_opt_out_at__isnull=False, then=Value(OPTED_OUT)),
        When(consent_to_contact=False, then=Value(NO_CONSENT)),
    ]


def refusal_expression() -> Case:
    """`refusal_key` computed by the database: a key, "" when the customer may be e-mailed."""
    return Case(*refusal_whens(), default=Value(""), output_field=CharField())


def follow_up_refusal(customer: Customer | None, *, asked_at: datetime | None) -> str:
    """Why a follow-up case must not contact this person, "" when it may.

    `asked_at`: when they asked to be contacted about the answer the case is about (the
    survey's "contact me about this"); that request is their consent for this case,
    unless they unsubscribed after it. Otherwise the general rule holds, by e-mail or
    phone alike.
    """
    if asked_at is not None:
        opted_out = customer is not None and customer.email_opt_out_at is not None
        if opted_out and customer.email_opt_out_at > asked_at:
            return str(REFUSALS[OPTED_OUT])
        return ""
    if customer is None:
        return _("Anonymous: the customer left no way to reach them.")
    return contact_refusal(customer, by_email=False)


# --- The history ---------------------------------------------------------------------


def consent_event(
    *, customer: Customer, change: str, source: str, actor: User | None = None,
    detail: str = "", at: datetime | None = None,
) -> ConsentEvent:  # fmt: skip
    """An event not yet saved (for bulk writes); `consent_record` saves one."""
    limit = ConsentEvent._meta.get_field("detail").max_length
    return ConsentEvent(
        business_id=customer.business_id, customer=customer, change=change, source=source,
        actor=actor, detail=detail[:limit], created_at=at or timezone.now(),
    )  # fmt: skip


def consent_record(**fields) -> ConsentEvent:
    event = consent_event(**fields)
    event.save()
    return event


def consent_events_record(events: Iterable[ConsentEvent]) -> None:
    ConsentEvent.objects.bulk_create(list(events), batch_size=1000)


def change_for(consent: bool) -> str:
    return ConsentChange.AGREED if consent else ConsentChange.WITHDRAWN


def consent_history(*, customer: Customer) -> QuerySet[ConsentEvent]:
    """The newest changes first, with who recorded them."""
    return (
        ConsentEvent.objects.filter(business_id=customer.business_id, customer=customer)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
