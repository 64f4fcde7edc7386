from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.services import api_key_create, location_create
from customers.models import Customer
from feedback.models import CaseReason, FollowUpCase, Interaction
from tests.factories import CustomerFactory, InteractionFactory

pytestmark = pytest.mark.django_db

NEW = "/interactions/new/"


def form(**fields) -> dict:
    return {"channel": "in_person", "note": "Asked about oat milk, very happy.", **fields}


def test_staff_log_an_interaction_with_a_new_customer(
    bob, business_a, client_of, django_capture_on_commit_callbacks
):
    client = client_of(bob)
    assert client.get(NEW).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(
            NEW,
            form(customer_name="Zoe Park", customer_email="ZOE@example.com", mood="delighted"),
        )
    assert reply.status_code == 302
    assert reply.url == reverse("interactions:list")
    interaction = Interaction.objects.get()
    assert interaction.staff == bob
    assert interaction.customer.email == "zoe@example.com"
    assert interaction.sentiment_label == "positive"
    listing = client.get(reply.url).content.decode()
    assert "Asked about oat milk, very happy." in strip_tags(listing)  # words highlighted
    assert "badge--positive" in listing


def test_a_known_email_picks_the_existing_customer(bob, business_a, client_of):
    known = CustomerFactory(business=business_a, email="ann@example.com", name="Ann")
    client_of(bob).post(NEW, form(customer_email="Ann@Example.com"))
    assert Interaction.objects.get().customer == known
    assert Customer.objects.filter(business=business_a).count() == 1


def test_a_picked_customer_must_belong_to_the_business(bob, business_a, business_b, client_of):
    stranger = CustomerFactory(business=business_b)
    reply = client_of(bob).post(NEW, form(customer=str(stranger.uuid)))
    assert reply.status_code == 400
    assert "This business has no such customer." in reply.content.decode()
    assert not Interaction.objects.exists()


def test_a_location_must_belong_to_the_business(bob, business_a, business_b, client_of):
    elsewhere = location_create(business=business_b, name="Salon")
    reply = client_of(bob).post(NEW, form(location=str(elsewhere.uuid)))
    assert reply.status_code == 400
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note": ""}, "This field is required."),
        ({"channel": "pigeon"}, "Select a valid choice."),
        ({"customer_email": "not-an-email"}, "Enter a valid email address."),
        ({"mood": "ecstatic"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_the_field(bob, business_a, client_of, fields, message):
    reply = client_of(bob).post(NEW, form(**fields))
    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not Interaction.objects.exists()


def test_a_picked_customer_still_shows_when_the_form_comes_back(bob, business_a, client_of):
    """The choice survives an error in the hidden field: the person must see it too, not
    an empty picker that invites them to type the customer in again."""
    known = CustomerFactory(business=business_a, name="Ann <Lee>", email="ann@example.com")
    reply = client_of(bob).post(NEW, form(customer=str(known.uuid), note=""))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert f'value="{known.uuid}"' in html
    assert (
        '<p id="customer-chosen" class="help" role="status">✓ Ann &lt;Lee&gt; · ann@example.com'
    ) in html


def test_nothing_shows_as_picked_when_no_customer_was(bob, business_a, client_of):
    reply = client_of(bob).post(NEW, form(note=""))
    assert '<p id="customer-chosen" class="help" role="status"></p>' in reply.content.decode()


def test_a_follow_up_flag_opens_a_case_owned_by_the_logger(bob, business_a, client_of):
    client_of(bob).post(NEW, form(follow_up_needed="on"))
    case = FollowUpCase.objects.get()
    assert case.reason == CaseReason.STAFF_FLAG
    assert case.assignee == bob
    assert case.interaction == Interaction.objects.get()


def test_customer_search_finds_only_own_customers(bob, business_a, business_b, client_of):
    CustomerFactory(business=business_a, name="Ann Lee", email="ann@a.example")
    CustomerFactory(business=business_b, name="Ann Other", email="ann@b.example")
    reply = client_of(bob).get("/interactions/customers.json?q=ann")
    names = [c["name"] for c in reply.json()["results"]]
    assert names == ["Ann Lee"]
    assert client_of(bob).get("/interactions/customers.json?q=a").json()["results"] == []


def test_the_list_can_show_only_mine(bob, mia, business_a, client_of):
    InteractionFactory(business=business_a, staff=bob, note="Bob's note")
    InteractionFactory(business=business_a, staff=mia, note="Mia's note")
    html = client_of(bob).get("/interactions/?mine=1").content.decode()
    assert "Bob&#x27;s note" in html
    assert "Mia&#x27;s note" not in html


def test_outsiders_get_404_on_the_detail_and_see_nothing(
    business_a, charlie, business_b, client_of
):
    interaction = InteractionFactory(business=business_a, note="Alice's private note")
    client = client_of(charlie)
    assert client.get(f"/interactions/{interaction.uuid}/").status_code == 404
    assert "private note" not in client.get("/interactions/").content.decode()


def test_the_detail_escapes_the_note(business_a, alice, client_of):
    interaction = InteractionFactory(business=business_a, note="<script>x()</script>")
    html = client_of(alice).get(f"/interactions/{interaction.uuid}/").content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in html


class TestApi:
    def post(self, client, body, **extra):
        return client.post(
            "/api/v1/interactions/", data=json.dumps(body), content_type="application/json",
            **extra,
        )  # fmt: skip

    def test_staff_log_through_the_api(
        self, bob, business_a, client_of, django_capture_on_commit_callbacks
    ):
        client = client_of(bob)
        with django_capture_on_commit_callbacks(execute=True):
            reply = self.post(
            client,
            {"channel": "phone", "note": "Called to complain, furious about the refund.",
             "new_customer": {"name": "Max", "email": "max@example.com"},
             "follow_up_needed": True},
        )  # fmt: skip
        assert reply.status_code == 201, reply.content
        body = reply.json()
        assert body["staff"] == "bob@a.example"
        assert body["sentiment"] is None  # answered before the worker scores it
        scored = client.get(f"/api/v1/interactions/{body['uuid']}/").json()
        assert scored["sentiment"]["label"] == "negative"
        assert FollowUpCase.objects.filter(interaction__uuid=body["uuid"]).count() == 1

    def test_errors_name_the_field(self, bob, business_a, business_b, client_of):
        stranger = CustomerFactory(business=business_b)
        reply = self.post(
            client_of(bob), {"channel": "fax", "note": "  ", "customer": str(stranger.uuid)}
        )
        assert reply.status_code == 400
        assert set(reply.json()["errors"]) == {"channel", "note", "customer"}
        assert not Interaction.objects.exists()

    def test_a_write_key_can_log_and_a_read_key_cannot(self, business_a, client):
        _, write_key = api_key_create(
            business=business_a, name="Till", scope="write", created_by=None
        )
        _, read_key = api_key_create(business=business_a, name="Read", created_by=None)
        body = {"channel": "chat", "note": "Asked for opening hours."}
        assert self.post(client, body, HTTP_AUTHORIZATION=f"Api-Key {write_key}").status_code == 201
        assert self.post(client, body, HTTP_AUTHORIZATION=f"Api-Key {read_key}").status_code == 403

    def test_outsiders_get_404_and_empty_lists(self, business_a, charlie, business_b, client_of):
        interaction = InteractionFactory(business=business_a)
        client = client_of(charlie)
        assert client.get(f"/api/v1/interactions/{interaction.uuid}/").status_code == 404
        assert client.get("/api/v1/interactions/").json()["results"] == []


def test_the_detail_links_the_customer_for_every_role(
    business_a, business_b, alice, bob, charlie, client_of
):
    customer = CustomerFactory(business=business_a, name="Dana <Lee>")
    interaction = InteractionFactory(business=business_a, customer=customer)
    link = f'<a href="/customers/{customer.uuid}/">Dana &lt;Lee&gt;</a>'

    for user in (alice, bob):  # staff may open a customer's page too
        client = client_of(user)
        html = client.get(f"/interactions/{interaction.uuid}/").content.decode()
        assert link in html and "Dana <Lee>" not in html
        assert client.get(f"/customers/{customer.uuid}/").status_code == 200
    assert client_of(charlie).get(f"/interactions/{interaction.uuid}/").status_code == 404


def test_the_detail_without_a_customer_shows_a_dash(business_a, bob, client_of):
    interaction = InteractionFactory(business=business_a)
    html = client_of(bob).get(f"/interactions/{interaction.uuid}/").content.decode()
    assert "<dt>Customer</dt><dd>—</dd>" in html


def test_the_case_is_linked_only_for_who_may_open_it(business_a, alice, bob, client_of):
    interaction = InteractionFactory(business=business_a)
    case = FollowUpCase.objects.create(
        business=business_a, reason=CaseReason.STAFF_FLAG, interaction=interaction,
        assignee=alice, due_at=timezone.now(),
    )  # fmt: skip
    case_link = f'href="/cases/{case.uuid}/"'
    page = f"/interactions/{interaction.uuid}/"

    assert case_link in client_of(alice).get(page).content.decode()
    html = client_of(bob).get(page).content.decode()  # Alice's case: Bob may not open it
    assert case_link not in html and str(case) in html
    assert client_of(bob).get(f"/cases/{case.uuid}/").status_code == 403
    FollowUpCase.objects.filter(pk=case.pk).update(assignee=bob)
    assert case_link in client_of(bob).get(page).content.decode()
