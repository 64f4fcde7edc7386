"""The follow-ups list in a real browser: on the narrowest phone each case is a block of
labelled lines, so neither the page nor the list scrolls sideways; on a desktop it is a
table. The summary cards above it stand in line at both widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from feedback.models import CaseReason, CaseStatus, FollowUpCase
from tests.e2e.conftest import SMALL_PHONE, horizontal_overflow
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
LONG_NAME = "Maximiliana Konstantinopoulou-Vanderbilt"


@pytest.fixture
def cases(alice, business_a, business_b):
    """Three of business A's cases (one overdue, long words everywhere) and one of B's."""
    now = timezone.now()
    for n, (reason, status, due) in enumerate([
        (CaseReason.STAFF_FLAG, CaseStatus.OPEN, now - timedelta(days=2)),
        (CaseReason.NEGATIVE_COMMENT, CaseStatus.CONTACTED, now + timedelta(days=1)),
        (CaseReason.DETRACTOR, CaseStatus.OPEN, now + timedelta(days=2)),
    ]):  # fmt: skip
        customer = CustomerFactory(business=business_a, name=f"{LONG_NAME} {n}")
        FollowUpCase.objects.create(
            business=business_a, reason=reason, status=status, customer=customer,
            assignee=alice, due_at=due,
        )  # fmt: skip
    FollowUpCase.objects.create(
        business=business_b, reason=CaseReason.DETRACTOR, due_at=now,
        customer=CustomerFactory(business=business_b, name="Secret Sam"),
    )  # fmt: skip


def open_list(page: Page) -> None:
    reply = page.goto("/cases/")
    assert reply is not None and reply.status == 200


def card_tops(page: Page) -> list[float]:
    return page.locator(".summary-grid > .card").evaluate_all(
        "cards => cards.map(c => c.getBoundingClientRect().top)"
    )


def test_the_list_fits_a_phone_as_labelled_blocks(page_as, alice, cases):
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    open_list(page)
    expect(page.locator("tbody tr")).to_have_count(3)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert horizontal_overflow(page) == 0
    scroll_width, client_width = page.locator(".table-wrap").evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    assert scroll_width <= client_width, "the list scrolls sideways inside its box"
    first = page.locator("tbody tr").first
    expect(first.locator("td[data-label='Due']")).to_contain_text("Overdue")
    expect(first.locator("td[data-label='Customer']")).to_have_text(f"{LONG_NAME} 0")
    # The header row is there for screen readers, not shown: each cell names itself.
    expect(page.locator("thead")).to_have_css("position", "absolute")
    # Two cards a row: the first ("Open") level with the second, the third with the fourth.
    tops = card_tops(page)
    assert len(tops) == 4 and tops[0] == tops[1] and tops[2] == tops[3] and tops[2] > tops[0]
    watched.snap("cases-list-375")
    watched.assert_clean()


def test_the_list_is_a_table_on_a_desktop_under_cards_in_one_row(page_as, alice, cases):
    watched = page_as(alice, viewport=DESKTOP)
    page = watched.page
    open_list(page)
    expect(page.locator("thead")).to_be_visible()
    assert horizontal_overflow(page) == 0
    assert len(set(card_tops(page))) == 1, "the summary cards are out of line"
    watched.snap("cases-list-1280")
    watched.assert_clean()


def test_an_outsider_sees_none_of_the_cases(page_as, charlie, cases):
    watched = page_as(charlie, viewport=SMALL_PHONE)
    page = watched.page
    open_list(page)
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(LONG_NAME)
    case = FollowUpCase.objects.exclude(business=charlie.memberships.get().business).first()
    reply = page.goto(f"/cases/{case.uuid}/")
    assert reply is not None and reply.status == 404
