"""The owner's dashboard in a real browser, against rows written for the owner's business
over the last nine weeks: the trend chart the script draws, the headline NPS computed by
hand, customer text shown as text, nothing fetched from elsewhere, a phone-sized screen,
an outsider who sees none of it, and the filter form."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Answer, QuestionKind
from journeys.filters import DEFAULT_DAYS
from journeys.rollups import local_today
from metrics.kpis import MIN_ANSWERS
from metrics.views import trend_labels
from tests.e2e.conftest import PHONE
from tests.metrics.test_kpi_api import Said

pytestmark = pytest.mark.browser

DASHBOARD = "/dashboard/"
HOSTILE = "<img src=x onerror=alert(1)> the flat white was cold"
# Survey responses, newest first: (days ago, NPS score, tone of the comment or None).
RESPONSES = (
    (1, 10, None), (2, 4, -0.6), (4, 9, None), (8, 7, 0.5), (11, 3, None), (15, 10, None),
    (18, 9, None), (22, 8, None), (25, 10, None), (29, 6, None), (32, 9, None), (36, 10, None),
    (39, 5, None), (43, 9, None), (46, 7, None), (50, 10, None), (53, 2, None),
)  # fmt: skip
HOSTILE_DAYS_AGO = 2
# Staff interactions (days ago, tone). The older one is alone in its week, seven days
# before the oldest response: a week with voices but no score to chart.
INTERACTIONS = ((5, 0.3), (60, 0.2))

DOTS = "figure.trend__chart svg.trend__svg circle"
X_LABELS = 'figure.trend__chart svg.trend__svg text.tick[text-anchor="middle"]'
TITLE = re.compile(r"^(\d{4}-\d\d-\d\d): (-?\d+(?:\.\d+)?) \((\d+)\)$")


@dataclass(frozen=True)
class Voice:
    day: date
    nps: int | None = None  # None: a staff interaction
    tone: float | None = None


@dataclass(frozen=True)
class Heard:
    """What the fixture wrote, so each test computes its expectations from the rows."""

    today: date
    voices: tuple[Voice, ...]

    @property
    def default_period(self) -> tuple[date, date]:
        return self.today - timedelta(days=DEFAULT_DAYS - 1), self.today

    @property
    def oldest(self) -> date:
        return min(voice.day for voice in self.voices)

    def between(self, first: date, last: date) -> list[Voice]:
        return [voice for voice in self.voices if first <= voice.day <= last]

    def weeks(self, first: date, last: date) -> dict[date, list[Voice]]:
        """The period's voices by the Monday of their week, oldest week first."""
        weeks: dict[date, list[Voice]] = {}
        for voice in sorted(self.between(first, last), key=lambda voice: voice.day):
            weeks.setdefault(monday(voice.day), []).append(voice)
        return dict(sorted(weeks.items()))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def heard_a(business_a) -> Heard:
    said, today = Said(business_a), local_today(business_a)
    voices = []
    for days_ago, score, tone in RESPONSES:
        day = today - timedelta(days=days_ago)
        response = said.response(day, nps=score, tone=tone)
        if days_ago == HOSTILE_DAYS_AGO:
            Answer.objects.filter(response=response, question__kind=QuestionKind.TEXT).update(
                text=HOSTILE
            )
        voices.append(Voice(day, score, tone))
    for days_ago, tone in INTERACTIONS:
        day = today - timedelta(days=days_ago)
        said.interaction(day, tone=tone)
        voices.append(Voice(day, tone=tone))
    return Heard(today, tuple(voices))


# --- What the rows say, computed by hand -----------------------------------------------


def nps(scores: list[int]) -> Fraction:
    """% promoters (9-10) minus % detractors (0-6)."""
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return Fraction(100 * (promoters - detractors), len(scores))


def whole(value: Fraction) -> str:
    """A figure as the page shows a whole number: halves away from zero."""
    rounded = math.floor(abs(value) + Fraction(1, 2))
    return str(rounded if value >= 0 else -rounded)


def nps_points(heard: Heard, first: date, last: date) -> list[tuple[str, float, int, bool]]:
    """One chart point per week with scores: (Monday, NPS to 0.1, responses, hollow)."""
    points = []
    for start, voices in heard.weeks(first, last).items():
        scores = [voice.nps for voice in voices if voice.nps is not None]
        if scores:
            score = round(float(nps(scores)), 1)
            points.append((start.isoformat(), score, len(scores), len(scores) < MIN_ANSWERS))
    return points


def tone_points(heard: Heard, first: date, last: date) -> list[tuple[str, float, int, bool]]:
    """One point per week with scored texts: (Monday, mean tone x 100, responses, hollow);
    hollow below 10 scored texts, as the script says."""
    points = []
    for start, voices in heard.weeks(first, last).items():
        tones = [Fraction(str(voice.tone)) for voice in voices if voice.tone is not None]
        responses = sum(voice.nps is not None for voice in voices)
        if tones:
            mean = round(100 * sum(tones) / len(tones))
            points.append((start.isoformat(), mean, responses, len(tones) < 10))
    return points


def week_labels(heard: Heard, first: date, last: date) -> list[str]:
    """The x axis: every week with any voice, as the script writes it (MM-DD)."""
    return [start.isoformat()[5:] for start in heard.weeks(first, last)]


def day_text(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"  # the template's "j M Y"


# --- What the browser shows ------------------------------------------------------------


def chart_points(page: Page) -> list[tuple[str, float, int, bool]]:
    """The drawn point markers, read back from their tooltips and classes."""
    points = []
    for title, classes in page.locator(DOTS).evaluate_all(
        "dots => dots.map(d => [d.querySelector('title').textContent, d.getAttribute('class')])"
    ):
        start, value, responses = TITLE.match(title).groups()
        points.append((start, float(value), int(responses), "dot--few" in classes.split()))
    return points


def x_labels(page: Page) -> list[str]:
    return page.locator(X_LABELS).all_text_contents()


def open_dashboard(page: Page, query: str = "") -> None:
    reply = page.goto(DASHBOARD + query)
    assert reply is not None and reply.status == 200


# --- Tests -----------------------------------------------------------------------------


def test_it_draws_one_point_per_week_with_scores(page_as, alice, heard_a):
    watched = page_as(alice)
    open_dashboard(watched.page)
    expected = nps_points(heard_a, *heard_a.default_period)
    assert len(expected) >= 4  # the rows give the chart something to draw

    expect(watched.page.locator(DOTS)).to_have_count(len(expected))
    assert chart_points(watched.page) == expected
    assert x_labels(watched.page) == week_labels(heard_a, *heard_a.default_period)
    pressed = watched.page.locator('.trend__choices button[aria-pressed="true"]')
    expect(pressed).to_have_text(trend_labels()["nps"])
    watched.assert_clean()


def test_the_headline_nps_is_the_one_computed_from_the_rows(page_as, alice, heard_a):
    watched = page_as(alice)
    open_dashboard(watched.page)
    scores = [v.nps for v in heard_a.between(*heard_a.default_period) if v.nps is not None]
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    passives = len(scores) - promoters - detractors

    expect(watched.page.locator("#kpi-nps")).to_have_text(whole(nps(scores)))
    card = watched.page.locator(".kpi", has=watched.page.locator("#kpi-nps"))
    expect(card).to_contain_text(
        f"{promoters} promoters · {passives} passives · {detractors} detractors, "
        f"from {len(scores)} scores"
    )
    expect(watched.page.locator("#kpi-responses")).to_have_text(str(len(scores)))
    watched.assert_clean()


def test_customer_text_is_shown_as_text_not_markup(page_as, alice, heard_a):
    watched = page_as(alice)
    open_dashboard(watched.page)

    expect(watched.page.locator("ul.comments")).to_contain_text(HOSTILE)
    assert watched.page.locator("img[onerror]").count() == 0
    assert watched.page.locator("ul.comments img").count() == 0
    assert not [url for url in watched.requests if url.endswith("/x")]  # the img's src
    watched.assert_clean()  # no dialog: alert(1) never ran


def test_choosing_another_figure_redraws_the_chart(page_as, alice, heard_a):
    watched, labels = page_as(alice), trend_labels()
    page = watched.page
    open_dashboard(page)
    expect(page.locator(DOTS)).to_have_count(len(nps_points(heard_a, *heard_a.default_period)))

    tone = page.get_by_role("button", name=labels["sentiment"], exact=True)
    tone.click()
    expect(tone).to_have_attribute("aria-pressed", "true")
    expected = tone_points(heard_a, *heard_a.default_period)
    expect(page.locator(DOTS)).to_have_count(len(expected))
    assert chart_points(page) == expected

    page.get_by_role("button", name=labels["csat"], exact=True).click()  # no CSAT answers
    expect(page.locator("figure.trend__chart")).to_have_text(labels["none"])
    expect(page.locator("figure.trend__chart svg")).to_have_count(0)
    watched.assert_clean()


def test_choosing_a_period_reloads_the_page_and_redraws(page_as, alice, heard_a):
    watched = page_as(alice)
    page = watched.page
    open_dashboard(page)
    default = nps_points(heard_a, *heard_a.default_period)
    expect(page.locator(DOTS)).to_have_count(len(default))

    first = heard_a.oldest
    page.locator("#id_start").fill(first.isoformat())
    with page.expect_response(lambda reply: reply.request.resource_type == "document") as reply:
        page.get_by_role("button", name="Show", exact=True).click()
    assert reply.value.status == 200
    expect(page).to_have_url(re.compile(rf"{DASHBOARD}\?start={first.isoformat()}&"))

    expected = nps_points(heard_a, first, heard_a.today)
    assert len(expected) > len(default)
    expect(page.locator(DOTS)).to_have_count(len(expected))
    assert chart_points(page) == expected
    # The interactions' week is on the axis although it has no score to plot.
    labels = week_labels(heard_a, first, heard_a.today)
    assert len(labels) == len(expected) + 1
    assert x_labels(page) == labels
    expect(page.locator("main p.meta").first).to_contain_text(
        f"{day_text(first)} to {day_text(heard_a.today)}"
    )
    watched.assert_clean()


def test_it_fits_a_phone_screen(page_as, alice, heard_a):
    watched = page_as(alice, viewport=PHONE)
    page = watched.page
    open_dashboard(page)
    expect(page.locator("figure.trend__chart svg.trend__svg")).to_be_visible()

    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == PHONE["width"]
    assert scroll_width <= inner_width, f"wider than the screen: {too_wide(page)}"
    watched.assert_clean()


def too_wide(page: Page) -> list[str]:
    """The elements reaching past the right edge, to say what makes a page scroll sideways."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("body *"))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 12)
            .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                 + (typeof e.className === "string" && e.className ? "." + e.className : "")
                 + " right=" + Math.round(e.getBoundingClientRect().right))"""
    )


def test_an_outsider_sees_only_their_own_empty_dashboard(
    page_as, charlie, business_b, business_a, heard_a
):
    watched = page_as(charlie)
    page = watched.page
    open_dashboard(page)

    expect(page.locator("h1")).to_have_text(business_b.name)
    expect(page.locator("figure.trend__chart")).to_have_text(trend_labels()["none"])
    expect(page.locator("figure.trend__chart svg")).to_have_count(0)
    expect(page.locator("#kpi-nps")).to_have_text("—")
    expect(page.locator("#kpi-responses")).to_have_text("0")
    expect(page.locator("ul.comments")).to_have_count(0)
    text = page.locator("body").inner_text()
    assert business_a.name not in text
    assert "flat white" not in text
    watched.assert_clean()
