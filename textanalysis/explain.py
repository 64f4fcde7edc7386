"""Why the analyser judged a text as it did, and why an alert was raised, from the inputs.

Nothing here judges anew. The stored analysis (each word and the weight it added, each
aspect and its score, the alert's score and terms) is laid out beside the rules and
settings that turned it into a label, so an owner can follow every step: VADER's
lexicon value of each word, its weight in this text after VADER's rules, their sum, the
emphasis of "!" and "??", the normalisation to -1..1, and the thresholds of the label.
Aspect term lists and alert settings can change after a text was scored: the page
shows them as they are now and says so.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from vaderSentiment.vaderSentiment import normalize

from accounts.access import ALL_ROLES, MANAGER_ROLES

from .analysis import (
    NEGATIVE_AT,
    NORMALIZE_ALPHA,
    POSITIVE_AT,
    TermMatcher,
    analysed_text,
    analyzer,
    clauses,
    emphasis,
    term_pattern,
)
from .models import LOW_RATING_UP_TO, Alert, AlertReason, Aspect, InsightSettings, ScoredText
from .selectors import Word, explanation_aspects, explanation_reason, explanation_words
from .services import ALERT_FRESH_FOR


@dataclass(frozen=True)
class ExplanationPage:
    """Where a kind of text is explained, who may open it (as on the pages that show
    the text), and the page the text itself lives on."""

    url_name: str
    roles: tuple[str, ...]
    kind: str
    home_url_name: str = ""


# Survey answers are read on the owners' and managers' pages (dashboard, journey map);
# staff notes and reviews on pages every member opens.
EXPLANATION_PAGES = {
    "feedback.Answer": ExplanationPage(
        "textanalysis:why_answer", MANAGER_ROLES, _("Survey answer")
    ),
    "feedback.Interaction": ExplanationPage(
        "textanalysis:why_interaction", ALL_ROLES, _("Staff note"), "interactions:detail"
    ),
    "reputation.Review": ExplanationPage(
        "textanalysis:why_review", ALL_ROLES, _("Review"), "reputation:review"
    ),
}


# --- Sentiment -----------------------------------------------------------------------


@dataclass(frozen=True)
class WordWeight:
    """A word that moved the score: VADER's lexicon value and its weight in this text
    (after VADER's rules for negation, boosters, capitals and "but")."""

    text: str
    lexicon: float | None
    weight: float
    described_as: str = ""  # an emoji: the words VADER reads it as


@dataclass(frozen=True)
class SentimentWhy:
    label: str
    score: float | None
    not_scored_reason: str
    words: list[WordWeight]
    total: float
    emphasis: float
    compound: float
    positive_at: float = POSITIVE_AT
    negative_at: float = NEGATIVE_AT
    alpha: int = NORMALIZE_ALPHA

    @property
    def emphasised(self) -> float:
        return self.total + self.emphasis


def sentiment_why(item: ScoredText) -> SentimentWhy:
    text = text_of(item)
    words = explanation_words(text, item.sentiment_explanation)
    total = sum(word.valence for word in words)
    boost = emphasis(analysed_text(text), total) if total else 0.0
    return SentimentWhy(
        label=item.sentiment_label,
        score=item.sentiment_score,
        not_scored_reason=explanation_reason(item.sentiment_explanation),
        words=[word_weight(text, word) for word in words],
        total=total,
        emphasis=boost,
        compound=normalize(total + boost, NORMALIZE_ALPHA) if total else 0.0,
    )


def text_of(item: ScoredText) -> str:
    return getattr(item, item.TEXT_FIELD, "") or ""


def word_weight(text: str, word: Word) -> WordWeight:
    written = text[word.start : word.end]
    description = analyzer().emojis.get(written, "")
    return WordWeight(
        text=written,
        lexicon=lexicon_value(description or written),
        weight=word.valence,
        described_as=description,
    )


def lexicon_value(words: str) -> float | None:
    """VADER's lexicon value of a word (of an emoji's words, added up); None when
    the lexicon has none of them (an idiom VADER scores as a whole)."""
    lexicon = analyzer().lexicon
    values = [lexicon[w] for w in words.lower().split() if w in lexicon]
    return round(sum(values), 3) if values else None


# --- Aspects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    text: str
    weight: float


@dataclass(frozen=True)
class AspectWhy:
    """One aspect of a text: its term list now, the terms found, and the clauses that
    mention it with their summed weights. `score` is the stored one (None when the
    text was scored before the aspect or its matching term existed)."""

    key: str
    name: str
    terms: list[str]
    matched: list[str]
    found: list[str]
    clauses: list[Clause]
    score: float | None
    recomputed: float

    @property
    def total(self) -> float:
        return sum(clause.weight for clause in self.clauses)

    @property
    def still_matches(self) -> bool:
        return bool(self.matched)


def aspects_why(item: ScoredText, aspects: Iterable[Aspect]) -> list[AspectWhy]:
    """The aspects the stored analysis found, and any the current lists find now."""
    text = text_of(item)
    read = analysed_text(text)
    words = explanation_words(text, item.sentiment_explanation)
    spans = list(clauses(read, words))
    stored = explanation_aspects(item.sentiment_explanation)
    by_key = {aspect.key: aspect for aspect in aspects}
    explained = []
    for key, aspect in by_key.items():
        why = aspect_why(text, read, spans, aspect, stored.get(key))
        if why.score is not None or why.still_matches:
            explained.append(why)
    for key, score in stored.items():
        if key not in by_key:  # the aspect was removed since
            explained.append(AspectWhy(key, key, [], [], [], [], score, 0.0))
    return explained


def aspect_why(
    text: str, read: str, spans: list[tuple[int, float]], aspect: Aspect, score: float | None
) -> AspectWhy:
    matched, found, offsets = [], [], set()
    for term in aspect.terms:
        hits = list(term_regex(term).finditer(read)) if term.strip(" *") else []
        if hits:
            matched.append(term)
            found += [text[hit.start() : hit.end()] for hit in hits]
            offsets |= {hit.start() for hit in hits}
    starts = [start for start, _ in spans]
    touched = sorted({bisect_right(starts, at) - 1 for at in offsets})
    mentioned = [clause_at(text, spans, index) for index in touched]
    total = sum(clause.weight for clause in mentioned)
    return AspectWhy(
        key=aspect.key, name=aspect.name, terms=list(aspect.terms), matched=matched,
        found=sorted(set(found), key=str.lower), clauses=mentioned, score=score,
        recomputed=round(normalize(total), 4) if total else 0.0,
    )  # fmt: skip


def term_regex(term: str) -> re.Pattern:
    return re.compile(rf"\b(?:{term_pattern(term)})", re.IGNORECASE)


def clause_at(text: str, spans: list[tuple[int, float]], index: int) -> Clause:
    start, weight = spans[index]
    end = spans[index + 1][0] if index + 1 < len(spans) else len(text)
    return Clause(text=text[start:end].strip(), weight=weight)


# --- Alerts --------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertWhy:
    """The three rules an alert can come from, each with its inputs and whether it
    held. The score and terms are the alert's own (as when it was raised); the threshold
    and the urgent list are the business's settings now."""

    reason: str
    score: float | None
    threshold: float
    terms: list[str]
    urgent_terms: list[str]
    urgent_found_now: list[str]
    rating: int | None
    low_rating_up_to: int = LOW_RATING_UP_TO
    fresh_days: int = ALERT_FRESH_FOR.days

    @property
    def negative_holds(self) -> bool:
        return self.score is not None and self.score <= self.threshold

    @property
    def urgent_holds(self) -> bool:
        return bool(self.terms)

    @property
    def low_rating_holds(self) -> bool:
        return self.rating is not None and self.rating <= self.low_rating_up_to

    @property
    def fired_negative(self) -> bool:
        return self.reason == AlertReason.NEGATIVE

    @property
    def fired_urgent(self) -> bool:
        return self.reason == AlertReason.URGENT

    @property
    def fired_low_rating(self) -> bool:
        return self.reason == AlertReason.LOW_RATING


def alert_why(*, alert: Alert, source: ScoredText | None, rules: InsightSettings) -> AlertWhy:
    text = text_of(source) if source is not None else alert.excerpt
    return AlertWhy(
        reason=alert.reason,
        score=alert.score,
        threshold=rules.alert_threshold,
        terms=list(alert.terms),
        urgent_terms=list(rules.urgent_terms),
        urgent_found_now=TermMatcher(rules.urgent_terms).found(text),
        rating=getattr(source, "rating", None),
    )
