"""Journey 1: a customer answers the survey embedded on the business's own website.

The owner lists the website on the survey's Share page and copies the snippet from it;
the website (another origin: 127.0.0.1 on its own port, the app being on localhost)
carries the snippet exactly as copied. The customer opens the "Give feedback" button,
answers inside the frame and is thanked there; the answer is stored and its comment
scored. A website the owner did not list carries the same snippet and gets nothing: the
browser refuses to draw the survey in its frame (CSP frame-ancestors)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Answer, Channel, QuestionKind, Response
from tests.e2e.conftest import Watched

pytestmark = pytest.mark.browser

NPS_PROMPT = "How likely are you to recommend Alice's Café to a friend or colleague?"
COMMENT = "Rude staff and the coffee was cold: an awful visit."


@pytest.fixture(autouse=True)
def people_can_be_quick(settings):
    """A script answers faster than the two seconds that tell a person from a bot."""
    settings.PUBLIC_FORM_MIN_SECONDS = 0


@dataclass
class Website:
    """A business's own website: one page, whose HTML the test sets."""

    url: str
    html: str = ""


def website_handler(site: Website) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = site.html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def serve_website() -> Iterator[Website]:
    site = Website(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), website_handler(site))
    site.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture
def alices_website() -> Iterator[Website]:
    yield from serve_website()


@pytest.fixture
def strangers_website() -> Iterator[Website]:
    yield from serve_website()


def page_with(snippet: str, name: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><h1>{name}</h1><p>Fresh coffee every morning.</p>\n{snippet}\n</body></html>"
    )


def owner_lists_site_and_copies_snippet(page_as, alice, survey, site: Website) -> str:
    """On the Share page, as the owner does it: list the website, save, copy the snippet."""
    owner = page_as(alice)
    page = owner.page
    page.goto(f"/surveys/{survey.uuid}/share/")
    page.get_by_label("Websites allowed to show this survey (one per line)").fill(site.url)
    page.get_by_role("button", name="Save sites").click()
    expect(page.get_by_label("Websites allowed to show this survey (one per line)")).to_have_value(
        site.url
    )
    snippet = page.locator("#embed-snippet").text_content()
    owner.assert_clean()
    page.context.close()
    return snippet


def visitor(browser, url: str) -> Watched:
    """A customer's browser on a page outside the app; `origin` is the website's."""
    context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 900})
    return Watched(page=context.new_page(), origin=url).watch()


def origins(requests: list[str]) -> set[str]:
    return {f"{part.scheme}://{part.netloc}" for part in map(urlsplit, requests)}


def open_survey_panel(page: Page):
    page.get_by_role("button", name="Give feedback").click()
    expect(page.get_by_role("button", name="Give feedback")).to_have_attribute(
        "aria-expanded", "true"
    )
    # The widget's frame is titled, so a screen reader can say what it holds.
    return (
        page.get_by_role("dialog", name="Give feedback")
        .get_by_title("Feedback survey")
        .content_frame
    )


def test_a_customer_answers_the_survey_on_the_business_website(
    page_as, alice, survey_a, alices_website, browser, live_server
):
    snippet = owner_lists_site_and_copies_snippet(page_as, alice, survey_a, alices_website)
    assert snippet == (
        f'<script src="{live_server.url}/static/feedback/widget.js" '
        f'data-survey="{survey_a.uuid}" async></script>'
    )
    alices_website.html = page_with(snippet, "Alice's Café")

    customer = visitor(browser, alices_website.url)
    page = customer.page
    try:
        page.goto(alices_website.url)
        survey = open_survey_panel(page)
        expect(survey.get_by_role("radiogroup", name=NPS_PROMPT)).to_be_visible()
        customer.snap("customer-embedded-1-host-page")

        survey.get_by_role("radio", name="3 out of 10").check()
        survey.get_by_role("textbox", name="What is the main reason for your score?").fill(COMMENT)
        survey.get_by_role("button", name="Send").click()
        expect(survey.get_by_role("heading", name="Thank you!")).to_be_visible()
        customer.snap("customer-embedded-2-thanks")

        assert customer.console_errors == [] and customer.page_errors == []
        assert customer.dialogs == []
        assert origins(customer.requests) == {alices_website.url, live_server.url}
    finally:
        page.context.close()

    response = Response.objects.get(survey=survey_a)
    assert response.channel == Channel.EMBED
    answers = {a.question.kind: a for a in Answer.objects.filter(response=response)}
    assert set(answers) == {QuestionKind.NPS, QuestionKind.TEXT}
    assert answers[QuestionKind.NPS].number == 3
    assert answers[QuestionKind.TEXT].text == COMMENT
    assert answers[QuestionKind.TEXT].sentiment_label == "negative"


def test_a_website_the_owner_did_not_list_gets_an_empty_frame(
    page_as, alice, survey_a, alices_website, strangers_website, browser, live_server
):
    snippet = owner_lists_site_and_copies_snippet(page_as, alice, survey_a, alices_website)
    strangers_website.html = page_with(snippet, "Someone else's shop")

    stranger = visitor(browser, strangers_website.url)
    page = stranger.page
    try:
        page.goto(strangers_website.url)
        embed_url = f"{live_server.url}/s/{survey_a.uuid}/embed/"
        with page.expect_response(embed_url) as served:
            frame = open_survey_panel(page)
        policy = served.value.headers["content-security-policy"]
        assert f"frame-ancestors {alices_website.url}" in policy
        page.wait_for_load_state("networkidle")
        expect(frame.locator("form")).to_have_count(0)
        framed = page.frames[1]
        assert framed.url.startswith("chrome-error://") or framed.url == "about:blank"
        assert any("frame-ancestors" in error for error in stranger.console_errors)
        stranger.snap("customer-embedded-3-refused")
        assert origins(stranger.requests) == {strangers_website.url, live_server.url}
    finally:
        page.context.close()
    assert not Response.objects.exists()


def test_the_widget_opens_and_closes_from_the_keyboard(
    page_as, alice, survey_a, alices_website, browser
):
    snippet = owner_lists_site_and_copies_snippet(page_as, alice, survey_a, alices_website)
    alices_website.html = page_with(snippet, "Alice's Café")
    customer = visitor(browser, alices_website.url)
    page = customer.page
    try:
        page.goto(alices_website.url)
        button = page.get_by_role("button", name="Give feedback")
        expect(button).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("Tab")
        expect(button).to_be_focused()
        page.keyboard.press("Enter")
        expect(button).to_have_attribute("aria-expanded", "true")
        survey = page.get_by_title("Feedback survey").content_frame
        expect(survey.get_by_role("radiogroup", name=NPS_PROMPT)).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()

        # Escape inside the survey (the keys go to the frame, not the page) closes it too,
        # and an answer half given is still there when it opens again. The answer is given
        # from the keyboard as well: a mouse click in a frame from another site, the moment
        # it is shown again, can reach the page before the frame (the browser routes it by
        # where the frame was last drawn), and the click is lost.
        page.keyboard.press("Enter")
        eight = survey.get_by_role("radio", name="8 out of 10")
        eight.focus()
        page.keyboard.press("Space")
        expect(eight).to_be_checked()
        expect(eight).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()
        page.keyboard.press("Enter")
        expect(survey.get_by_role("radio", name="8 out of 10")).to_be_checked()
        assert customer.console_errors == [] and customer.page_errors == []
    finally:
        page.context.close()
