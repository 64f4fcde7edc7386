"""Ready-made surveys: the trust items and a template per industry and moment.

Plain data, so a café owner can start from something good and change what they like.
Prompts may use {business}, filled with the business's name when the survey is made.
Every text is marked for translation here and translated when a survey is made from it,
into the survey's language (questions are stored as text, in one language).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop
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
    name: str  # untranslated: gettext() it when shown
    industry: str  # an accounts.Industry value
    moment: str
    touchpoint: str  # the key of a ready-made journey touchpoint
    questions: tuple[QuestionSpec, ...] = field(default_factory=tuple)


# The four pillars of customer trust, 1-7 agreement (after Mayer, Davis and Schoorman 1995,
# as used in customer-trust research: ability/competence, benevolence, integrity, plus
# reliability of delivery).
TRUST_ITEMS = (
    QuestionSpec(QuestionKind.TRUST, gettext_noop("{business} delivers what it promises."),
                 pillar=TrustPillar.RELIABILITY),
    QuestionSpec(QuestionKind.TRUST,
                 gettext_noop("{business} is honest about its prices and policies."),
                 pillar=TrustPillar.INTEGRITY),
    QuestionSpec(QuestionKind.TRUST,
                 gettext_noop("The staff at {business} know what they are doing."),
                 pillar=TrustPillar.COMPETENCE),
    QuestionSpec(QuestionKind.TRUST, gettext_noop("{business} genuinely cares about me."),
                 pillar=TrustPillar.BENEVOLENCE),
)  # fmt: skip

# The effort (CES) statement, in what each industry calls the thing a customer does. Whole
# sentences, so that each translates as a sentence.
EASY_TO = {
    Industry.FOOD_DRINK: gettext_noop("{business} made it easy for me to order what I wanted."),
    Industry.RETAIL: gettext_noop("{business} made it easy for me to find what I was looking for."),
    Industry.BEAUTY: gettext_noop("{business} made it easy for me to book my appointment."),
    Industry.HEALTH: gettext_noop(
        "{business} made it easy for me to book and attend my appointment."
    ),
    Industry.HOME_SERVICES: gettext_noop("{business} made it easy for me to arrange the visit."),
    Industry.PROFESSIONAL_SERVICES: gettext_noop(
        "{business} made it easy for me to get what I needed done."
    ),
}

MOMENTS = {
    # moment: (name, key of the journey touchpoint it measures, see journeys.catalog)
    "visit": (gettext_noop("After a visit"), "visit"),
    "purchase": (gettext_noop("After a purchase"), "purchase"),
    "support": (gettext_noop("After a support contact"), "support"),
}


def _why(score_index: int) -> tuple[QuestionSpec, ...]:
    """A different "why?" for unhappy and for delighted customers."""
    return (
        QuestionSpec(QuestionKind.TEXT,
                     gettext_noop("We're sorry. What should we have done better?"),
                     required=False, show_if=(score_index, 0, 6)),
        QuestionSpec(QuestionKind.TEXT, gettext_noop("Wonderful! What did you like most?"),
                     required=False, show_if=(score_index, 9, 10)),
    )  # fmt: skip


def _questions(industry: str, moment: str) -> tuple[QuestionSpec, ...]:
    nps = QuestionSpec(
        QuestionKind.NPS,
        gettext_noop("How likely are you to recommend {business} to a friend or colleague?"),
    )
    easy = QuestionSpec(QuestionKind.CES, EASY_TO[industry])
    if moment == "support":
        return (
            QuestionSpec(QuestionKind.CSAT,
                         gettext_noop("How satisfied are you with the help you got?")),
            QuestionSpec(QuestionKind.CES,
                         gettext_noop("{business} made it easy to get my problem solved.")),
            QuestionSpec(QuestionKind.SINGLE_CHOICE, gettext_noop("Is your problem solved?"),
                         choices=(gettext_noop("Yes"), gettext_noop("Partly"),
                                  gettext_noop("No"))),
            QuestionSpec(QuestionKind.TEXT, gettext_noop("Anything else you want us to know?"),
                         required=False),
        )  # fmt: skip
    if moment == "purchase":
        return (
            nps,
            *_why(0),
            easy,
            QuestionSpec(QuestionKind.RATING, gettext_noop("How would you rate what you bought?")),
        )
    overall = QuestionSpec(QuestionKind.CSAT, gettext_noop("How satisfied are you overall?"))
    return (nps, *_why(0), easy, overall)


def _build() -> dict[str, Template]:
    templates = {}
    for industry in Industry.values:
        if industry == Industry.OTHER:
            continue
        for moment, (moment_name, touchpoint) in MOMENTS.items():
            key = f"{industry}.{moment}"
            templates[key] = Template(
                key=key,
                name=moment_name,
                industry=industry,
                moment=moment,
                touchpoint=touchpoint,
                questions=_questions(industry, moment),
            )
    return templates


TEMPLATES: dict[str, Template] = _build()


def template_choices(industry: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """Templates grouped by industry, for a <select>, in the active language; the
    business's own `industry` first."""
    ordered = sorted(TEMPLATES.values(), key=lambda template: template.industry != industry)
    groups: dict[str, list[tuple[str, str]]] = {}
    for template in ordered:
        group = str(Industry(template.industry).label)
        groups.setdefault(group, []).append((template.key, gettext(template.name)))
    return [(str(_("Start blank")), [("", str(_("Blank survey")))]), *groups.items()]
