"""A customer's data as JSON: everything held about them, read in a fixed number of
queries, by owners and managers only, and every export in the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import api_key_create
from customers.models import Customer
from customers.services import PurchaseInput, purchase_record
from feedback.interactions.services import interaction_log
from tests.helpers import answer

from .conftest import DANA, ELI_MARKER

pytestmark = pytest.mark.django_db

# Whatever the customer has: one query per kind of data, plus the session, the
# membership and the audit entry. Never one per row.
EXPORT_QUERIES = 16


def export_page(client: Client, customer: Customer):
    return client.get(f"/customers/{customer.uuid}/export/")


def export_api(client: Client, customer: Customer, **headers):
    return client.get(f"/api/v1/customers/{customer.uuid}/export/", **headers)


def test_the_export_holds_everything_about_the_customer(world, alice, client_of):
    reply = export_page(client_of(alice), world.dana.customer)

    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("application/json")
    assert reply["Content-Disposition"] == (
        f'attachment; filename="customer-{world.dana.customer.uuid}.json"'
    )
    data = json.loads(reply.content)
    profile = data["profile"]
    assert (profile["name"], profile["email"], profile["phone"]) == (
        DANA["name"], DANA["email"], DANA["phone"],
    )  # fmt: skip
    assert profile["tags"] == DANA["tags"] and data["business"] == "Alice's Café"
    consent = data["consent"]
    assert consent["to_contact"] is True and consent["source"] == "staff"
    assert consent["recorded_at"] is not None
    assert [(e["change"], e["source"]) for e in consent["history"]] == [("agreed", "staff")]
    assert consent["history"][0]["created_at"]
    assert sorted(p["amount"] for p in data["purchases"]) == ["12.50", "7.20"]
    assert {p["location"] for p in data["purchases"]} == {"High Street"}
    responses = data["survey_responses"]
    assert len(responses) == 2  # the invited answer and the one left with her e-mail alone
    texts = [a["text"] for r in responses for a in r["answers"] if a["kind"] == "text"]
    assert any("rude staff" in text for text in texts)
    assert any(DANA["email"] in text for text in texts)
    scores = sorted(a["number"] for r in responses for a in r["answers"] if a["kind"] == "nps")
    assert scores == [2, 9]
    negative = [a for r in responses for a in r["answers"] if "rude staff" in a["text"]]
    assert negative[0]["sentiment"]["label"] == "negative"
    (visit,) = data["interactions"]
    assert "furious about the wait" in visit["note"] and visit["outcome"].startswith("Refund")
    assert {case["reason"] for case in data["cases"]} == {"detractor", "staff_flag"}
    notes = [note["text"] for case in data["cases"] for note in case["notes"]]
    assert notes and all(DANA["phone"] in note for note in notes)
    assert [r["status"] for r in data["review_requests"]] == ["queued"]
    assert data["review_requests"][0]["site"] == "Google"
    assert sorted(i["status"] for i in data["invitations"]) == ["answered", "scheduled"]
    assert data["erasures"] == []


def test_the_export_holds_nothing_of_anyone_else(world, alice, client_of):
    text = export_page(client_of(alice), world.dana.customer).content.decode()

    assert ELI_MARKER not in text
    assert "dana.whitlock@b.example" not in text  # business B's look-alike
    assert "Mia" not in text and "Bob" not in text  # staff are no part of it


def test_every_export_is_audited(world, mia, client_of):
    export_page(client_of(mia), world.dana.customer)
    export_api(client_of(mia), world.dana.customer)

    entries = AuditEntry.objects.filter(action="customer.export")
    assert [(e.actor, e.target) for e in entries] == [(mia, str(world.dana.customer.uuid))] * 2


def test_the_api_gives_the_same_data(world, mia, client_of):
    client = client_of(mia)
    page = json.loads(export_page(client, world.dana.customer).content)
    api = export_api(client, world.dana.customer).json()

    assert {k: v for k, v in api.items() if k != "exported_at"} == {
        k: v for k, v in page.items() if k != "exported_at"
    }


def test_an_erased_customer_exports_what_is_left(world, mia, client_of):
    client = client_of(mia)
    client.post(f"/api/v1/customers/{world.dana.customer.uuid}/erase/")

    data = export_api(client, world.dana.customer).json()

    assert data["profile"]["name"] == "" and data["profile"]["erased_at"]
    assert len(data["erasures"]) == 1 and data["erasures"][0]["counts"]["customers"] == 1
    assert "Whitlock" not in json.dumps(data)
    assert sorted(p["amount"] for p in data["purchases"]) == ["12.50", "7.20"]


def test_the_number_of_queries_does_not_grow_with_the_data(
    world, mia, bob, client_of, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_of(mia)
    dana = world.dana.customer
    export_api(client, dana)  # warm: session, content types
    with CaptureQueriesContext(connection) as small:
        export_api(client, dana)
    with django_capture_on_commit_callbacks(execute=True):
        add_history(world, dana, bob, times=15)
    with CaptureQueriesContext(connection) as large:
        export_api(client, dana)

    assert len(large.captured_queries) == len(small.captured_queries)
    with django_assert_max_num_queries(EXPORT_QUERIES):
        reply = export_page(client, dana)
    assert len(json.loads(reply.content)["purchases"]) == 2 + 15


def add_history(world, customer, bob, *, times: int) -> None:
    now = timezone.now()
    for n in range(times):
        purchase_record(
            business=world.business,
            data=PurchaseInput(
                customer=customer, purchased_at=now - timedelta(days=n), amount=Decimal("3"),
                location=world.location,
            ),
        )  # fmt: skip
        answer(world.survey, 3, f"Slow again, visit {n}", contact_email=customer.email,
               contact_requested=True)  # fmt: skip
        interaction_log(
            business=world.business, staff=bob, channel="phone", customer=customer,
            note=f"Visit {n}", follow_up_needed=True,
        )  # fmt: skip


def test_staff_cannot_export(world, bob, client_of):
    client = client_of(bob)
    assert export_page(client, world.dana.customer).status_code == 403
    assert export_api(client, world.dana.customer).status_code == 403
    assert not AuditEntry.objects.filter(action="customer.export").exists()


def test_outsiders_get_404(world, charlie, client_of):
    client = client_of(charlie)
    assert export_page(client, world.dana.customer).status_code == 404
    assert export_api(client, world.dana.customer).status_code == 404
    _, b_key = api_key_create(business=world.b_customer.business, name="B", created_by=charlie)
    reply = export_api(Client(), world.dana.customer, HTTP_AUTHORIZATION=f"Api-Key {b_key}")
    assert reply.status_code == 404
    assert "Whitlock" not in reply.content.decode()
    assert not AuditEntry.objects.filter(action="customer.export").exists()


def test_a_key_of_the_business_exports_and_is_named_in_the_log(world, alice):
    _, key = api_key_create(business=world.business, name="CRM", created_by=alice)

    reply = export_api(Client(), world.dana.customer, HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert reply.status_code == 200 and reply.json()["profile"]["email"] == DANA["email"]
    entry = AuditEntry.objects.get(action="customer.export")
    assert entry.actor is None and entry.detail == {"api_key": key.split("_")[1]}


def test_the_customer_page_offers_the_download_to_managers_only(world, mia, bob, client_of):
    url = f'href="/customers/{world.dana.customer.uuid}/export/"'
    assert url in client_of(mia).get(f"/customers/{world.dana.customer.uuid}/").content.decode()
    assert url not in client_of(bob).get(f"/customers/{world.dana.customer.uuid}/").content.decode()


def test_the_export_is_in_the_openapi_schema(db, client_of, alice):
    schema = client_of(alice).get("/api/schema/?format=json").json()
    export = schema["paths"]["/api/v1/customers/{customer_uuid}/export/"]["get"]
    reference = export["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"]
    assert {"profile", "consent", "purchases", "survey_responses", "interactions", "cases",
            "review_requests", "invitations"} <= set(fields)  # fmt: skip
    assert "post" in schema["paths"]["/api/v1/customers/{customer_uuid}/erase/"]
