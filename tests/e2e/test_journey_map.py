"""The journey map in a real browser: the emotion curve its script draws from the page's
JSON, against comments written at three touchpoints of the owner's journey; customer text
as text; an outsider's map without any of it."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Answer, QuestionKind
from journeys.models import Stage, Touchpoint
from journeys.rollups import local_today
from tests.metrics.test_kpi_api import Said

pytestmark = pytest.mark.browser

MAP = "/journeys/"
CHART = "figure.journey-chart svg.journey-chart__svg"
HOSTILE = "<img src=x onerror=alert(1)> nobody answered the phone"
# The tones of the comments heard at three touchpoints in the last ten days.
TONES = {"visit": (0.6, 0.2, 0.7), "purchase": (0.1, -0.3), "support": (-0.8, -0.5, -0.6)}


@pytest.fixture
def heard_a(business_a) -> dict[str, tuple[float, ...]]:
    said, today = Said(business_a), local_today(business_a)
    surveys = {key: said.survey_at(key, f"At {key}") for key in TONES}
    for key, tones in TONES.items():
        for days_ago, tone in enumerate(tones, start=1):
            said.response(today - timedelta(days=days_ago), survey=surveys[key], tone=tone)
    Answer.objects.filter(
        response__survey=surveys["support"], question__kind=QuestionKind.TEXT, sentiment_score=-0.8
    ).update(text=HOSTILE)
    return TONES


def stages_heard(business, heard: dict[str, tuple[float, ...]]) -> list[tuple[str, list[float]]]:
    """The journey's stages in order, each with the tones its touchpoints heard."""
    stage_of = {key: Touchpoint.objects.get(business=business, key=key).stage_id for key in heard}
    stages = []
    for stage in Stage.objects.filter(business=business, archived_at=None):
        keys = [key for key, stage_id in stage_of.items() if stage_id == stage.pk]
        stages.append((stage.name, [tone for key in keys for tone in heard[key]]))
    return stages


def mood(tones: list[float]) -> int:
    """A stage's mean tone on the chart's -100..100 scale (no ties in these tones)."""
    return round(100 * sum(Fraction(str(tone)) for tone in tones) / len(tones))


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def open_map(page: Page) -> None:
    reply = page.goto(MAP)
    assert reply is not None and reply.status == 200


def test_it_draws_the_emotion_curve_from_the_comments(page_as, alice, business_a, heard_a):
    watched = page_as(alice)
    page = watched.page
    open_map(page)
    stages = stages_heard(business_a, heard_a)
    heard = [(name, tones) for name, tones in stages if tones]
    assert len(heard) == 3 and len(stages) > 3  # some stages heard nothing

    expect(page.locator(f"{CHART} circle")).to_have_count(len(heard))
    assert page.locator(f"{CHART} text.stage-name").all_text_contents() == [n for n, _ in stages]
    assert page.locator(f"{CHART} text.value").all_text_contents() == [
        signed(mood(tones)) for _, tones in heard
    ]
    assert page.locator(f"{CHART} circle title").all_text_contents() == [
        f"{name}: {mood(tones)} ({len(tones)} voices)" for name, tones in heard
    ]
    expect(page.locator(f"{CHART} rect.bar")).to_have_count(len(stages))
    bar_labels = page.locator(f'{CHART} text.tick[text-anchor="middle"]').all_text_contents()
    assert bar_labels == [str(len(tones)) for _, tones in stages]
    expect(page.locator(f"{CHART} line.average")).to_have_count(1)
    watched.assert_clean()


def test_customer_text_on_the_map_is_text_not_markup(page_as, alice, heard_a):
    watched = page_as(alice)
    open_map(watched.page)

    expect(watched.page.locator(".journey-quotes").first).to_be_attached()
    expect(watched.page.locator("main")).to_contain_text(HOSTILE)
    assert watched.page.locator("img[onerror]").count() == 0
    watched.assert_clean()  # no dialog: alert(1) never ran


def test_an_outsider_sees_an_empty_map(page_as, charlie, business_b, heard_a):
    watched = page_as(charlie)
    page = watched.page
    open_map(page)

    expect(page.locator("main")).to_contain_text("No voices in this period.")
    expect(page.locator(CHART)).to_have_count(0)
    assert "nobody answered the phone" not in page.locator("body").inner_text()
    watched.assert_clean()
