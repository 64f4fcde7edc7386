"""The aspect word lists and urgent matters every business starts with (then edits).

Terms are words or phrases; "wait*" also finds "waited", "waiting", "waits".
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

WAIT_TIME = ("wait_time", _("Wait time"), [
    "wait*", "queue*", "line", "slow*", "took ages", "took forever", "minutes", "mins",
    "hour*", "delay*", "late", "quick*", "fast",
])  # fmt: skip
STAFF = ("staff", _("Staff friendliness"), [
    "staff", "team", "employee*", "rude*", "friendl*", "polite*", "welcom*", "attitude",
    "helpful", "unhelpful", "smil*", "apologis*", "apologiz*", "nobody", "manager",
])  # fmt: skip
PRICE = ("price", _("Price and value"), [
    "price*", "pricey", "expensive", "cheap*", "overpriced", "value", "cost*", "money",
    "worth", "bill", "charg*", "afford*", "deal",
])  # fmt: skip
CLEANLINESS = ("cleanliness", _("Cleanliness"), [
    "clean*", "dirty", "filthy", "hygien*", "mess*", "toilet*", "bathroom*", "smell*",
    "sticky", "dust*", "tidy", "untidy",
])  # fmt: skip
BOOKING = ("booking", _("Booking"), [
    "book*", "appointment*", "reservation*", "reserv*", "schedul*", "cancel*",
    "reschedul*", "slot*", "online booking",
])  # fmt: skip
DELIVERY = ("delivery", _("Delivery"), [
    "deliver*", "shipping", "shipped", "courier", "arrived", "parcel*", "package*",
    "takeaway", "take-away", "collection", "click and collect",
])  # fmt: skip
ATMOSPHERE = ("atmosphere", _("Atmosphere"), [
    "atmosphere", "ambience", "ambiance", "music", "noisy", "noise", "loud", "cosy",
    "cozy", "decor", "vibe", "seat*", "chair*", "wifi", "comfy", "comfortable",
])  # fmt: skip
COMMUNICATION = ("communication", _("Communication"), [
    "call*", "phone*", "email*", "e-mail*", "respon*", "repl*", "updat*", "inform*",
    "explain*", "kept us posted", "never heard back",
])  # fmt: skip


def quality(words: list[str]):
    return ("quality", _("Quality"), ["quality", *words])


INDUSTRY_ASPECTS = {
    "food_drink": [
        quality(["food", "coffee*", "cofee", "coffe", "tea", "meal*", "dish*", "taste*",
                 "tasty", "delicious", "fresh", "stale", "cold", "burnt", "cake*", "pastr*",
                 "croissant*", "sandwich*", "drink*", "portion*", "menu"]),
        WAIT_TIME, STAFF, PRICE, CLEANLINESS, ATMOSPHERE, BOOKING, DELIVERY,
    ],
    "retail": [
        quality(["product*", "item*", "broke*", "faulty", "defect*", "material*", "fit*",
                 "size*", "durable", "cheaply made"]),
        ("stock", _("Stock and choice"), ["stock", "out of stock", "sold out", "availab*",
                                          "range", "selection", "choice"]),
        ("returns", _("Returns and refunds"), ["return*", "refund*", "exchang*", "receipt"]),
        WAIT_TIME, STAFF, PRICE, CLEANLINESS, DELIVERY,
    ],
    "beauty": [
        quality(["haircut", "hair", "cut", "colour*", "color*", "nails", "manicure",
                 "pedicure", "facial", "massage", "result*", "style*", "treatment*"]),
        WAIT_TIME, STAFF, PRICE, CLEANLINESS, BOOKING, ATMOSPHERE,
    ],
    "health": [
        quality(["care", "treatment*", "diagnos*", "exam*", "check-up", "pain*", "procedure*",
                 "prescription*", "result*"]),
        WAIT_TIME,
        ("staff", STAFF[1], [*STAFF[2], "doctor*", "nurse*", "receptionist*", "dentist*",
                             "hygienist*", "therapist*", "vet*"]),
        PRICE, CLEANLINESS, BOOKING, COMMUNICATION,
    ],
    "home_services": [
        quality(["work", "job", "repair*", "fix*", "install*", "finish*", "workmanship",
                 "leak*", "broke*"]),
        ("punctuality", _("Punctuality"), ["on time", "late", "arriv*", "turned up",
                                           "no-show", "no show", "waited", "punctual*"]),
        ("staff", STAFF[1], [*STAFF[2], "technician*", "plumber*", "electrician*",
                             "engineer*", "worker*", "crew", "fitter*"]),
        ("price", PRICE[1], [*PRICE[2], "quote*", "estimate*", "invoice*"]),
        CLEANLINESS, BOOKING, COMMUNICATION,
    ],
    "professional_services": [
        quality(["advice", "work", "expertise", "knowledge*", "thorough*", "mistake*",
                 "error*", "accura*"]),
        STAFF,
        ("price", PRICE[1], [*PRICE[2], "fee*", "invoice*", "hourly"]),
        COMMUNICATION, BOOKING, WAIT_TIME,
    ],
    "other": [
        quality(["product*", "service", "work", "result*"]),
        WAIT_TIME, STAFF, PRICE, CLEANLINESS, BOOKING, DELIVERY, COMMUNICATION,
    ],
}  # fmt: skip

URGENT_TERMS = [
    # Money back
    "refund*", "money back", "chargeback", "charged twice", "overcharged",
    # Health and safety
    "food poisoning", "poison*", "sick", "vomit*", "allerg*", "injur*", "hurt",
    "unsafe", "danger*", "fire", "hygiene", "health inspector", "health department",
    # Legal
    "lawyer*", "solicitor*", "attorney*", "sue", "suing", "lawsuit", "legal action",
    "court", "trading standards", "police", "fraud*", "scam*",
    # Leaving for good
    "never again", "never coming back", "never come back", "never return*",
    "never be back", "won't be back", "will not be back",
]  # fmt: skip


def aspects_for_industry(industry: str) -> list[tuple[str, str, list[str]]]:
    return [
        (key, str(name), list(terms))
        for key, name, terms in INDUSTRY_ASPECTS.get(industry, INDUSTRY_ASPECTS["other"])
    ]
