"""End-to-end tests in a real headless browser (marked `browser`)."""

# Debian's Chromium: the browser tests drive it and never let Playwright download one.
CHROMIUM = "/usr/bin/chromium"
