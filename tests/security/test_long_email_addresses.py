"""An e-mail address Django's validate_email takes (up to 320 characters) but longer than
the column (254) is refused by name on every input that stores one, never a 500."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.services import api_key_create
from customers.models import Customer, CustomerImport, ImportStatus
from feedback.antiabuse import STARTED_FIELD, form_started_token
from feedback.models import Interaction, Response

pytestmark = pytest.mark.django_db

# 312 characters, each label within the 63 a DNS name allows: valid for validate_email.
TOO_LONG = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"


def test_the_address_is_one_validate_email_takes():
    from django.core.validators import validate_email

    assert len(TOO_LONG) > 254
    validate_email(TOO_LONG)  # no error: only the column's length stops it


def test_the_customer_form_names_the_field(bob, business_a, client_of):
    reply = client_of(bob).post("/customers/new/", {"name": "Long", "email": TOO_LONG})
    assert reply.status_code == 400
    assert set(reply.context["form"].errors) == {"email"}
    assert not Customer.objects.exists()


def test_the_interaction_form_names_the_field(bob, business_a, client_of):
    body = {"channel": "in_person", "note": "Hello", "customer_email": TOO_LONG}
    reply = client_of(bob).post("/interactions/new/", body)
    assert reply.status_code == 400
    assert "customer_email" in reply.context["form"].errors
    assert not Interaction.objects.exists() and not Customer.objects.exists()


def test_the_survey_page_names_the_contact_field(survey_a):
    nps = survey_a.questions.get(kind="nps")
    data = {
        f"q-{nps.uuid}": "3", "contact_requested": "on", "contact_email": TOO_LONG,
        STARTED_FIELD: form_started_token(at=time.time() - 30),
    }  # fmt: skip
    reply = Client().post(f"/s/{survey_a.uuid}/", data)
    assert reply.status_code == 400
    assert reply.context["contact_error"] == "An e-mail address has at most 254 characters."
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/interactions/", {"channel": "in_person", "note": "Hi",
                                "new_customer": {"email": TOO_LONG}}),
     ("/api/v1/purchases/", {"customer_email": TOO_LONG, "purchased_at": "2026-11-01T10:00:00Z",
                             "amount": "4.20"}),
     ("/api/v1/customers/", {"name": "Long", "email": TOO_LONG})],
)  # fmt: skip
def test_the_api_names_the_field(alice, business_a, path, body):
    _, key = api_key_create(business=business_a, name="Till", scope="write", created_by=alice)
    reply = Client().post(
        path, json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )  # fmt: skip
    assert reply.status_code == 400, reply.content
    assert any("email" in field for field in reply.json()["errors"]), reply.json()
    assert not Customer.objects.exists()


def test_an_import_refuses_the_row_with_its_reason(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    client = client_of(alice)
    content = f"Name,Email\nLong,{TOO_LONG}\nShort,short@example.com\n".encode()
    client.post("/customers/import/", {"file": SimpleUploadedFile("x.csv", content)})
    job = CustomerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        mapping = {"map_name": "Name", "map_email": "Email", "day_first": "1", "currency": "EUR"}
        client.post(f"/customers/imports/{job.uuid}/", mapping)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.taken, job.refused) == (1, 1)
    assert job.refusals == [{"row": 2, "reason": "An e-mail address has at most 254 characters."}]
    assert list(Customer.objects.values_list("email", flat=True)) == ["short@example.com"]
