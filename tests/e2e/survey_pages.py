"""What the survey's browser tests share: the checks on a customer's page."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import Watched


def assert_clean_but_refused(watched: Watched) -> None:
    """Watched.assert_clean(), knowing that a form sent back with problems comes back as
    400 Bad Request, which Chromium logs as a console error."""
    watched.console_errors[:] = [e for e in watched.console_errors if not refused_form(e)]
    watched.assert_clean()


def refused_form(console_error: str) -> bool:
    return "status of 400 (Bad Request)" in console_error and "/s/" in console_error


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
