"""Notes staff log about moments with customers, with a mood and outcome that fit them."""

from __future__ import annotations

import random
from dataclasses import dataclass

from feedback.models import InteractionChannel, Mood

from .comments import fill, typo


@dataclass(frozen=True)
class Situation:
    touchpoint: str  # the key of a touchpoint of the café's journey (journeys.catalog)
    channel: str
    mood: str
    notes: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    touchpoint: str  # a touchpoint key, as in Situation
    channel: str
    mood: str
    note: str
    outcome: str
    follow_up_needed: bool


SITUATIONS = (
    Situation(
        "purchase", InteractionChannel.IN_PERSON, Mood.DELIGHTED,
        (
            "Regular asked about oat milk, loved the new house blend in her {drink}.",
            "Tourist loved the {food} and asked for directions to the station.",
            "Customer said the {drink} was the best they'd had in town, bought beans to take home.",
            "Birthday regular, gave a free {food}; she was thrilled.",
        ),
        ("Thanked", "Sold a bag of beans", "Added to the loyalty scheme"),
    ),
    Situation(
        "purchase", InteractionChannel.IN_PERSON, Mood.FRUSTRATED,
        (
            "Customer complained the {drink} was cold; remade it and apologised.",
            "Complained about waiting {minutes} minutes at the lunch rush.",
            "Said the toilets were dirty; cleaned them straight away.",
            "Asked for oat milk and got dairy, not happy. Remade.",
        ),
        ("Remade the drink", "Apologised", "Fixed on the spot", "Gave a free {food}"),
    ),
    Situation(
        "purchase", InteractionChannel.IN_PERSON, Mood.NEUTRAL,
        (
            "Asked whether the {food} contains nuts; showed the allergen sheet.",
            "Said the music was too loud while working; turned it down.",
            "Asked if we take bookings for {count} people at lunch.",
        ),
        ("Informed", "Adjusted", "Answered"),
    ),
    Situation(
        "phone", InteractionChannel.PHONE, Mood.CONTENT,
        (
            "Phoned to book the back room for a birthday on Saturday, {count} tables.",
            "Booked a table {when} for a work meeting.",
            "Called to check we have gluten-free {food}; reserved two.",
        ),
        ("Booked", "Reserved", "Confirmed by e-mail"),
    ),
    Situation(
        "phone", InteractionChannel.PHONE, Mood.ANGRY,
        (
            "Furious that the booking for {when} was lost; the table was given away.",
            "Angry about being charged twice on the card machine. Wants a refund.",
        ),
        ("Refund requested", "Manager to call back", "Apologised, offered a voucher"),
    ),
    Situation(
        "delivery", InteractionChannel.CHAT, Mood.ANGRY,
        (
            "Delivery arrived {minutes} minutes late and cold, customer very upset.",
            "Half the order missing (no {food}), customer says never again.",
            "Received the wrong order for the second time this week.",
        ),
        ("Voucher offered", "Refund issued", "Manager to call back"),
    ),
    Situation(
        "delivery", InteractionChannel.EMAIL, Mood.CONTENT,
        (
            "Asked for a receipt for expenses for the office order, sent by e-mail.",
            "Thanked us for the office delivery, everything arrived warm.",
        ),
        ("Sent", "Thanked"),
    ),
    Situation(
        "social", InteractionChannel.SOCIAL, Mood.FRUSTRATED,
        (
            "Complained on Instagram that we ran out of gluten-free options by noon.",
            "Posted that the {drink} price went up again to {price}.",
        ),
        ("Replied with apology", "Explained the price change"),
    ),
    Situation(
        "loyalty", InteractionChannel.IN_PERSON, Mood.ANGRY,
        (
            "Loyal customer upset the loyalty stamps were not counted, says never again.",
            "Regular shouted at the till because the card machine was down again.",
        ),
        ("Manager to call back", "Stamps added by hand"),
    ),
)  # fmt: skip
# How often each situation comes up: mostly pleasant, now and then a bad day.
SITUATION_WEIGHTS = (18, 12, 12, 14, 5, 6, 8, 5, 4)


def note_for(rng: random.Random) -> Note:
    situation = rng.choices(SITUATIONS, SITUATION_WEIGHTS)[0]
    note = fill(rng, rng.choice(situation.notes))
    if rng.random() < 0.2:
        # Typed in a hurry at the till.
        note = typo(rng, note)
    return Note(
        touchpoint=situation.touchpoint,
        channel=situation.channel,
        mood=situation.mood,
        note=note,
        outcome=fill(rng, rng.choice(situation.outcomes)),
        follow_up_needed=needs_follow_up(rng, situation.mood),
    )


def needs_follow_up(rng: random.Random, mood: str) -> bool:
    # Angry customers always get a call back; frustrated ones when the fix didn't land.
    if mood == Mood.ANGRY:
        return True
    return mood == Mood.FRUSTRATED and rng.random() < 0.3
