"""The analyser's one-pass VADER rules and fast term matching give VADER's and the
case-insensitive regex's own results, word for word."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace

import pytest
from vaderSentiment.vaderSentiment import BOOSTER_DICT, allcap_differential

from cxplatform.demo.comments import comment_for_score
from textanalysis.analysis import (
    AspectMatchers,
    TermMatcher,
    analyse,
    analyzer,
    terms_regex,
    vader_words,
)
from textanalysis.defaults import URGENT_TERMS, aspects_for_industry
from textanalysis.vader_rules import valences

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
