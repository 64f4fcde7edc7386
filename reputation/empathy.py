"""Does a reply read as empathetic? Five plain checks the owner sees while writing.

1. It acknowledges how the customer felt.
2. It names their specific issue: an aspect the review raised (its name or one of
   its words) or a distinctive word of the review itself.
3. It avoids defensive or blaming phrases.
4. It avoids promises the business cannot keep.
5. It offers a next step: a way to get in touch or an invitation back.

The word lists below are the whole of the judgement; they are English and matched
case-insensitively on whole words. A phrase ending in "*" also matches longer words
("frustrat*" finds "frustrating", "frustrated"). They are advice, not a gate: the
owner may post a reply that fails any of them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from .models import Review
from .selectors import aspects_of_review

FEELING_WORDS = (
    "sorry", "apolog*", "frustrat*", "disappoint*", "upset*", "annoy*", "understand*",
    "hear how", "hear that", "felt", "feel*", "let you down", "let down", "glad",
    "delighted", "happy", "thrilled", "pleased", "wonderful to hear", "lovely to hear",
    "great to hear", "good to hear",
)  # fmt: skip

DEFENSIVE_PHRASES = (
    "you should have", "you should've", "our policy clearly", "our policy states",
    "as stated in our policy", "not our fault", "calm down", "as i said", "as we said",
    "as mentioned before", "as we mentioned", "unfortunately you", "you failed to",
    "you were told", "if you had read", "if you'd read", "we did nothing wrong",
    "that's not true", "that is not true", "you clearly", "to be fair",
    "no one else has complained", "nobody else complained", "with all due respect",
    "you must have misunderstood", "you misunderstood", "you are wrong", "you're wrong",
)  # fmt: skip

PROMISES = (
    "guarantee*", "never happen again", "never happens again", "will not happen again",
    "won't happen again", "will never", "never again", "100%", "100 %", "always",
    "promise*", "every single time", "won't ever",
)  # fmt: skip

NEXT_STEPS = (
    "contact*", "call*", "phone*", "e-mail*", "email*", "get in touch", "reach me",
    "reach us", "reach out", "write to", "message me", "message us", "come back",
    "visit again", "see you again", "welcome you back", "drop by", "stop by",
    "ask for",
)  # fmt: skip

# Words too common in reviews and replies to show a reply is about *this* review.
COMMON_WORDS = frozenset(
    """
    about after again also always another back because been before being best better
    came come coming could didn doesn done down each even every experience first from
    going good great have having here just know last like little lovely made make many
    more most much need never next nice only other over place really review said same
    service should since some staff still such sure than thank thanks that their them
    then there these they thing things think this those through time times today told
    team took very visit visited want wanted well went were what when where which while
    will with without would your yours amazing awesome excellent terrible awful
    horrible bad okay worst ever definitely absolutely recommend recommended highly
    business customer customers people person everything nothing something sorry
    """.split()  # noqa: SIM905 - a block of words reads better than a list of quoted ones
)

SUFFIXES = ("ing", "ed", "s", "ly")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_NUMBER = re.compile(r"\+?\d[\d\s().-]{6,}\d")
WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True)
class Check:
    key: str
    passed: bool
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def empathy_check(*, text: str, review: Review) -> list[Check]:
    """The five checks of `text` as a reply to `review`, in the order above."""
    return [
        feeling_check(text),
        specific_check(text, review),
        defensive_check(text),
        promise_check(text),
        next_step_check(text),
    ]


def missing(checks: list[Check]) -> list[Check]:
    return [check for check in checks if not check.passed]


# --- The checks ------------------------------------------------------------------------


def feeling_check(text: str) -> Check:
    if found(FEELING_WORDS, text):
        return Check("feeling", True, _("Acknowledges how they felt."))
    return Check(
        "feeling",
        False,
        _('Acknowledge how they felt, e.g. "I understand how frustrating that was".'),
    )


def specific_check(text: str, review: Review) -> Check:
    aspects = aspects_of_review(review=review)
    aspect_terms = [term for aspect in aspects for term in terms_of(aspect)]
    review_text = f"{review.title} {review.text}"
    if not aspect_terms and not stems(review_text):
        return Check("specific", True, _("The review has no words to refer to."))
    if found(aspect_terms, text) or stems(review_text) & stems(text):
        return Check("specific", True, _("Names what they wrote about."))
    examples = [aspect.name for aspect in aspects] + distinctive_words(review_text)
    return Check(
        "specific",
        False,
        _("Name their specific issue (for example: %(examples)s).")
        % {"examples": ", ".join(dict.fromkeys(examples[:3]))},
    )


def defensive_check(text: str) -> Check:
    return avoid_check(
        "defensive", DEFENSIVE_PHRASES, text,
        passed=_("No defensive or blaming phrases."),
        failed=_("Leave out %(phrases)s: it reads as defensive or as blaming them."),
    )  # fmt: skip


def promise_check(text: str) -> Check:
    return avoid_check(
        "promises", PROMISES, text,
        passed=_("No promises the business may not keep."),
        failed=_("Avoid promising %(phrases)s: say what you will do, not what can never happen."),
    )  # fmt: skip


def avoid_check(
    key: str, phrases: tuple[str, ...], text: str, *, passed: str, failed: str
) -> Check:
    """Passes unless the reply uses one of `phrases`; the message quotes the ones it uses."""
    used = found(phrases, text)
    if not used:
        return Check(key, True, passed)
    return Check(key, False, failed % {"phrases": quoted(used)})


def next_step_check(text: str) -> Check:
    if found(NEXT_STEPS, text) or EMAIL_ADDRESS.search(text) or PHONE_NUMBER.search(text):
        return Check("next_step", True, _("Offers a next step."))
    return Check(
        "next_step",
        False,
        _("Offer a next step: how to reach you (e-mail, phone) or an invitation back."),
    )


# --- Matching --------------------------------------------------------------------------


def found(phrases, text: str) -> list[str]:
    """The phrases of the list that `text` contains, as the text spells them."""
    return [match.group(0) for phrase in phrases if (match := pattern(phrase).search(text))]


@lru_cache(maxsize=1024)
def pattern(phrase: str) -> re.Pattern:
    """A phrase as a whole-word, case-insensitive pattern ("*" = any ending)."""
    stem = phrase.rstrip("*").strip()
    body = r"\s+".join(re.escape(word) for word in stem.split())
    ending = r"\w*" if phrase.endswith("*") else ""
    return re.compile(rf"(?<!\w){body}{ending}(?!\w)", re.IGNORECASE)


def quoted(phrases: list[str]) -> str:
    return ", ".join(f"“{phrase}”" for phrase in dict.fromkeys(p.lower() for p in phrases))


def terms_of(aspect) -> list[str]:
    """An aspect's name and its words, the ways a reply can name it."""
    return [aspect.name, *(str(term) for term in aspect.terms if str(term).strip("* "))]


def distinctive_words(text: str) -> list[str]:
    """The review's own uncommon words, as written, in order."""
    return list(dict.fromkeys(w for w in WORD.findall(text) if stem(w.lower()) not in COMMON_STEMS))


def stems(text: str) -> set[str]:
    """Lower-case words of four letters or more, with common endings cut, so that
    "waited" in a review matches "wait" in a reply."""
    return {stem(word.lower()) for word in WORD.findall(text)} - COMMON_STEMS


def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


COMMON_STEMS = COMMON_WORDS | {stem(word) for word in COMMON_WORDS}
