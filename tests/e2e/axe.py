"""axe-core, run inside the page, for the accessibility checks (WCAG 2.1 A and AA rules).

axe-core comes inside the axe-playwright-python wheel from PyPI (pinned in pyproject), so
nothing is fetched from a CDN. It is injected through Playwright's evaluate, which the
page's Content-Security-Policy does not govern, so the page under test stays unchanged."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# The rules of WCAG 2.0 and 2.1, levels A and AA (axe's own tags).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# What the issue allows none of; "moderate" and "minor" findings are reported, not failed.
SERIOUS = {"serious", "critical"}

_axe = Axe()


def violations(page: Page, *, context: str | None = None) -> list[dict]:
    """Every WCAG 2.1 AA violation axe finds on the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    return _axe.run(page, context=context, options=options).response["violations"]


def serious_violations(page: Page, *, context: str | None = None) -> list[str]:
    """The serious and critical violations, one readable line per offending element."""
    return [
        f"{found['id']} ({found['impact']}): {found['help']} at {node['target']}"
        for found in violations(page, context=context)
        if found["impact"] in SERIOUS
        for node in found["nodes"]
    ]
