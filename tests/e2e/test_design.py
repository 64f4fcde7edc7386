"""The look of the signed-in app in a real browser: every page the owner reaches from the
nav, and the main detail pages, fit a 375 px phone and a 1280 px desktop without
scrolling sideways (a screenshot of each is kept); the nav folds behind a "Menu" the
keyboard can open on a phone and is plainly there on a desktop; the error pages wear the
same design with a heading and a way home; and axe finds no serious accessibility fault
on the dashboard or the other main pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import get_resolver
from playwright.sync_api import Page, expect

from customers.models import Customer
from feedback.cases.services import cases_open_for_interaction
from feedback.models import FollowUpCase, Interaction, InteractionChannel, Mood
from journeys.rollups import local_today
from tests.e2e.axe import serious_violations
from tests.e2e.conftest import SMALL_PHONE
from tests.metrics.test_kpi_api import Said
from tests.reputation.factories import ReviewFactory, scored

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
WIDTHS = (SMALL_PHONE, DESKTOP)
# Pages reached by URL rather than from the nav: the detail pages of the owner's data.
DETAIL_PAGES = ("customer", "interaction", "case", "review", "survey", "journey-map")


@dataclass
class Shop:
    """A business with a few weeks of answers, a customer, notes, a case and a review."""

    customer: Customer
    interaction: Interaction
    case: FollowUpCase
    review_uuid: str
    survey_uuid: str


@pytest.fixture
def shop(business_a, alice) -> Shop:
    said, today = Said(business_a), local_today(business_a)
    customer = Customer.objects.create(
        business=business_a, name="Dana Quinn", email="dana@example.net"
    )
    for week in range(6):
        for n, (nps, tone) in enumerate([(10, 0.7), (9, 0.4), (7, 0.1), (3, -0.6)]):
            day = today - timedelta(days=7 * week + n)
            said.response(day, nps=nps, csat=min(5, 1 + nps // 2), ces=5, tone=tone,
                          trust=(6, 5, 6, 4), customer=customer if n == 3 else None)  # fmt: skip
    said.interaction(today - timedelta(days=2), tone=0.5, customer=customer)
    flagged = Interaction.objects.create(
        business=business_a, channel=InteractionChannel.PHONE, customer=customer, staff=alice,
        mood=Mood.FRUSTRATED,
        note="Coffee was cold and nobody called back.", follow_up_needed=True,
    )  # fmt: skip
    cases_open_for_interaction(interaction=flagged)
    review = scored(
        ReviewFactory(business=business_a, rating=2, text="Slow service, cold coffee."),
        "negative", -0.6,
    )  # fmt: skip
    return Shop(
        customer=customer,
        interaction=flagged,
        case=FollowUpCase.objects.get(business=business_a),
        review_uuid=str(review.uuid),
        survey_uuid=str(said.survey.uuid),
    )


def detail_urls(shop: Shop) -> dict[str, str]:
    return {
        "customer": f"/customers/{shop.customer.uuid}/",
        "interaction": f"/interactions/{shop.interaction.uuid}/",
        "case": f"/cases/{shop.case.uuid}/",
        "review": f"/reviews/{shop.review_uuid}/",
        "survey": f"/surveys/{shop.survey_uuid}/",
        "journey-map": "/journeys/",
    }


def nav_urls(page: Page) -> dict[str, str]:
    """The main nav's links as the page offers them, named by their path."""
    links = page.locator("nav.nav a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return {name_of(href): href for href in hrefs}


def name_of(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def overflow(page: Page) -> tuple[int, int, list[str]]:
    """The document's width, the viewport's, and what sticks out past the right edge."""
    return page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
            Array.from(document.querySelectorAll("body *"))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .slice(0, 8)
              .map(e => e.tagName.toLowerCase() + (typeof e.className === "string" && e.className
                   ? "." + e.className.split(" ").join(".") : ""))]"""
    )


def visit(page: Page, url: str) -> None:
    reply = page.goto(url)
    assert reply is not None and reply.status == 200, f"{url} answered {reply and reply.status}"


# --- (a) Every page fits a phone and a desktop ----------------------------------------


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_every_signed_in_page_fits_the_screen_accessibly(page_as, alice, shop, viewport):
    """No page scrolls sideways, and axe finds no serious fault at either width (a table
    that scrolls inside its box on a phone must be reachable by keyboard)."""
    watched = page_as(alice, viewport=viewport)
    page, width = watched.page, viewport["width"]
    visit(page, "/dashboard/")
    pages = {**nav_urls(page), **detail_urls(shop)}
    assert len(pages) >= 12 + len(DETAIL_PAGES) - 1  # the nav's 12 links (journey twice)

    too_wide, faults = {}, {}
    for name, url in pages.items():
        visit(page, url)
        document_width, viewport_width, sticking_out = overflow(page)
        assert viewport_width == width
        if document_width > width:
            too_wide[url] = (document_width, sticking_out)
        if found := serious_violations(page):
            faults[url] = found
        watched.snap(f"design-{name}-{width}")
    assert too_wide == {}, "pages wider than the screen"
    assert faults == {}, "serious accessibility faults"
    watched.assert_clean()


def test_the_team_pages_controls_fit_a_phone_without_scrolling(page_as, alice, bob, mia):
    """On a phone each member is a block with its labels, and every control is in view:
    nothing in the members' box needs a sideways scroll."""
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    visit(page, "/accounts/team/")
    boxes = page.locator(".table-wrap")
    assert boxes.count() >= 1
    for box in boxes.all():
        scroll_width, client_width = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll_width <= client_width
    member = page.locator(f"#member-{bob_membership_uuid(bob)}")
    for control in [member.get_by_label("Role"), member.get_by_role("button", name="Remove")]:
        left, right = control.evaluate(
            "e => [e.getBoundingClientRect().left, e.getBoundingClientRect().right]"
        )
        assert left >= 0 and right <= SMALL_PHONE["width"]
    expect(member.locator("td[data-label='Role']")).to_have_text("Staff")
    watched.snap("design-team-stacked-375")
    watched.assert_clean()


def bob_membership_uuid(bob) -> str:
    return str(bob.memberships.get().uuid)


# --- (b) The nav: a Menu on a phone, a row of links on a desktop ----------------------


def test_the_phone_menu_opens_with_the_keyboard(page_as, alice, shop):
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    visit(page, "/customers/")
    nav = page.get_by_role("navigation", name="Main")
    customers = nav.get_by_role("link", name="Customers")
    expect(customers).to_be_hidden()

    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    menu = page.locator("summary", has_text="Menu")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")

    expect(customers).to_be_visible()
    expect(customers).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Dashboard")).to_be_focused()
    for link in nav.get_by_role("link").all():
        expect(link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    watched.assert_clean()


def test_the_desktop_nav_is_one_row_without_a_menu(page_as, alice, shop):
    watched = page_as(alice, viewport=DESKTOP)
    page = watched.page
    visit(page, "/dashboard/")
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links).to_have_count(12)
    tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
    assert len(tops) == 1, f"the nav wraps onto {len(tops)} rows"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    watched.assert_clean()


# --- (c) Error pages -------------------------------------------------------------------


def assert_error_page(watched, heading: str) -> None:
    page = watched.page
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    home = page.get_by_role("link", name="Back to start")
    expect(home).to_have_attribute("href", "/")
    expect(home).to_have_class(re.compile(r"\bbutton\b"))
    # In the design: the app's stylesheet loaded and laid the card out.
    radius = page.locator(".error-page").evaluate("e => getComputedStyle(e).borderRadius")
    assert radius == "10px"
    watched.assert_clean()


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_the_404_page_is_in_the_design(page_as, charlie, business_b, shop, viewport):
    # Another business's customer: as real a missing page as there is.
    watched = page_as(charlie, viewport=viewport)
    reply = watched.page.goto(f"/customers/{shop.customer.uuid}/")
    assert reply is not None and reply.status == 404
    watched.snap(f"design-404-{viewport['width']}")
    # The 404 is a page that fails by design: its console line is the browser's own.
    watched.console_errors = [e for e in watched.console_errors if "404" not in e]
    assert_error_page(watched, "We could not find that page")


def test_the_403_page_is_in_the_design(page_as, bob, shop):
    watched = page_as(bob, viewport=SMALL_PHONE)  # staff may not see the dashboard
    reply = watched.page.goto("/dashboard/")
    assert reply is not None and reply.status == 403
    watched.snap("design-403-375")
    watched.console_errors = [e for e in watched.console_errors if "403" not in e]
    assert_error_page(watched, "This page is not open to your role")
    watched.page.locator("summary", has_text="Menu").click()  # sign-out stays reachable
    expect(watched.page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_500_page_is_in_the_design_without_a_request_context(page_as, live_server):
    # The project's own handler, called as Django calls it: no user, no middleware.
    handler = get_resolver().resolve_error_handler(500)
    reply = handler(RequestFactory().get("/somewhere/"))
    assert reply.status_code == 500
    html = reply.content.decode()
    assert "current_membership" not in html and "{%" not in html

    watched = page_as(None, viewport=SMALL_PHONE)
    page = watched.page
    # The browser receives exactly that HTML at a URL of the app, so its stylesheet loads.
    page.route(f"{live_server.url}/broken/", lambda route: route.fulfill(
        status=500, content_type="text/html; charset=utf-8", body=html))  # fmt: skip
    page.goto("/broken/")
    watched.snap("design-500-375")
    watched.console_errors = [e for e in watched.console_errors if "500" not in e]
    assert_error_page(watched, "Something went wrong on our side")


# --- (d) Accessibility -------------------------------------------------------------------


def test_the_dashboard_has_no_serious_accessibility_fault(page_as, alice, shop):
    watched = page_as(alice, viewport=DESKTOP)
    visit(watched.page, "/dashboard/")
    expect(watched.page.locator("figure.trend__chart svg.trend__svg")).to_be_visible()
    assert serious_violations(watched.page) == []
    watched.page.set_viewport_size(SMALL_PHONE)
    watched.page.locator("summary", has_text="Menu").click()
    assert serious_violations(watched.page) == []
    watched.assert_clean()


@pytest.mark.parametrize("name", DETAIL_PAGES)
def test_the_main_pages_have_no_serious_accessibility_fault(page_as, alice, shop, name):
    watched = page_as(alice, viewport=DESKTOP)
    visit(watched.page, detail_urls(shop)[name])
    assert serious_violations(watched.page) == []
    watched.assert_clean()


def test_an_outsider_cannot_see_the_shops_pages(page_as, charlie, business_b, shop):
    watched = page_as(charlie, viewport=DESKTOP)
    for url in detail_urls(shop).values():
        if url == "/journeys/":
            continue  # everyone has a journey map: their own
        reply = watched.page.goto(url)
        assert reply is not None and reply.status == 404, url
