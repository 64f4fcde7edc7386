"""The survey in the business's colours, in a real browser: a café's pale yellow and its
logo, with the Send button still readable (WCAG AA) and no serious axe finding; and the
owner choosing the colour and logo on the settings page and seeing them on the survey."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.branding import business_look_update
from accounts.theme import contrast_ratio, hex_colour
from cxplatform.demo.logo import bird_logo_png
from tests.e2e.axe import serious_violations
from tests.e2e.conftest import SMALL_PHONE

pytestmark = pytest.mark.browser

YELLOW = "#ffd400"
DESKTOP = {"width": 1280, "height": 900}


def css_colour(page: Page, selector: str, prop: str) -> str:
    """A computed colour as #rrggbb (browsers answer "rgb(r, g, b)")."""
    value = page.locator(selector).evaluate(f"el => getComputedStyle(el)['{prop}']")
    red, green, blue = (int(part) for part in value[value.index("(") + 1 : -1].split(",")[:3])
    return hex_colour(red, green, blue)


def check_themed_survey(page: Page, business_name: str) -> None:
    logo = page.get_by_role("img", name=business_name)
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    send = page.get_by_role("button", name="Send")
    expect(send).to_be_visible()
    background = css_colour(page, "#survey-form button[type=submit]", "backgroundColor")
    text = css_colour(page, "#survey-form button[type=submit]", "color")
    assert background == YELLOW
    assert contrast_ratio(text, background) >= 4.5, f"{text} on {background}"


@pytest.fixture
def yellow_cafe(business_a):
    return business_look_update(
        business=business_a, actor=None, brand_colour=YELLOW, logo=bird_logo_png()
    )


@pytest.mark.parametrize(("viewport", "name"), [(SMALL_PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_customer_sees_the_cafes_yellow_survey_and_can_read_it(
    page_as, yellow_cafe, survey_a, viewport, name
):
    watched = page_as(None, viewport=viewport)
    page = watched.page
    page.goto(f"/s/{survey_a.uuid}/")

    check_themed_survey(page, yellow_cafe.name)
    assert serious_violations(page) == []
    watched.snap(f"survey-themed-{name}")
    watched.assert_clean()

    # Sent at once: refused (a 400, which the console reports), the page still themed.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert css_colour(page, "#survey-form button[type=submit]", "backgroundColor") == YELLOW
    assert serious_violations(page) == []


def test_the_embedded_survey_is_themed_too(page_as, yellow_cafe, survey_a):
    watched = page_as(None, viewport=SMALL_PHONE)
    watched.page.goto(f"/s/{survey_a.uuid}/embed/")

    check_themed_survey(watched.page, yellow_cafe.name)
    assert serious_violations(watched.page) == []
    watched.snap("survey-themed-embed")
    watched.assert_clean()


def test_the_owner_chooses_colour_and_logo_and_sees_them_on_the_survey(
    page_as, alice, business_a, survey_a, tmp_path
):
    watched = page_as(alice, viewport=DESKTOP)
    page = watched.page
    page.goto("/accounts/settings/")

    # The picker fills the text field that is sent (the field alone works without script).
    page.get_by_label("Colour picker").fill(YELLOW)
    colour = page.get_by_label("Brand colour")
    expect(colour).to_have_value(YELLOW)
    page.get_by_label("Logo").set_input_files(
        files=[{"name": "bird.png", "mimeType": "image/png", "buffer": bird_logo_png()}]
    )
    expect(page.get_by_role("img", name="The logo you chose")).to_be_visible()
    watched.snap("settings-survey-look-chosen")
    page.get_by_role("button", name="Save look").click()

    expect(page.get_by_role("status")).to_contain_text("Survey look saved.")
    expect(page.get_by_role("img", name=f"Current logo of {business_a.name}")).to_be_visible()
    expect(colour).to_have_value(YELLOW)
    # The section only: base.html's messages list (role="status" on a <ul>) is not ours.
    assert serious_violations(page, context="#survey-look") == []
    watched.snap("settings-survey-look-saved")

    page.goto(f"/s/{survey_a.uuid}/")
    check_themed_survey(page, business_a.name)
    watched.assert_clean()


def test_a_bad_colour_is_named_on_the_settings_page(page_as, alice, business_a):
    watched = page_as(alice, viewport=SMALL_PHONE)
    page = watched.page
    page.goto("/accounts/settings/")
    watched.assert_clean()  # before the refusal, a 400 the console reports

    page.get_by_label("Brand colour").fill("sunshine")
    page.get_by_role("button", name="Save look").click()

    expect(page.get_by_role("alert")).to_contain_text("Brand colour: give it as #rrggbb")
    expect(page.get_by_label("Brand colour")).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page, context="#survey-look") == []
    watched.snap("settings-survey-look-error")
