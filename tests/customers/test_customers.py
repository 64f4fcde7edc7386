from __future__ import annotations

import json

import pytest

from accounts.services import api_key_create, location_create
from customers.models import Customer, Purchase
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_staff_add_and_search_customers(bob, business_a, client_of):
    client = client_of(bob)
    reply = client.post(
        "/customers/new/",
        {
            "name": "Dana Lee",
            "email": "DANA@example.com",
            "consent_to_contact": "on",
            "tags": "vip, regular",
        },
    )
    customer = Customer.objects.get()
    assert reply.url == f"/customers/{customer.uuid}/"
    assert (customer.email, customer.tags, customer.consent_source) == (
        "dana@example.com",
        ["regular", "vip"],
        "staff",
    )
    assert customer.consent_recorded_at is not None
    assert "Dana Lee" in client.get("/customers/?q=dana").content.decode()
    assert "Dana Lee" in client.get("/customers/?q=vip").content.decode()
    assert "Dana Lee" not in client.get("/customers/?q=zzz").content.decode()


def test_a_customer_needs_something_to_know_them_by(bob, business_a, client_of):
    reply = client_of(bob).post("/customers/new/", {"name": "", "email": "", "phone": ""})
    assert reply.status_code == 400
    assert "Give at least a name" in reply.content.decode()


def test_an_email_belongs_to_one_customer(bob, business_a, client_of):
    CustomerFactory(business=business_a, email="dana@example.com")
    reply = client_of(bob).post("/customers/new/", {"email": "Dana@Example.com"})
    assert reply.status_code == 400
    assert Customer.objects.count() == 1


def test_consent_changes_are_recorded(mia, business_a, client_of):
    customer = CustomerFactory(business=business_a, consent_to_contact=False)
    client_of(mia).post(
        f"/customers/{customer.uuid}/edit/", {"name": "X", "consent_to_contact": "on"}
    )
    customer.refresh_from_db()
    assert customer.consent_to_contact and customer.consent_recorded_at is not None


def test_purchases_are_recorded_on_the_customer_page(bob, business_a, client_of):
    customer = CustomerFactory(business=business_a)
    shop = location_create(business=business_a, name="High Street")
    client = client_of(bob)
    reply = client.post(
        f"/customers/{customer.uuid}/purchases/",
        {
            "purchased_at": "2026-03-05T10:30",
            "amount": "12.50",
            "currency": "eur",
            "order_reference": "R-1",
            "location": str(shop.uuid),
        },
    )
    assert reply.status_code == 302
    purchase = Purchase.objects.get()
    assert (purchase.amount, purchase.currency, purchase.location) == (12.5, "EUR", shop)
    bad = client.post(
        f"/customers/{customer.uuid}/purchases/",
        {"purchased_at": "soon", "amount": "-3", "currency": "euros"},
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Enter a valid date/time." in html and "Use a code like EUR." in html
    assert Purchase.objects.count() == 1


def test_a_purchase_needs_no_particular_location(bob, charlie, business_a, business_b, client_of):
    customer = CustomerFactory(business=business_a)
    location_create(business=business_a, name="<b>Annex</b>")
    client = client_of(bob)

    html = client.get(f"/customers/{customer.uuid}/").content.decode()

    assert '<option value="" selected>No particular location</option>' in html
    assert "---------" not in html
    assert "&lt;b&gt;Annex&lt;/b&gt;" in html and "<b>Annex" not in html
    reply = client.post(
        f"/customers/{customer.uuid}/purchases/",
        {"purchased_at": "2026-03-05T10:30", "amount": "4", "currency": "EUR", "location": ""},
    )
    assert reply.status_code == 302 and Purchase.objects.get().location is None
    assert client_of(charlie).get(f"/customers/{customer.uuid}/").status_code == 404


def test_roles(bob, mia, business_a, client_of):
    customer = CustomerFactory(business=business_a)
    assert client_of(bob).get(f"/customers/{customer.uuid}/edit/").status_code == 403
    assert client_of(bob).get(f"/customers/{customer.uuid}/delete/").status_code == 403
    assert client_of(bob).post(f"/customers/{customer.uuid}/delete/").status_code == 403
    assert client_of(bob).get("/customers/import/").status_code == 403
    assert client_of(mia).post(f"/customers/{customer.uuid}/delete/").status_code == 302
    assert not Customer.objects.exists()


def test_deleting_a_customer_asks_first_and_says_what_goes(mia, business_a, client_of):
    """The detail page's Delete only leads to a confirmation: one tap must not remove a
    customer with their purchases and consent history."""
    customer = CustomerFactory(business=business_a, name="Dana <Lee>")
    client = client_of(mia)
    detail = client.get(f"/customers/{customer.uuid}/").content.decode()
    assert f'href="/customers/{customer.uuid}/delete/"' in detail
    assert f'action="/customers/{customer.uuid}/delete/"' not in detail
    confirm = client.get(f"/customers/{customer.uuid}/delete/")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Dana &lt;Lee&gt;" in html and "their 0 purchases" in html
    assert f'href="/customers/{customer.uuid}/erase/"' in html
    assert Customer.objects.filter(pk=customer.pk).exists()
    deleted = client.post(f"/customers/{customer.uuid}/delete/", follow=True)
    assert deleted.redirect_chain == [("/customers/", 302)]
    assert "Customer deleted." in deleted.content.decode()
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_where_consent_was_recorded_is_said_in_words(mia, business_a, client_of):
    client = client_of(mia)
    client.post("/customers/new/", {"name": "Dana", "consent_to_contact": "on"})
    customer = Customer.objects.get()
    html = client.get(f"/customers/{customer.uuid}/").content.decode()
    assert "(Staff, in the customer form)" in html
    assert "(staff)" not in html


def test_outsiders_get_404_everywhere(charlie, business_b, business_a, client_of):
    customer = CustomerFactory(business=business_a, name="Secret Sam")
    client = client_of(charlie)
    base = f"/customers/{customer.uuid}/"
    for path in [base, base + "edit/", base + "delete/"]:
        assert client.get(path).status_code == 404
    for path in [base + "delete/", base + "purchases/"]:
        assert client.post(path, {"amount": "1"}).status_code == 404
    assert client.get(f"/api/v1/customers/{customer.uuid}/").status_code == 404
    assert "Secret Sam" not in client.get("/customers/").content.decode()
    assert client.get("/api/v1/customers/").json()["results"] == []
    assert Customer.objects.filter(pk=customer.pk).exists()


class TestApi:
    def post(self, client, path, body, **extra):
        return client.post(path, data=json.dumps(body), content_type="application/json", **extra)

    def test_customers_crud(self, bob, mia, business_a, client_of):
        created = self.post(
            client_of(bob),
            "/api/v1/customers/",
            {"name": "Ann", "email": "ann@example.com", "consent_to_contact": True},
        )
        assert created.status_code == 201, created.content
        uuid = created.json()["uuid"]
        assert created.json()["consent_source"] == "api"
        patch = client_of(mia).patch(
            f"/api/v1/customers/{uuid}/", json.dumps({"tags": ["vip"]}), "application/json"
        )
        assert patch.json()["tags"] == ["vip"]
        assert (
            client_of(bob).patch(f"/api/v1/customers/{uuid}/", "{}", "application/json").status_code
            == 403
        )
        dup = self.post(client_of(bob), "/api/v1/customers/", {"email": "ANN@example.com"})
        assert dup.status_code == 400 and list(dup.json()["errors"]) == ["email"]

    def test_the_list_is_searched_by_q(self, bob, charlie, business_a, business_b, client_of):
        CustomerFactory(business=business_a, name="Dana Lee", tags=["vip"])
        CustomerFactory(business=business_a, name="Eve", phone="+44 555 0101")
        CustomerFactory(business=business_b, name="Dana Other")

        def names(user, q: str) -> list[str]:
            reply = client_of(user).get("/api/v1/customers/", {"q": q})
            assert reply.status_code == 200
            return [row["name"] for row in reply.json()["results"]]

        assert names(bob, "DANA") == names(bob, "vip") == ["Dana Lee"]
        assert names(bob, "555 01") == ["Eve"] and names(bob, "zzz") == []
        assert names(charlie, "dana lee") == []

    def test_a_search_does_not_hide_one_customer(
        self, bob, charlie, business_a, business_b, client_of
    ):
        uuid = CustomerFactory(business=business_a, name="Dana Lee").uuid
        url = f"/api/v1/customers/{uuid}/?q=zzz"
        assert client_of(bob).get(url).json()["name"] == "Dana Lee"
        assert client_of(charlie).get(url).status_code == 404

    def test_the_search_is_documented(self, alice, client_of):
        schema = client_of(alice).get("/api/schema/").content.decode()
        section = schema[schema.index("/api/v1/customers/:") :]
        assert "name: q" in section[: section.index("post:")]

    def test_the_till_sends_one_purchase_and_then_a_batch(self, business_a, client):
        _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=None)
        auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
        one = {
            "customer_email": "max@example.com",
            "customer_name": "Max",
            "purchased_at": "2026-11-01T10:00:00Z",
            "amount": "4.20",
            "order_reference": "T-1",
        }
        first = self.post(client, "/api/v1/purchases/", one, **auth)
        assert first.status_code == 201, first.content
        assert first.json()["created"] == [True]
        batch = {
            "purchases": [
                {**one, "amount": "4.50"},
                {**one, "order_reference": "T-2", "amount": "9.00"},
            ]
        }
        second = self.post(client, "/api/v1/purchases/", batch, **auth)
        assert second.json()["created"] == [False, True]
        assert Purchase.objects.count() == 2
        assert Purchase.objects.get(order_reference="T-1").amount == 4.5
        assert Customer.objects.filter(email="max@example.com").count() == 1

    def test_a_batch_is_all_or_nothing_with_errors_per_item(
        self, business_a, business_b, mia, client_of
    ):
        stranger = CustomerFactory(business=business_b)
        good = {
            "customer_email": "a@example.com",
            "purchased_at": "2026-11-01T10:00:00Z",
            "amount": "3",
        }
        batch = {
            "purchases": [
                good,
                {**good, "amount": "-1"},
                {**good, "customer": str(stranger.uuid), "customer_email": None},
            ]
        }
        batch["purchases"][2].pop("customer_email")
        reply = self.post(client_of(mia), "/api/v1/purchases/", batch)
        assert reply.status_code == 400
        assert set(reply.json()["errors"]) == {"purchases.1.amount", "purchases.2.customer"}
        assert not Purchase.objects.exists()
        assert not Customer.objects.filter(business=business_a).exists()

    def test_staff_and_read_keys_cannot_send_purchases(self, bob, business_a, client_of, client):
        body = {
            "customer_email": "a@example.com",
            "purchased_at": "2026-11-01T10:00:00Z",
            "amount": "3",
        }
        assert self.post(client_of(bob), "/api/v1/purchases/", body).status_code == 403
        _, key = api_key_create(business=business_a, name="R", created_by=None)
        assert (
            self.post(
                client, "/api/v1/purchases/", body, HTTP_AUTHORIZATION=f"Api-Key {key}"
            ).status_code
            == 403
        )
