"""Ready-made journeys: the stages customers go through and the touchpoints of each, per
industry. Plain data, so a salon owner starts from something close and edits the rest.

Every journey has the touchpoints keyed "visit", "purchase" and "support": the ready-made
surveys (feedback.catalog MOMENTS) measure exactly those moments.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

from accounts.models import Industry

# (stage name, ((touchpoint name, key), ...)); names are translated when they are created.
Stages = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

FOOD_DRINK: Stages = (
    (N_("Discover"), ((N_("Social media"), "social"), (N_("Maps and reviews"), "maps"))),
    (N_("Visit"), ((N_("Arrival and queue"), "arrival"), (N_("The visit overall"), "visit"))),
    (N_("Buy"), ((N_("Order and pay"), "purchase"), (N_("Phone and online orders"), "phone"))),
    (N_("Enjoy"), ((N_("Food and drink"), "product"), (N_("Delivery"), "delivery"))),
    (N_("Get help"), ((N_("Questions and complaints"), "support"),)),
    (N_("Come back"), ((N_("Loyalty card"), "loyalty"), (N_("Follow-up e-mail"), "follow_up"))),
)

RETAIL: Stages = (
    (N_("Discover"), ((N_("Website"), "website"), (N_("Social media"), "social"))),
    (N_("Browse"), ((N_("The visit overall"), "visit"), (N_("Advice from staff"), "advice"))),
    (N_("Buy"), ((N_("Checkout"), "purchase"), (N_("Online order"), "online_order"))),
    (N_("Use"), ((N_("Delivery"), "delivery"), (N_("The product"), "product"))),
    (N_("Get help"), ((N_("Returns and exchanges"), "returns"), (N_("Support"), "support"))),
    (
        N_("Come back"),
        ((N_("Loyalty programme"), "loyalty"), (N_("Follow-up e-mail"), "follow_up")),
    ),
)

APPOINTMENTS: Stages = (
    (N_("Discover"), ((N_("Website"), "website"), (N_("Recommendation"), "referral"))),
    (N_("Book"), ((N_("Phone booking"), "phone"), (N_("Online booking"), "online_booking"))),
    (N_("Visit"), ((N_("Front desk"), "front_desk"), (N_("The visit overall"), "visit"))),
    (N_("Pay"), ((N_("Checkout"), "purchase"),)),
    (N_("Get help"), ((N_("Questions and complaints"), "support"),)),
    (N_("Come back"), ((N_("Reminder"), "reminder"), (N_("Follow-up e-mail"), "follow_up"))),
)

HOME_SERVICES: Stages = (
    (N_("Discover"), ((N_("Website"), "website"), (N_("Recommendation"), "referral"))),
    (N_("Book"), ((N_("Quote"), "quote"), (N_("Phone booking"), "phone"))),
    (N_("Service"), ((N_("Arrival on time"), "arrival"), (N_("The visit overall"), "visit"))),
    (N_("Pay"), ((N_("Invoice and payment"), "purchase"),)),
    (N_("Get help"), ((N_("Call-backs and complaints"), "support"),)),
    (N_("Come back"), ((N_("Follow-up e-mail"), "follow_up"),)),
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
