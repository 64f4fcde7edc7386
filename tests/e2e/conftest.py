"""A headless Chromium for the browser tests, and pages signed in on the live server that
record what a test must refuse: console errors, uncaught exceptions, dialogs and requests
to anywhere but the app itself."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e import CHROMIUM
from tests.reputation.conftest import provider_server  # noqa: F401 - a fixture for test_reviews

# Generous for a busy two-core machine, but finite: a hung page fails instead of waiting.
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser per module; each test gets fresh contexts (cookies, storage) from it.

    Playwright's sync API keeps an asyncio loop running in this thread while it is
    started, so Django would refuse the test's own ORM calls (fixtures, the database
    flush) as "async unsafe". They are safe here: the loop only waits on the browser.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox"], headless=True, timeout=TIMEOUT_MS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Watched:
    """A page and what it did that no page of the app may do."""

    page: Page
    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def watch(self) -> Watched:
        page = self.page
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self.on_dialog)
        page.on("request", lambda request: self.requests.append(request.url))
        return self

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def assert_clean(self) -> None:
        assert self.console_errors == [], "console errors"
        assert self.page_errors == [], "uncaught exceptions"
        assert self.dialogs == [], "a script opened a dialog"
        assert self.requests, "no request was recorded at all"
        elsewhere = [url for url in self.requests if not url.startswith(f"{self.origin}/")]
        assert elsewhere == [], "requests to anywhere but the app (a CDN?)"


def session_cookie(user, url: str) -> dict:
    """A signed-in session for `user`, as a cookie the browser sends to `url`."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": url}


@pytest.fixture
def page_as(browser, live_server) -> Iterator[Callable[..., Watched]]:
    """page_as(user, viewport=None): a watched page in a fresh context signed in as user."""
    contexts: list[BrowserContext] = []

    def make(user, *, viewport: dict | None = None) -> Watched:
        context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=viewport)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.add_cookies([session_cookie(user, live_server.url)])
        return Watched(page=context.new_page(), origin=live_server.url).watch()

    yield make
    for context in contexts:
        context.close()
