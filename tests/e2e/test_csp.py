"""The content security policy in a real browser: the pages load and draw everything
they draw without a single violation (the browser fires `securitypolicyviolation` and
logs "Refused to ..." for each), the API docs work under it, and the survey embed may be
framed by exactly the sites the business listed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from journeys.rollups import local_today
from tests.e2e.conftest import TIMEOUT_MS, Watched
from tests.metrics.test_kpi_api import Said
from tests.reputation.factories import ReviewFactory, scored

pytestmark = pytest.mark.browser

# Collects every violation the page reports, from before its first script runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""
# Tones heard at three touchpoints, so the journey map has a curve to draw.
TONES = {"visit": (0.6, 0.2), "purchase": (0.1, -0.3), "support": (-0.8, -0.5)}


@pytest.fixture
def heard_a(business_a):
    """Answers, interactions and reviews enough for every chart to be drawn."""
    said, today = Said(business_a), local_today(business_a)
    for key, tones in TONES.items():
        survey = said.survey_at(key, f"At {key}")
        for days_ago, tone in enumerate(tones, start=1):
            said.response(today - timedelta(days=days_ago), survey=survey, nps=9, tone=tone)
    for days_ago in range(1, 20, 3):
        said.response(today - timedelta(days=days_ago), nps=days_ago % 11, tone=0.3)
    said.interaction(today - timedelta(days=2), tone=-0.4)
    return scored(ReviewFactory(business=business_a, rating=2), "negative", -0.5)


def recording(watched: Watched) -> Watched:
    watched.page.add_init_script(RECORD_VIOLATIONS)
    return watched


@pytest.fixture
def visitor(browser, live_server) -> Iterator[Watched]:
    """A customer's browser: not signed in."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    yield recording(Watched(page=context.new_page(), origin=live_server.url).watch())
    context.close()


def violations(watched: Watched) -> list[str]:
    page_reported = watched.page.evaluate("window.__cspViolations")
    logged = [m for m in watched.console_errors if "Content Security Policy" in m]
    return page_reported + logged


def open_page(page: Page, path: str) -> None:
    reply = page.goto(path)
    assert reply is not None and reply.status == 200, path
    assert "default-src 'self'" in reply.headers["content-security-policy"]


# What shows that each page's scripts ran: the charts they draw, the checks they show.
DRAWN = {
    "/dashboard/": "figure.trend__chart svg.trend__svg circle",
    "/journeys/": "figure.journey-chart svg.journey-chart__svg circle",
}


def test_the_owner_pages_load_and_draw_without_a_violation(page_as, alice, heard_a):
    """The dashboard, the journey map and the review inbox, then a review's reply page
    with its empathy check following the typing: each page's scripts run, and the
    browser reports nothing."""
    watched = recording(page_as(alice))
    page = watched.page
    for path in ["/dashboard/", "/journeys/", "/reviews/"]:
        open_page(page, path)
        if path in DRAWN:
            expect(page.locator(DRAWN[path]).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert violations(watched) == [], path
    open_page(page, f"/reviews/{heard_a.uuid}/")
    page.locator("textarea").first.fill("Thank you, we are sorry about the wait.")
    page.wait_for_load_state("networkidle")
    assert violations(watched) == []
    watched.assert_clean()


def test_the_survey_loads_and_sends_without_a_violation(visitor, survey_a):
    open_page(visitor.page, f"/s/{survey_a.uuid}/")
    visitor.page.locator("input[type=radio][value='9']").first.check()
    visitor.page.wait_for_load_state("networkidle")
    assert violations(visitor) == []
    visitor.assert_clean()


def test_the_api_docs_work_under_the_policy(page_as, alice, business_a):
    watched = recording(page_as(alice))
    open_page(watched.page, "/api/docs/")
    expect(watched.page.locator(".swagger-ui .info .title")).to_contain_text("CX Platform API")
    expect(watched.page.locator(".opblock").first).to_be_visible()
    assert violations(watched) == []
    watched.assert_clean()


def test_the_check_sees_a_violation_when_there_is_one(page_as, alice, heard_a, settings):
    """The detector itself: without style-src-attr the dashboard's bars break the policy."""
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives.pop("style-src-attr")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    watched = recording(page_as(alice))
    open_page(watched.page, "/dashboard/")
    watched.page.wait_for_load_state("networkidle")
    assert any(v.startswith("style-src-attr") for v in violations(watched))


# --- The survey embed on the business's own site -----------------------------------


class ShopPage(BaseHTTPRequestHandler):
    """The business's website: one page that frames the survey."""

    embed_url = ""

    def do_GET(self):
        body = f'<!doctype html><title>Shop</title><iframe src="{self.embed_url}"></iframe>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def shop_site() -> Iterator[str]:
    """Another origin than the app (127.0.0.1 on its own port; the app is on localhost)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def framed_survey(browser, live_server, shop: str, survey) -> tuple[Page, list[str]]:
    ShopPage.embed_url = f"{live_server.url}/s/{survey.uuid}/embed/"
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(shop)
    page.wait_for_load_state("networkidle")
    return page, console


def test_a_listed_site_may_frame_the_survey(browser, live_server, shop_site, survey_a):
    survey_a.embed_origins = [shop_site]
    survey_a.save()
    page, console = framed_survey(browser, live_server, shop_site, survey_a)
    try:
        expect(page.frame_locator("iframe").locator("form")).to_be_visible()
        assert [m for m in console if "frame-ancestors" in m] == []
    finally:
        page.context.close()


def test_a_site_not_listed_cannot_frame_the_survey(browser, live_server, shop_site, survey_a):
    survey_a.embed_origins = ["https://www.alices-cafe.example"]
    survey_a.save()
    page, console = framed_survey(browser, live_server, shop_site, survey_a)
    try:
        assert any("frame-ancestors" in m for m in console), console
        assert page.frames[1].locator("form").count() == 0
    finally:
        page.context.close()
