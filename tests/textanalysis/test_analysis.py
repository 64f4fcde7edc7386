"""The analyser: VADER exactly where VADER applies, and what it adds around it."""

from __future__ import annotations

import random

import pytest

from cxplatform.demo.comments import comment_for_score
from textanalysis.analysis import (
    AspectMatchers,
    NotScoredReason,
    TermMatcher,
    analyse,
    analyzer,
    parts_of,
)
from textanalysis.defaults import URGENT_TERMS, aspects_for_industry
from textanalysis.models import SentimentLabel

CAFE = AspectMatchers((key, terms) for key, _, terms in aspects_for_industry("food_drink"))


def words(text: str, analysis) -> dict[str, float]:
    return {text[h.start : h.end]: round(h.valence, 3) for h in analysis.highlights}


def test_a_short_text_scores_exactly_as_vader():
    rng = random.Random(7)
    texts = [comment_for_score(rng, rng.randint(0, 10)) for _ in range(2000)]
    checked = 0
    for text in texts:
        result = analyse(text)
        if result.score is None:
            continue
        assert result.score == pytest.approx(analyzer().polarity_scores(text)["compound"], abs=1e-4)
        checked += 1
    assert checked > 1500


def test_the_words_that_moved_the_score_add_up_to_it():
    text = "The staff were NOT friendly and the coffee was not good, but the cake was AMAZING"
    result = analyse(text)
    moved = words(text, result)
    assert set(moved) == {"friendly", "good", "AMAZING"}
    assert moved["friendly"] < 0 and moved["good"] < 0  # negation flips them
    assert moved["AMAZING"] > analyzer().lexicon["amazing"]  # capitals and "but" boost it
    vader_sum = sum(h.valence for h in result.highlights)
    assert result.score == pytest.approx(vader_sum / (vader_sum**2 + 15) ** 0.5, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", NotScoredReason.EMPTY),
        ("   \n\t ", NotScoredReason.EMPTY),
        ("El servicio fue terrible, nunca más vuelvo", NotScoredReason.LANGUAGE),
        ("Le café était très bon, merci", NotScoredReason.LANGUAGE),
        ("Das Essen war nicht gut", NotScoredReason.LANGUAGE),
        ("asdf qwerty zxcv", NotScoredReason.UNKNOWN_WORDS),
        ("🍕🍕", NotScoredReason.UNKNOWN_WORDS),
        ("\x01\x02\ufffd\ufffd garbage \x7f", NotScoredReason.UNKNOWN_WORDS),
    ],
)
def test_what_vader_cannot_judge_is_not_scored_never_neutral(text, reason):
    result = analyse(text)
    assert (result.score, result.label, result.reason) == (None, SentimentLabel.NOT_SCORED, reason)


def test_a_plain_english_statement_is_neutral():
    result = analyse("We ordered two coffees and sat by the window.", CAFE)
    assert (result.score, result.label) == (0.0, SentimentLabel.NEUTRAL)


def test_emoji_of_several_code_points_do_not_break_anything():
    text = "Loved it 👍🏽 👨‍👩‍👧 🏳️‍🌈 😍!"
    result = analyse(text)
    assert result.label == SentimentLabel.POSITIVE
    for highlight in result.highlights:
        assert 0 <= highlight.start < highlight.end <= len(text)
    assert "😍" in words(text, result) and "Loved" in words(text, result)


def test_html_is_scored_on_its_words():
    text = "<script>alert('x')</script> <b>Terrible</b> service"
    result = analyse(text)
    assert result.label == SentimentLabel.NEGATIVE
    assert any("Terrible" in text[h.start : h.end] for h in result.highlights)


def test_aspects_take_the_sentiment_of_their_own_clause():
    result = analyse("The food was great but we waited 40 minutes", CAFE)
    assert result.aspects["quality"] > 0.05
    assert result.aspects["wait_time"] < -0.05
    result = analyse("Lovely staff. The prices are a joke; dirty tables too.", CAFE)
    assert result.aspects["staff"] > 0.05
    assert result.aspects["cleanliness"] < -0.05
    assert "booking" not in result.aspects


def test_aspect_terms_with_a_star_match_word_forms():
    aspects = AspectMatchers([("wait_time", ["wait*"]), ("price", ["price"])])
    assert set(analyse("Waiting forever, awful", aspects).aspects) == {"wait_time"}
    assert set(analyse("Pricey but awful", aspects).aspects) == set()


def test_a_long_text_is_read_sentence_by_sentence_and_stays_linear():
    rng = random.Random(3)
    story = " ".join(comment_for_score(rng, rng.randint(0, 10)) for _ in range(400))
    assert len(story.split()) > 5000
    assert len(list(parts_of(story))) > 100
    result = analyse(story, CAFE)
    assert result.label != SentimentLabel.NOT_SCORED
    assert len(result.highlights) > 500
    one_sentence = "good " * 6000  # no punctuation at all: read in windows
    assert analyse(one_sentence).score == pytest.approx(1.0, abs=1e-3)


def test_a_megabyte_of_text_is_read_to_its_cap():
    result = analyse("Great coffee, rude staff. " * 40_000)
    assert result.label in {SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE}
    assert max(h.end for h in result.highlights) <= 100_000


def test_urgent_terms_are_found_as_words_and_phrases():
    urgent = TermMatcher(URGENT_TERMS)
    assert urgent.found("I want a REFUND. Never  again!") == ["never again", "refund"]
    assert urgent.found("I got food poisoning") == ["food poisoning"]
    assert urgent.found("Refundable deposit, lovely") == ["refundable"]
    assert urgent.found("The firefighters were lovely") == []
