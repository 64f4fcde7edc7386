"""Sentiment of one text, by VADER (Hutto and Gilbert, 2014).

Labels follow VADER's own recommended thresholds: compound >= 0.05 is positive,
<= -0.05 negative, anything between neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicons takes ~0.1 s: once per process, not once per text.
    return SentimentIntensityAnalyzer()


def label_for(score: float) -> str:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def analyse_sentiment(text: str) -> Sentiment:
    score = round(analyzer().polarity_scores(text)["compound"], 4)
    return Sentiment(score=score, label=label_for(score))
