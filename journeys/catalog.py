"""Ready-made journeys: the stages customers go through and the touchpoints of each, per
industry. Plain data, so a salon owner starts from something close and edits the rest.

Every journey has the touchpoints keyed "visit", "purchase" and "support": the ready-made
surveys (feedback.catalog MOMENTS) measure exactly those moments.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from accounts.models import Industry

# (stage name, ((touchpoint name, key), ...)); names are translated when they are created.
Stages = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

FOOD_DRINK: Stages = (
    (
        gettext_noop("Discover"),
        ((gettext_noop("Social media"), "social"), (gettext_noop("Maps and reviews"), "maps")),
    ),
    (
        gettext_noop("Visit"),
        (
            (gettext_noop("Arrival and queue"), "arrival"),
            (gettext_noop("The visit overall"), "visit"),
        ),
    ),
    (
        gettext_noop("Buy"),
        (
            (gettext_noop("Order and pay"), "purchase"),
            (gettext_noop("Phone and online orders"), "phone"),
        ),
    ),
    (
        gettext_noop("Enjoy"),
        ((gettext_noop("Food and drink"), "product"), (gettext_noop("Delivery"), "delivery")),
    ),
    (gettext_noop("Get help"), ((gettext_noop("Questions and complaints"), "support"),)),
    (
        gettext_noop("Come back"),
        (
            (gettext_noop("Loyalty card"), "loyalty"),
            (gettext_noop("Follow-up e-mail"), "follow_up"),
        ),
    ),
)

RETAIL: Stages = (
    (
        gettext_noop("Discover"),
        ((gettext_noop("Website"), "website"), (gettext_noop("Social media"), "social")),
    ),
    (
        gettext_noop("Browse"),
        (
            (gettext_noop("The visit overall"), "visit"),
            (gettext_noop("Advice from staff"), "advice"),
        ),
    ),
    (
        gettext_noop("Buy"),
        ((gettext_noop("Checkout"), "purchase"), (gettext_noop("Online order"), "online_order")),
    ),
    (
        gettext_noop("Use"),
        ((gettext_noop("Delivery"), "delivery"), (gettext_noop("The product"), "product")),
    ),
    (
        gettext_noop("Get help"),
        ((gettext_noop("Returns and exchanges"), "returns"), (gettext_noop("Support"), "support")),
    ),
    (
        gettext_noop("Come back"),
        (
            (gettext_noop("Loyalty programme"), "loyalty"),
            (gettext_noop("Follow-up e-mail"), "follow_up"),
        ),
    ),
)

APPOINTMENTS: Stages = (
    (
        gettext_noop("Discover"),
        ((gettext_noop("Website"), "website"), (gettext_noop("Recommendation"), "referral")),
    ),
    (
        gettext_noop("Book"),
        (
            (gettext_noop("Phone booking"), "phone"),
            (gettext_noop("Online booking"), "online_booking"),
        ),
    ),
    (
        gettext_noop("Visit"),
        ((gettext_noop("Front desk"), "front_desk"), (gettext_noop("The visit overall"), "visit")),
    ),
    (gettext_noop("Pay"), ((gettext_noop("Checkout"), "purchase"),)),
    (gettext_noop("Get help"), ((gettext_noop("Questions and complaints"), "support"),)),
    (
        gettext_noop("Come back"),
        ((gettext_noop("Reminder"), "reminder"), (gettext_noop("Follow-up e-mail"), "follow_up")),
    ),
)

HOME_SERVICES: Stages = (
    (
        gettext_noop("Discover"),
        ((gettext_noop("Website"), "website"), (gettext_noop("Recommendation"), "referral")),
    ),
    (
        gettext_noop("Book"),
        ((gettext_noop("Quote"), "quote"), (gettext_noop("Phone booking"), "phone")),
    ),
    (
        gettext_noop("Service"),
        (
            (gettext_noop("Arrival on time"), "arrival"),
            (gettext_noop("The visit overall"), "visit"),
        ),
    ),
    (gettext_noop("Pay"), ((gettext_noop("Invoice and payment"), "purchase"),)),
    (gettext_noop("Get help"), ((gettext_noop("Call-backs and complaints"), "support"),)),
    (gettext_noop("Come back"), ((gettext_noop("Follow-up e-mail"), "follow_up"),)),
)

JOURNEYS: dict[str, Stages] = {
    Industry.FOOD_DRINK: FOOD_DRINK,
    Industry.RETAIL: RETAIL,
    Industry.BEAUTY: APPOINTMENTS,
    Industry.HEALTH: APPOINTMENTS,
    Industry.HOME_SERVICES: HOME_SERVICES,
    Industry.PROFESSIONAL_SERVICES: APPOINTMENTS,
    Industry.OTHER: RETAIL,
}

# Touchpoints every ready-made journey has (see the module docstring).
REQUIRED_KEYS = ("visit", "purchase", "support")


def stages_for(industry: str) -> Stages:
    return JOURNEYS.get(industry, RETAIL)
