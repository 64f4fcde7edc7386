"""The CSV import through the REST API: upload, preview, encoding, start, report."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import Customer, CustomerImport, ImportStatus, Purchase

pytestmark = pytest.mark.django_db

URL = "/api/v1/customer-imports/"
EXPORT = (
    "Order ID,Date,Customer,Email,Total\n"
    "A-1,05/03/2024,Dana Lee,dana@example.com,12.50\n"
    "A-2,06/03/2024,Dana Lee,dana@example.com,-3\n"
    "A-3,07/03/2024,<b>Kim</b>,kim@example.com,7.00\n"
)
MAPPING = {"order_reference": "Order ID", "purchased_at": "Date", "name": "Customer",
           "email": "Email", "amount": "Total"}  # fmt: skip


def upload(client, content: bytes, **fields):
    return client.post(URL, {"file": SimpleUploadedFile("export.csv", content), **fields})


def post_json(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_an_import_runs_end_to_end(
    alice, business_a, client_of, django_capture_on_commit_callbacks
):
    client = client_of(alice)
    reply = upload(client, EXPORT.encode())
    assert reply.status_code == 201
    body = reply.json()
    assert body["status"] == "uploaded" and body["encoding"] == "utf-8"
    assert body["headers"] == ["Order ID", "Date", "Customer", "Email", "Total"]
    assert body["mapping"] == MAPPING  # guessed from the header names
    assert body["preview"][2] == ["A-3", "07/03/2024", "<b>Kim</b>", "kim@example.com", "7.00"]

    url = f"{URL}{body['uuid']}/"
    with django_capture_on_commit_callbacks(execute=True):
        started = post_json(client, url + "start/", {"mapping": MAPPING, "day_first": True})
    assert started.status_code == 202
    assert started.json()["options"] == {"day_first": True, "currency": "EUR"}

    report = client.get(url).json()
    assert report["status"] == "done"
    assert (report["taken"], report["merged"], report["refused"]) == (2, 0, 1)
    assert report["progress_percent"] == 100
    assert report["refusals"] == [{"row": 3, "reason": report["refusals"][0]["reason"]}]
    assert "negative" in report["refusals"][0]["reason"]
    assert Customer.objects.get(email="kim@example.com").name == "<b>Kim</b>"
    assert Purchase.objects.filter(business=business_a).count() == 2
    assert [job["uuid"] for job in client.get(URL).json()["results"]] == [body["uuid"]]


def test_starting_twice_is_409(alice, business_a, client_of, django_capture_on_commit_callbacks):
    client = client_of(alice)
    url = f"{URL}{upload(client, EXPORT.encode()).json()['uuid']}/start/"
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(client, url, {"mapping": MAPPING}).status_code == 202
    again = post_json(client, url, {"mapping": MAPPING})
    assert again.status_code == 409
    assert Purchase.objects.count() == 2


def test_a_bad_mapping_is_400_naming_the_fields(alice, business_a, client_of):
    client = client_of(alice)
    job_uuid = upload(client, EXPORT.encode()).json()["uuid"]
    reply = post_json(
        client,
        f"{URL}{job_uuid}/start/",
        {"mapping": {"purchased_at": "Date", "colour": "Total", "phone": "Nope"}, "currency": "€"},
    )
    assert reply.status_code == 400
    assert set(reply.json()["errors"]) == {"currency"}
    reply = post_json(
        client, f"{URL}{job_uuid}/start/", {"mapping": {"purchased_at": "Date", "colour": "Total"}}
    )
    assert reply.status_code == 400
    assert {"email", "amount", "colour"} <= set(reply.json()["errors"])
    assert CustomerImport.objects.get().status == ImportStatus.UPLOADED
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("content", "fields", "field", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", {}, "file", "not a CSV file"),
        ("Name\nJosé\n".encode("cp1252"), {"encoding": "utf-8"}, "file", "not UTF-8 text"),
        (b"Name\nA\n", {"encoding": "ebcdic"}, "encoding", "not a valid choice"),
    ],
)
def test_bad_uploads_are_400_naming_the_field(
    alice, business_a, client_of, content, fields, field, message
):
    reply = upload(client_of(alice), content, **fields)
    assert reply.status_code == 400
    assert message in " ".join(reply.json()["errors"][field])
    assert not CustomerImport.objects.exists()


def test_a_missing_file_is_400_naming_it(alice, business_a, client_of):
    reply = client_of(alice).post(URL, {})
    assert reply.status_code == 400
    assert "file" in reply.json()["errors"]


def test_the_file_is_read_again_in_another_encoding(alice, business_a, client_of):
    client = client_of(alice)
    # 0xA4 is ¤ in Windows-1252 (the guess) and € in ISO-8859-15 (what this till wrote).
    body = upload(client, b"Name,Email\nCaf\xe9 \xa4,x@example.com\n").json()
    assert body["encoding"] == "cp1252" and body["preview"] == [["Café ¤", "x@example.com"]]
    reply = post_json(client, f"{URL}{body['uuid']}/encoding/", {"encoding": "iso-8859-15"})
    assert reply.status_code == 200
    assert reply.json()["preview"] == [["Café €", "x@example.com"]]
    assert CustomerImport.objects.get().encoding == "iso-8859-15"
    refused = post_json(client, f"{URL}{body['uuid']}/encoding/", {"encoding": "utf-8"})
    assert refused.status_code == 400
    assert "not UTF-8 text (byte 15" in refused.json()["errors"]["encoding"][0]
    assert CustomerImport.objects.get().encoding == "iso-8859-15"


def test_outsiders_get_404_and_staff_403(alice, bob, charlie, business_b, client_of):
    job_uuid = upload(client_of(alice), EXPORT.encode()).json()["uuid"]
    outsider = client_of(charlie)
    assert outsider.get(f"{URL}{job_uuid}/").status_code == 404
    assert post_json(outsider, f"{URL}{job_uuid}/start/", {"mapping": MAPPING}).status_code == 404
    assert (
        post_json(outsider, f"{URL}{job_uuid}/encoding/", {"encoding": "utf-8"}).status_code == 404
    )
    assert outsider.get(URL).json()["results"] == []
    assert client_of(bob).get(f"{URL}{job_uuid}/").status_code == 403
    assert upload(client_of(bob), EXPORT.encode()).status_code == 403
    assert CustomerImport.objects.get().status == ImportStatus.UPLOADED
