"""A headless Chromium for the browser tests, and pages signed in on the live server that
record what a test must refuse: console errors, uncaught exceptions, dialogs and requests
to anywhere but the app itself.

Artefacts (the README names the folder): every page a journey wants kept is saved by
`Watched.snap(name)` to test-artifacts/browser/pages/<name>.png, and when a test fails
each of its pages is saved to test-artifacts/browser/failures/<test>-<n>.png.
BROWSER_ARTEFACTS moves the folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e import CHROMIUM
from tests.reputation.conftest import provider_server  # noqa: F401 - a fixture for test_reviews

# Generous for a busy two-core machine, but finite: a hung page fails instead of waiting.
TIMEOUT_MS = 15_000
PHONE = {"width": 390, "height": 844}
# The narrowest phone the pages are made for (an iPhone SE / mini).
SMALL_PHONE = {"width": 375, "height": 667}
# What the issue asks of a system Chromium in a container: no sandbox, no GPU, and no
# background calls home (nothing may leave 127.0.0.1).
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTEFACTS = Path(
    os.environ.get("BROWSER_ARTEFACTS", Path(settings.BASE_DIR) / "test-artifacts" / "browser")
)

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
                executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True, timeout=TIMEOUT_MS
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

    def snap(self, name: str) -> Path:
        """Keep a full-page screenshot of what the page shows now, as a test artefact."""
        path = ARTEFACTS / "pages" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=path, full_page=True)
        return path

    def sign_in(self, email: str, password: str, *, snap: str = "") -> None:
        """Sign in through the form, as a person does (not with a session cookie); `snap`
        keeps the filled-in form as a screenshot."""
        page = self.page
        reply = page.goto("/accounts/login/")
        assert reply is not None and reply.status == 200
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        if snap:
            self.snap(snap)
        page.get_by_role("button", name="Sign in").click()

    def assert_clean(self) -> None:
        assert self.console_errors == [], "console errors"
        assert self.page_errors == [], "uncaught exceptions"
        assert self.dialogs == [], "a script opened a dialog"
        assert self.requests, "no request was recorded at all"
        elsewhere = [url for url in self.requests if not url.startswith(f"{self.origin}/")]
        assert elsewhere == [], "requests to anywhere but the app (a CDN?)"


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def session_cookie(user, url: str) -> dict:
    """A signed-in session for `user`, as a cookie the browser sends to `url`."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": url}


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test itself failed, for the fixtures' teardown to see."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


def screenshot_on_failure(request, pages: list[Page]) -> None:
    if not request.node.stash.get(FAILED, False):
        return
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid).strip("-")
    folder = ARTEFACTS / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(pages, start=1):
        if not page.is_closed():
            page.screenshot(path=folder / f"{stem}-{number}.png", full_page=True)


@pytest.fixture
def page_as(request, browser, live_server) -> Iterator[Callable[..., Watched]]:
    """page_as(user, viewport=None, **context_options): a watched page in a fresh context,
    signed in as `user`, or a customer who never signs in when `user` is None. When the
    test fails, every page it opened is saved as a screenshot."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(user, *, viewport: dict | None = None, **context_options) -> Watched:
        context = browser.new_context(
            base_url=live_server.url, locale="en-US", viewport=viewport, **context_options
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        if user is not None:
            context.add_cookies([session_cookie(user, live_server.url)])
        page = context.new_page()
        pages.append(page)
        return Watched(page=page, origin=live_server.url).watch()

    yield make
    screenshot_on_failure(request, pages)
    for context in contexts:
        context.close()
