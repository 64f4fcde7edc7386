"""Journey 2: a customer answers the survey link on a small phone with the keyboard alone
(a switch or screen-reader user moves the same way): Tab, Shift+Tab, the arrow keys,
Space, Enter and typing; never a click. They skip the required question and send, hear
what is wrong, go back to it through the error summary, answer it, write a comment and
are thanked. The answer is stored exactly as given, and its comment scored."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from feedback.models import Answer, Channel, QuestionKind, Response
from tests.e2e.conftest import SMALL_PHONE, horizontal_overflow
from tests.e2e.survey_pages import assert_clean_but_refused

pytestmark = pytest.mark.browser

NPS_PROMPT = "How likely are you to recommend Alice's Café to a friend or colleague?"
COMMENT_PROMPT = "What is the main reason for your score?"
# Typed as a person types it: markup stays text, and the tone is plainly positive.
COMMENT = "Lovely barista, great <b>flat white</b> & quick service!"


@pytest.fixture(autouse=True)
def people_can_be_quick(settings):
    """A script types faster than the two seconds that tell a person from a bot."""
    settings.PUBLIC_FORM_MIN_SECONDS = 0


def is_focused(control: Locator) -> bool:
    return control.evaluate("el => el === document.activeElement")


def tab_to(page: Page, control: Locator, *, key: str = "Tab", most: int = 20) -> None:
    """Press Tab (or Shift+Tab) until `control` has the focus, as a keyboard user does."""
    for _ in range(most):
        page.keyboard.press(key)
        if is_focused(control):
            return
    raise AssertionError(f"{control} never got the focus with {key}")


def test_a_customer_answers_on_a_small_phone_with_the_keyboard_only(page_as, survey_a):
    watched = page_as(None, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    page = watched.page
    page.goto(f"/s/{survey_a.uuid}/")
    send = page.get_by_role("button", name="Send")
    comment = page.get_by_role("textbox", name=f"{COMMENT_PROMPT} (optional)")
    expect(page.get_by_role("radiogroup", name=NPS_PROMPT)).to_be_visible()
    assert horizontal_overflow(page) == 0
    watched.snap("customer-phone-1-survey")

    # Straight past the score to Send.
    tab_to(page, send)
    page.keyboard.press("Enter")

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(f"Error: Net Promoter Score · {survey_a.business.name}")
    to_score = summary.get_by_role("link", name=f"{NPS_PROMPT} — Please answer this question.")
    expect(to_score).to_be_visible()
    assert horizontal_overflow(page) == 0
    watched.snap("customer-phone-2-error")

    # The summary's link takes the focus to the score's first point.
    tab_to(page, to_score)
    page.keyboard.press("Enter")
    expect(page.get_by_role("radio", name="0 out of 10", exact=True)).to_be_focused()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    eight = page.get_by_role("radio", name="8 out of 10")
    expect(eight).to_be_focused()
    expect(eight).to_be_checked()
    # One step too far and back: Shift+Tab and the arrows leave the choice as made.
    tab_to(page, comment)
    tab_to(page, eight, key="Shift+Tab")
    expect(eight).to_be_checked()
    tab_to(page, comment)
    page.keyboard.type(COMMENT)
    expect(comment).to_have_value(COMMENT)
    tab_to(page, send)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert page.url.endswith(f"/s/{survey_a.uuid}/thanks/")
    assert horizontal_overflow(page) == 0
    watched.snap("customer-phone-3-thanks")
    assert_clean_but_refused(watched)

    response = Response.objects.get(survey=survey_a)
    assert (response.channel, response.contact_requested, response.contact_email) == (
        Channel.LINK,
        False,
        "",
    )
    answers = {a.question.kind: a for a in Answer.objects.filter(response=response)}
    assert set(answers) == {QuestionKind.NPS, QuestionKind.TEXT}
    assert (answers[QuestionKind.NPS].number, answers[QuestionKind.NPS].text) == (8, "")
    said = answers[QuestionKind.TEXT]
    assert said.text == COMMENT
    assert said.sentiment_label == "positive"
    assert said.scored_at is not None
