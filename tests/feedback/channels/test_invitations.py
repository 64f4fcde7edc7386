from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from customers.models import Customer, Purchase
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.channels.invitations import invitations_after_purchases, invitations_create
from feedback.channels.tasks import send_due_invitations, send_invitations
from feedback.models import Invitation, InvitationStatus, Response
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(business_a):
    return CustomerFactory(
        business=business_a, name="Dana <b>", email="dana@example.com", consent_to_contact=True
    )


def invite(survey, *customers) -> list[Invitation]:
    return invitations_create(survey=survey, customers=customers)


def answer_page(invitation, score="4"):
    nps = invitation.survey.questions.get(kind="nps")
    data = {f"q-{nps.uuid}": score, STARTED_FIELD: form_started_token(at=time.time() - 30)}
    return Client().post(f"/i/{invitation.token}/", data)


def test_a_business_name_with_a_line_break_still_gives_a_one_line_subject(
    business_a, survey_a, dana, django_capture_on_commit_callbacks
):
    """A name from before the settings refused line breaks (or from the admin): a
    header may not hold one, and the invitation would be marked sent but never go."""
    business_a.name = "Alice's\nCafé"
    business_a.save(update_fields=["name"])
    survey_a.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(survey_a, dana)
    assert [message.subject for message in mail.outbox] == ["How was your visit to Alice's Café?"]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT


def test_an_invitation_is_sent_once_and_ties_the_answer_to_the_customer(
    survey_a, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(survey_a, dana)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.com"]
    assert f"/i/{invitation.token}/" in message.body
    assert f"/u/{invitation.token}/" in message.body
    assert "Dana &lt;b&gt;" in message.alternatives[0][0]  # escaped in HTML
    assert send_invitations.delay([invitation.pk]).get() == 0  # a retry sends nothing more
    assert len(mail.outbox) == 1
    reply = answer_page(invitation)
    assert reply.status_code == 302
    response = Response.objects.get()
    assert (response.customer, response.channel, response.invitation) == (dana, "email", invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


def test_a_second_answer_gets_409(survey_a, dana):
    (invitation,) = invite(survey_a, dana)
    assert answer_page(invitation).status_code == 302
    assert answer_page(invitation).status_code == 409
    assert Client().get(f"/i/{invitation.token}/").status_code == 409
    assert Response.objects.count() == 1


def test_an_unknown_token_is_404(db):
    assert Client().get("/i/not-a-token/").status_code == 404
    assert Client().post("/u/not-a-token/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"email": ""}, "No e-mail address."),
        ({"consent_to_contact": False}, "Did not agree to be contacted."),
        ({"email_opt_out_at": timezone.now()}, "Unsubscribed from e-mails."),
    ],
)
def test_customers_who_must_not_be_emailed_are_never_sent(
    survey_a, business_a, fields, note, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(business=business_a, **{"consent_to_contact": True, **fields})
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(survey_a, customer)
    assert mail.outbox == []
    assert (invitation.status, invitation.note) == (InvitationStatus.SKIPPED, note)


def test_unsubscribing_asks_first_then_stops_everything(
    survey_a, dana, django_capture_on_commit_callbacks
):
    (invitation,) = invite(survey_a, dana)
    page = Client().get(f"/u/{invitation.token}/")
    assert page.status_code == 200
    dana.refresh_from_db()
    assert dana.email_opt_out_at is None  # a GET (a mail scanner) changes nothing
    Client().post(f"/u/{invitation.token}/")
    dana.refresh_from_db()
    assert dana.email_opt_out_at is not None and not dana.consent_to_contact
    # The scheduled invitation is not sent after all.
    with django_capture_on_commit_callbacks(execute=True):
        send_invitations.delay([invitation.pk])
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SKIPPED


def test_one_reminder_at_most_and_none_after_an_answer(survey_a, dana, business_a):
    other = CustomerFactory(business=business_a, email="eli@example.com", consent_to_contact=True)
    first, second = invite(survey_a, dana, other)
    send_invitations.delay([first.pk, second.pk])
    assert len(mail.outbox) == 2
    answer_page(second)
    Invitation.objects.update(sent_at=timezone.now() - timedelta(hours=73))
    send_due_invitations.delay()
    send_due_invitations.delay()
    reminders = [m for m in mail.outbox[2:]]
    assert [m.to for m in reminders] == [["dana@example.com"]]


def test_invitations_after_purchases_are_made_once(survey_a, dana, business_a):
    survey_a.invite_after_purchase_hours = 2
    survey_a.save()
    now = timezone.now()
    for hours_ago, ref in [(3, "A-1"), (1, "A-2"), (24 * 30, "A-3")]:
        Purchase.objects.create(
            business=business_a, customer=dana, purchased_at=now - timedelta(hours=hours_ago),
            amount=Decimal("4.50"), order_reference=ref,
        )  # fmt: skip
    assert invitations_after_purchases(now=now) == 1
    assert invitations_after_purchases(now=now) == 0
    invitation = Invitation.objects.get()
    assert invitation.purchase.order_reference == "A-1"


class TestBrowserAndApi:
    def test_an_owner_invites_from_the_share_page(self, alice, survey_a, dana, client_of):
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/invite/", {"emails": "DANA@example.com\nnobody@x.example"}
        )
        assert reply.status_code == 302
        assert Invitation.objects.get().customer == dana
        page = client_of(alice).get(f"/surveys/{survey_a.uuid}/share/").content.decode()
        assert "Dana &lt;b&gt;" in page

    def test_automatic_invitations_are_set_on_the_share_page(self, alice, survey_a, client_of):
        client_of(alice).post(
            f"/surveys/{survey_a.uuid}/auto-invite/",
            {"invite_after_purchase_hours": "3", "reminder_after_hours": ""},
        )
        survey_a.refresh_from_db()
        assert (survey_a.invite_after_purchase_hours, survey_a.reminder_after_hours) == (3, None)

    def test_the_api_invites_and_lists(self, mia, survey_a, dana, client_of):
        client = client_of(mia)
        body = {"survey": str(survey_a.uuid), "customers": [str(dana.uuid)]}
        reply = client.post("/api/v1/invitations/", json.dumps(body), "application/json")
        assert reply.status_code == 201, reply.content
        assert [i["customer"] for i in client.get("/api/v1/invitations/").json()["results"]] == [
            str(dana.uuid)
        ]

    def test_the_api_refuses_other_businesses_customers(self, mia, survey_a, business_b,
                                                        client_of):  # fmt: skip
        stranger = CustomerFactory(business=business_b)
        body = {"survey": str(survey_a.uuid), "customers": [str(stranger.uuid)]}
        reply = client_of(mia).post("/api/v1/invitations/", json.dumps(body), "application/json")
        assert reply.status_code == 400
        assert list(reply.json()["errors"]) == ["customers"]
        assert not Invitation.objects.exists()

    def test_staff_403_and_outsiders_404(self, bob, charlie, business_b, survey_a, dana,
                                         client_of):  # fmt: skip
        (invitation,) = invite(survey_a, dana)
        assert client_of(bob).get("/api/v1/invitations/").status_code == 403
        assert client_of(bob).post(f"/surveys/{survey_a.uuid}/invite/").status_code == 403
        client = client_of(charlie)
        assert client.get(f"/api/v1/invitations/{invitation.uuid}/").status_code == 404
        assert client.post(f"/surveys/{survey_a.uuid}/invite/", {"emails": "dana@example.com"}
                           ).status_code == 404  # fmt: skip
        assert Invitation.objects.count() == 1
        assert Customer.objects.filter(business=business_b).count() == 0


def test_an_invitation_is_answered_through_the_api_once(survey_a, dana):
    (invitation,) = invite(survey_a, dana)
    nps = survey_a.questions.get(kind="nps")
    url = f"/api/v1/public/invitations/{invitation.token}/responses/"
    body = json.dumps({"answers": {str(nps.uuid): 10}})
    first = Client().post(url, body, "application/json")
    assert first.status_code == 201, first.content
    response = Response.objects.get()
    assert (response.customer, response.channel) == (dana, "email")
    assert Client().post(url, body, "application/json").status_code == 409
    assert Client().post("/api/v1/public/invitations/nope/responses/", body,
                         "application/json").status_code == 404  # fmt: skip
    assert Response.objects.count() == 1
