"""Names, e-mails and phones for demo customers."""

from __future__ import annotations

import random

FIRST_NAMES = [
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "George", "Ava", "Arthur", "Mia", "Leo",
    "Ivy", "Oscar", "Freya", "Harry", "Lily", "Muhammad", "Sofia", "Jack", "Grace", "Theo",
    "Chloe", "Jacob", "Aisha", "Mateo", "Zara", "Lucas", "Priya", "Ethan", "Maya", "Kwame",
    "Yuki", "Chen", "Fatima", "Diego", "Anna", "Tomasz", "Elena", "Sipho", "Nora", "Omar",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "Khan", "Evans", "Thomas", "Roberts", "Walker", "Nguyen", "Okafor", "Garcia",
    "Kowalski", "Rossi", "Müller", "O'Brien", "Hughes", "Ahmed", "Edwards", "Green", "Hall",
    "Lewis", "Clarke", "Singh", "Mensah", "Silva", "Novak", "Dubois", "Kim", "Tanaka",
]  # fmt: skip
DOMAINS = ["example.com", "example.net", "example.org", "mail.example"]
TAGS = ["regular", "vip", "student", "office", "takeaway", "family", "remote-worker"]


def person(rng: random.Random, number: int) -> tuple[str, str, str]:
    """A name, a unique e-mail (by `number`) and a UK-style mobile number."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
    email = f"{local}.{number}@{rng.choice(DOMAINS)}"
    phone = f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    return f"{first} {last}", email, phone


def tags_for(rng: random.Random) -> list[str]:
    return rng.sample(TAGS, k=rng.choice([0, 0, 0, 1, 1, 2]))
