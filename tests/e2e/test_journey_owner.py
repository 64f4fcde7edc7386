"""Journey 4, an owner at a desktop: signs in through the form, reads the dashboard's
charts, narrows the period and the channel and sees the figures follow, opens the journey
map, answers a one-star review from the inbox with the suggested draft while the empathy
checks react to what they type, and downloads the KPIs as CSV that say what the page says.

Every page it passes is kept as a screenshot (owner-1-..., for the README and CI)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Channel
from journeys.filters import DEFAULT_DAYS
from journeys.rollups import local_today
from tests.e2e.conftest import Watched
from tests.e2e.test_dashboard import (
    DOTS,
    chart_points,
    nps,
    nps_points,
    week_labels,
    whole,
    x_labels,
)
from tests.e2e.test_dashboard import Heard as DashboardHeard
from tests.e2e.test_dashboard import Voice as DashboardVoice
from tests.e2e.test_journey_map import CHART, mood, signed, stages_heard
from tests.e2e.test_reviews import one_star  # noqa: F401 - a fixture: Dana's one-star review
from tests.factories import TEST_PASSWORD
from tests.metrics.test_kpi_api import Said
from tests.reputation.factories import ReviewFactory, scored

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
LINK, QR = Channel.LINK, Channel.QR
# Survey responses: (days ago, NPS score, tone of the comment or None, channel, touchpoint).
# The last 30 days (the default period): 5 promoters, 3 detractors of 10, NPS 20.
# By QR code since the oldest: 1 promoter (9), 4 detractors (3, 2, 6, 4) of 5, NPS -60.
RESPONSES = (
    (1, 10, 0.6, LINK, "visit"), (2, 3, -0.5, QR, "support"), (3, 9, None, QR, "visit"),
    (5, 8, 0.4, LINK, "visit"), (8, 2, -0.7, QR, "support"), (9, 10, None, LINK, "visit"),
    (12, 9, 0.5, LINK, "visit"), (15, 6, None, QR, "visit"), (19, 10, 0.3, LINK, "visit"),
    (22, 7, None, LINK, "visit"), (40, 4, None, QR, "visit"), (45, 10, None, LINK, "visit"),
)  # fmt: skip
DEFENSIVE = "\nTo be fair, it is not our fault."
SVG_MARKS = "circle, path, rect, line, polyline, polygon"


@dataclass(frozen=True)
class Voice:
    day: date
    nps: int
    tone: float | None
    channel: str
    touchpoint: str


@dataclass(frozen=True)
class Heard:
    """What the fixture wrote, so the test computes its expectations from the rows."""

    today: date
    voices: tuple[Voice, ...]

    @property
    def oldest(self) -> date:
        return min(voice.day for voice in self.voices)

    def scores(self, first: date, channel: str = "") -> list[int]:
        return [
            voice.nps
            for voice in self.voices
            if first <= voice.day <= self.today and channel in ("", voice.channel)
        ]

    @property
    def default_first(self) -> date:
        return self.today - timedelta(days=DEFAULT_DAYS - 1)

    def as_dashboard(self, channel: str = "") -> DashboardHeard:
        """These rows as test_dashboard's Heard, to reuse its chart expectations."""
        voices = tuple(
            DashboardVoice(voice.day, voice.nps, voice.tone)
            for voice in self.voices
            if channel in ("", voice.channel)
        )
        return DashboardHeard(self.today, voices)

    def tones(self) -> dict[str, tuple[float, ...]]:
        """The comments' tones by touchpoint, as the journey map hears them."""
        tones: dict[str, list[float]] = {}
        for voice in self.voices:
            if voice.tone is not None:
                tones.setdefault(voice.touchpoint, []).append(voice.tone)
        return {key: tuple(values) for key, values in tones.items()}


@pytest.fixture
def heard_a(business_a, one_star) -> Heard:  # noqa: F811 - one_star is the imported fixture
    said, today = Said(business_a), local_today(business_a)
    surveys = {"visit": said.survey, "support": said.survey_at("support", "After a call")}
    voices = []
    for days_ago, score, tone, channel, touchpoint in RESPONSES:
        day = today - timedelta(days=days_ago)
        said.response(day, survey=surveys[touchpoint], nps=score, tone=tone, channel=channel)
        voices.append(Voice(day, score, tone, channel, touchpoint))
    # A happy review, for the inbox's rating filter to leave out.
    five_stars = ReviewFactory(
        business=business_a, source=one_star.source, external_id="g-2", rating=5,
        text="Best flat white in town, and such friendly staff.", author_name="Eli P.",
    )  # fmt: skip
    scored(five_stars, "positive", 0.8)
    return Heard(today, tuple(voices))


def sign_in(watched: Watched, email: str) -> None:
    watched.sign_in(email, TEST_PASSWORD)
    # Owners land on their dashboard.
    expect(watched.page).to_have_url(f"{watched.origin}/dashboard/")


def expect_charts_drawn(page: Page) -> None:
    """The trend has its points and labelled ticks; every other chart draws marks."""
    expect(page.locator(DOTS).first).to_be_visible()
    trend = page.locator("figure.trend__chart svg")
    assert trend.locator("path, polyline, line").count() > 0
    y_ticks = trend.locator('text.tick[text-anchor="end"]').all_text_contents()
    assert len(y_ticks) >= 2 and all(re.fullmatch(r"-?\d+(\.\d)?", tick) for tick in y_ticks)
    for index, svg in enumerate(page.locator("main svg").all()):
        assert svg.locator(SVG_MARKS).count() > 0, f"chart {index} draws nothing"


def expect_headline(page: Page, scores: list[int]) -> None:
    expect(page.locator("#kpi-nps")).to_have_text(whole(nps(scores)))
    expect(page.locator("#kpi-responses")).to_have_text(str(len(scores)))


def show_dashboard(page: Page) -> None:
    with page.expect_response(lambda reply: reply.request.resource_type == "document") as reply:
        page.get_by_role("button", name="Show", exact=True).click()
    assert reply.value.status == 200


def read_the_dashboard(watched: Watched, heard: Heard) -> None:
    page = watched.page
    expect_headline(page, heard.scores(heard.default_first))
    expect_charts_drawn(page)
    expected = nps_points(heard.as_dashboard(), heard.default_first, heard.today)
    expect(page.locator(DOTS)).to_have_count(len(expected))
    assert chart_points(page) == expected
    assert x_labels(page) == week_labels(heard.as_dashboard(), heard.default_first, heard.today)
    watched.snap("owner-1-dashboard")
    watched.assert_clean()


def narrow_the_dashboard(watched: Watched, heard: Heard) -> None:
    """Since the oldest response, by QR code only: the figures and the URL follow."""
    page = watched.page
    page.get_by_label("From", exact=True).fill(heard.oldest.isoformat())
    page.get_by_label("To", exact=True).fill(heard.today.isoformat())
    page.get_by_label("Channel").select_option(label="QR code")
    show_dashboard(page)
    expect(page).to_have_url(re.compile(rf"[?&]start={heard.oldest.isoformat()}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]channel=qr(&|$)"))
    expect(page.get_by_label("Channel")).to_have_value("qr")
    scores = heard.scores(heard.oldest, channel=QR)
    assert whole(nps(scores)) != whole(nps(heard.scores(heard.default_first)))
    expect_headline(page, scores)
    expect_charts_drawn(page)
    expected = nps_points(heard.as_dashboard(channel=QR), heard.oldest, heard.today)
    expect(page.locator(DOTS)).to_have_count(len(expected))
    assert chart_points(page) == expected
    watched.snap("owner-2-dashboard-filtered")
    watched.assert_clean()


def export_the_kpis(watched: Watched, heard: Heard) -> None:
    """The CSV says what the (filtered) page shows: one row per charted period."""
    page = watched.page
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).click()
    assert download.value.suggested_filename == "kpis.csv"
    # utf-8-sig: the file starts with a byte-order mark, so spreadsheets read it as UTF-8.
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = list(rows[0]) if rows else []
    assert header[:4] == ["period_start", "responses", "interactions", "nps"]
    shown = chart_points(page)
    exported = [
        (row["period_start"], float(row["nps"]), int(row["nps_answers"]))
        for row in rows
        if row["nps"]
    ]
    assert exported == [(start, value, answers) for start, value, answers, _ in shown]
    expected = nps_points(heard.as_dashboard(channel=QR), heard.oldest, heard.today)
    assert exported == [(start, value, answers) for start, value, answers, _ in expected]
    total = sum(int(row["responses"]) for row in rows)
    assert str(total) == page.locator("#kpi-responses").inner_text()
    watched.assert_clean()


def read_the_journey_map(watched: Watched, heard: Heard, business) -> None:
    page = watched.page
    page.get_by_role("link", name="Journey", exact=False).first.click()
    expect(page).to_have_url(f"{watched.origin}/journeys/")
    stages = stages_heard(business, heard.tones())
    spoken = [(name, tones) for name, tones in stages if tones]
    assert len(spoken) == 2
    expect(page.locator(f"{CHART} circle")).to_have_count(len(spoken))
    assert page.locator(f"{CHART} text.stage-name").all_text_contents() == [n for n, _ in stages]
    assert page.locator(f"{CHART} text.value").all_text_contents() == [
        signed(mood(tones)) for _, tones in spoken
    ]
    for name, _ in stages:
        expect(page.get_by_role("heading", name=name, exact=True).first).to_be_visible()
    watched.snap("owner-3-journey-map")
    watched.assert_clean()


def answer_the_one_star_review(watched: Watched, review) -> None:
    page = watched.page
    page.get_by_role("link", name="Reviews", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    expect(page.get_by_role("link", name=re.compile("Eli P."))).to_be_visible()
    watched.snap("owner-4-review-inbox")

    page.get_by_label("Rating").select_option("1")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]rating=1(&|$)"))
    expect(page.get_by_role("link", name=re.compile("Eli P."))).to_have_count(0)
    page.get_by_role("link", name=re.compile("Dana Q.")).click()
    expect(page).to_have_url(f"{watched.origin}/reviews/{review.uuid}/")
    watched.snap("owner-5-one-star-review")
    watched.assert_clean()

    page.get_by_role("button", name="Use the suggested draft").click()
    box = page.get_by_role("textbox", name=re.compile("reply", re.IGNORECASE))
    expect(box).to_contain_text("Dana")
    defensive = page.locator("#empathy li[data-key='defensive']")
    expect(page.locator("#empathy")).to_contain_text("Acknowledges their feelings")
    expect(defensive).to_have_count(0)
    watched.snap("owner-6-review-draft")

    # Typed at the end of the draft: the defensive check fails, live, on the same page.
    page.evaluate("window.stillTheSamePage = true")
    draft = box.input_value()
    box.press("Control+End")
    box.press_sequentially(DEFENSIVE)
    expect(defensive).to_have_count(1)
    expect(defensive).to_contain_text("not our fault")
    watched.snap("owner-7-empathy-check")
    box.fill(draft)
    expect(defensive).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True, "the page was reloaded"
    watched.assert_clean()


def test_an_owner_reads_the_figures_and_answers_a_one_star_review(
    page_as,
    alice,
    business_a,
    heard_a,
    one_star,  # noqa: F811
):
    watched = page_as(None, viewport=DESKTOP)
    sign_in(watched, alice.email)
    read_the_dashboard(watched, heard_a)
    narrow_the_dashboard(watched, heard_a)
    export_the_kpis(watched, heard_a)
    read_the_journey_map(watched, heard_a, business_a)
    answer_the_one_star_review(watched, one_star)
