"""VADER's rules, word by word, in one linear pass: each word's valence after them.

This is `SentimentIntensityAnalyzer.polarity_scores()` from vaderSentiment 3.3.2 up to
the point where it sums the valences, rewritten to lower-case the words once. VADER
lower-cases the whole sentence again for every rule it checks on every lexicon word
(its `_negation_check` three times a word, `_special_idioms_check` once), which makes
it cost the square of the sentence's length; here every rule reads the one lower-cased
list. The rules, their order and their arithmetic are VADER's, line for line, so every
valence is the one VADER computes (tests/textanalysis/test_vader_rules.py compares them
on thousands of texts): the score stays VADER's and the explanation is its own words.
VADER's own code is called where it costs a constant per word ("least", capitals) or
once per sentence ("but").
"""

from __future__ import annotations

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
    scalar_inc_dec,
)

NEGATIONS = frozenset(NEGATE)
# The last words of VADER's idioms and of its boosters of several words: an n-gram that
# _special_idioms_check looks up can only be one of them if it ends with one of these.
IDIOM_ENDS = frozenset(key.split()[-1] for key in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in key)


def valences(
    words: list[str], lowered: list[str], vader: SentimentIntensityAnalyzer
) -> list[float]:
    """One valence per word of a sentence (`lowered` is `words` lower-cased), after
    VADER's rules for boosters, negation, capitals, idioms, "least" and "but"."""
    lexicon = vader.lexicon
    last = len(words) - 1
    is_cap_diff = allcap_differential(words)
    sentiments: list[float] = []
    for i, low in enumerate(lowered):
        # A word outside the lexicon, a booster, or "kind" of "kind of" adds nothing.
        if (
            low not in lexicon
            or low in BOOSTER_DICT
            or (low == "kind" and i < last and lowered[i + 1] == "of")
        ):
            sentiments.append(0)
            continue
        valence = rule_valence(words, lowered, i, lexicon, is_cap_diff)
        sentiments.append(vader._least_check(valence, words, i))
    if "but" in lowered:
        return SentimentIntensityAnalyzer._but_check(words, sentiments)
    return sentiments


def rule_valence(
    words: list[str], lowered: list[str], i: int, lexicon: dict[str, float], is_cap_diff: bool
) -> float:
    """VADER's sentiment_valence() for a lexicon word, up to its "least" rule."""
    low = lowered[i]
    valence = lexicon[low]
    # "no" before another lexicon word negates it instead of counting itself.
    if low == "no" and i != len(words) - 1 and lowered[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lowered[i - 1] == "no")
        or (i > 1 and lowered[i - 2] == "no")
        or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[low] * N_SCALAR
    if is_cap_diff and words[i].isupper():
        valence = valence + C_INCR if valence > 0 else valence - C_INCR
    for start_i in range(3):
        before = i - (start_i + 1)
        if i > start_i and lowered[before] not in lexicon:
            # scalar_inc_dec() is 0.0 for a word that is not a booster: not called for it.
            booster = lowered[before] in BOOSTER_DICT
            s = scalar_inc_dec(words[before], valence, is_cap_diff) if booster else 0.0
            if start_i == 1 and s != 0:
                s = s * 0.95
            if start_i == 2 and s != 0:
                s = s * 0.9
            valence = valence + s
            valence = negation_check(valence, lowered, start_i, i)
            if start_i == 2:
                valence = special_idioms_check(valence, lowered, i)
    return valence


def negated(word: str) -> bool:
    return word in NEGATIONS or "n't" in word


def negation_check(valence: float, lowered: list[str], start_i: int, i: int) -> float:
    """VADER's _negation_check()."""
    if start_i == 0 and negated(lowered[i - 1]):
        valence = valence * N_SCALAR
    if start_i == 1:
        if lowered[i - 2] == "never" and (lowered[i - 1] == "so" or lowered[i - 1] == "this"):
            valence = valence * 1.25
        elif lowered[i - 2] == "without" and lowered[i - 1] == "doubt":
            pass
        elif negated(lowered[i - 2]):
            valence = valence * N_SCALAR
    if start_i == 2:
        # VADER's precedence: ("never" and ("so" or "this")) or "so" or "this" just before.
        if (lowered[i - 3] == "never" and (lowered[i - 2] == "so" or lowered[i - 2] == "this")) or (
            lowered[i - 1] == "so" or lowered[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lowered[i - 3] == "without" and (
            lowered[i - 2] == "doubt" or lowered[i - 1] == "doubt"
        ):
            pass
        elif negated(lowered[i - 3]):
            valence = valence * N_SCALAR
    return valence


def special_idioms_check(valence: float, lowered: list[str], i: int) -> float:
    """VADER's _special_idioms_check() (only reached with i >= 3)."""
    # Every n-gram below ends at one of the words i - 2 .. i + 2: with no idiom's last
    # word among them, none is an idiom or a booster (most words, at no cost).
    if IDIOM_ENDS.isdisjoint(lowered[i - 2 : i + 3]):
        return valence
    onezero = f"{lowered[i - 1]} {lowered[i]}"
    twoonezero = f"{lowered[i - 2]} {lowered[i - 1]} {lowered[i]}"
    twoone = f"{lowered[i - 2]} {lowered[i - 1]}"
    threetwoone = f"{lowered[i - 3]} {lowered[i - 2]} {lowered[i - 1]}"
    threetwo = f"{lowered[i - 3]} {lowered[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lowered) - 1 > i:
        zeroone = f"{lowered[i]} {lowered[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lowered) - 1 > i + 1:
        zeroonetwo = f"{lowered[i]} {lowered[i + 1]} {lowered[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence
