"""The shared progress component (templates/includes/progress.html, static/js/progress.js)
on the CSV import and rescore pages: the state as the server saw it (what a browser
without JavaScript shows), the JSON status URL it polls with the session, and that URL
answering no one outside the business."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import CustomerImport
from textanalysis.models import RescoreJob

pytestmark = pytest.mark.django_db

CSV = b"Name,Email\nAda,ada@example.com\nBo,bo@example.com\n"


@pytest.fixture
def running_import(alice, business_a, client_of) -> CustomerImport:
    client_of(alice).post("/customers/import/", {"file": SimpleUploadedFile("shop.csv", CSV)})
    job = CustomerImport.objects.get(business=business_a)
    CustomerImport.objects.filter(pk=job.pk).update(
        status="running", total_rows=10, processed_rows=4, taken=3, merged=1
    )
    job.refresh_from_db()
    return job


def status_url(html: str) -> str:
    return re.search(r'data-progress-url="([^"]+)"', html)[1]


def test_a_running_import_shows_its_state_and_where_to_poll(alice, client_of, running_import):
    client = client_of(alice)
    html = client.get(f"/customers/imports/{running_import.uuid}/").content.decode()
    assert 'id="import-job-status">Importing<' in html
    assert 'value="40"' in html and "4 of 10 rows" in html
    assert 'data-progress-of="{done} of {total} rows"' in html
    assert 'aria-live="polite"' in html
    assert "You can leave this page and come back; the work goes on." in html
    assert 'id="count-taken" data-progress-field="taken">3<' in html
    assert '<script src="/static/js/progress.js" defer></script>' in html
    body = client.get(status_url(html)).json()  # the session is enough
    assert (body["status"], body["progress_percent"]) == ("running", 40)
    assert (body["processed_rows"], body["total_rows"], body["taken"]) == (4, 10, 3)


def test_a_finished_import_shows_the_result_without_polling(alice, client_of, running_import):
    CustomerImport.objects.filter(pk=running_import.pk).update(status="done", processed_rows=10)
    html = client_of(alice).get(f"/customers/imports/{running_import.uuid}/").content.decode()
    assert 'id="import-job-status">Done<' in html and "10 of 10 rows" in html
    assert "progress.js" not in html and "You can leave this page" not in html


def test_a_failed_import_says_why(alice, client_of, running_import):
    CustomerImport.objects.filter(pk=running_import.pk).update(
        status="failed", failure="The file <b>ended</b> early."
    )
    html = client_of(alice).get(f"/customers/imports/{running_import.uuid}/").content.decode()
    assert 'id="import-job-status">Failed<' in html
    assert "The file &lt;b&gt;ended&lt;/b&gt; early." in html  # shown as text


def test_an_outsider_cannot_poll_an_import(alice, charlie, bob, business_b, client_of,
                                           running_import):  # fmt: skip
    html = client_of(alice).get(f"/customers/imports/{running_import.uuid}/").content.decode()
    assert client_of(charlie).get(status_url(html)).status_code == 404
    assert client_of(bob).get(status_url(html)).status_code == 403  # staff: no imports


def test_a_running_rescore_shows_its_state_and_where_to_poll(alice, business_a, client_of):
    job = RescoreJob.objects.create(business=business_a, status="running", total=50, done=20)
    client = client_of(alice)
    html = client.get(reverse("textanalysis:settings")).content.decode()
    assert 'id="rescore-status">Rescoring<' in html
    assert 'value="40"' in html and "20 of 50 texts" in html
    assert "Reload this page" not in html
    assert status_url(html) == f"/api/v1/rescores/{job.uuid}/"
    assert client.get(status_url(html)).json()["progress_percent"] == 40


def test_an_outsider_cannot_poll_a_rescore(alice, charlie, business_a, business_b, client_of):
    job = RescoreJob.objects.create(business=business_a, status="running", total=50, done=20)
    assert client_of(charlie).get(f"/api/v1/rescores/{job.uuid}/").status_code == 404


def test_the_script_is_served_by_the_app_and_the_old_one_is_gone():
    assert finders.find("js/progress.js")
    assert finders.find("customers/import.js") is None
