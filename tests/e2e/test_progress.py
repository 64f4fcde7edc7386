"""Long work in a real browser: a CSV import, a rescore and a CLV fit each show a progress
bar that keeps itself current. The test puts a job at a point in the database, opens its
page, leaves and comes back, then moves the job on in the database: the page follows by
polling (no reload by the test), and when the job is done it shows the result. And one
CSV import started through the browser from upload to its counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import CustomerImport
from metrics.clv_fit import clv_fit_run
from metrics.models import ClvFitJob
from tests.e2e.conftest import SMALL_PHONE
from textanalysis.models import RescoreJob

pytestmark = pytest.mark.browser

# A marker the page's own window keeps until it is loaded again: gone means it reloaded.
MARK = "window.__notReloaded = true"
STILL_SAME_PAGE = "window.__notReloaded === true"


def bar(page: Page, name: str):
    return page.get_by_role("progressbar", name=name)


def leave_and_come_back(page: Page, url: str, elsewhere: str = "/customers/") -> None:
    page.goto(elsewhere)
    page.goto(url)


def uploaded_import(user) -> CustomerImport:
    client = Client()
    client.force_login(user)
    csv = b"Name,Email\nAda,ada@example.com\n"
    client.post("/customers/import/", {"file": SimpleUploadedFile("till.csv", csv)})
    return CustomerImport.objects.get(created_by=user)


def test_an_import_is_followed_until_done(page_as, alice, business_a):
    job = uploaded_import(alice)
    jobs = CustomerImport.objects.filter(pk=job.pk)
    jobs.update(status="running", total_rows=10, processed_rows=4, taken=4)
    url = f"/customers/imports/{job.uuid}/"
    watched = page_as(alice)
    page = watched.page
    page.goto(url)
    expect(bar(page, "Import progress")).to_have_attribute("value", "40")
    expect(page.get_by_text("4 of 10 rows")).to_be_visible()
    expect(page.get_by_text("You can leave this page and come back")).to_be_visible()
    watched.snap("progress-import-running")

    leave_and_come_back(page, url)
    expect(bar(page, "Import progress")).to_have_attribute("value", "40")
    page.evaluate(MARK)

    jobs.update(processed_rows=7, taken=6, merged=1)
    expect(bar(page, "Import progress")).to_have_attribute("value", "70")
    expect(page.locator("#count-taken")).to_have_text("6")
    expect(page.get_by_text("7 of 10 rows")).to_be_visible()
    assert page.evaluate(STILL_SAME_PAGE), "the page reloaded instead of updating in place"

    jobs.update(status="done", processed_rows=10, taken=8, refused=1, finished_at=timezone.now())
    expect(page.locator("#import-job-status")).to_have_text("Done")
    expect(page.get_by_text("10 of 10 rows")).to_be_visible()
    expect(page.locator("#count-refused")).to_have_text("1")
    # Once done, the page loads once more to show the result, and then stops.
    expect(page.get_by_text("You can leave this page")).to_have_count(0)
    watched.snap("progress-import-done")
    watched.assert_clean()


def test_a_rescore_is_followed_until_done(page_as, alice, business_a):
    job = RescoreJob.objects.create(
        business=business_a, requested_by=alice, status="running", total=50, done=20
    )
    jobs = RescoreJob.objects.filter(pk=job.pk)
    url = "/insights/settings/"
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    page.goto(url)
    expect(bar(page, "Rescoring progress")).to_have_attribute("value", "40")
    expect(page.get_by_text("20 of 50 texts")).to_be_visible()
    page.locator("#rescore").scroll_into_view_if_needed()
    watched.snap("progress-rescore-running")

    leave_and_come_back(page, url, elsewhere="/dashboard/")
    expect(bar(page, "Rescoring progress")).to_have_attribute("value", "40")
    page.evaluate(MARK)

    jobs.update(done=35)
    expect(bar(page, "Rescoring progress")).to_have_attribute("value", "70")
    assert page.evaluate(STILL_SAME_PAGE)

    jobs.update(status="done", done=50, finished_at=timezone.now())
    expect(page.locator("#rescore-status")).to_have_text("Done")
    expect(page.get_by_text("50 of 50 texts")).to_be_visible()
    expect(page.get_by_role("button", name="Rescore all texts")).to_be_visible()
    watched.snap("progress-rescore-done")
    watched.assert_clean()


def test_a_customer_value_fit_is_followed_until_done(page_as, alice, business_a):
    job = ClvFitJob.objects.create(
        business=business_a, requested_by=alice, status="running", stage="gamma_gamma",
        started_at=timezone.now(),
    )  # fmt: skip
    jobs = ClvFitJob.objects.filter(pk=job.pk)
    url = "/dashboard/customer-value/"
    watched = page_as(alice)
    page = watched.page
    page.goto(url)
    expect(bar(page, "Customer value progress")).to_have_attribute("value", "50")
    expect(page.get_by_text("2 of 4 steps")).to_be_visible()
    expect(page.get_by_text("Fitting Gamma-Gamma (how much they spend)")).to_be_visible()
    # While it runs there is nothing to click twice.
    expect(page.get_by_role("button", name="Recalculate customer value")).to_have_count(0)
    watched.snap("progress-clv-running")

    leave_and_come_back(page, url)
    expect(bar(page, "Customer value progress")).to_have_attribute("value", "50")
    page.evaluate(MARK)

    jobs.update(stage="storing")
    expect(bar(page, "Customer value progress")).to_have_attribute("value", "75")
    expect(page.get_by_text("Storing customer values")).to_be_visible()
    assert page.evaluate(STILL_SAME_PAGE)

    fit = clv_fit_run(business=business_a)  # no purchases: a fit that says so
    jobs.update(status="done", fit=fit, finished_at=timezone.now())
    expect(page.locator("#clv-fit-status")).to_have_text("Done")
    expect(page.get_by_text("No purchases yet.")).to_be_visible()
    expect(page.get_by_role("button", name="Recalculate customer value")).to_be_visible()
    watched.snap("progress-clv-done")
    watched.assert_clean()


def test_starting_a_customer_value_fit_in_the_browser(page_as, alice, business_a):
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    page.goto("/dashboard/customer-value/")
    page.get_by_role("button", name="Recalculate customer value").click()
    # Tasks run in-process here, so the fit is over by the time the page comes back.
    expect(page.locator("#clv-fit-status")).to_have_text("Done")
    expect(bar(page, "Customer value progress")).to_have_attribute("value", "100")
    assert ClvFitJob.objects.get(business=business_a).status == "done"
    watched.snap("progress-clv-started")
    watched.assert_clean()


def test_a_csv_import_through_the_browser_ends_with_its_counts(page_as, alice, business_a):
    watched = page_as(alice)
    page = watched.page
    page.goto("/customers/import/")
    page.get_by_label("CSV file from your till or shop system").set_input_files(
        files=[{
            "name": "till.csv", "mimeType": "text/csv",
            "buffer": b"order_id,date,name,email,amount\n"
                      b"A-1,2024-03-05,Ada,ada@example.com,12.50\n"
                      b"A-2,2024-03-06,Bo,bo@example.com,7.00\n"
                      b"A-3,2024-03-07,Cy,cy@example.com,-3\n",
        }]
    )  # fmt: skip
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-job-status")).to_have_text("Done")
    expect(bar(page, "Import progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("3 of 3 rows")).to_be_visible()
    expect(page.locator("#count-taken")).to_have_text("2")
    expect(page.locator("#count-refused")).to_have_text("1")
    watched.snap("progress-import-real-done")
    watched.assert_clean()
