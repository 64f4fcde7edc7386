"""The public survey against WCAG 2.1 AA in a real browser: axe finds nothing serious on
the survey as it opens, after a submit with errors, on the thank-you page, in Spanish and
inside the embed; and the checks axe cannot make: the error summary is announced and
names each field, each invalid control says so and is described by its message, the
scale's ends describe its end points, the tab order follows the page and every stop
shows where the focus is, and every control is a 44 px target."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from feedback.models import Question, QuestionKind
from tests.e2e.axe import serious_violations
from tests.e2e.conftest import SMALL_PHONE, horizontal_overflow
from tests.e2e.survey_pages import assert_clean_but_refused

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
NPS_PROMPT = "How likely are you to recommend Alice's Café to a friend or colleague?"
# Questions of every other kind the survey page draws, added to the default NPS survey.
MORE_QUESTIONS = [
    {"kind": QuestionKind.CSAT, "prompt": "How satisfied were you with your visit?"},
    {"kind": QuestionKind.RATING, "prompt": "Rate our coffee", "required": False},
    {"kind": QuestionKind.CES, "prompt": "It was easy to order", "required": False},
    {
        "kind": QuestionKind.SINGLE_CHOICE,
        "prompt": "How did you pay?",
        "choices": ["Card", "Cash", "Phone"],
    },
    {
        "kind": QuestionKind.MULTIPLE_CHOICE,
        "prompt": "What did you have?",
        "choices": ["Coffee", "Cake", "Lunch"],
        "required": False,
    },
]
REQUIRED = [NPS_PROMPT, "How satisfied were you with your visit?", "How did you pay?"]
MISSING = "Please answer this question."
BAD_EMAIL = "Enter a valid e-mail address, like name@example.com."


@pytest.fixture(autouse=True)
def people_can_be_quick(settings):
    """A browser fills the form in well under the two seconds a bot would take."""
    settings.PUBLIC_FORM_MIN_SECONDS = 0


@pytest.fixture
def every_kind(survey_a):
    """The default survey (NPS and an optional comment) with a question of every kind."""
    for position, fields in enumerate(MORE_QUESTIONS, start=3):
        Question.objects.create(
            business=survey_a.business, survey=survey_a, position=position, **fields
        )
    return survey_a


def no_serious_violations(page: Page) -> None:
    assert serious_violations(page) == []


def send(page: Page) -> None:
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()


def test_the_fresh_survey_has_no_serious_violations(page_as, every_kind):
    for viewport in (SMALL_PHONE, DESKTOP):
        watched = page_as(None, viewport=viewport)
        watched.page.goto(f"/s/{every_kind.uuid}/")
        expect(watched.page.locator("html")).to_have_attribute("lang", "en")
        assert horizontal_overflow(watched.page) == 0
        no_serious_violations(watched.page)
        watched.assert_clean()


def test_the_failed_submit_has_no_serious_violations_and_announces_each_error(page_as, every_kind):
    watched = page_as(None, viewport=SMALL_PHONE)
    page = watched.page
    page.goto(f"/s/{every_kind.uuid}/")
    comment = "The <b>flat white</b> was cold"
    page.get_by_label("What is the main reason for your score?").fill(comment)
    send(page)

    expect(page).to_have_title(f"Error: Net Promoter Score · {every_kind.business.name}")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    for prompt in REQUIRED:
        link = summary.get_by_role("link", name=f"{prompt} — {MISSING}")
        expect(link).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(len(REQUIRED))
    # What the customer wrote is still there.
    expect(page.get_by_label("What is the main reason for your score?")).to_have_value(comment)
    no_serious_violations(page)
    assert_clean_but_refused(watched)


def test_each_invalid_control_says_so_and_is_described_by_its_message(page_as, every_kind):
    page = page_as(None).page
    page.goto(f"/s/{every_kind.uuid}/")
    send(page)

    for prompt in REQUIRED[:2]:
        group = page.get_by_role("radiogroup", name=prompt)
        expect(group).to_have_attribute("aria-invalid", "true")
        expect(group).to_have_accessible_description(MISSING)
    choice = page.get_by_role("radiogroup", name="How did you pay?")
    expect(choice).to_have_attribute("aria-invalid", "true")
    expect(choice).to_have_accessible_description(MISSING)
    # The questions answered well, or not required, are not marked.
    expect(page.locator("[aria-invalid=true]")).to_have_count(len(REQUIRED))
    expect(page.get_by_label("What is the main reason for your score?")).not_to_have_attribute(
        "aria-invalid", "true"
    )


def test_an_invalid_comment_and_email_are_described_by_their_message(page_as, survey_a):
    survey_a.questions.filter(kind=QuestionKind.TEXT).update(required=True)
    page = page_as(None).page
    page.goto(f"/s/{survey_a.uuid}/")
    page.get_by_role("radio", name="9 out of 10").check()
    page.get_by_role("checkbox", name="Yes, contact me about this").check()
    page.get_by_label("Your e-mail").fill("not an e-mail")
    send(page)

    comment = page.get_by_role("textbox", name="What is the main reason for your score?")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(comment).to_have_accessible_description(MISSING)
    email = page.get_by_role("textbox", name="Your e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(BAD_EMAIL)
    expect(email).to_have_value("not an e-mail")
    expect(page.get_by_role("radio", name="9 out of 10")).to_be_checked()
    # The summary's link takes the focus to the field.
    page.get_by_role("alert").get_by_role("link", name=f"Your e-mail — {BAD_EMAIL}").click()
    expect(email).to_be_focused()


def test_each_point_of_a_scale_is_named_and_the_ends_describe_the_end_points(page_as, every_kind):
    page = page_as(None).page
    page.goto(f"/s/{every_kind.uuid}/")
    nps = page.get_by_role("radiogroup", name=NPS_PROMPT)
    expect(nps.get_by_role("radio")).to_have_count(11)
    expect(nps.get_by_role("radio", name="0 out of 10", exact=True)).to_have_accessible_description(
        "Not at all likely"
    )
    expect(nps.get_by_role("radio", name="10 out of 10")).to_have_accessible_description(
        "Extremely likely"
    )
    expect(nps.get_by_role("radio", name="7 out of 10")).to_have_accessible_description("")
    stars = page.get_by_role("radiogroup", name="Rate our coffee (optional)")
    expect(stars.get_by_role("radio", name="4 stars out of 5")).to_be_attached()
    expect(stars.get_by_role("radio", name="1 star out of 5")).to_have_accessible_description(
        "Poor"
    )
    paying = page.get_by_role("radiogroup", name="How did you pay?")
    expect(paying.get_by_role("radio", name="Cash")).to_be_attached()
    having = page.get_by_role("group", name="What did you have? (optional)")
    expect(having.get_by_role("checkbox", name="Cake")).to_be_attached()


def focus_stop(page: Page) -> dict:
    """Where the focus is, and whether anything shows it (on the control or its label)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const shown = (node) => node && getComputedStyle(node).outlineStyle !== "none"
            && parseFloat(getComputedStyle(node).outlineWidth) >= 2;
          const box = (el.closest("label") || el).getBoundingClientRect();
          return {
            name: el.name || el.id || el.tagName, top: box.top + window.scrollY,
            left: box.left, shown: shown(el) || shown(el.closest("label")),
          };
        }"""
    )


def test_the_tab_order_follows_the_page_and_the_focus_is_always_visible(page_as, every_kind):
    page = page_as(None, viewport=SMALL_PHONE).page
    page.goto(f"/s/{every_kind.uuid}/")
    stops = []
    while not stops or stops[-1]["name"] != "BUTTON":
        page.keyboard.press("Tab")
        stops.append(focus_stop(page))
        assert len(stops) < 40, stops
    assert [stop for stop in stops if not stop["shown"]] == []
    tops = [stop["top"] for stop in stops]
    assert tops == sorted(tops), stops
    # The skip link, one stop per radio group (arrow keys move inside it), the comment,
    # each of three checkboxes, the contact checkbox and e-mail, and Send.
    assert len(stops) == 1 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 2 + 1


def target_sizes(page: Page) -> list[tuple[str, float, float]]:
    """Width and height of what a finger hits for each control (its label if it has one)."""

    def size(control: Locator) -> tuple[str, float, float]:
        box = control.evaluate(
            "el => { const r = (el.closest('label') || el).getBoundingClientRect();"
            " return [el.name || el.id, r.width, r.height]; }"
        )
        return tuple(box)

    controls = page.locator("#survey-form").locator(
        "input:not([type=hidden]):not([tabindex='-1']), textarea, button"
    )
    return [size(control) for control in controls.all()]


@pytest.mark.parametrize("viewport", [SMALL_PHONE, DESKTOP], ids=["375px", "1280px"])
def test_every_control_is_at_least_a_44_px_target(page_as, every_kind, viewport):
    page = page_as(None, viewport=viewport).page
    page.goto(f"/s/{every_kind.uuid}/")
    sizes = target_sizes(page)
    assert len(sizes) == 11 + 5 + 7 + 5 + 3 + 3 + 1 + 2 + 1
    assert [s for s in sizes if s[1] < 44 or s[2] < 44] == []


def test_the_thank_you_page_has_no_serious_violations(page_as, survey_a):
    watched = page_as(None, viewport=SMALL_PHONE)
    page = watched.page
    page.goto(f"/s/{survey_a.uuid}/")
    page.get_by_role("radio", name="9 out of 10").check()
    send(page)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    no_serious_violations(page)
    watched.assert_clean()


def test_the_spanish_survey_says_it_is_spanish_and_has_no_serious_violations(page_as, every_kind):
    every_kind.language = "es"
    every_kind.save()
    watched = page_as(None, viewport=SMALL_PHONE)
    page = watched.page
    page.goto(f"/s/{every_kind.uuid}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    no_serious_violations(page)
    page.get_by_role("button", name="Enviar").click()
    expect(page).to_have_title(f"Error: {every_kind.name} · {every_kind.business.name}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    no_serious_violations(page)
    page.get_by_role("radio", name="9 de 10").check()
    page.get_by_role("radiogroup", name="How satisfied were you with your visit?").get_by_role(
        "radio", name="4 de 5"
    ).check()
    page.get_by_role("radio", name="Cash").check()
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("heading", name="¡Gracias!")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    no_serious_violations(page)
    assert_clean_but_refused(watched)


def test_the_embedded_survey_has_no_serious_violations(page_as, every_kind):
    watched = page_as(None, viewport={"width": 416, "height": 700})
    page = watched.page
    page.goto(f"/s/{every_kind.uuid}/embed/")
    expect(page.get_by_role("radiogroup", name=NPS_PROMPT)).to_be_visible()
    no_serious_violations(page)
    send(page)
    expect(page.get_by_role("alert")).to_be_focused()
    no_serious_violations(page)
    assert_clean_but_refused(watched)
