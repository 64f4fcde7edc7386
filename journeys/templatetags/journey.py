from __future__ import annotations

from django import template

from ..presenters import CHANGES, VERDICTS, points

register = template.Library()
MINUS = "\u2212"  # typographic minus: "-41" reads as a hyphenated word in some fonts


@register.filter
def mood(value: float | None) -> str:
    """A sentiment (-1..1) as a signed -100..+100 figure: "+23", "-41" with a true minus."""
    shown = points(value)
    if shown is None:
        return "—"
    return f"+{shown}" if shown > 0 else str(shown).replace("-", MINUS)


@register.filter
def verdict_label(verdict: str) -> str:
    return str(VERDICTS.get(verdict, ""))


@register.filter
def change_label(verdict: str) -> str:
    return str(CHANGES.get(verdict, ""))


@register.filter
def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


@register.filter
def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
