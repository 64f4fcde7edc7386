"""Answering a one-star review in a real browser: the suggested draft, the empathy checks
updating as the owner types, posting it back to the site (the local Google server),
the reviewer's text shown as text, nothing fetched from elsewhere, a phone-sized screen
and an outsider who gets 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cxplatform.vault import encrypt
from reputation.models import Provider, ReplyStatus, Review
from reputation.providerserver import SiteReview
from tests.e2e.conftest import PHONE, horizontal_overflow
from tests.reputation.conftest import SITE_IDS, SITE_SECRETS
from tests.reputation.factories import ReviewFactory, ReviewSourceFactory, scored

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)> Waited 40 minutes and the staff were rude."


@pytest.fixture
def one_star(business_a, provider_server):
    provider_server.put_reviews(
        Provider.GOOGLE, SITE_IDS[Provider.GOOGLE], [SiteReview(id="g-1", rating=1, text=HOSTILE)]
    )
    source = ReviewSourceFactory(
        business=business_a,
        provider=Provider.GOOGLE,
        external_id=SITE_IDS[Provider.GOOGLE],
        base_url=provider_server.url,
        secrets_encrypted=encrypt(SITE_SECRETS[Provider.GOOGLE]),
    )
    review = ReviewFactory(
        business=business_a, source=source, external_id="g-1", rating=1, text=HOSTILE,
        author_name="Dana Q.",
    )  # fmt: skip
    return scored(review, "negative", -0.7, aspects={"wait": -0.6, "staff": -0.7})


def test_the_owner_writes_an_empathetic_reply_and_posts_it(
    page_as, alice, one_star, provider_server, live_server
):
    watched = page_as(alice)
    page = watched.page
    page.goto(f"/reviews/{one_star.uuid}/")

    expect(page.locator(".comment__text, .insight__text").first).to_contain_text("<img src=x")
    box = page.locator("#reply-form textarea[name=text]")
    expect(box).to_contain_text("Dana")  # the suggested draft names the reviewer

    box.fill("You should have come earlier, it is not our fault.")
    missing = page.locator("#empathy li")
    expect(missing.locator("xpath=self::*[@data-key='defensive']")).to_have_count(1)
    expect(missing.locator("xpath=self::*[@data-key='next_step']")).to_have_count(1)

    box.fill(
        "Dana, thank you for telling us, and I am sorry: waiting 40 minutes and meeting rude "
        "staff is frustrating. We have added a second barista at the busy hours. Please "
        "write to me at alice@bluebird.test so I can put it right."
    )
    expect(page.locator("#empathy")).to_contain_text("Acknowledges their feelings")
    expect(missing).to_have_count(0)

    page.get_by_role("button", name="Post reply on").click()
    expect(page.locator("#reply-heading")).to_have_text("Your reply")
    one_star.refresh_from_db()
    assert one_star.reply_status == ReplyStatus.POSTED
    posted = provider_server.replies[(Provider.GOOGLE, SITE_IDS[Provider.GOOGLE], "g-1")]
    assert posted.startswith("Dana, thank you for telling us")
    watched.assert_clean()


def test_the_review_page_fits_a_phone(page_as, alice, one_star):
    watched = page_as(alice, viewport=PHONE)
    page = watched.page
    page.goto(f"/reviews/{one_star.uuid}/")
    assert page.viewport_size == PHONE
    assert horizontal_overflow(page) == 0
    watched.assert_clean()


def test_an_outsider_gets_404(page_as, charlie, business_b, one_star):
    page = page_as(charlie).page
    reply = page.goto(f"/reviews/{one_star.uuid}/")
    assert reply.status == 404
    assert Review.objects.get(pk=one_star.pk).reply_status == ReplyStatus.NONE
