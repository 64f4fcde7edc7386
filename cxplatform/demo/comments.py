"""Survey comments that read like real customers', built from the phrase banks.

Each comment picks a shape (a word or two, a terse list, a sentence or two, praise with
a "but", a long story of a visit), fills it from the banks in the tone of the score, then
adds a little noise: typos, emoji, lower case, a missing full stop. A million comments
are varied, and one seed always gives the same ones.
"""

from __future__ import annotations

import random
import re

from .phrases import (
    ASPECTS,
    CLOSERS,
    EMOJI,
    HELP,
    OPENERS,
    SHORT,
    SLOTS,
    TERSE,
    TYPOS,
    VISITS,
)

TONES = ("positive", "neutral", "negative")
SLOT = re.compile(r"\{(\w+)\}")
A_BEFORE_VOWEL = re.compile(r"\b([Aa]) ([aeiouAEIOU])")
TYPO_WORDS = re.compile(r"\b(" + "|".join(TYPOS) + r")\b", re.IGNORECASE)
# Chances of each shape of comment.
SHAPES = ("short", "terse", "plain", "mixed", "long")
SHAPE_WEIGHTS = {
    "positive": (4, 10, 50, 8, 28),
    "neutral": (10, 14, 30, 36, 10),
    "negative": (5, 10, 45, 10, 30),
}
# After a support contact most people write about the help; the rest about the café.
HELP_SHARE = 0.7


def fill(rng: random.Random, phrase: str) -> str:
    if "{" not in phrase:
        return phrase
    filled = SLOT.sub(lambda slot: rng.choice(SLOTS[slot.group(1)]), phrase)
    # "a {drink}" filled with "oat latte" must read "an oat latte".
    return A_BEFORE_VOWEL.sub(r"\1n \2", filled)


def tone_for_score(rng: random.Random, score: int) -> str:
    """Mostly the score's tone; now and then a promoter grumbles or a detractor is kind."""
    if score >= 9:
        weights = (0.88, 0.09, 0.03)
    elif score >= 7:
        weights = (0.35, 0.45, 0.2)
    elif score >= 5:
        weights = (0.05, 0.25, 0.7)
    else:
        weights = (0.02, 0.06, 0.92)
    return rng.choices(TONES, weights)[0]


def comment_for_score(rng: random.Random, score: int, *, about: str = "visit") -> str:
    """A comment in the tone of the score; `about` "support" mostly talks about the help."""
    tone = tone_for_score(rng, score)
    if about == "support" and rng.random() < HELP_SHARE:
        return add_noise(rng, help_story(rng, tone), tone)
    shape = rng.choices(SHAPES, SHAPE_WEIGHTS[tone])[0]
    if shape == "short":
        # Short answers stay as typed: "ok" gets no typo or emoji added.
        return rng.choice(SHORT[tone])
    return add_noise(rng, SHAPE_BUILDERS[shape](rng, tone), tone)


def aspect_phrases(rng: random.Random, tone: str, count: int) -> list[str]:
    aspects = rng.sample(list(ASPECTS[tone]), k=count)
    return [fill(rng, rng.choice(ASPECTS[tone][aspect])) for aspect in aspects]


def terse(rng: random.Random, tone: str) -> str:
    bank = TERSE[tone]
    words = [fill(rng, phrase) for phrase in rng.sample(bank, k=rng.choice((1, 2, 2, 3)))]
    return ", ".join(words)


def plain(rng: random.Random, tone: str) -> str:
    phrases = aspect_phrases(rng, tone, rng.choice((1, 1, 2, 2, 3)))
    body = join_phrases(rng, phrases)
    parts = [rng.choice(OPENERS[tone])] if rng.random() < 0.45 else []
    parts.append(sentence(body))
    if rng.random() < 0.5:
        parts.append(rng.choice(CLOSERS[tone]))
    return " ".join(parts)


def mixed(rng: random.Random, tone: str) -> str:
    """Praise, then the catch: "coffee great but we waited 20 minutes"."""
    if rng.random() < 0.4:
        good = fill(rng, rng.choice(TERSE["positive"]))
        return f"{good} but {fill(rng, rng.choice(TERSE['negative']))}"
    good, bad = aspect_phrases(rng, "positive", 1)[0], aspect_phrases(rng, "negative", 1)[0]
    text = sentence(f"{good} but {bad}")
    if rng.random() < 0.4:
        text += " " + rng.choice(CLOSERS["neutral" if tone != "negative" else "negative"])
    return text


def long_story(rng: random.Random, tone: str) -> str:
    """Several sentences: the visit, what was good or bad, sometimes the exception."""
    parts = [fill(rng, rng.choice(VISITS))]
    parts += [sentence(phrase) for phrase in aspect_phrases(rng, tone, rng.choice((2, 3, 3, 4)))]
    if rng.random() < 0.25:
        other = "negative" if tone == "positive" else "positive"
        lead = "Only thing is" if other == "negative" else "To be fair"
        parts.append(sentence(f"{lead} {aspect_phrases(rng, other, 1)[0]}"))
    parts.append(rng.choice(CLOSERS[tone]))
    return " ".join(parts)


def help_story(rng: random.Random, tone: str) -> str:
    """What asking for help was like: "rang about a wrong order and they fixed it"."""
    phrases = [fill(rng, phrase) for phrase in rng.sample(HELP[tone], k=rng.choice((1, 1, 2)))]
    parts = [rng.choice(OPENERS[tone])] if rng.random() < 0.3 else []
    parts.append(sentence(join_phrases(rng, phrases)))
    if rng.random() < 0.4:
        parts.append(rng.choice(CLOSERS[tone]))
    return " ".join(parts)


SHAPE_BUILDERS = {"terse": terse, "plain": plain, "mixed": mixed, "long": long_story}


def join_phrases(rng: random.Random, phrases: list[str]) -> str:
    body = phrases[0]
    for phrase in phrases[1:]:
        joiner = rng.choice((", ", " and ", ". ", " - "))
        body += joiner + (capitalised(phrase) if joiner == ". " else phrase)
    return body


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    text = capitalised(text)
    return text if text.endswith(("!", ".", "?")) else text + "."


def add_noise(rng: random.Random, text: str, tone: str) -> str:
    if rng.random() < 0.3:
        text = typo(rng, text)
    roll = rng.random()
    if roll < 0.15:
        text = text.lower()
    elif roll < 0.18 and tone == "negative":
        text = text.upper()
    if rng.random() < 0.15:
        text = text.rstrip(".")
    if rng.random() < 0.3:
        text += " " + "".join(rng.choices(EMOJI[tone], k=rng.choice((1, 1, 1, 2, 3))))
    return text


def typo(rng: random.Random, text: str) -> str:
    """Misspell one known word; with none, type an exclamation mark twice instead."""
    found = TYPO_WORDS.findall(text)
    if not found:
        return text.replace("!", "!!", 1)
    word = rng.choice(found)
    wrong = rng.choice(TYPOS[word.lower()])
    if word[:1].isupper():
        wrong = capitalised(wrong)
    return re.sub(rf"\b{word}\b", wrong, text, count=1)
