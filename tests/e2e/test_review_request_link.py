"""The review-request e-mail's link on a customer's phone: the page it opens is the
business's, accessible, and counts nothing until the customer taps the button, which
takes them to the site's review page."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from reputation.models import ReviewRequest
from reputation.sources.services import source_create
from tests.e2e.axe import serious_violations
from tests.e2e.conftest import SMALL_PHONE, horizontal_overflow

pytestmark = pytest.mark.browser

REVIEW_PAGE = "https://g.page/r/alices-cafe/review"


@pytest.fixture
def review_request(business_a) -> ReviewRequest:
    google = source_create(
        business=business_a, provider="manual",
        values={"name": "Google", "review_page_url": REVIEW_PAGE},
    )  # fmt: skip
    customer = Customer.objects.create(
        business=business_a, name="Ann", email="ann@example.net", consent_to_contact=True
    )
    return ReviewRequest.objects.create(
        business=business_a, customer=customer, source=google, token="t" * 43
    )


def test_the_customer_taps_through_to_the_review_site_and_only_the_tap_counts(
    page_as, review_request
):
    watched = page_as(None, viewport=SMALL_PHONE)
    page = watched.page
    # The review site is not on this machine: the browser is answered in its place.
    page.route(REVIEW_PAGE, lambda route: route.fulfill(body="<h1>Google reviews</h1>",
                                                        content_type="text/html"))  # fmt: skip

    page.goto(f"/reviews/r/{review_request.token}")
    expect(page.get_by_role("heading", name="Thank you for choosing Alice's Café")).to_be_visible()
    assert serious_violations(page) == []
    assert horizontal_overflow(page) == 0
    watched.snap("review-request-link")
    review_request.refresh_from_db()
    assert review_request.clicked_at is None

    page.get_by_role("link", name="Write a review on Google").click()
    expect(page.get_by_role("heading", name="Google reviews")).to_be_visible()
    assert page.url == REVIEW_PAGE
    assert clicked_within(review_request, seconds=5)


def clicked_within(review_request: ReviewRequest, seconds: float) -> bool:
    """The beacon is sent as the page goes: it lands shortly after, not before."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        review_request.refresh_from_db()
        if review_request.clicked_at is not None:
            return True
        time.sleep(0.1)
    return False
