"""Colour maths for the survey theme: whatever colour an owner picks, the survey stays
readable (WCAG 2.1 AA, 4.5:1 for text).

Pure functions on "#rrggbb" strings, no Django. The formulas are WCAG's own:
https://www.w3.org/TR/WCAG21/#dfn-relative-luminance and #dfn-contrast-ratio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AA_TEXT = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
# Softer than pure black on a button; pure black is the fallback for the few mid-tones
# where near-black falls short of 4.5:1 and white does too.
NEAR_BLACK = "#111111"

HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")


def is_hex_colour(value: str) -> bool:
    return bool(HEX_COLOUR.fullmatch(value))


def rgb(colour: str) -> tuple[int, int, int]:
    if not is_hex_colour(colour):
        raise ValueError(f"Not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def hex_colour(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in (red, green, blue))


def channel_luminance(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    red, green, blue = (channel_luminance(c) for c in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same) to 21 (black on white); the order of the two does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on `background` (always >= 4.5:1)."""
    best = max((WHITE, NEAR_BLACK), key=lambda ink: contrast_ratio(ink, background))
    if contrast_ratio(best, background) < AA_TEXT:
        return BLACK  # every colour reaches 4.58:1 with white or with pure black
    return best


def mix(colour: str, toward: str, amount: float) -> str:
    """`colour` moved `amount` (0 to 1) of the way to `toward`, channel by channel."""
    start, end = rgb(colour), rgb(toward)
    return hex_colour(*(a + (b - a) * amount for a, b in zip(start, end, strict=True)))


def readable_on(colour: str, background: str = WHITE, target: float = AA_TEXT) -> str:
    """`colour` itself if it reaches `target` on `background`, else the closest variant
    that does: darkened toward black on a light background, lightened toward white on a
    dark one (keeping the hue, so the brand still shows)."""
    if contrast_ratio(colour, background) >= target:
        return colour
    toward = BLACK if relative_luminance(background) > 0.18 else WHITE
    low, high = 0.0, 1.0  # the least mixing that reaches the target, by bisection
    for _ in range(20):
        middle = (low + high) / 2
        if contrast_ratio(mix(colour, toward, middle), background) >= target:
            high = middle
        else:
            low = middle
    return mix(colour, toward, high)


@dataclass(frozen=True)
class Theme:
    brand: str  # the owner's colour: button and accent backgrounds
    brand_ink: str  # text on the brand colour
    brand_text: str  # the brand for text, links and borders on the page's light surfaces

    @property
    def css_properties(self) -> str:
        """The custom properties for a style="" attribute (the values are #rrggbb only)."""
        return (
            f"--brand: {self.brand}; --brand-ink: {self.brand_ink}; --brand-text: {self.brand_text}"
        )


def theme_for(brand: str, *, surface: str = WHITE) -> Theme:
    """The survey's colours for `brand`; `surface` is the darkest light background the
    brand's text sits on, so it reads on that and on anything lighter."""
    return Theme(brand=brand, brand_ink=text_on(brand), brand_text=readable_on(brand, surface))
