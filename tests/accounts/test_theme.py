"""The survey theme's colour maths (WCAG 2.1) and the checks of the colour and logo."""

from __future__ import annotations

import pytest

from accounts.branding import LOGO_MAX_BYTES, clean_brand_colour, clean_logo, image_type
from accounts.theme import (
    NEAR_BLACK,
    WHITE,
    contrast_ratio,
    hex_colour,
    readable_on,
    relative_luminance,
    rgb,
    text_on,
    theme_for,
)
from cxplatform.demo.logo import solid_png
from cxplatform.errors import ApplicationError

# --- WCAG maths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),  # the order does not matter
        ("#777777", "#ffffff", 4.48),  # the classic grey that just fails AA
        ("#767676", "#ffffff", 4.54),  # ... and the one that just passes
        ("#ffffff", "#ffffff", 1.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
    ],
)
def test_contrast_ratios_match_known_pairs(first, second, ratio):
    assert round(contrast_ratio(first, second), 2) == ratio


def test_relative_luminance_runs_from_black_to_white():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=1e-4)


@pytest.mark.parametrize("bad", ["ffd400", "#ffd40", "#FFD400", "#ggd400", "", "#ffd4000"])
def test_it_refuses_what_is_not_a_lower_case_hex_colour(bad):
    with pytest.raises(ValueError):
        rgb(bad)


def test_text_on_a_pale_yellow_is_near_black_and_on_a_dark_blue_white():
    assert text_on("#ffd400") == NEAR_BLACK
    assert text_on("#1d2433") == WHITE


def every_colour(step: int = 15):
    for red in range(0, 256, step):
        for green in range(0, 256, step):
            for blue in range(0, 256, step):
                yield hex_colour(red, green, blue)


def test_text_on_any_colour_reaches_aa():
    worst = min(contrast_ratio(text_on(colour), colour) for colour in every_colour())
    assert worst >= 4.5


def test_brand_text_on_any_colour_reaches_aa_on_white_and_on_the_canvas():
    canvas = "#f5f6f8"
    for colour in every_colour(step=17):
        readable = readable_on(colour, canvas)
        assert contrast_ratio(readable, canvas) >= 4.5, colour
        assert contrast_ratio(readable, WHITE) >= 4.5, colour


def test_a_colour_that_already_reads_is_kept_and_a_pale_one_darkened_keeping_its_hue():
    assert readable_on("#2f5bd3") == "#2f5bd3"
    darker = readable_on("#ffd400")
    assert contrast_ratio(darker, WHITE) == pytest.approx(4.5, abs=0.05)  # no darker than needed
    red, green, blue = rgb(darker)
    assert red > green > blue == 0  # still a yellow, only darker


def test_on_a_dark_background_the_variant_is_lighter():
    lighter = readable_on("#2f5bd3", "#1d2433")
    assert contrast_ratio(lighter, "#1d2433") >= 4.5
    assert relative_luminance(lighter) > relative_luminance("#2f5bd3")


def test_the_theme_gives_custom_properties_of_hex_colours_only():
    theme = theme_for("#ffd400")
    assert theme.css_properties == (
        f"--brand: #ffd400; --brand-ink: {NEAR_BLACK}; --brand-text: {readable_on('#ffd400')}"
    )


# --- The owner's input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [("#ffd400", "#ffd400"), ("FFD400", "#ffd400"), (" #AbCdEf ", "#abcdef"), ("", ""), (None, "")],
)
def test_a_colour_is_kept_as_lower_case_hex(given, kept):
    assert clean_brand_colour(given) == kept


@pytest.mark.parametrize("bad", ["yellow", "#ffd40", "#ffd4000", "#ggd400", "rgb(1,2,3)", "#"])
def test_a_bad_colour_is_refused_naming_the_field(bad):
    with pytest.raises(ApplicationError) as refused:
        clean_brand_colour(bad)
    assert list(refused.value.errors) == ["brand_colour"]
    assert refused.value.message.startswith("Brand colour:")


PNG = solid_png(2, 2, (255, 212, 0))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_png_jpeg_and_webp_are_recognised_by_their_first_bytes(content, content_type):
    assert image_type(content) == content_type
    assert clean_logo(content).content_type == content_type


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
HTML = b"<html><script>alert(1)</script></html>"


@pytest.mark.parametrize("content", [SVG, GIF, HTML, b"RIFF\x00\x00\x00\x00WAVEfmt ", PNG[1:]])
def test_anything_else_is_refused_naming_the_logo(content):
    with pytest.raises(ApplicationError) as refused:
        clean_logo(content)
    assert list(refused.value.errors) == ["logo"]
    assert "PNG, JPEG or WebP" in refused.value.message


def test_a_logo_may_be_256_kb_and_no_more():
    biggest = PNG + b"\x00" * (LOGO_MAX_BYTES - len(PNG))
    assert clean_logo(biggest).content == biggest
    with pytest.raises(ApplicationError) as refused:
        clean_logo(biggest + b"\x00")
    assert refused.value.errors == {"logo": [refused.value.message]}
    assert refused.value.message == "Logo: the image is 257 KB; at most 256 KB is accepted."
    with pytest.raises(ApplicationError, match="Logo: the file is empty"):
        clean_logo(b"")


def test_the_version_is_a_short_hash_that_changes_with_the_image():
    first, second = clean_logo(PNG), clean_logo(solid_png(2, 2, (0, 0, 0)))
    assert len(first.version) == 12 and first.version != second.version
    assert clean_logo(PNG).version == first.version
