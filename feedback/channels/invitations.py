"""E-mail invitations: one customer, one survey, one token; a reminder at most.

Every send is claimed with a conditional UPDATE, so two workers (or a retried task)
never send the same e-mail twice, and nothing is sent to a customer who opted out,
did not agree to be contacted, or has no e-mail address (customers.consent, asked when
the invitation is made and again when it or its reminder is sent).
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.consent import REFUSALS, refusal_key
from customers.models import Customer, Purchase
from customers.services import customer_email_opt_out

from ..models import Invitation, InvitationStatus, Survey

# How far back the purchase sweep looks: a survey switched on today does not e-mail
# everyone who bought something last year.
PURCHASE_LOOKBACK = timedelta(days=7)
# A customer invited to the survey this recently (waiting, sent or answered) is not
# invited again: a second press of Send, a regular's purchase every morning. As the
# survey services throttle: one survey a month is asking, one a day is pestering.
REINVITE_AFTER = timedelta(days=30)


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Invited:
    """What one batch of invitations made, and whom it left alone."""

    # Stored: to be sent, or not sent with why (a customer who must not be e-mailed).
    invitations: list[Invitation]
    # Not stored: must not be e-mailed, and the same refusal is on record from the last
    # 30 days (unsaved, so the caller can still say who and why).
    refused_before: list[Invitation] = field(default_factory=list)
    # Not stored either: invited to the survey in the last 30 days.
    already_invited: list[Customer] = field(default_factory=list)

    @property
    def scheduled(self) -> int:
        return sum(i.status == InvitationStatus.SCHEDULED for i in self.invitations)

    @property
    def refused(self) -> list[Invitation]:
        stored = [i for i in self.invitations if i.status == InvitationStatus.SKIPPED]
        return stored + self.refused_before


def invitations_create(*, survey: Survey, customers: Iterable[Customer]) -> Invited:
    """Invite each customer by hand (a press of Send, the API). Those who must not be
    e-mailed are recorded as not sent, with why, once a month at most; those invited in
    the last 30 days get no row at all, only a count: a row per press filled the list."""
    now = timezone.now()
    customers = list({c.pk: c for c in customers}.values())
    with transaction.atomic():
        lock_invitations(survey)
        outcome = by_hand(survey, customers, now=now)
        outcome.invitations = Invitation.objects.bulk_create(outcome.invitations)
        enqueue_sending(
            [i.pk for i in outcome.invitations if i.status == InvitationStatus.SCHEDULED]
        )
    return outcome


def by_hand(survey: Survey, customers: list[Customer], *, now: datetime) -> Invited:
    """What a hand-made batch stores, and whom it leaves alone. Unlike a purchase's row
    (which marks the purchase handled), a row that would only repeat what is on record
    (the same refusal, a recent invitation) is not stored. Two queries, whatever the
    batch's size."""
    refusals = {c.pk: key for c in customers if (key := refusal_key(c))}
    on_record = refusals_on_record(survey=survey, customer_ids=list(refusals), now=now)
    may_email = [c for c in customers if c.pk not in refusals]
    invited = recently_invited(survey=survey, customers=may_email, now=now)
    outcome = Invited(invitations=[])
    for customer in customers:
        key = refusals.get(customer.pk)
        if key and (customer.pk, key) in on_record:
            outcome.refused_before.append(refuse(unsaved(survey, customer, now=now), key))
        elif key:
            outcome.invitations.append(refuse(unsaved(survey, customer, now=now), key))
        elif customer.pk in invited:
            outcome.already_invited.append(customer)
        else:
            outcome.invitations.append(unsaved(survey, customer, now=now))
    return outcome


def unsaved(survey: Survey, customer: Customer, *, now: datetime, purchase=None) -> Invitation:
    """A new invitation, scheduled to be sent now."""
    return Invitation(
        business=survey.business, survey=survey, customer=customer, purchase=purchase,
        token=new_token(), send_at=now, status=InvitationStatus.SCHEDULED,
    )  # fmt: skip


def refuse(invitation: Invitation, key: str) -> Invitation:
    """Not sent, as the customer must not be e-mailed: why as a key of REFUSALS (for
    the rules) and in words (for the owner, in the active language)."""
    invitation.status = InvitationStatus.SKIPPED
    invitation.refusal, invitation.note = key, str(REFUSALS[key])
    return invitation


def refusals_on_record(
    *, survey: Survey, customer_ids: list[int], now: datetime
) -> set[tuple[int, str]]:
    """(customer id, refusal key) for the refusals recorded for these customers and this
    survey in the last 30 days: one query. By key, so the language the note was written
    in, or a later rewording of it, does not matter."""
    if not customer_ids:
        return set()
    rows = Invitation.objects.filter(
        business_id=survey.business_id, survey=survey, customer__in=customer_ids,
        status=InvitationStatus.SKIPPED, refusal__in=list(REFUSALS),
        created_at__gte=now - REINVITE_AFTER,
    ).values_list("customer", "refusal")  # fmt: skip
    return set(rows)


def lock_invitations(survey: Survey) -> None:
    """Invitations to one survey are made one batch at a time: two presses of Send (or
    the sweep on two workers) must not both find a customer not yet invited. FOR NO KEY
    UPDATE: it does not wait for, nor stop, the answers coming in (their foreign key's
    check takes FOR KEY SHARE on the same row)."""
    Survey.objects.select_for_update(no_key=True).filter(pk=survey.pk).exists()


def recently_invited(
    *, survey: Survey, customers: list[Customer], now: datetime
) -> dict[int, datetime]:
    """Customer id -> when they were last invited to this survey, for those invited
    (waiting, sent or answered; not those refused) in the last 30 days: one query."""
    rows = (
        Invitation.objects.filter(
            business_id=survey.business_id,
            survey=survey,
            customer__in=[c.pk for c in customers],
            status__in=[
                InvitationStatus.SCHEDULED,
                InvitationStatus.SENT,
                InvitationStatus.ANSWERED,
            ],
            created_at__gte=now - REINVITE_AFTER,
        )
        .values("customer")
        .annotate(last=Max("created_at"))
    )
    return {row["customer"]: row["last"] for row in rows}


def decide(survey: Survey, invitations: list[Invitation], invited: dict[int, datetime]) -> None:
    """Set the status and note of each purchase's invitation, all of them stored (the
    row marks the purchase handled). Changes `invited` as it goes, so a customer named
    twice in one batch (two purchases) is invited once."""
    for invitation in invitations:
        customer = invitation.customer
        if key := refusal_key(customer):
            refuse(invitation, key)
        elif customer.pk in invited:
            invitation.status = InvitationStatus.SKIPPED
            invitation.note = already_invited(survey, invited[customer.pk])
        else:
            invited[customer.pk] = invitation.created_at


def already_invited(survey: Survey, when: datetime) -> str:
    # The owner reads the date on their own calendar, not the server's (UTC).
    local = timezone.localtime(when, zoneinfo.ZoneInfo(survey.business.time_zone))
    return _("Already invited on %(date)s.") % {"date": date_format(local, "DATE_FORMAT")}


def already_invited_message(count: int) -> str:
    """What the owner (or an API caller) is told about those a batch left alone."""
    return ngettext(
        "%(count)d already invited in the last %(days)d days: not invited again.",
        "%(count)d already invited in the last %(days)d days: not invited again.",
        count,
    ) % {"count": count, "days": REINVITE_AFTER.days}


def enqueue_sending(ids: list[int]) -> None:
    from cxplatform.celery import enqueue_on_commit

    from .tasks import send_invitations

    for start in range(0, len(ids), 50):
        enqueue_on_commit(send_invitations, ids[start : start + 50])


def invitations_after_purchases(*, now=None) -> int:
    """Schedule one invitation per recent purchase for surveys that invite automatically.

    Invitation.purchase is unique, so running this twice (or on two workers) never
    invites twice for the same purchase.
    """
    now = now or timezone.now()
    made = 0
    surveys = Survey.objects.filter(invite_after_purchase_hours__isnull=False, status="active")
    for survey in surveys.select_related("business"):
        delay = timedelta(hours=survey.invite_after_purchase_hours)
        due = Purchase.objects.filter(
            business=survey.business,
            purchased_at__lte=now - delay,
            purchased_at__gte=now - delay - PURCHASE_LOOKBACK,
            invitation__isnull=True,
        ).select_related("customer")
        made += len(purchase_invitations(survey=survey, purchases=due, now=now))
    return made


def purchase_invitations(*, survey: Survey, purchases, now) -> list[Invitation]:
    invitations = [
        unsaved(survey, purchase.customer, now=now, purchase=purchase) for purchase in purchases
    ]
    with transaction.atomic():
        lock_invitations(survey)
        customers = [i.customer for i in invitations]
        decide(survey, invitations, recently_invited(survey=survey, customers=customers, now=now))
        Invitation.objects.bulk_create(invitations, ignore_conflicts=True)
        scheduled = Invitation.objects.filter(
            purchase__in=[i.purchase for i in invitations], status=InvitationStatus.SCHEDULED,
            sent_at=None,
        ).values_list("pk", flat=True)  # fmt: skip
        enqueue_sending(list(scheduled))
    return invitations


def invitation_send(*, invitation_id: int) -> bool:
    """Send one due invitation; True when this call sent it."""
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation_id, status=InvitationStatus.SCHEDULED, send_at__lte=now
    ).update(status=InvitationStatus.SENT, sent_at=now)
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("customer", "survey__business").get(
        pk=invitation_id
    )
    key = refusal_key(invitation.customer)
    if key:  # opted out between scheduling and sending
        mark(invitation, InvitationStatus.SKIPPED, str(REFUSALS[key]), refusal=key, sent_at=None)
        return False
    try:
        deliver(invitation, template="invitation")
    except (SMTPException, OSError):
        # Put it back so the retry (or the sweeper) can claim it again.
        mark(invitation, InvitationStatus.SCHEDULED, _("Sending failed; will retry."), sent_at=None)
        raise
    return True


def invitation_remind(*, invitation_id: int) -> bool:
    """Send the one reminder, if the customer has not answered yet."""
    now = timezone.now()
    invitation = (
        Invitation.objects.select_related("customer", "survey__business")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.survey.reminder_after_hours is None:
        return False
    claimed = Invitation.objects.filter(
        pk=invitation_id, status=InvitationStatus.SENT, reminded_at=None, answered_at=None,
        sent_at__lte=now - timedelta(hours=invitation.survey.reminder_after_hours),
    ).update(reminded_at=now)  # fmt: skip
    if not claimed:
        return False
    key = refusal_key(invitation.customer)
    if key:  # consent withdrawn since the invitation went out: kept, with why
        note = _("Reminder not sent: %(reason)s") % {"reason": str(REFUSALS[key])}
        Invitation.objects.filter(pk=invitation_id).update(note=note, refusal=key)
        return False
    try:
        deliver(invitation, template="reminder")
    except (SMTPException, OSError):
        Invitation.objects.filter(pk=invitation_id).update(reminded_at=None)
        raise
    return True


def mark(invitation: Invitation, status: str, note: str, **fields) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(status=status, note=note, **fields)


def due_invitation_ids(*, now=None, limit: int = 5_000) -> list[int]:
    now = now or timezone.now()
    due = Invitation.objects.filter(status=InvitationStatus.SCHEDULED, send_at__lte=now)
    return list(due.order_by("send_at").values_list("pk", flat=True)[:limit])


def due_reminder_ids(*, now=None, limit: int = 5_000) -> list[int]:
    """Sent, unanswered, not reminded, and older than the survey's reminder delay."""
    now = now or timezone.now()
    waiting = Invitation.objects.filter(
        status=InvitationStatus.SENT, reminded_at=None, answered_at=None
    )
    # One query per distinct delay (a handful), not per invitation.
    delays = (
        waiting.filter(survey__reminder_after_hours__isnull=False)
        .values_list("survey__reminder_after_hours", flat=True)
        .distinct()
    )
    ids: list[int] = []
    for hours in delays:
        ids += waiting.filter(
            survey__reminder_after_hours=hours, sent_at__lte=now - timedelta(hours=hours)
        ).values_list("pk", flat=True)[:limit]
    return ids[:limit]


def deliver(invitation: Invitation, *, template: str) -> None:
    business = invitation.survey.business
    site = settings.SITE_URL.rstrip("/")
    context = {
        "invitation": invitation,
        "business": business,
        "customer": invitation.customer,
        "survey_url": site + reverse("channels:invitation", args=[invitation.token]),
        "unsubscribe_url": site + reverse("channels:unsubscribe", args=[invitation.token]),
    }
    with translation.override(invitation.survey.written_language):
        # One line, whatever line breaks a name holds: a header may not have any.
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[invitation.customer.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )  # fmt: skip
    message.attach_alternative(html, "text/html")
    message.send()


def customer_unsubscribe(*, invitation: Invitation) -> None:
    customer_email_opt_out(
        customer_id=invitation.customer_id,
        detail=_("Survey invitation: %(survey)s") % {"survey": invitation.survey.name},
    )
