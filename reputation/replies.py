"""A first draft of the business's public reply to a review, for the owner to edit.

Every draft follows the shape of an empathetic reply: thank the reviewer; acknowledge
what they went through and how it felt, naming the aspects they raised; apologise
where it is due (three stars or fewer, or a negative text), without blame; say what
changes; offer a direct line to a named person. Positive, mixed and negative reviews
have their own phrasings, a few of each, chosen by the review's id so that a page of
replies does not read like one form letter, yet the same review always gets the same
draft. Nothing here posts anything.
"""

from __future__ import annotations

import re
import zlib

from django.utils import translation
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from textanalysis.models import SentimentLabel

from .models import Review

POSITIVE, MIXED, NEGATIVE = "positive", "mixed", "negative"

# Author names that are no name to greet anyone by.
NOT_A_NAME = {"a google user", "google user", "anonymous", "anon", "guest", "a customer"}

GREETINGS = (_("Hi %(name)s,"), _("Hello %(name)s,"), _("Dear %(name)s,"))
GREETINGS_NAMELESS = (_("Hello,"), _("Hi there,"))

THANKS = {
    POSITIVE: (
        _("Thank you so much for your kind review."),
        _("Thank you for taking the time to share such a lovely review."),
        _("Thanks a lot for your wonderful words."),
    ),
    MIXED: (
        _("Thank you for taking the time to share your experience."),
        _("Thank you for your honest review."),
        _("Thanks for letting us know how your visit went."),
    ),
    NEGATIVE: (
        _("Thank you for taking the time to tell us about your visit."),
        _("Thank you for letting us know about your experience."),
        _("Thank you for your honest feedback."),
    ),
}

# %(praised)s and %(raised)s are the aspects the reviewer liked and disliked.
ACKNOWLEDGE = {
    (POSITIVE, "praised"): (
        _("We're delighted you enjoyed the %(praised)s."),
        _("It's wonderful to hear the %(praised)s made your visit."),
        _("We're so glad the %(praised)s stood out for you."),
    ),
    (POSITIVE, ""): (
        _("We're delighted you enjoyed your visit."),
        _("It's wonderful to hear you had a good time with us."),
    ),
    (MIXED, "both"): (
        _(
            "We're glad you liked the %(praised)s, and we understand your "
            "disappointment with the %(raised)s."
        ),
        _(
            "It's good to hear the %(praised)s worked for you, and frustrating that the "
            "%(raised)s let you down."
        ),
    ),
    (MIXED, "raised"): (
        _("We understand your disappointment with the %(raised)s."),
        _("We can see how frustrating the %(raised)s was, and we hear you."),
    ),
    (MIXED, "praised"): (
        _(
            "We're glad you liked the %(praised)s, and we understand that not everything "
            "felt right."
        ),
    ),
    (MIXED, ""): (
        _(
            "We're glad parts of your visit went well, and we understand your disappointment "
            "with the rest."
        ),
    ),
    (NEGATIVE, "raised"): (
        _("We understand how frustrating the %(raised)s must have been."),
        _(
            "It's disappointing to hear about the %(raised)s, and we understand why you "
            "felt let down."
        ),
        _("We hear how upsetting the %(raised)s was for you."),
    ),
    (NEGATIVE, ""): (
        _("We understand how disappointing your visit must have been."),
        _("We hear that your visit left you frustrated, and that matters to us."),
    ),
}

APOLOGIES = (
    _("We're sorry we fell short this time."),
    _("Please accept our apologies for this."),
    _("We're truly sorry your experience wasn't what it should have been."),
)

CHANGES = {
    (POSITIVE, True): (
        _("We've shared your words about the %(praised)s with the whole team."),
        _("We'll pass on what you said about the %(praised)s to the team."),
    ),
    (POSITIVE, False): (
        _("We've shared your review with the whole team."),
        _("We'll pass your kind words on to the team."),
    ),
    (MIXED, True): (
        _(
            "We've shared your review with the team and are looking at the %(raised)s so "
            "your next visit is better."
        ),
        _("We're looking into the %(raised)s with our team so we can do better."),
    ),
    (MIXED, False): (_("We've shared your review with the team so we can do better."),),
}
CHANGES[(NEGATIVE, True)] = CHANGES[(MIXED, True)]
CHANGES[(NEGATIVE, False)] = CHANGES[(MIXED, False)]

DIRECT_LINE = {
    (POSITIVE, True): (
        _(
            "We'd love to welcome you back; if there's anything we can do for you, e-mail me "
            "at %(email)s."
        ),
        _("We hope to see you again soon; you can reach me any time at %(email)s."),
    ),
    (POSITIVE, False): (
        _("We'd love to welcome you back to %(business)s soon."),
        _("We hope to see you again soon at %(business)s."),
    ),
    (MIXED, True): (
        _("If you'd like to talk it over, please e-mail me directly at %(email)s."),
        _("I'd like to hear more: please contact me directly at %(email)s."),
    ),
    (MIXED, False): (
        _("If you'd like to talk it over, please contact %(business)s and ask for the manager."),
    ),
    (NEGATIVE, True): (
        _("I'd like to put this right: please contact me directly at %(email)s."),
        _("Please get in touch with me at %(email)s so we can talk it through."),
        _("I'd be grateful for the chance to make it up to you; please e-mail me at %(email)s."),
    ),
    (NEGATIVE, False): (
        _("We'd like to put this right: please contact %(business)s and ask for the manager."),
    ),
}

SIGN_OFFS = (_("Warm regards,"), _("Best wishes,"), _("Kind regards,"))
TEAM_OF = _("The team at %(business)s")


def reply_draft(*, review: Review, aspect_names: dict[str, str], author=None) -> str:
    """A reply to edit: greeting, paragraph, sign-off, in the business's language.

    `aspect_names` maps aspect keys to the business's names for them; `author` (the
    replying manager) gives the name and e-mail of the direct line, else the
    business's name stands in.
    """
    business = review.business
    with translation.override(business.language):
        values = draft_values(review, aspect_names, author)
        tone = tone_of(review)
        body = [
            pick(THANKS[tone], review, "thanks"),
            pick(acknowledgement_options(tone, values), review, "acknowledge") % values,
        ]
        if apology_due(review):
            body.append(str(pick(APOLOGIES, review, "apology")))
        body.append(pick(CHANGES[tone, bool(focus(tone, values))], review, "change") % values)
        body.append(pick(DIRECT_LINE[tone, bool(values["email"])], review, "line") % values)
        paragraph = " ".join(str(part) for part in body)
        return "\n\n".join([greeting(review), paragraph, sign_off(review, values)])


def tone_of(review: Review) -> str:
    label, rating = review.sentiment_label, review.rating
    if rating is not None and rating <= 2:
        return NEGATIVE
    if rating is None and label == SentimentLabel.NEGATIVE:
        return NEGATIVE
    positive_rating = rating is not None and rating >= 4 and label != SentimentLabel.NEGATIVE
    if positive_rating or (rating is None and label == SentimentLabel.POSITIVE):
        return POSITIVE
    return MIXED


def apology_due(review: Review) -> bool:
    low_rating = review.rating is not None and review.rating <= 3
    return low_rating or review.sentiment_label == SentimentLabel.NEGATIVE


def draft_values(review: Review, aspect_names: dict[str, str], author) -> dict[str, str]:
    praised, raised = aspects_raised(review, aspect_names)
    return {
        "praised": get_text_list(praised, str(_("and"))),
        "raised": get_text_list(raised, str(_("and"))),
        "email": getattr(author, "email", "") or "",
        "author": author_name(author),
        "business": review.business.name,
    }


def aspects_raised(review: Review, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """The aspects the reviewer liked and those they did not, as the business names them."""
    raw = review.sentiment_explanation.get("aspects") if isinstance(
        review.sentiment_explanation, dict
    ) else None  # fmt: skip
    praised, raised = [], []
    for key, score in (raw if isinstance(raw, dict) else {}).items():
        if key not in names or not isinstance(score, int | float):
            continue
        (praised if score > 0 else raised).append(in_sentence(names[key]))
    return praised, raised


def in_sentence(name: str) -> str:
    """ "Wait time" reads "wait time" mid-sentence; "WiFi" and "NHS" stay as they are."""
    first_word = name.split()[0] if name.split() else ""
    return name[:1].lower() + name[1:] if first_word[1:].islower() else name


def acknowledgement_options(tone: str, values: dict[str, str]) -> tuple:
    praised, raised = bool(values["praised"]), bool(values["raised"])
    if tone == POSITIVE:
        return ACKNOWLEDGE[POSITIVE, "praised" if praised else ""]
    if tone == NEGATIVE:
        return ACKNOWLEDGE[NEGATIVE, "raised" if raised else ""]
    kind = "both" if praised and raised else "raised" if raised else "praised" if praised else ""
    return ACKNOWLEDGE[MIXED, kind]


def focus(tone: str, values: dict[str, str]) -> str:
    """What the "what changes" sentence names: praise for happy reviews, else the issues."""
    return values["praised"] if tone == POSITIVE else values["raised"]


def greeting(review: Review) -> str:
    name = first_name(review.author_name)
    if not name:
        return str(pick(GREETINGS_NAMELESS, review, "greeting"))
    return pick(GREETINGS, review, "greeting") % {"name": name}


def first_name(author_name: str) -> str:
    """ "Jane S." -> "Jane"; a site's stand-in for no name -> ""."""
    cleaned = " ".join(author_name.split())
    if not cleaned or cleaned.lower() in NOT_A_NAME:
        return ""
    first = re.sub(r"[^\w'-]", "", cleaned.split()[0])
    return first[:40]


def author_name(author) -> str:
    if author is None:
        return ""
    full = author.get_full_name() if hasattr(author, "get_full_name") else ""
    return full.strip()


def sign_off(review: Review, values: dict[str, str]) -> str:
    closing = str(pick(SIGN_OFFS, review, "sign-off"))
    team = TEAM_OF % {"business": values["business"]}
    if values["author"]:
        return f"{closing}\n{values['author']}, {values['business']}"
    return f"{closing}\n{team}"


def pick(options: tuple, review: Review, part: str):
    """One of `options`, the same for the same review every time."""
    return options[zlib.crc32(f"{review.pk}:{part}".encode()) % len(options)]
