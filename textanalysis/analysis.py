"""What a piece of customer text says: sentiment, the words behind it, and its aspects.

Sentiment is VADER's (Hutto and Gilbert, 2014), run sentence by sentence: VADER's rules
look a few words around each word, but its implementation rebuilds whole-text lists for
every word, so its cost grows with the square of the text. Per sentence it stays linear.

The text's score is VADER's own formula over the whole text: the sum of every word's
valence after VADER's rules (negation, boosters, capitals, "but"), plus its emphasis
for "!" and "??", normalised to -1..1. For a one-sentence text this is exactly
`polarity_scores()["compound"]`; for longer ones "but" and capitals act within their
sentence. The per-word valences are the explanation shown to owners: they add up to
the score before normalisation.

VADER knows English only. A text in another language, or with no word VADER or English
knows, is "not scored" rather than neutral: neutral would be a claim we cannot make.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from types import SimpleNamespace

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    allcap_differential,
    normalize,
)

from .models import SentimentLabel

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
# VADER's normalisation of the summed valences x to -1..1: x / sqrt(x² + alpha).
NORMALIZE_ALPHA = 15
# A 1 MB text is stored whole; its first 100,000 characters (some 17,000 words) are read.
MAX_ANALYSED_CHARS = 100_000
# A "sentence" without punctuation is read in windows of this many words: VADER's
# rules look at most three words back, so little is lost at a cut.
MAX_SENTENCE_WORDS = 60
# Texts up to this long are read whole, exactly as VADER reads them; longer ones by sentence.
SHORT_TEXT_CHARS = 400
SENTENCE_END = re.compile(r"[.!?…]+(?=\s)|\n")
WORD = re.compile(r"\S+")
MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# Every emoji VADER spells out is one of these (it replaces single characters only;
# longer sequences pass through part by part).
NON_ASCII = re.compile(r"[^\x00-\x7f]")
CONTRAST = re.compile(r"\b(?:but|however|although|though|yet|whereas)\b|;", re.IGNORECASE)
LETTERS = re.compile(r"[^\W\d_]+")


class NotScoredReason:
    EMPTY = "empty"
    LANGUAGE = "language"
    UNKNOWN_WORDS = "unknown_words"
    ERROR = "error"  # the analyser failed on it (logged); see services.analyse_safely


@dataclass(frozen=True)
class Highlight:
    """A word of the original text (by character offsets) and what it added to the score."""

    start: int
    end: int
    valence: float


@dataclass
class Analysis:
    score: float | None
    label: str
    reason: str = ""
    highlights: list[Highlight] = field(default_factory=list)
    # Aspect key -> the sentiment of the clauses that mention it.
    aspects: dict[str, float] = field(default_factory=dict)

    def explanation(self) -> dict:
        """What is stored with the text for the browser and the API."""
        return {
            "words": [[h.start, h.end, round(h.valence, 3)] for h in self.highlights],
            "aspects": {key: round(score, 4) for key, score in self.aspects.items()},
            "reason": self.reason,
        }


def label_for(score: float) -> str:
    if score >= POSITIVE_AT:
        return SentimentLabel.POSITIVE
    if score <= NEGATIVE_AT:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    # Loading the lexicons takes ~0.1 s: once per process, not once per text.
    return SentimentIntensityAnalyzer()


# --- Terms: aspects and urgent matters ----------------------------------------------


def term_pattern(term: str) -> str:
    """A term as a regular expression: words, phrases, and prefixes written "refund*"."""
    term = " ".join(term.lower().split())
    prefix = term.endswith("*")
    words = [re.escape(w) for w in term.rstrip("*").split()]
    # No leading \b: the matchers put one before all the alternatives at once, which
    # is five times faster than one in each.
    return r"\s+".join(words) + (r"\w*" if prefix else r"\b")


def terms_regex(terms: Iterable[str]) -> str:
    patterns = sorted({term_pattern(t) for t in terms if t.strip(" *")}, key=len, reverse=True)
    return "|".join(patterns)


class TermMatcher:
    """Finds any of a list of terms (the urgent matters that raise an alert)."""

    def __init__(self, terms: Iterable[str]) -> None:
        pattern = terms_regex(terms)
        self.regex = re.compile(rf"\b(?:{pattern})", re.IGNORECASE) if pattern else None

    def found(self, text: str) -> list[str]:
        if self.regex is None:
            return []
        return sorted({" ".join(m.group().lower().split()) for m in self.regex.finditer(text)})


class AspectMatchers:
    """All of a business's aspects in one regular expression: one pass over a text
    finds every mention, and the group that matched names the aspect."""

    def __init__(self, aspects: Iterable[tuple[str, Sequence[str]]]) -> None:
        groups, self.keys = [], {}
        for key, terms in aspects:
            pattern = terms_regex(terms)
            if pattern:
                name = f"a{len(groups)}"
                self.keys[name] = key
                groups.append(f"(?P<{name}>{pattern})")
        self.regex = (
            re.compile(r"\b(?:" + "|".join(groups) + ")", re.IGNORECASE) if groups else None
        )

    def mentions(self, text: str) -> Iterator[tuple[int, str]]:
        """(offset, aspect key) of each mention."""
        if self.regex is not None:
            for match in self.regex.finditer(text):
                yield match.start(), self.keys[match.lastgroup]


NO_ASPECTS = AspectMatchers([])


# --- Analysis -----------------------------------------------------------------------


def analysed_text(text: str) -> str:
    """The text as the analyser reads it: its first MAX_ANALYSED_CHARS, markup blanked."""
    return without_markup((text or "")[:MAX_ANALYSED_CHARS])


def analyse(text: str, aspects: AspectMatchers = NO_ASPECTS) -> Analysis:
    text = analysed_text(text)
    if not text.strip():
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.EMPTY)
    words: list[str] = []
    highlights: list[Highlight] = []
    for start, end in parts_of(text):
        part_words, part_highlights = vader_part(text, start, end)
        words += part_words
        highlights += part_highlights
    english, foreign = language_evidence(words)
    if foreign > english:
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.LANGUAGE)
    mentions = list(aspects.mentions(text))
    if not highlights and not english and not mentions:
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.UNKNOWN_WORDS)
    score = compound(text, sum(h.valence for h in highlights))
    return Analysis(
        score, label_for(score), highlights=merged(highlights),
        aspects=aspect_scores(text, highlights, mentions),
    )  # fmt: skip


def compound(text: str, total: float) -> float:
    """VADER's compound score from the words' summed valence: the emphasis of "!" and
    "??" added in the direction of the sum, then normalised to -1..1."""
    if not total:
        return 0.0
    return round(normalize(total + emphasis(text, total), NORMALIZE_ALPHA), 4)


def without_markup(text: str) -> str:
    """HTML tags blanked out (same length, so offsets still point into the stored text):
    "<b>Terrible</b>" is scored on "Terrible"."""
    if "<" not in text:
        return text
    return MARKUP.sub(lambda match: " " * len(match.group()), text)


def emphasis(text: str, total: float) -> float:
    """VADER's boost for "!" and "??", in the direction of the sum."""
    amplifier = analyzer()._punctuation_emphasis(text)
    return amplifier if total > 0 else -amplifier


def parts_of(text: str) -> Iterator[tuple[int, int]]:
    """Spans VADER reads one at a time: a short text whole, a long one by sentence."""
    if len(text) <= SHORT_TEXT_CHARS:
        yield 0, len(text)
        return
    start = 0
    for match in SENTENCE_END.finditer(text):
        yield from word_windows(text, start, match.end())
        start = match.end()
    yield from word_windows(text, start, len(text))


def word_windows(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The span itself, or windows of MAX_SENTENCE_WORDS words when it is longer."""
    words = [m.start() for m in WORD.finditer(text, start, end)]
    for first in range(0, len(words), MAX_SENTENCE_WORDS):
        following = first + MAX_SENTENCE_WORDS
        yield words[first], words[following] if following < len(words) else end


def vader_part(text: str, start: int, end: int) -> tuple[list[str], list[Highlight]]:
    """VADER's words for text[start:end], and those with a valence with their place in
    `text` (the others add nothing to any score)."""
    converted, source = without_emoji(text[start:end])
    raw_tokens = [(m.start(), m.group()) for m in WORD.finditer(converted)]
    words = [vader_word(raw) for _, raw in raw_tokens]
    highlights = []
    for (at, raw), word, valence in zip(raw_tokens, words, vader_valences(words), strict=True):
        if valence:
            first = at + raw.find(word)
            last = first + len(word) - 1
            highlights.append(Highlight(start + source(first), start + source(last) + 1, valence))
    return words, highlights


def merged(highlights: list[Highlight]) -> list[Highlight]:
    # The words of an emoji's description ("smiling face") all point at the emoji itself.
    by_span: dict[tuple[int, int], float] = {}
    for h in highlights:
        by_span[h.start, h.end] = by_span.get((h.start, h.end), 0.0) + h.valence
    return [Highlight(start, end, valence) for (start, end), valence in by_span.items()]


def vader_word(token: str) -> str:
    """A token as VADER's SentiText keeps it: punctuation stripped unless it is an
    emoticon (two characters or fewer once stripped)."""
    stripped = token.strip(string.punctuation)
    return token if len(stripped) <= 2 else stripped


def vader_valences(words: list[str]) -> list[float]:
    """VADER's polarity_scores() loop, stopping before it sums: one valence per word."""
    vader = analyzer()
    sentitext = SimpleNamespace(words_and_emoticons=words, is_cap_diff=allcap_differential(words))
    sentiments: list[float] = []
    for i, item in enumerate(words):
        lowered = item.lower()
        if lowered in BOOSTER_DICT or (
            lowered == "kind" and i < len(words) - 1 and words[i + 1].lower() == "of"
        ):
            sentiments.append(0)
            continue
        sentiments = vader.sentiment_valence(0, sentitext, item, i, sentiments)
    return vader._but_check(words, sentiments)


def without_emoji(span: str) -> tuple[str, Callable[[int], int]]:
    """The span with emoji spelled out as VADER does, and a map back to offsets."""
    emojis = analyzer().emojis
    found = [m.start() for m in NON_ASCII.finditer(span) if m.group() in emojis]
    if not found:
        return span, lambda offset: offset
    parts: list[str] = []
    # (offset in the result, offset in the span, whether it is an emoji's description)
    anchors: list[tuple[int, int, bool]] = []
    length = previous = 0
    for index in found:
        parts.append(span[previous:index])
        anchors.append((length, previous, False))
        length += index - previous
        # As VADER: a space before the description unless one is there already.
        description = ("" if index == 0 or span[index - 1] == " " else " ") + emojis[span[index]]
        parts.append(description)
        anchors.append((length, index, True))
        length += len(description)
        previous = index + 1
    parts.append(span[previous:])
    anchors.append((length, previous, False))
    starts = [at for at, _, _ in anchors]

    def source(offset: int) -> int:
        at, origin, is_emoji = anchors[bisect_right(starts, offset) - 1]
        return origin if is_emoji else origin + offset - at

    return "".join(parts), source


# --- Not scored: which language is this? ---------------------------------------------

# Short, frequent words, each only in its own language: a text's share of them tells
# English from the languages our customers also write in, at no cost worth measuring.
ENGLISH_WORDS = frozenset(
    """the and was were is are to of it this that with for not but have had has you
    they we our my me i very so they'd we'd i'm it's don't didn't wasn't will would
    could should there their what when where who which from at be been just really
    an or if all no your his her him she he them us out up about after again too also
    one here only more than then because can get got went came""".split()  # noqa: SIM905
)
FOREIGN_WORDS = (
    frozenset(
        # Spanish, French, German, Italian, Portuguese, Dutch; none is also an English word.
        """el los las una unos del por para con muy pero fue es está estaba son que más
    nunca y todo bien gracias servicio nos les le les du des une est et très avec pour
    pas mais était sont nous vous ils elle cette ce qui dans sur bien merci jamais
    der das und ist nicht sehr mit war ein eine für aber auch wir sie ich es den dem
    zu sind noch nie danke gut il lo gli della che molto non sono ma per con è era
    ottimo grazie mai o um uma com não foi muito mas obrigado nunca ótimo
    het een en niet zeer met voor maar ook wij zij ik bedankt nooit goed""".split()  # noqa: SIM905
    )
    - ENGLISH_WORDS
)


def language_evidence(words: list[str]) -> tuple[int, int]:
    """(English words, words of other languages) among the text's first 400 words."""
    english = foreign = 0
    lexicon = analyzer().lexicon
    for word in words[:400]:
        word = word.lower()
        english += word in ENGLISH_WORDS or word in lexicon
        foreign += word in FOREIGN_WORDS
    return english, foreign


# --- Aspects -------------------------------------------------------------------------


def aspect_scores(
    text: str, highlights: list[Highlight], mentions: list[tuple[int, str]]
) -> dict[str, float]:
    """Each aspect mentioned, with the sentiment of the clauses that mention it."""
    if not mentions:
        return {}
    spans = list(clauses(text, highlights))
    starts = [start for start, _ in spans]
    sums: dict[str, float] = {}
    for key, clause in {(key, bisect_right(starts, at) - 1) for at, key in mentions}:
        sums[key] = sums.get(key, 0.0) + spans[clause][1]
    return {key: round(normalize(total), 4) if total else 0.0 for key, total in sums.items()}


def clauses(text: str, highlights: list[Highlight]) -> Iterator[tuple[int, float]]:
    """(start, valence sum) of each clause: cut at sentence ends, "but", "however", ";".

    The contrast rule: a clause with no sentiment words that follows "but" after a
    clause with some takes half the opposite of it. "The food was great but we waited
    40 minutes" is good about the food and bad about the wait, which VADER alone
    cannot see ("waited" is in no lexicon).
    """
    cuts = sorted(
        [(m.end(), False) for m in SENTENCE_END.finditer(text)]
        + [(m.start(), True) for m in CONTRAST.finditer(text)]
    )
    bounds = [(0, False), *cuts, (len(text) + 1, False)]
    index, previous = 0, 0.0
    for (start, contrast), (end, _) in pairwise(bounds):
        total = 0.0
        while index < len(highlights) and highlights[index].start < end:
            total += highlights[index].valence
            index += 1
        if total == 0 and contrast:
            total = -0.5 * previous
        previous = total
        yield start, total
