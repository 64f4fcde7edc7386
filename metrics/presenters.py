"""The KPIs as plain JSON-ready data: for the API, the dashboard's charts and CSV.

Numbers are rounded for people (one decimal; sentiment three) and a figure that cannot be
computed is None: NaN or infinity never leaves this module (`finite` guards each one).
"""

from __future__ import annotations

import math

from journeys.stats import Interval

from .kpis import Change
from .selectors import AspectMove, KpiComparison, SurveyKpis, TrendPoint


def finite(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def interval_data(interval: Interval | None, digits: int = 1) -> dict | None:
    if interval is None:
        return None
    return {"low": finite(interval.low, digits), "high": finite(interval.high, digits)}


def change_data(change: Change | None, digits: int = 1) -> dict | None:
    """The change since the previous period; `real` False means it may be chance."""
    if change is None:
        return None
    return {
        "difference": finite(change.difference, digits),
        "low": finite(change.low, digits),
        "high": finite(change.high, digits),
        "real": change.real,
        "direction": change.direction,
    }


def kpis_data(kpis: SurveyKpis) -> dict:
    nps, csat, ces, trust, sentiment = kpis.nps, kpis.csat, kpis.ces, kpis.trust, kpis.sentiment
    weakest = trust.weakest
    return {
        "responses": kpis.responses,
        "interactions": kpis.interactions,
        "nps": {
            "score": finite(nps.score),
            "interval": interval_data(nps.interval),
            "enough": nps.enough,
            "answers": nps.n,
            "promoters": nps.promoters,
            "passives": nps.passives,
            "detractors": nps.detractors,
        },
        "csat": {
            "percent_satisfied": finite(csat.share.percent),
            "interval": interval_data(csat.share.interval),
            "mean": finite(csat.mean, 2),
            "enough": csat.share.enough,
            "answers": csat.share.n,
            "scale": "1-5, satisfied = 4-5",
        },
        "ces": {
            "mean": finite(ces.mean, 2),
            "interval": interval_data(ces.interval, 2),
            "percent_easy": finite(ces.easy.percent),
            "enough": ces.easy.enough,
            "answers": ces.easy.n,
            "scale": "1-7 agreement, easy = 5-7",
        },
        "trust": {
            "index": finite(trust.score),
            "weakest": weakest.key if weakest else None,
            "pillars": {
                pillar.key: {"score": finite(pillar.score), "answers": pillar.n}
                for pillar in trust.pillars
            },
            "scale": "1-7 agreement as 0-100",
        },
        "sentiment": {
            "mean": finite(sentiment.mean, 3),
            "scored": sentiment.n,
            "positive": sentiment.positive,
            "neutral": sentiment.neutral,
            "negative": sentiment.negative,
            "percent_positive": finite(sentiment.share(sentiment.positive)),
            "percent_neutral": finite(sentiment.share(sentiment.neutral)),
            "percent_negative": finite(sentiment.share(sentiment.negative)),
        },
    }


def comparison_data(comparison: KpiComparison) -> dict:
    previous = comparison.period.previous()
    return {
        "period": {"start": comparison.period.first, "end": comparison.period.last},
        "previous_period": {"start": previous.first, "end": previous.last},
        "current": kpis_data(comparison.current),
        "previous": kpis_data(comparison.previous),
        "change": {
            "nps": change_data(comparison.nps_change),
            "csat": change_data(comparison.csat_change),
            "ces": change_data(comparison.ces_change, 2),
            "sentiment": change_data(comparison.sentiment_change, 3),
        },
    }


def trend_data(points: list[TrendPoint], grain: str) -> dict:
    return {
        "grain": grain,
        "points": [{"start": point.start, **kpis_data(point.kpis)} for point in points],
    }


def aspects_data(moves: list[AspectMove]) -> list[dict]:
    return [
        {
            "key": move.key,
            "name": move.name,
            "mentions": move.mentions,
            "sentiment": finite(move.sentiment, 3),
            "previous_mentions": move.previous_mentions,
            "previous_sentiment": finite(move.previous_sentiment, 3),
            "change": finite(move.change, 3),
        }
        for move in moves
    ]


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    ("start", "period_start"),
    ("responses", "responses"),
    ("interactions", "interactions"),
    ("nps.score", "nps"),
    ("nps.interval.low", "nps_low"),
    ("nps.interval.high", "nps_high"),
    ("nps.answers", "nps_answers"),
    ("csat.percent_satisfied", "csat_percent"),
    ("csat.interval.low", "csat_low"),
    ("csat.interval.high", "csat_high"),
    ("csat.answers", "csat_answers"),
    ("ces.mean", "ces_mean"),
    ("ces.percent_easy", "ces_percent_easy"),
    ("ces.answers", "ces_answers"),
    ("trust.index", "trust_index"),
    ("trust.pillars.reliability.score", "trust_reliability"),
    ("trust.pillars.integrity.score", "trust_integrity"),
    ("trust.pillars.competence.score", "trust_competence"),
    ("trust.pillars.benevolence.score", "trust_benevolence"),
    ("sentiment.mean", "sentiment_mean"),
    ("sentiment.percent_positive", "sentiment_percent_positive"),
    ("sentiment.percent_negative", "sentiment_percent_negative"),
)


def _dig(data: dict, path: str) -> object:
    for key in path.split("."):
        if data is None:
            return None
        data = data.get(key)
    return data


def csv_rows(points: list[dict]) -> list[list[object]]:
    """The trend as a header and one row per week or month (see cxplatform.csvsafe)."""
    header = [name for _, name in CSV_COLUMNS]
    return [header, *([_dig(point, path) for path, _ in CSV_COLUMNS] for point in points)]
