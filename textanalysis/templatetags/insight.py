"""Showing what the analyser found in a text: `{% load insight %}{% text_insight obj %}`.

The customer's text is never marked safe: it is cut into plain segments that the
template escapes, and only the <mark> around the judged words comes from us.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..explain import EXPLANATION_PAGES
from ..models import ScoredText, SentimentLabel
from ..selectors import (
    alerts_waiting_count,
    aspect_names_for_request,
    explanation_aspects,
    explanation_reason,
    explanation_words,
)

register = template.Library()

REASONS = {
    "empty": gettext_lazy("empty"),
    "language": gettext_lazy("not in English"),
    "unknown_words": gettext_lazy("no words we can judge"),
    "error": gettext_lazy("could not be analysed"),
}


@dataclass(frozen=True)
class Segment:
    text: str
    tone: str = ""  # "pos" or "neg" for a judged word
    title: str = ""


@dataclass(frozen=True)
class Chip:
    name: str
    tone: str
    score: str


def signed(value: float) -> str:
    """+1.55, \u22120.20 (a true minus sign, as typeset), +0.00."""
    return f"{value:+.2f}".replace("-", "\u2212")


def tone_of(value: float) -> str:
    return "pos" if value > 0 else "neg" if value < 0 else ""


def segments(text: str, explanation: object) -> list[Segment]:
    """The text cut at its judged words, in order; together they spell the whole text."""
    parts: list[Segment] = []
    position = 0
    for word in explanation_words(text, explanation):
        tone = tone_of(word.valence)
        if not tone:
            continue
        if word.start > position:
            parts.append(Segment(text[position : word.start]))
        parts.append(Segment(text[word.start : word.end], tone, signed(word.valence)))
        position = word.end
    if position < len(text):
        parts.append(Segment(text[position:]))
    return parts


def chips(explanation: object, names: dict[str, str]) -> list[Chip]:
    """One chip per aspect the text talks about; aspects since removed are left out."""
    return [
        Chip(names[key], tone_of(score) or "neutral", signed(score))
        for key, score in explanation_aspects(explanation).items()
        if key in names
    ]


def names_for(context: template.Context, business_id: int) -> dict[str, str]:
    return aspect_names_for_request(context.get("request"), business_id)


def badge(item: ScoredText, explanation: object) -> dict:
    label = item.sentiment_label
    if label == SentimentLabel.NOT_SCORED:
        reason = REASONS.get(explanation_reason(explanation), "")
        text = _("Not scored (%(reason)s)") % {"reason": reason} if reason else _("Not scored")
        return {"tone": "unscored", "text": text, "title": ""}
    score = item.sentiment_score
    return {
        "tone": label,
        "text": item.get_sentiment_label_display(),
        "score": signed(score) if score is not None else "",
        "title": _("Sentiment score from -1 (most negative) to +1 (most positive)"),
    }


@register.inclusion_tag("textanalysis/includes/text_insight.html", takes_context=True)
def text_insight(
    context, item: ScoredText | None, link: str = "", names: dict | None = None
) -> dict:
    """The text with its judged words marked, its label and score, and its aspects.

    `link` makes the text a link; `names` (aspect key -> name) spares the lookup.
    """
    if not isinstance(item, ScoredText):  # None, or a variable the template lacks
        return {"segments": [], "hidden": True}
    text = getattr(item, item.TEXT_FIELD, "") or ""
    if not item.is_scored:
        return {"segments": [Segment(text)] if text else [], "link": link, "scored": False}
    explanation = item.sentiment_explanation
    aspects = explanation_aspects(explanation)
    if aspects and names is None:
        names = names_for(context, item.business_id)
    return {
        "segments": segments(text, explanation),
        "link": link,
        "scored": True,
        "badge": badge(item, explanation),
        "chips": chips(explanation, names or {}),
        "why_url": why_url(context, item),
    }


def why_url(context: template.Context, item: ScoredText) -> str:
    """The page explaining this judgement, for a member whose role may open it; else ""."""
    page = EXPLANATION_PAGES.get(item._meta.label)
    membership = getattr(context.get("request"), "membership", None)
    if page is None or membership is None or membership.role not in page.roles:
        return ""
    return reverse(page.url_name, args=[item.uuid])


@register.simple_tag
def alerts_waiting(business) -> int:
    """How many alerts of the business nobody has acknowledged (0 without a business)."""
    return alerts_waiting_count(business=business) if business is not None else 0
