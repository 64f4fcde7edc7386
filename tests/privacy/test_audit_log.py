"""The audit log: privacy-relevant actions are recorded, and the owner reads them on a
page (newest first, paged, filtered, escaped) and through the API (owner-made keys)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import api_key_create, audit_record
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert('x')</script>"


def entries(business, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(business=business, action=action).order_by("pk"))


def rows(html: str) -> int:
    return html.count("<td><time datetime=")


def keyed(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


def recorded(business, count: int, action: str = "customer.view", actor=None) -> None:
    """`count` entries, a minute apart, the newest last."""
    start = timezone.now() - timedelta(minutes=count)
    for n in range(count):
        entry = audit_record(business=business, actor=actor, action=action, target=f"t{n}")
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=start + timedelta(minutes=n))


# --- What is recorded -----------------------------------------------------------------


def test_viewing_a_customer_page_is_recorded(bob, business_a, client_of):
    customer = CustomerFactory(business=business_a)
    client_of(bob).get(f"/customers/{customer.uuid}/")

    (entry,) = entries(business_a, "customer.view")
    assert (entry.actor, entry.target) == (bob, str(customer.uuid))


def test_customer_changes_are_recorded_by_field_name_only(mia, business_a, client_of):
    client = client_of(mia)
    client.post("/customers/new/", {"name": "Gus Ferreira", "email": "gus@example.net"})
    customer = Customer.objects.get(business=business_a)
    client.post(
        f"/customers/{customer.uuid}/edit/",
        {"name": "Gus Ferreira-Lopes", "email": "gus@example.net", "consent_to_contact": "on"},
    )
    client.post(f"/customers/{customer.uuid}/delete/")

    target = str(customer.uuid)
    assert [(e.actor, e.target) for e in entries(business_a, "customer.create")] == [(mia, target)]
    (update,) = entries(business_a, "customer.update")
    assert update.detail == {"fields": ["consent_to_contact", "name"]}
    (consent,) = entries(business_a, "customer.consent")
    assert consent.detail == {"consent_to_contact": True, "source": "staff"}
    assert [e.target for e in entries(business_a, "customer.delete")] == [target]
    log = str(list(AuditEntry.objects.values("target", "detail")))
    assert "Gus" not in log and "gus@" not in log  # no personal data in the log


def test_an_unsubscribe_is_recorded_as_the_customers_own_change(business_a):
    from customers.services import customer_email_opt_out

    customer = CustomerFactory(business=business_a, consent_to_contact=True)
    customer_email_opt_out(customer_id=customer.pk)

    (entry,) = entries(business_a, "customer.consent")
    assert entry.actor is None
    assert entry.detail == {"consent_to_contact": False, "source": "unsubscribe"}


def test_publishing_and_closing_a_survey_are_recorded(mia, business_a, client_of):
    client = client_of(mia)
    client.post("/surveys/", {"name": "After the visit", "template": ""})
    (created,) = entries(business_a, "survey.create")
    assert created.actor == mia and created.detail == {"status": "active"}
    reply = client.patch(
        f"/api/v1/surveys/{created.target}/", data={"status": "closed"},
        content_type="application/json",
    )  # fmt: skip
    assert reply.status_code == 200

    (status,) = entries(business_a, "survey.status")
    assert (status.actor, status.target) == (mia, created.target)
    assert status.detail == {"from": "active", "to": "closed"}
    assert entries(business_a, "survey.update")[0].detail == {"fields": ["status"]}


def test_an_upload_of_customers_is_recorded(mia, business_a, client_of):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.models import CustomerImport

    upload = SimpleUploadedFile("till.csv", b"name,email\nGus,gus@example.net\n")
    client_of(mia).post("/customers/import/", {"file": upload})

    (entry,) = entries(business_a, "customer_import.upload")
    assert (entry.actor, entry.target) == (mia, str(CustomerImport.objects.get().uuid))


def test_api_keys_are_recorded(alice, business_a, client_of):
    client_of(alice).post("/accounts/api-keys/", {"name": "Till", "scope": "read"})
    assert [e.actor for e in entries(business_a, "api_key.create")] == [alice]


# --- The page -------------------------------------------------------------------------


def test_the_owner_reads_the_log_newest_first(alice, mia, business_a, client_of):
    recorded(business_a, 3, actor=mia)

    html = client_of(alice).get("/accounts/audit/").content.decode()

    assert html.index(">t2<") < html.index(">t1<") < html.index(">t0<")
    assert "mia@a.example" in html and 'href="/accounts/audit/"' in html


def test_the_log_is_paged(alice, business_a, client_of):
    recorded(business_a, 55)
    client = client_of(alice)

    first = client.get("/accounts/audit/").content.decode()
    second = client.get("/accounts/audit/?page=2").content.decode()

    assert rows(first) == 50 and ">t54<" in first and ">t5<" in first
    assert rows(second) == 5 and ">t4<" in second and ">t0<" in second


def test_the_log_filters_by_action_and_person(alice, mia, bob, business_a, client_of):
    recorded(business_a, 2, action="customer.view", actor=bob)
    recorded(business_a, 1, action="customer.export", actor=mia)
    recorded(business_a, 1, action="retention.anonymise")
    client = client_of(alice)

    def shown(query: str) -> int:
        reply = client.get(f"/accounts/audit/{query}")
        assert reply.status_code == 200
        return rows(reply.content.decode())

    assert shown("") == 4
    assert shown("?action=customer.view") == 2
    assert shown("?person=mia@a.example") == 1
    assert shown("?person=-") == 1
    assert shown("?action=customer.view&person=mia@a.example") == 0


@pytest.mark.parametrize(
    ("query", "notice"),
    [("?action=nonsense", "Unknown action"), ("?person=nobody@x.example", "Unknown person")],
)
def test_a_bad_filter_is_ignored_and_named(alice, business_a, client_of, query, notice):
    recorded(business_a, 1)
    reply = client_of(alice).get(f"/accounts/audit/{query}")

    assert reply.status_code == 200 and rows(reply.content.decode()) == 1
    assert notice in reply.content.decode()
    assert "Select a valid choice." not in reply.content.decode()


def test_every_value_is_escaped(alice, business_a, client_of):
    audit_record(
        business=business_a, actor=None, action="customer.update", target=PAYLOAD,
        detail={"fields": [PAYLOAD], "note": '<img src=x onerror="alert(1)">'},
    )  # fmt: skip
    html = client_of(alice).get("/accounts/audit/").content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_only_the_owner_reads_the_log(alice, mia, bob, business_a, client_of):
    recorded(business_a, 1)
    for user in (mia, bob):
        assert client_of(user).get("/accounts/audit/").status_code == 403
        assert client_of(user).get("/api/v1/audit-entries/").status_code == 403
    assert 'href="/accounts/audit/"' not in client_of(mia).get("/customers/").content.decode()


def test_an_outsider_sees_only_their_own_business(charlie, business_a, business_b, client_of):
    recorded(business_a, 2, action="customer.export")
    recorded(business_b, 1, action="customer.view")
    client = client_of(charlie)

    html = client.get("/accounts/audit/").content.decode()
    listed = client.get("/api/v1/audit-entries/").json()["results"]

    assert "customer.export" not in html and rows(html) == 1
    assert [e["action"] for e in listed] == ["customer.view"]
    other = client.get("/accounts/audit/?action=customer.export").content.decode()
    assert "customer.export" not in other and rows(other) == 1  # an unknown action: ignored


# --- The API --------------------------------------------------------------------------


def test_the_api_lists_newest_first_with_filters(alice, mia, business_a, client_of):
    recorded(business_a, 2, action="customer.view", actor=mia)
    recorded(business_a, 1, action="customer.erase", actor=alice)
    client = client_of(alice)

    listed = client.get("/api/v1/audit-entries/").json()["results"]
    assert [e["target"] for e in listed] == ["t0", "t1", "t0"]  # erase last written: newest
    assert listed[0]["actor"] == "alice@a.example" and listed[0]["action"] == "customer.erase"
    by_action = client.get("/api/v1/audit-entries/?action=customer.view").json()["results"]
    assert [e["target"] for e in by_action] == ["t1", "t0"]
    by_actor = client.get("/api/v1/audit-entries/?actor=alice@a.example").json()["results"]
    assert [e["action"] for e in by_actor] == ["customer.erase"]


def test_a_key_made_by_an_owner_reads_the_log(alice, mia, business_a):
    recorded(business_a, 1)
    _, owners_key = api_key_create(business=business_a, name="SIEM", created_by=alice)
    _, managers_key = api_key_create(business=business_a, name="CRM", created_by=mia)
    _, nobodys_key = api_key_create(business=business_a, name="Old", created_by=None)

    reply = Client().get("/api/v1/audit-entries/", **keyed(owners_key))

    assert reply.status_code == 200
    assert [e["action"] for e in reply.json()["results"]] == ["api_key.create"] * 3 + [
        "customer.view"
    ]
    for key in (managers_key, nobodys_key):
        assert Client().get("/api/v1/audit-entries/", **keyed(key)).status_code == 403


def test_a_key_of_another_business_sees_nothing_of_this_one(charlie, business_a, business_b):
    recorded(business_a, 3)
    _, b_key = api_key_create(business=business_b, name="B", created_by=charlie)

    reply = Client().get("/api/v1/audit-entries/", **keyed(b_key))

    assert reply.status_code == 200
    assert [e["action"] for e in reply.json()["results"]] == ["api_key.create"]
    assert reply.json()["results"][0]["actor"] == "charlie@b.example"


def test_the_log_is_in_the_openapi_schema(alice, business_a, client_of):
    schema = client_of(alice).get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/audit-entries/"]["get"]["parameters"]
    assert {"action", "actor"} <= {p["name"] for p in parameters}
    assert "patch" in schema["paths"]["/api/v1/business-settings/"]
