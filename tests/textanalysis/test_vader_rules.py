"""The analyser's one-pass VADER rules and fast term matching give VADER's and the
case-insensitive regex's own results, word for word."""

from __future__ import annotations

import json
import random
import re
from types import SimpleNamespace

import pytest
from vaderSentiment.vaderSentiment import BOOSTER_DICT, allcap_differential

from cxplatform.demo.comments import comment_for_score
from textanalysis.analysis import (
    SENTENCE_END,
    AspectMatchers,
    TermMatcher,
    analyse,
    analyzer,
    terms_regex,
    vader_words,
)
from textanalysis.defaults import URGENT_TERMS, aspects_for_industry
from textanalysis.vader_rules import valences

# VADER's idioms and boosters of several words, as they are written.
IDIOMS = ["the shit", "the bomb", "bad ass", "bus stop", "yeah right", "kiss of death",
          "to die for", "beating heart", "just enough", "sort of"]  # fmt: skip
CAFE = AspectMatchers((key, terms) for key, _, terms in aspects_for_industry("food_drink"))
TRICKY = [
    "The food was not good, but the staff were AMAZING!!",
    "Never so happy. Without a doubt the best. Not the least bit bad",
    "At least it isn't a horrible place, kind of good, sort of nice",
    "no good no bad no or nor good VERY VERY good FRIGGIN great",
    "It was the shit, bad ass, cut the mustard, hand to mouth",
    "good good but good good but bad bad",
    "GOOD GOOD GOOD",
    ":) :( :D <3 😍 👍🏽 lol wtf",
]


def vader_own_valences(words: list[str]) -> list[float]:
    """polarity_scores()'s loop with VADER's own methods, stopping before the sum."""
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


def sample_texts() -> list[str]:
    rng = random.Random(5)
    texts = [comment_for_score(rng, rng.randint(0, 10)) for _ in range(1500)]
    vocabulary = " ".join(TRICKY).split()
    texts += [" ".join(rng.choices(vocabulary, k=rng.randint(1, 40))) for _ in range(1500)]
    with_idioms = [*vocabulary, *IDIOMS]
    texts += [" ".join(rng.choices(with_idioms, k=rng.randint(1, 40))) for _ in range(500)]
    return texts + TRICKY


def test_every_word_gets_the_valence_vader_gives_it():
    for text in sample_texts():
        words = vader_words(text.split())
        assert valences(words, [w.lower() for w in words], analyzer()) == (
            vader_own_valences(words)
        ), text


def test_a_one_sentence_text_scores_exactly_vaders_compound():
    for text in TRICKY[:-1]:
        assert analyse(text).score == analyzer().polarity_scores(text)["compound"], text


@pytest.mark.parametrize(
    "text",
    [
        "Great COFFEE, the Wait was long",
        "Café staff 😍 friendly, €5 price",
        "The \u212aelvin-sign queue and the \u017fervice",  # case-fold to ASCII letters
        "İstanbul staff, DIRTY tables",
        "REFUND please; food poisoning, never AGAIN",
    ],
)
@pytest.mark.parametrize("extra", [["queue", "service", "kelvin*"], ["istanbul", "café"]])
def test_fast_term_matching_finds_what_the_case_insensitive_regex_finds(text, extra):
    aspects = [(key, terms) for key, _, terms in aspects_for_industry("food_drink")]
    aspects.append(("odd", extra))
    alternatives = [f"(?P<a{i}>{terms_regex(terms)})" for i, (_, terms) in enumerate(aspects)]
    regex = re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
    expected = [(m.start(), aspects[int(m.lastgroup[1:])][0]) for m in regex.finditer(text)]
    assert AspectMatchers(aspects).mentions(text) == expected
    urgent = re.compile(rf"\b(?:{terms_regex(URGENT_TERMS)})", re.IGNORECASE)
    found = sorted({" ".join(m.group().lower().split()) for m in urgent.finditer(text)})
    assert TermMatcher(URGENT_TERMS).found(text) == found


def varied_short_texts() -> list[str]:
    """Demo comments and texts drawn from the tricky vocabulary, emoji, capitals,
    punctuation and contrast words: every one short enough that VADER reads it whole."""
    rng = random.Random(9)
    texts = [comment_for_score(rng, rng.randint(0, 10)) for _ in range(1500)]
    vocabulary = [*" ".join(TRICKY).split(), "however", "queue", "price", "WAIT", "!!", "?", ";"]
    vocabulary += [*IDIOMS, "kind of nice", "not so good", "never this bad", "without doubt fun"]
    texts += [" ".join(rng.choices(vocabulary, k=rng.randint(1, 40))) for _ in range(1500)]
    return [text for text in texts + TRICKY if len(text) <= 400]


def test_the_analysis_scores_and_explains_as_vaders_own_analyser():
    """The whole fast path (tokens, emoji, rules, highlights, compound, with a business's
    aspects matched alongside) against VADER's own SentimentIntensityAnalyzer."""
    checked = 0
    for text in varied_short_texts():
        result = analyse(text, CAFE)
        if result.score is None:
            continue
        assert result.score == analyzer().polarity_scores(text)["compound"], text
        if text.isascii():  # emoji: the words of a description are merged onto it
            words = vader_words(text.split())
            moved = [(w, v) for w, v in zip(words, vader_own_valences(words), strict=True) if v]
            highlighted = [(text[h.start : h.end], h.valence) for h in result.highlights]
            assert highlighted == moved, text
        checked += 1
    assert checked > 2500


def test_the_stored_explanation_is_the_json_of_the_analysis():
    texts = [*varied_short_texts(), "", "asdf qwerty", "El servicio fue terrible", "😀😀 🤬"]
    for text in texts:
        result = analyse(text, CAFE)
        assert result.explanation_json() == json.dumps(result.explanation()), text


@pytest.mark.parametrize(
    "text",
    ["Good. Bad!! Ok?? Fine… end.", "no space.after!!x or...", "line\nbreak\n\n.\n", "!!! ", "."],
)
def test_sentence_ends_are_the_plain_patterns_matches(text):
    plain = re.compile(r"[.!?…]+(?=\s)|\n")
    spans = [m.span() for m in SENTENCE_END.finditer(text)]
    assert spans == [m.span() for m in plain.finditer(text)]
