from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from itertools import chain

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Business
from customers.consent import NO_CONSENT, NO_EMAIL, OPTED_OUT, REFUSALS
from customers.models import Customer, Purchase
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.channels.addresses import entries
from feedback.channels.invitations import invitations_after_purchases, invitations_create
from feedback.channels.tasks import send_due_invitations, send_invitations
from feedback.models import Invitation, InvitationStatus, Response, Survey
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(business_a):
    return CustomerFactory(
        business=business_a, name="Dana <b>", email="dana@example.com", consent_to_contact=True
    )


def invite(survey, *customers) -> list[Invitation]:
    """The rows a batch stored."""
    return invitations_create(survey=survey, customers=customers).invitations


def said(reply) -> list[str]:
    """The messages a page showed, in order."""
    return [str(message) for message in reply.context["messages"]]


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
    ("fields", "note", "key"),
    [
        ({"email": ""}, "No e-mail address.", NO_EMAIL),
        ({"consent_to_contact": False}, "Did not agree to be contacted.", NO_CONSENT),
        ({"email_opt_out_at": timezone.now()}, "Unsubscribed from e-mails.", OPTED_OUT),
    ],
)
def test_customers_who_must_not_be_emailed_are_never_sent(
    survey_a, business_a, fields, note, key, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(business=business_a, **{"consent_to_contact": True, **fields})
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = invite(survey_a, customer)
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert (invitation.status, invitation.note) == (InvitationStatus.SKIPPED, note)
    assert invitation.refusal == key


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


def invite_again_in_no_more_queries(survey, one, many, assert_max_num_queries) -> list:
    """Invite `one` and `many`, then each again: the batch of many takes no more queries
    than the batch of one (no query per customer). What inviting the many again made."""
    invite(survey, *one, *many)
    with CaptureQueriesContext(connection) as first:
        invite(survey, *one)
    with assert_max_num_queries(len(first.captured_queries)):
        return invite(survey, *many)


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

    def test_the_api_lists_why_an_invitation_was_not_sent_as_a_key(
        self, mia, survey_a, business_a, dana, client_of
    ):
        """`refusal` for an integration to branch on; `note` says it in words."""
        silent = CustomerFactory(business=business_a, consent_to_contact=False)
        invite(survey_a, dana, silent)
        listed = client_of(mia).get("/api/v1/invitations/").json()["results"]
        assert {i["customer"]: (i["status"], i["refusal"], i["note"]) for i in listed} == {
            str(dana.uuid): ("scheduled", "", ""),
            str(silent.uuid): ("skipped", NO_CONSENT, "Did not agree to be contacted."),
        }

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


class TestNotInvitedTwice:
    """A customer still holding an unanswered invitation to the survey from the last 30
    days is not invited again (a second press of Send, a second purchase)."""

    def test_a_second_batch_skips_who_was_just_invited(
        self, survey_a, dana, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invite(survey_a, dana)
            again = invitations_create(survey=survey_a, customers=[dana])
        assert len(mail.outbox) == 1
        # Told, not stored: a row per press filled the Share page's list.
        assert (again.invitations, again.already_invited) == ([], [dana])
        assert Invitation.objects.count() == 1

    def test_the_check_is_one_query_for_the_whole_batch(
        self, survey_a, business_a, django_assert_max_num_queries
    ):
        one = [CustomerFactory(business=business_a, consent_to_contact=True)]
        many = [CustomerFactory(business=business_a, consent_to_contact=True) for _ in range(6)]
        invite_again_in_no_more_queries(survey_a, one, many, django_assert_max_num_queries)

    @pytest.mark.parametrize("change", ["old", "skipped", "answered_long_ago"])
    def test_an_old_or_unsent_invitation_does_not_stop_a_new_one(self, survey_a, dana, change):
        (first,) = invite(survey_a, dana)
        if change == "skipped":
            Invitation.objects.update(status=InvitationStatus.SKIPPED)
        else:
            if change == "answered_long_ago":
                answer_page(first)
            Invitation.objects.update(created_at=timezone.now() - timedelta(days=31))
        (second,) = invite(survey_a, dana)
        assert second.status == InvitationStatus.SCHEDULED

    def test_one_who_answered_this_month_is_not_asked_again(self, survey_a, dana):
        (first,) = invite(survey_a, dana)
        assert answer_page(first).status_code == 302
        again = invitations_create(survey=survey_a, customers=[dana])
        assert (again.invitations, again.already_invited) == ([], [dana])
        assert Invitation.objects.get() == first

    def test_another_survey_is_another_invitation(self, survey_a, business_a, dana):
        other = Survey.objects.create(business=business_a, name="Delivery")
        invite(survey_a, dana)
        (invitation,) = invite(other, dana)
        assert invitation.status == InvitationStatus.SCHEDULED

    def test_a_larger_batch_takes_no_more_queries(
        self, survey_a, business_a, django_assert_num_queries
    ):
        """Each kind of customer a batch can hold: to invite, invited this month, refused
        before, refused now. One of each, or ten of each, takes as many queries."""

        def batch(size: int) -> dict[str, list[Customer]]:
            def made(**fields) -> list[Customer]:
                return [CustomerFactory(business=business_a, **fields) for _ in range(size)]

            return {
                "new": made(consent_to_contact=True),
                "invited": made(consent_to_contact=True),
                "refused_before": made(consent_to_contact=False),
                "refused": made(email="", consent_to_contact=True),
            }

        small, large = batch(1), batch(10)
        invite(survey_a, *small["invited"], *small["refused_before"])
        invite(survey_a, *large["invited"], *large["refused_before"])
        with CaptureQueriesContext(connection) as first:
            invitations_create(survey=survey_a, customers=chain(*small.values()))
        with django_assert_num_queries(len(first.captured_queries)):
            outcome = invitations_create(survey=survey_a, customers=chain(*large.values()))
        assert outcome.scheduled == 10
        assert outcome.already_invited == large["invited"]
        assert [i.customer for i in outcome.refused_before] == large["refused_before"]
        assert {i.refusal for i in outcome.refused_before} == {NO_CONSENT}
        stored = [i for i in outcome.invitations if i.status == InvitationStatus.SKIPPED]
        assert [i.customer for i in stored] == large["refused"]
        assert {i.refusal for i in stored} == {NO_EMAIL}

    def test_two_purchases_make_one_invitation(self, survey_a, dana, business_a):
        survey_a.invite_after_purchase_hours = 2
        survey_a.save()
        now = timezone.now()
        for hours_ago, ref in [(3, "A-1"), (4, "A-2")]:
            Purchase.objects.create(
                business=business_a, customer=dana, purchased_at=now - timedelta(hours=hours_ago),
                amount=Decimal("4.50"), order_reference=ref,
            )  # fmt: skip
        invitations_after_purchases(now=now)
        assert sorted(Invitation.objects.values_list("status", flat=True)) == [
            InvitationStatus.SCHEDULED, InvitationStatus.SKIPPED,
        ]  # fmt: skip
        # A purchase the next day, the invitation still unanswered: none either.
        Purchase.objects.create(
            business=business_a, customer=dana, purchased_at=now - timedelta(hours=3),
            amount=Decimal("2.00"), order_reference="A-3",
        )  # fmt: skip
        invitations_after_purchases(now=now + timedelta(days=1))
        assert Invitation.objects.filter(status=InvitationStatus.SCHEDULED).count() == 1

    def test_the_share_page_says_who_was_already_invited(self, alice, survey_a, dana, client_of):
        client = client_of(alice)
        url = f"/surveys/{survey_a.uuid}/invite/"
        assert said(client.post(url, {"everyone": "on"}, follow=True)) == [
            "1 invitation on its way."
        ]
        reply = client.post(url, {"everyone": "on"}, follow=True)
        assert said(reply) == [
            "0 invitations on their way.",
            "1 already invited in the last 30 days: not invited again.",
        ]
        assert "1 already invited in the last 30 days" in reply.content.decode()
        assert Invitation.objects.get().status == InvitationStatus.SCHEDULED

    def test_the_api_skips_who_was_already_invited(self, mia, survey_a, dana, client_of):
        body = json.dumps({"survey": str(survey_a.uuid), "customers": [str(dana.uuid)]})
        first = client_of(mia).post("/api/v1/invitations/", body, "application/json")
        (made,) = first.json()["invitations"]
        assert first.json() == {"invitations": [made], "already_invited": [], "detail": ""}
        assert (made["customer"], made["status"], made["refusal"]) == (
            str(dana.uuid), "scheduled", "",
        )  # fmt: skip
        reply = client_of(mia).post("/api/v1/invitations/", body, "application/json")
        assert reply.status_code == 201, reply.content
        assert reply.json() == {
            "invitations": [],
            "already_invited": [str(dana.uuid)],
            "detail": "1 already invited in the last 30 days: not invited again.",
        }
        assert Invitation.objects.count() == 1


class TestPressingSendAgain:
    """A second press of Send stores nothing for who was just invited (a count says so)
    and no second identical refusal within 30 days; a purchase still gets its row."""

    @pytest.fixture
    def ben(self, business_a):
        return CustomerFactory(business=business_a, name="Ben", email="ben@example.com",
                               consent_to_contact=False)  # fmt: skip

    @pytest.fixture
    def cy(self, business_a):
        return CustomerFactory(
            business=business_a, name="Cy", email="cy@example.com", consent_to_contact=True,
            email_opt_out_at=timezone.now(),
        )  # fmt: skip

    def test_pressing_twice_stores_one_row_per_customer(self, alice, survey_a, dana, ben, cy,
                                                        client_of):  # fmt: skip
        client = client_of(alice)
        url = f"/surveys/{survey_a.uuid}/invite/"
        form = {"emails": "dana@example.com, ben@example.com; cy@example.com"}
        first = said(client.post(url, form, follow=True))
        reply = client.post(url, form, follow=True)
        assert said(reply) == [
            "0 invitations on their way.",
            "1 already invited in the last 30 days: not invited again.",
            "2 not sent (see why below).",
            "Not sent to Ben: Did not agree to be contacted.",
            "Not sent to Cy: Unsubscribed from e-mails.",
        ]
        assert first[0] == "1 invitation on its way." and first[2:] == said(reply)[3:]
        rows = Invitation.objects.values_list("customer__name", "status")
        assert sorted(rows) == [
            ("Ben", "skipped"), ("Cy", "skipped"), ("Dana <b>", "scheduled"),
        ]  # fmt: skip

    def test_the_count_of_who_was_left_alone_is_plural(self, alice, survey_a, dana, business_a,
                                                       client_of):  # fmt: skip
        CustomerFactory(business=business_a, email="eli@example.com", consent_to_contact=True)
        client = client_of(alice)
        url = f"/surveys/{survey_a.uuid}/invite/"
        client.post(url, {"everyone": "on"}, follow=True)
        reply = client.post(url, {"everyone": "on"}, follow=True)
        assert "2 already invited in the last 30 days: not invited again." in said(reply)
        assert Invitation.objects.count() == 2

    def test_a_refusal_is_recorded_again_once_it_changed_or_a_month_later(self, survey_a, ben):
        invite(survey_a, ben)
        assert invite(survey_a, ben) == []
        Customer.objects.filter(pk=ben.pk).update(email_opt_out_at=timezone.now())
        ben.refresh_from_db()
        (changed,) = invite(survey_a, ben)
        assert changed.note == "Unsubscribed from e-mails."
        Invitation.objects.update(created_at=timezone.now() - timedelta(days=31))
        (month_later,) = invite(survey_a, ben)
        assert month_later.note == "Unsubscribed from e-mails."
        assert Invitation.objects.count() == 3

    def test_a_refusal_recorded_in_another_language_counts(self, survey_a, ben):
        with translation.override("es"):
            (first,) = invite(survey_a, ben)
        assert (first.note, first.refusal) == ("No aceptó ser contactado.", NO_CONSENT)
        again = invitations_create(survey=survey_a, customers=[ben])
        assert again.invitations == []
        assert [(i.customer, i.note) for i in again.refused] == [
            (ben, "Did not agree to be contacted.")
        ]
        assert Invitation.objects.count() == 1

    def test_a_refusal_reworded_since_still_counts(self, survey_a, ben, monkeypatch):
        """The rule reads the key stored with the row, not the words shown for it."""
        (first,) = invite(survey_a, ben)
        assert first.note == "Did not agree to be contacted."
        monkeypatch.setitem(REFUSALS, NO_CONSENT, "Never agreed to hear from us.")
        again = invitations_create(survey=survey_a, customers=[ben])
        assert again.invitations == []
        assert [(i.customer, i.note, i.refusal) for i in again.refused] == [
            (ben, "Never agreed to hear from us.", NO_CONSENT)
        ]
        assert Invitation.objects.count() == 1

    def test_refusals_are_checked_in_one_query_for_the_whole_batch(
        self, survey_a, business_a, django_assert_max_num_queries
    ):
        one = [CustomerFactory(business=business_a, consent_to_contact=False)]
        many = [CustomerFactory(business=business_a, consent_to_contact=False) for _ in range(6)]
        again = invite_again_in_no_more_queries(survey_a, one, many, django_assert_max_num_queries)
        assert again == []

    def test_purchases_still_get_a_row_each(self, survey_a, dana, ben, business_a):
        """The row is what marks a purchase handled (Invitation.purchase is unique)."""
        survey_a.invite_after_purchase_hours = 2
        survey_a.save()
        now = timezone.now()
        invite(survey_a, dana, ben)
        for customer, ref in [(dana, "A-1"), (ben, "B-1"), (ben, "B-2")]:
            Purchase.objects.create(
                business=business_a, customer=customer, purchased_at=now - timedelta(hours=3),
                amount=Decimal("4.50"), order_reference=ref,
            )  # fmt: skip
        assert invitations_after_purchases(now=now) == 3
        assert invitations_after_purchases(now=now) == 0
        by_purchase = Invitation.objects.filter(purchase__isnull=False)
        notes = sorted(
            by_purchase.values_list("purchase__order_reference", "status", "refusal", "note")
        )
        assert [(ref, status, key) for ref, status, key, _note in notes] == [
            ("A-1", "skipped", ""), ("B-1", "skipped", NO_CONSENT), ("B-2", "skipped", NO_CONSENT),
        ]  # fmt: skip
        assert notes[0][3].startswith("Already invited on ")
        assert notes[1][3] == notes[2][3] == "Did not agree to be contacted."

    def test_outsiders_invite_nobody(self, charlie, business_b, survey_a, dana, client_of):
        client = client_of(charlie)
        url = f"/surveys/{survey_a.uuid}/invite/"
        assert client.post(url, {"emails": "dana@example.com"}).status_code == 404
        assert client.post(url, {"everyone": "on"}).status_code == 404
        body = json.dumps({"survey": str(survey_a.uuid), "customers": [str(dana.uuid)]})
        assert client.post("/api/v1/invitations/", body, "application/json").status_code == 400
        assert not Invitation.objects.exists()


class TestInviteForm:
    def test_addresses_may_be_separated_by_commas_or_semicolons(
        self, alice, survey_a, dana, business_a, client_of
    ):
        eli = CustomerFactory(business=business_a, email="eli@example.com", consent_to_contact=True)
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/invite/",
            {"emails": "dana@example.com, ELI@example.com;nobody@example.org"},
            follow=True,
        )
        assert {i.customer for i in Invitation.objects.all()} == {dana, eli}
        page = reply.content.decode()
        assert "2 invitations on their way." in page
        assert "Not one of your customers (add them first): nobody@example.org" in page

    @pytest.mark.parametrize(
        "pasted",
        [
            'Dana Doe <DANA@example.com>, "Doe, Eli" <eli@example.com>',
            'Dana Doe <dana@example.com>\n"Doe, Eli" <eli@example.com>',
            '"Doe; Dana" <dana@example.com>; eli@example.com (Eli, at work)',
            "dana@example.com eli@example.com",
            '<dana@example.com>,\r\n"Eli \\"E\\", Doe" <Eli@Example.com>, dana@example.com',
            # As Outlook copies recipients: the comma in the name is not quoted.
            "Doe, Dana <dana@example.com>; Doe, Eli <eli@example.com>",
            "Doe, Dana <dana@example.com>, Doe, Eli <eli@example.com>",
        ],
    )
    def test_names_with_addresses_are_taken(self, alice, survey_a, dana, business_a, client_of,
                                            pasted):  # fmt: skip
        eli = CustomerFactory(business=business_a, email="eli@example.com", consent_to_contact=True)
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/invite/", {"emails": pasted}, follow=True
        )
        assert said(reply) == ["2 invitations on their way."]
        assert sorted(Invitation.objects.values_list("customer__email", flat=True)) == [
            dana.email, eli.email,
        ]  # fmt: skip

    def test_each_entry_that_is_not_an_address_is_named(self, alice, survey_a, dana, client_of):
        pasted = 'Dana <dana@example.com>, Jane Doe\n"Doe, Jo <jo@example.com>, <b>x</b>'
        reply = client_of(alice).post(f"/surveys/{survey_a.uuid}/invite/", {"emails": pasted})
        assert reply.status_code == 400
        assert reply.context["invite_form"].errors == {
            "emails": ['Not an e-mail address: Jane Doe, "Doe, Jo <jo@example.com>, <b>x</b>']
        }
        html = reply.content.decode()
        assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
        assert not Invitation.objects.exists()

    def test_one_invitation_is_said_in_the_singular(self, alice, survey_a, dana, client_of):
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/invite/", {"emails": "dana@example.com"}, follow=True
        )
        page = reply.content.decode()
        assert "1 invitation on its way." in page
        assert "not sent" not in page

    def test_what_is_not_an_address_is_refused_at_the_field(self, alice, survey_a, dana, client_of):
        reply = client_of(alice).post(
            f"/surveys/{survey_a.uuid}/invite/", {"emails": "dana@example.com\nnot-an-email"}
        )
        assert reply.status_code == 400
        errors = reply.context["invite_form"].errors
        assert errors == {"emails": ["Not an e-mail address: not-an-email"]}
        assert "not-an-email" in reply.content.decode()  # what was typed is kept
        assert not Invitation.objects.exists()

    def test_an_empty_form_asks_for_an_address_or_the_tick_box(self, alice, survey_a, client_of):
        reply = client_of(alice).post(f"/surveys/{survey_a.uuid}/invite/", {"emails": " \n,"})
        assert reply.status_code == 400
        assert list(reply.context["invite_form"].errors) == ["emails"]
        assert "Enter at least one e-mail address" in reply.content.decode()


def test_an_outsider_cannot_change_the_automatic_invitations(
    charlie, business_b, survey_a, client_of
):
    url = f"/surveys/{survey_a.uuid}/auto-invite/"
    for hours in ["-5", "3"]:
        reply = client_of(charlie).post(url, {"invite_after_purchase_hours": hours})
        assert reply.status_code == 404
    survey_a.refresh_from_db()
    assert survey_a.invite_after_purchase_hours is None


def test_bad_automatic_invitation_settings_are_refused_at_their_fields(alice, survey_a, client_of):
    before = (survey_a.invite_after_purchase_hours, survey_a.reminder_after_hours)
    reply = client_of(alice).post(
        f"/surveys/{survey_a.uuid}/auto-invite/",
        {"invite_after_purchase_hours": "-5", "reminder_after_hours": "0"},
    )
    assert reply.status_code == 400
    form = reply.context["auto_form"]
    assert form.errors == {
        "invite_after_purchase_hours": ["Ensure this value is greater than or equal to 1."],
        "reminder_after_hours": ["Ensure this value is greater than or equal to 1."],
    }
    page = reply.content.decode()
    assert 'value="-5"' in page and 'value="0"' in page  # kept as typed
    survey_a.refresh_from_db()
    assert (survey_a.invite_after_purchase_hours, survey_a.reminder_after_hours) == before


@pytest.mark.parametrize("accept_language", [None, "fr-FR,fr;q=0.9", "de"])
def test_the_unsubscribe_pages_speak_the_business_language(
    business_a, survey_a, dana, accept_language
):
    Business.objects.filter(pk=business_a.pk).update(language="es")
    (invitation,) = invite(survey_a, dana)
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    asking = Client().get(f"/u/{invitation.token}/", **headers)
    assert "¿Darte de baja?" in asking.content.decode()
    assert asking.headers["Content-Language"] == "es"
    done = Client().post(f"/u/{invitation.token}/", **headers)
    assert "Te has dado de baja" in done.content.decode()


def test_the_already_answered_page_speaks_the_business_language(business_a, survey_a, dana):
    Business.objects.filter(pk=business_a.pk).update(language="es")
    (invitation,) = invite(survey_a, dana)
    answer_page(invitation)
    reply = Client().get(f"/i/{invitation.token}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert reply.status_code == 409
    assert "Ya has respondido" in reply.content.decode()


def test_comments_are_dropped_before_parsing_whatever_python_s_parser_makes_of_them():
    """Later 3.11 releases' strict getaddresses refuses "a@b.c (Eli, at work)", which the
    older one took: the box removes comments itself, so every Python reads the same."""
    assert entries('eli@example.com (Eli, at work); "Doe (Dana)" <dana@example.com>') == [
        ("eli@example.com (Eli, at work)", "eli@example.com"),
        ('"Doe (Dana)" <dana@example.com>', '"Doe (Dana)" <dana@example.com>'),
    ]
