"""Ready-made surveys: the trust items and a template per industry and moment.

Plain data, so a café owner can start from something good and change what they like.
Prompts may use {business}, filled with the business's name when the survey is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.models import Industry

from .models import QuestionKind, TrustPillar


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    prompt: str
    required: bool = True
    choices: tuple[str, ...] = ()
    pillar: str = ""
    # A follow-up: (index of the earlier question in the template, min, max).
    show_if: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    industry: str
    moment: str
    touchpoint: str  # the key of a ready-made journey touchpoint
    questions: tuple[QuestionSpec, ...] = field(default_factory=tuple)


# The four pillars of customer trust, 1-7 agreement (after Mayer, Davis and Schoorman 1995,
# as used in customer-trust research: ability/competence, benevolence, integrity, plus
# reliability of delivery).
TRUST_ITEMS = (
    QuestionSpec(QuestionKind.TRUST, "{business} delivers what it promises.",
                 pillar=TrustPillar.RELIABILITY),
    QuestionSpec(QuestionKind.TRUST, "{business} is honest about its prices and policies.",
                 pillar=TrustPillar.INTEGRITY),
    QuestionSpec(QuestionKind.TRUST, "The staff at {business} know what they are doing.",
                 pillar=TrustPillar.COMPETENCE),
    QuestionSpec(QuestionKind.TRUST, "{business} genuinely cares about me.",
                 pillar=TrustPillar.BENEVOLENCE),
)  # fmt: skip

# What each industry calls the thing a customer does, for the effort (CES) question.
EASY_TO = {
    Industry.FOOD_DRINK: "order what I wanted",
    Industry.RETAIL: "find what I was looking for",
    Industry.BEAUTY: "book my appointment",
    Industry.HEALTH: "book and attend my appointment",
    Industry.HOME_SERVICES: "arrange the visit",
    Industry.PROFESSIONAL_SERVICES: "get what I needed done",
}

MOMENTS = {
    # moment: (name, key of the journey touchpoint it measures, see journeys.catalog)
    "visit": ("After a visit", "visit"),
    "purchase": ("After a purchase", "purchase"),
    "support": ("After a support contact", "support"),
}


def _why(score_index: int) -> tuple[QuestionSpec, ...]:
    """A different "why?" for unhappy and for delighted customers."""
    return (
        QuestionSpec(QuestionKind.TEXT, "We're sorry. What should we have done better?",
                     required=False, show_if=(score_index, 0, 6)),
        QuestionSpec(QuestionKind.TEXT, "Wonderful! What did you like most?",
                     required=False, show_if=(score_index, 9, 10)),
    )  # fmt: skip


def _questions(industry: str, moment: str) -> tuple[QuestionSpec, ...]:
    nps = QuestionSpec(
        QuestionKind.NPS, "How likely are you to recommend {business} to a friend or colleague?"
    )
    easy = QuestionSpec(
        QuestionKind.CES, f"{{business}} made it easy for me to {EASY_TO[industry]}."
    )
    if moment == "support":
        return (
            QuestionSpec(QuestionKind.CSAT, "How satisfied are you with the help you got?"),
            QuestionSpec(QuestionKind.CES, "{business} made it easy to get my problem solved."),
            QuestionSpec(QuestionKind.SINGLE_CHOICE, "Is your problem solved?",
                         choices=("Yes", "Partly", "No")),
            QuestionSpec(QuestionKind.TEXT, "Anything else you want us to know?", required=False),
        )  # fmt: skip
    if moment == "purchase":
        return (
            nps,
            *_why(0),
            easy,
            QuestionSpec(QuestionKind.RATING, "How would you rate what you bought?"),
        )
    return (nps, *_why(0), easy, QuestionSpec(QuestionKind.CSAT, "How satisfied are you overall?"))


def _build() -> dict[str, Template]:
    templates = {}
    for industry, industry_label in Industry.choices:
        if industry == Industry.OTHER:
            continue
        for moment, (moment_label, touchpoint) in MOMENTS.items():
            key = f"{industry}.{moment}"
            templates[key] = Template(
                key=key,
                name=str(moment_label),
                industry=str(industry_label),
                moment=moment,
                touchpoint=touchpoint,
                questions=_questions(industry, moment),
            )
    return templates


TEMPLATES: dict[str, Template] = _build()


def template_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Templates grouped by industry, for a <select>."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for template in TEMPLATES.values():
        groups.setdefault(template.industry, []).append((template.key, template.name))
    return [(str(_("Start blank")), [("", str(_("Blank survey")))]), *groups.items()]
