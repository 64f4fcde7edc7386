"""The README's pictures, taken from the demo café (`make screenshots`).

Builds the demo in a throw-away SQLite database, serves it with the review sites'
stand-in, and photographs the survey (as a customer on a phone and on a desktop), the
dashboard, the journey map and the review inbox with Debian's Chromium. The browser
tests keep their own screenshots of every page they pass in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OWNER = ("owner@bluebird.demo", "bluebird-demo-owner")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str) -> None:
    for _ in range(60):
        try:
            urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the demo server did not start at {url}")


def photograph(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        owner = browser.new_context(base_url=base, viewport=DESKTOP, locale="en-US")
        page = owner.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("E-mail").fill(OWNER[0])
        page.get_by_label("Password").fill(OWNER[1])
        page.get_by_role("button", name="Sign in").click()
        page.goto("/dashboard/")
        page.locator("figure.trend__chart svg circle").first.wait_for()
        page.screenshot(path=OUT / "dashboard.png")
        survey_path = page.locator('main a[href^="/s/"]').first.get_attribute("href")
        page.goto("/journeys/")
        page.screenshot(path=OUT / "journey-map.png")
        page.goto("/reviews/")
        page.screenshot(path=OUT / "review-inbox.png")
        customer = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True)
        survey = customer.new_page()
        survey.goto(f"{base}{survey_path}")
        survey.screenshot(path=OUT / "survey-phone.png", full_page=True)
        browser.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "OUTBOUND_ALLOW_LOOPBACK": "true",
        }
        env.pop("CELERY_BROKER_URL", None)  # tasks in-process, like `make demo`
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        port = free_port()
        sites = subprocess.Popen(
            [sys.executable, "manage.py", "review_provider_server"], cwd=ROOT, env=env
        )
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            time.sleep(2)
            manage(env, "poll_review_sources")
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/accounts/login/")
            photograph(base)
        finally:
            server.terminate()
            sites.terminate()
            server.wait()
            sites.wait()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
