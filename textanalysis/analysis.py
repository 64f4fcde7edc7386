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

import json
import re
import string
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer, normalize

from .models import SentimentLabel
from .vader_rules import valences

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
# A run of ".!?…" followed by white space, or a line break: "[.!?…]+(?=\s)|\n", written
# to start with one character class, which `re` looks for in C before it tries the rest
# (the alternation was tried at every character of the text: twice as slow).
SENTENCE_END = re.compile(r"[\n.!?…](?:(?<=\n)|[.!?…]*(?=\s))")
WORD = re.compile(r"\S+")
MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# Every emoji VADER spells out is one of these (it replaces single characters only;
# longer sequences pass through part by part).
NON_ASCII = re.compile(r"[^\x00-\x7f]")
CONTRAST = re.compile(r"\b(?:but|however|although|though|yet|whereas)\b|;", re.IGNORECASE)
# The same on a lower-cased text (see TermsRegex): ";" and a word never start together.
CONTRAST_LOWER = re.compile(r";|\b(?=[bhatwy])(?:but|however|although|though|yet|whereas)\b")
# What a lower-cased text holds if CONTRAST_LOWER can match in it ("although" holds
# "though"): most texts hold none, and `in` finds that faster than one regex pass.
CONTRAST_PARTS = (";", "but", "however", "though", "yet", "whereas")
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
            "words": [[h.start, h.end, round(h.valence, WORD_PLACES)] for h in self.highlights],
            "aspects": {key: round(score, ASPECT_PLACES) for key, score in self.aspects.items()},
            "reason": self.reason,
        }

    def explanation_json(self) -> str:
        """json.dumps(self.explanation()), character for character, written directly:
        the worker writes one per text, and the general encoder took a tenth of the
        time of analysing it. Numbers are written by repr(), as json.dumps does."""
        words = ", ".join(
            f"[{h.start}, {h.end}, {rounded(h.valence, WORD_PLACES)}]" for h in self.highlights
        )
        aspects = ", ".join(
            f"{json_string(key)}: {rounded(score, ASPECT_PLACES)}"
            for key, score in self.aspects.items()
        )
        reason = json_string(self.reason)
        return f'{{"words": [{words}], "aspects": {{{aspects}}}, "reason": {reason}}}'


# The stored explanation's precision, for both ways of writing it.
WORD_PLACES, ASPECT_PLACES = 3, 4


def rounded(number: float, places: int) -> str:
    """repr(round(number, places)). Rounding a float is costly (it goes through its
    decimal digits), and a few hundred values (VADER's lexicon values after its
    rules) make most of them: they are remembered. Not zero: 0.0 and -0.0 are one key
    of a cache but print differently."""
    return _rounded(number, places) if number else repr(round(number, places))


@lru_cache(maxsize=8192, typed=True)  # typed: 3 and 3.0 print differently
def _rounded(number: float, places: int) -> str:
    return repr(round(number, places))


@lru_cache(maxsize=1024)
def json_string(text: str) -> str:
    """A string as JSON (the aspect keys and reasons: a few dozen distinct ones)."""
    return json.dumps(text)


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


def normalised_term(term: str) -> str:
    """A term (or what it matched) lower-cased, with single spaces between its words."""
    return " ".join(term.lower().split())


def term_pattern(term: str) -> str:
    """A term as a regular expression: words, phrases, and prefixes written "refund*"."""
    term = normalised_term(term)
    prefix = term.endswith("*")
    words = [re.escape(w) for w in term.rstrip("*").split()]
    # No leading \b: the matchers put one before all the alternatives at once, which
    # is five times faster than one in each.
    return r"\s+".join(words) + (r"\w*" if prefix else r"\b")


def terms_regex(terms: Iterable[str]) -> str:
    """The usable terms (see usable_terms) as one alternation, longest first."""
    return "|".join(terms_patterns(terms))


class TermsRegex:
    """Lists of terms (groups) matched case-insensitively at word starts; each match
    tells which group's term it is.

    Python's `re` tries every alternative at every word boundary, and with IGNORECASE
    it cannot skip one by its first letter. A text is matched instead lower-cased, by
    the same alternatives made case-sensitive (they are lower case already) and sorted
    by their first character: `\\b(?:c(?:offee\\w*|...)|s(?:taff\\b|...)|...)`. At a
    word start `re` skips every branch but one by that character, and inside it the
    alternatives keep their order, so the first that matches is the one the single
    alternation finds: the same matches at the same offsets, from fewer tries. That
    holds for ASCII terms in a text whose other characters have no case (emoji, "€");
    a text with "É" or the Kelvin sign, or non-ASCII terms, take the IGNORECASE regex,
    whose Unicode case rules lower-casing would not follow.
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        patterns = [terms_patterns(terms) for terms in groups]
        body = "|".join(f"({'|'.join(group)})" for group in patterns)
        self.any_case = re.compile(rf"\b(?:{body})", re.IGNORECASE)
        self.lower_case = None
        if body.isascii():
            self.lower_case, self.lower_case_groups = by_first_character(patterns)

    def matches(self, text: str, folded: str | None = None) -> Iterator[tuple[re.Match, int]]:
        """Each match in `text` with the index of its group; `folded` is
        case_folded(text) when the caller has it."""
        if self.lower_case is not None:
            folded = folded if folded is not None else case_folded(text)
            if folded is not None:
                groups = self.lower_case_groups
                return ((m, groups[m.lastindex]) for m in self.lower_case.finditer(folded))
        # The capturing groups are the term lists', numbered from 1.
        return ((m, m.lastindex - 1) for m in self.any_case.finditer(text))


def terms_patterns(terms: Iterable[str]) -> list[str]:
    """The terms' patterns, longest first (see terms_regex)."""
    return sorted({term_pattern(t) for t in terms}, key=len, reverse=True)


def by_first_character(patterns: list[list[str]]) -> tuple[re.Pattern, list[int]]:
    """The groups of ASCII patterns as one regex of branches by first character (see
    TermsRegex), and the group of each of its capturing groups (by number)."""
    branches: dict[str, list[tuple[int, list[str]]]] = {}
    for group, alternatives in enumerate(patterns):
        for pattern in alternatives:
            # re.escape() writes a character alone or after a backslash.
            first = pattern[:2] if pattern.startswith("\\") else pattern[:1]
            branch = branches.setdefault(first, [])
            if not branch or branch[-1][0] != group:
                branch.append((group, []))
            branch[-1][1].append(pattern[len(first) :])
    numbered = [-1]  # capturing groups are numbered from 1
    bodies = []
    for first, runs in branches.items():
        numbered += [group for group, _ in runs]
        inner = "|".join(f"({'|'.join(rests)})" for _, rests in runs)
        bodies.append(f"{first}(?:{inner})")
    return re.compile(rf"\b(?:{'|'.join(bodies)})"), numbered


def case_folded(text: str) -> str | None:
    """The text lower-cased, when matching that case-sensitively is matching the text
    ignoring case (only its ASCII characters have a case); otherwise None."""
    if text.isascii() or all(map(uncased, set(NON_ASCII.findall(text)))):
        return text.lower()
    return None


@lru_cache(maxsize=4096)
def uncased(character: str) -> bool:
    return character.lower() == character == character.upper()


def usable_terms(terms: Iterable[str]) -> list[str]:
    """The terms with something to match (not blank, not a lone "*")."""
    return [t for t in terms if t.strip(" *")]


class TermMatcher:
    """Finds any of a list of terms (the urgent matters that raise an alert)."""

    def __init__(self, terms: Iterable[str]) -> None:
        terms = usable_terms(terms)
        self.regex = TermsRegex([terms]) if terms else None

    def found(self, text: str) -> list[str]:
        if self.regex is None:
            return []
        return sorted({normalised_term(m.group()) for m, _ in self.regex.matches(text)})


class AspectMatchers:
    """All of a business's aspects in one regular expression: one pass over a text
    finds every mention, and the group that matched names the aspect."""

    def __init__(self, aspects: Iterable[tuple[str, Sequence[str]]]) -> None:
        self.keys: list[str] = []
        groups = []
        for key, terms in aspects:
            terms = usable_terms(terms)
            if terms:
                self.keys.append(key)
                groups.append(terms)
        self.regex = TermsRegex(groups) if groups else None

    def mentions(self, text: str, folded: str | None = None) -> list[tuple[int, str]]:
        """(offset, aspect key) of each mention."""
        if self.regex is None:
            return []
        keys = self.keys
        return [(match.start(), keys[group]) for match, group in self.regex.matches(text, folded)]


NO_ASPECTS = AspectMatchers([])


# --- Analysis -----------------------------------------------------------------------


def analysed_text(text: str) -> str:
    """The text as the analyser reads it: its first MAX_ANALYSED_CHARS, markup blanked."""
    return without_markup((text or "")[:MAX_ANALYSED_CHARS])


def analyse(text: str, aspects: AspectMatchers = NO_ASPECTS) -> Analysis:
    text = analysed_text(text)
    if not text.strip():
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.EMPTY)
    lowered: list[str] = []
    highlights: list[Highlight] = []
    spelled_out = False  # an emoji read as its description
    for start, end in parts_of(text):
        spelled_out |= vader_part(text, start, end, lowered, highlights)
    english, foreign = language_evidence(lowered)
    if foreign > english:
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.LANGUAGE)
    folded = case_folded(text)
    mentions = aspects.mentions(text, folded)
    if not highlights and not english and not mentions:
        return Analysis(None, SentimentLabel.NOT_SCORED, NotScoredReason.UNKNOWN_WORDS)
    score = compound(text, sum(h.valence for h in highlights))
    return Analysis(
        score, label_for(score), highlights=merged(highlights) if spelled_out else highlights,
        aspects=aspect_scores(text, highlights, mentions, folded),
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


def vader_part(
    text: str, start: int, end: int, lowered: list[str], highlights: list[Highlight]
) -> bool:
    """Read text[start:end] as VADER reads a text: add its words, lower-cased, to
    `lowered` and those with a valence, with their place in `text`, to `highlights`
    (the others add nothing to any score). Returns whether an emoji was spelled out."""
    converted, source = without_emoji(text[start:end])
    tokens = converted.split()
    words = vader_words(tokens)
    part_lowered = [word.lower() for word in words]
    lowered += part_lowered
    found = [
        (index, valence)
        for index, valence in enumerate(valences(words, part_lowered, analyzer()))
        if valence
    ]
    if found:
        offsets = token_offsets(converted, tokens, found[-1][0])
        for index, valence in found:
            word = words[index]
            first = offsets[index] + tokens[index].find(word)
            last = first + len(word) - 1
            highlights.append(Highlight(start + source(first), start + source(last) + 1, valence))
    return source is not same_offset


def vader_words(tokens: list[str]) -> list[str]:
    """Tokens as VADER's SentiText keeps them: punctuation stripped unless it is an
    emoticon (two characters or fewer once stripped)."""
    punctuation = string.punctuation
    return [word if len(word := token.strip(punctuation)) > 2 else token for token in tokens]


def token_offsets(span: str, tokens: list[str], last: int) -> list[int]:
    """Where each of the first last + 1 tokens of span.split() starts: after the end of
    the one before, the first place its text occurs (only white space lies between)."""
    offsets, at = [], 0
    for token in tokens[: last + 1]:
        at = span.find(token, at)
        offsets.append(at)
        at += len(token)
    return offsets


def merged(highlights: list[Highlight]) -> list[Highlight]:
    # The words of an emoji's description ("smiling face") all point at the emoji itself.
    by_span: dict[tuple[int, int], float] = {}
    for h in highlights:
        by_span[h.start, h.end] = by_span.get((h.start, h.end), 0.0) + h.valence
    return [Highlight(start, end, valence) for (start, end), valence in by_span.items()]


def same_offset(offset: int) -> int:
    return offset


def without_emoji(span: str) -> tuple[str, Callable[[int], int]]:
    """The span with emoji spelled out as VADER does, and a map back to offsets."""
    if span.isascii():  # every emoji VADER knows is a non-ASCII character
        return span, same_offset
    emojis = analyzer().emojis
    found = [m.start() for m in NON_ASCII.finditer(span) if m.group() in emojis]
    if not found:
        return span, same_offset
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


def language_evidence(lowered: list[str]) -> tuple[int, int]:
    """(English words, words of other languages) among the text's first 400 words."""
    first = lowered[:400]
    english = sum(map(english_words().__contains__, first))
    return english, sum(map(FOREIGN_WORDS.__contains__, first))


@cache
def english_words() -> frozenset[str]:
    """The words that show a text is English: the short ones above and VADER's lexicon."""
    return ENGLISH_WORDS | frozenset(analyzer().lexicon)


# --- Aspects -------------------------------------------------------------------------


def aspect_scores(
    text: str,
    highlights: list[Highlight],
    mentions: list[tuple[int, str]],
    folded: str | None = None,
) -> dict[str, float]:
    """Each aspect mentioned, with the sentiment of the clauses that mention it."""
    if not mentions:
        return {}
    spans = list(clauses(text, highlights, folded))
    starts = [start for start, _ in spans]
    sums: dict[str, float] = {}
    for key, clause in {(key, bisect_right(starts, at) - 1) for at, key in mentions}:
        sums[key] = sums.get(key, 0.0) + spans[clause][1]
    return {key: round(normalize(total), 4) if total else 0.0 for key, total in sums.items()}


def clauses(
    text: str, highlights: list[Highlight], folded: str | None = None
) -> Iterator[tuple[int, float]]:
    """(start, valence sum) of each clause: cut at sentence ends, "but", "however", ";".

    The contrast rule: a clause with no sentiment words that follows "but" after a
    clause with some takes half the opposite of it. "The food was great but we waited
    40 minutes" is good about the food and bad about the wait, which VADER alone
    cannot see ("waited" is in no lexicon). `folded` is case_folded(text), if known.
    """
    folded = folded if folded is not None else case_folded(text)
    bounds = [(0, False), *cuts(text, folded), (len(text) + 1, False)]
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


def cuts(text: str, folded: str | None) -> list[tuple[int, bool]]:
    """Where clauses end, in order: (offset, whether a contrast starts the next one)."""
    ends = [(match.end(), False) for match in SENTENCE_END.finditer(text)]
    if folded is None:
        contrasts = CONTRAST.finditer(text)
    elif any(part in folded for part in CONTRAST_PARTS):
        contrasts = CONTRAST_LOWER.finditer(folded)
    else:
        return ends
    return sorted(ends + [(match.start(), True) for match in contrasts])
