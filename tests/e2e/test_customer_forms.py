"""Forms around a customer, in the browser: every wrong field of a purchase is marked, not
only some; a customer picked on the logging form stays visibly picked when the form comes
back with an error (keyboard only, on a phone); and Delete on a customer's page asks first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from feedback.models import Interaction
from tests.e2e.conftest import PHONE, horizontal_overflow

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
NEGATIVE = "rgb(179, 38, 30)"  # --negative in app.css


@pytest.fixture
def dana(business_a) -> Customer:
    return Customer.objects.create(business=business_a, name="Dana Quinn", email="dana@example.net")


def test_every_wrong_field_of_a_purchase_is_marked(page_as, alice, dana):
    watched = page_as(alice, viewport=DESKTOP)
    page = watched.page
    page.goto(f"/customers/{dana.uuid}/")
    page.get_by_label("Amount").fill("-5")
    page.get_by_label("Currency").fill("E1")
    page.get_by_role("button", name="Save purchase").click()
    for label in ("When", "Amount", "Currency"):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_css("border-top-color", NEGATIVE)
    expect(page.get_by_label("Amount")).to_have_value("-5")
    watched.snap("customer-purchase-errors")


def test_a_picked_customer_stays_picked_after_an_error(page_as, bob, dana):
    watched = page_as(bob, viewport=PHONE)
    page = watched.page
    page.goto("/interactions/new/")
    search = page.get_by_label("Find a customer")
    search.focus()
    page.keyboard.type("dana")
    page.keyboard.press("Enter")
    expect(page.locator(".picker__option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chosen = page.locator("#customer-chosen")
    expect(chosen).to_have_text("✓ Dana Quinn · dana@example.net")
    # Sent without "What happened": the form comes back, the customer still chosen.
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(chosen).to_have_text("✓ Dana Quinn · dana@example.net")
    assert horizontal_overflow(page) == 0
    watched.snap("staff-picked-customer-after-error")
    page.get_by_label("What happened").fill("Asked for the oat latte again.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{watched.origin}/interactions/")
    assert Interaction.objects.get().customer == dana
    # Not assert_clean: the form sent back with an error is a 400, which the console notes.
    assert watched.page_errors == [] and watched.dialogs == []


def test_delete_asks_before_removing_a_customer(page_as, alice, dana):
    watched = page_as(alice, viewport=DESKTOP)
    page = watched.page
    page.goto(f"/customers/{dana.uuid}/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this customer?")
    assert Customer.objects.filter(pk=dana.pk).exists()
    page.get_by_role("link", name="Keep the customer").click()
    expect(page).to_have_url(f"{watched.origin}/customers/{dana.uuid}/")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete for good").click()
    expect(page).to_have_url(f"{watched.origin}/customers/")
    expect(page.get_by_role("status")).to_contain_text("Customer deleted.")
    assert not Customer.objects.filter(pk=dana.pk).exists()
    watched.assert_clean()
