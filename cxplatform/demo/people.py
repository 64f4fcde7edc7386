"""Names, e-mails, phones and tags for demo customers.

E-mails use the reserved example.* domains, so nothing sent to a demo customer can
reach a real person.
"""

from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = [
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "George", "Ava", "Arthur", "Mia", "Leo",
    "Ivy", "Oscar", "Freya", "Harry", "Lily", "Muhammad", "Sofia", "Jack", "Grace", "Theo",
    "Chloe", "Jacob", "Aisha", "Mateo", "Zara", "Lucas", "Priya", "Ethan", "Maya", "Kwame",
    "Yuki", "Chen", "Fatima", "Diego", "Anna", "Tomasz", "Elena", "Sipho", "Nora", "Omar",
    "Siobhan", "Rhys", "Niamh", "Callum", "Eilidh", "Ravi", "Ines", "Joaquín", "Zoë", "Ahmed",
    "Hannah", "Daniel", "Sarah", "James", "Emily", "Thomas", "Charlotte", "William", "Ruby",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Wright", "Khan", "Evans", "Thomas", "Roberts", "Walker", "Nguyen", "Okafor", "Garcia",
    "Kowalski", "Rossi", "Müller", "O'Brien", "Hughes", "Ahmed", "Edwards", "Green", "Hall",
    "Lewis", "Clarke", "Singh", "Mensah", "Silva", "Novak", "Dubois", "Kim", "Tanaka",
    "MacDonald", "Fernández", "Byrne", "Murphy", "Chowdhury", "Baker", "Wood", "Harris",
]  # fmt: skip
DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
# Tags a café would use; "regular" and "vip" are given by buying habits (see rows.py).
OCCASIONAL_TAGS = ["student", "office", "takeaway", "family", "remote-worker", "dog-owner"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalnum())


def person(rng: random.Random, number: int) -> tuple[str, str, str]:
    """A name, an e-mail unique by `number`, and a UK mobile number."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first} {last}", email_for(rng, first, last, number), phone(rng)


def email_for(rng: random.Random, first: str, last: str, number: int) -> str:
    first, last = ascii_slug(first), ascii_slug(last)
    local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", first))
    return f"{local}{number}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    return f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"


def tags_for(rng: random.Random, *, regular: bool, vip: bool) -> list[str]:
    tags = ["regular"] if regular else []
    if vip:
        tags.append("vip")
    if rng.random() < 0.3:
        tags.append(rng.choice(OCCASIONAL_TAGS))
    return tags
