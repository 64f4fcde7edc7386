"""Consent is honoured by every e-mail to a customer, when it is queued and again when it
is sent: survey invitations (one, a list, everyone, after a purchase), their reminders
and review requests. Withdrawn after queueing means not sent, kept with the reason."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customers.consent import NO_CONSENT, OPTED_OUT, REFUSALS, contact_refusal
from customers.models import Customer, Purchase
from feedback.channels.invitations import invitations_after_purchases, invitations_create
from feedback.channels.tasks import send_due_invitations, send_invitations
from feedback.models import Invitation, InvitationStatus
from reputation.models import RequestStatus, ReviewRequest
from reputation.review_requests import request_figures, review_requests_create
from reputation.sources.services import source_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def reason(key: str) -> str:
    return str(REFUSALS[key])


@pytest.fixture
def dana(business_a):
    return CustomerFactory(business=business_a, email="dana@example.net", consent_to_contact=True)


@pytest.fixture
def eli(business_a):
    return CustomerFactory(business=business_a, email="eli@example.net", consent_to_contact=True)


def withdraw_by_staff(client, customer: Customer) -> None:
    """A manager unticks "agreed to be contacted" on the customer's form."""
    reply = client.post(
        f"/customers/{customer.uuid}/edit/",
        {"name": customer.name, "email": customer.email, "phone": "", "tags": ""},
    )
    assert reply.status_code == 302, reply.content


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


class TestInvitations:
    def test_consent_withdrawn_after_queueing_means_not_sent(
        self, survey_a, dana, eli, alice, client_of, django_capture_on_commit_callbacks
    ):
        # The invitations are queued (their task waits for the commit)...
        with django_capture_on_commit_callbacks() as queued:
            made = invitations_create(survey=survey_a, customers=[dana, eli]).invitations
        assert {i.status for i in made} == {InvitationStatus.SCHEDULED}
        # ...Dana withdraws before a worker picks them up...
        withdraw_by_staff(client_of(alice), dana)
        for callback in queued:
            callback()
        # ...so only Eli is e-mailed, and Dana's invitation says why.
        assert recipients() == ["eli@example.net"]
        dana_invitation = Invitation.objects.get(customer=dana)
        assert dana_invitation.status == InvitationStatus.SKIPPED
        assert dana_invitation.note == reason(NO_CONSENT) and dana_invitation.sent_at is None
        assert dana_invitation.refusal == NO_CONSENT
        assert Invitation.objects.get(customer=eli).status == InvitationStatus.SENT

    def test_everyone_who_agreed_means_exactly_the_contactable(
        self, survey_a, dana, business_a, business_b, alice, client_of,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        CustomerFactory(business=business_a, email="no@example.net", consent_to_contact=False)
        CustomerFactory(
            business=business_a, email="gone@example.net", consent_to_contact=True,
            email_opt_out_at=timezone.now(),
        )  # fmt: skip
        CustomerFactory(business=business_a, email="", consent_to_contact=True)
        CustomerFactory(business=business_b, email="b@example.net", consent_to_contact=True)
        with django_capture_on_commit_callbacks(execute=True):
            reply = client_of(alice).post(f"/surveys/{survey_a.uuid}/invite/", {"everyone": "on"})
        assert reply.status_code == 302
        invited = Invitation.objects.filter(survey=survey_a)
        assert [i.customer_id for i in invited] == [dana.pk]
        assert recipients() == ["dana@example.net"]

    def test_automatic_invitations_after_a_purchase_follow_the_rule(
        self, survey_a, dana, business_a
    ):
        silent = CustomerFactory(
            business=business_a, email="s@example.net", consent_to_contact=False
        )
        survey_a.invite_after_purchase_hours = 1
        survey_a.save()
        for buyer in (dana, silent):
            Purchase.objects.create(
                business=business_a, customer=buyer, amount=Decimal("3.20"),
                purchased_at=timezone.now() - timedelta(hours=2),
            )  # fmt: skip
        assert invitations_after_purchases() == 2
        send_due_invitations.delay()
        assert recipients() == ["dana@example.net"]
        skipped = Invitation.objects.get(customer=silent)
        assert (skipped.status, skipped.note) == (InvitationStatus.SKIPPED, reason(NO_CONSENT))
        assert skipped.refusal == NO_CONSENT

    def test_no_reminder_after_unsubscribing_and_the_invitation_says_why(
        self, survey_a, dana, eli, client
    ):
        first, second = invitations_create(survey=survey_a, customers=[dana, eli]).invitations
        send_invitations.delay([first.pk, second.pk])
        assert recipients() == ["dana@example.net", "eli@example.net"]
        # Dana unsubscribes with the link in her invitation.
        assert client.post(f"/u/{first.token}/").status_code == 200
        Invitation.objects.update(sent_at=timezone.now() - timedelta(hours=73))
        mail.outbox.clear()
        send_due_invitations.delay()
        assert recipients() == ["eli@example.net"]  # Eli's reminder only
        first.refresh_from_db()
        assert first.note == f"Reminder not sent: {reason(OPTED_OUT)}"
        # Sent, its reminder not: the key says why all the same.
        assert (first.status, first.refusal) == (InvitationStatus.SENT, OPTED_OUT)
        # Claimed once: the next sweep does not try again.
        send_due_invitations.delay()
        assert recipients() == ["eli@example.net"]


class TestReviewRequests:
    @pytest.fixture
    def google(self, business_a):
        return source_create(
            business=business_a, provider="manual",
            values={"name": "Google", "review_page_url": "https://g.page/r/x/review"},
        )  # fmt: skip

    def test_consent_withdrawn_after_queueing_means_not_sent(
        self, business_a, google, dana, eli, alice, client_of, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as queued:
            plan = review_requests_create(
                business=business_a, source=google, audience="everyone", days=None
            )
        assert plan.asked == 2
        withdraw_by_staff(client_of(alice), dana)
        for callback in queued:
            callback()
        assert recipients() == ["eli@example.net"]
        dana_request = ReviewRequest.objects.get(customer=dana)
        assert dana_request.status == RequestStatus.SKIPPED and dana_request.sent_at is None
        assert dana_request.error == reason(NO_CONSENT)
        assert ReviewRequest.objects.get(customer=eli).status == RequestStatus.SENT
        assert request_figures(business=business_a) | {"clicked": 0} == {
            "queued": 0, "sent": 1, "skipped": 1, "failed": 0, "clicked": 0
        }  # fmt: skip

    def test_the_plan_skips_by_the_same_rule(self, business_a, google, dana, eli):
        CustomerFactory(business=business_a, email="no@example.net", consent_to_contact=False)
        CustomerFactory(business=business_a, email="", consent_to_contact=True)
        CustomerFactory(
            business=business_a, email="gone@example.net", email_opt_out_at=timezone.now()
        )
        plan = review_requests_create(
            business=business_a, source=google, audience="everyone", days=None
        )
        by_rule: dict[str, int] = {}
        for customer in Customer.objects.filter(business=business_a):
            words = contact_refusal(customer)
            by_rule[words] = by_rule.get(words, 0) + 1
        assert plan.asked == by_rule.pop("")
        assert {str(label): n for _, label, n in plan.skipped_list()} == by_rule
