"""Turning the map into what pages show: the chart's JSON and the figures' wording.

Sentiment is VADER's compound score, -1..1; pages show it as -100..+100, which reads
more easily ("+23") and loses nothing that matters at this precision.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .selectors import Heard, JourneyMap
from .stats import Interval

VERDICTS = {
    "pain": _("Pain point"),
    "bright": _("Bright spot"),
    "usual": _("Like the rest"),
    "too_few": _("Too few voices to say"),
}
CHANGES = {
    "better": _("Better than the previous period"),
    "worse": _("Worse than the previous period"),
    "steady": _("No clear change from the previous period"),
    "too_few": _("Too few voices to compare"),
}


def points(value: float | None) -> int | None:
    """-1..1 as -100..100."""
    return None if value is None else round(100 * value)


def interval_points(interval: Interval | None) -> dict | None:
    if interval is None:
        return None
    return {
        "estimate": points(interval.estimate),
        "low": points(interval.low),
        "high": points(interval.high),
    }


def heard_data(heard: Heard) -> dict:
    """A stage's or touchpoint's figures as plain JSON (the chart and the API)."""
    return {
        "voices": heard.voices,
        "scored": heard.sums.sentiment_n,
        "sentiment": heard.sentiment,
        "sentiment_interval": _raw_interval(heard.interval),
        "negative_share": heard.negative_share,
        "against_rest": _raw_interval(heard.against_rest),
        "verdict": heard.verdict,
        "previous": {
            "voices": heard.previous.voices,
            "sentiment": heard.previous_sentiment,
        },
        "change": _raw_interval(heard.change),
        "change_verdict": heard.change_verdict,
        "csat": {"answers": heard.sums.csat_n, "satisfied_share": heard.csat},
        "ces": {"answers": heard.sums.ces_n, "mean": heard.ces, "scale": "1-7, higher is easier"},
    }


def _raw_interval(interval: Interval | None) -> dict | None:
    if interval is None:
        return None
    return {"estimate": interval.estimate, "low": interval.low, "high": interval.high}


def chart_data(the_map: JourneyMap) -> dict:
    """The emotion curve: each stage's mood (-100..100) with its interval, and volume."""
    return {
        "average": points(the_map.overall.sentiment),
        "stages": [
            {
                "name": stage.stage.name,
                "voices": stage.heard.voices,
                "sentiment": points(stage.heard.sentiment),
                "interval": interval_points(stage.heard.interval),
                "verdict": stage.heard.verdict,
            }
            for stage in the_map.stages
        ],
        "labels": {
            "voices": str(_("voices")),
            "average": str(_("journey average")),
            "sentiment": str(_("sentiment, -100 to +100")),
        },
    }
