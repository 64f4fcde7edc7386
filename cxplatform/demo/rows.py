"""The demo's bulk rows: customers, purchases, survey responses and staff interactions.

Rows are made a chunk at a time and written with bulk_create, one transaction per chunk,
so a million responses take minutes and memory stays flat. Foreign keys are set by id
(`customer_id=...`): no related instance is loaded.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

from customers.models import ConsentChange, ConsentEvent, ConsentSource, Customer, Purchase
from feedback.models import Answer, Channel, Interaction, Response

from .answers import DemoSurvey, answers_for_score
from .clock import HISTORY_DAYS, Clock
from .notes import note_for
from .people import person, tags_for

CHUNK = 5_000
REGULAR_SHARE = 0.1
# Half of all purchases are made by the regulars; the rest are spread over everybody,
# so most customers buy once or twice.
REGULAR_PURCHASE_SHARE = 0.5
CONSENT_SHARE = 0.7
# Score weights 0..10 per location: the high street scores better than the busy kiosk.
# Overall about 55% promoters, 25% passives and 20% detractors.
NPS_WEIGHTS = (
    (1, 0.5, 1, 1.5, 2.5, 5, 6.5, 10, 14, 22, 36),
    (1.5, 1, 1.5, 2.5, 4, 6, 8.5, 12, 15, 20, 28),
)
# Getting help is where the café lets people down (refunds that never come, call-backs
# that never happen), and the journey map should show it (at scale 1, for nearly every
# seed): about 55% detractors and 25% promoters, at either location.
SUPPORT_NPS_WEIGHTS = (10, 6, 7, 8, 8, 8, 8, 9, 11, 11, 14)
LOCATION_WEIGHTS = (0.7, 0.3)
CHANNELS = (Channel.LINK, Channel.QR, Channel.EMAIL, Channel.EMBED)
CHANNEL_WEIGHTS = (35, 30, 25, 10)


@dataclass
class Context:
    seed: int
    rng: random.Random
    clock: Clock
    business_id: int
    surveys: tuple[DemoSurvey, ...]
    # Journey touchpoint ids by key ("purchase", "phone"...), for staff interactions.
    touchpoint_ids: dict[str, int]
    location_ids: list[int]
    staff_ids: list[int]
    order_prefix: str

    def stream(self, kind: str) -> Context:
        """A copy with its own random stream for one kind of row: each kind comes out the
        same for a seed whatever order (or process) the kinds are written in."""
        return replace(self, rng=random.Random(f"{self.seed}:{kind}"))


@dataclass
class CustomerPool:
    """What later rows need to know about customers: ids, when they joined, who's regular."""

    ids: list[int] = field(default_factory=list)
    joined: array = field(default_factory=lambda: array("H"))
    regulars: list[int] = field(default_factory=list)

    def pick(self, rng: random.Random, *, regular_share: float = 0.0) -> int:
        """The index of a customer: a regular with `regular_share` chance, else anybody."""
        if self.regulars and rng.random() < regular_share:
            return rng.choice(self.regulars)
        return rng.randrange(len(self.ids))


def chunk_sizes(total: int) -> Iterator[int]:
    for start in range(0, total, CHUNK):
        yield min(CHUNK, total - start)


@contextmanager
def chunk_transaction() -> Iterator[None]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Demo rows can be rebuilt: don't wait for each chunk to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def pick_location(context: Context) -> int:
    count = len(context.location_ids)
    return context.rng.choices(range(count), LOCATION_WEIGHTS[:count])[0]


def age_for(context: Context, pool: CustomerPool, index: int | None) -> int:
    """Days ago for a row, never before its customer (if any) joined."""
    if index is None:
        return context.clock.age_in_days(context.rng)
    return context.clock.age_after_joining(context.rng, pool.joined[index])


# --- Customers ---------------------------------------------------------------


def insert_customers(context: Context, total: int) -> CustomerPool:
    context = context.stream("customers")
    pool = CustomerPool()
    for size in chunk_sizes(total):
        first = len(pool.joined)
        batch = [new_customer(context, pool, first + offset) for offset in range(size)]
        with chunk_transaction():
            created = Customer.objects.bulk_create(batch, batch_size=CHUNK)
            ConsentEvent.objects.bulk_create(consent_history(created), batch_size=CHUNK)
            pool.ids.extend(c.pk for c in created)
    return pool


def consent_history(customers: list[Customer]) -> list[ConsentEvent]:
    """Each demo customer's consent answer (and unsubscribe) as the history a real
    business keeps, so their page shows where it came from. Draws no random numbers:
    the rest of the demo stays as it was."""
    events = []
    for customer in customers:
        if customer.consent_recorded_at is None:
            continue
        events.append(
            demo_event(customer, ConsentChange.AGREED, customer.consent_source,
                       customer.consent_recorded_at)
        )  # fmt: skip
        if customer.email_opt_out_at is not None:
            events.append(
                demo_event(customer, ConsentChange.UNSUBSCRIBED, ConsentSource.UNSUBSCRIBE,
                           customer.email_opt_out_at)
            )  # fmt: skip
    return events


def demo_event(customer: Customer, change: str, source: str, at: datetime) -> ConsentEvent:
    return ConsentEvent(
        business_id=customer.business_id, customer=customer, change=change, source=source,
        created_at=at,
    )  # fmt: skip


def new_customer(context: Context, pool: CustomerPool, index: int) -> Customer:
    rng = context.rng
    name, email, phone = person(rng, index + 1)
    age = context.clock.joined_age(rng)
    regular = rng.random() < REGULAR_SHARE
    if regular:
        pool.regulars.append(index)
    pool.joined.append(age)
    joined = context.clock.moment(rng, age)
    return Customer(
        business_id=context.business_id,
        name=name,
        email=email if rng.random() < 0.92 else "",
        phone=phone if rng.random() < 0.6 else "",
        tags=tags_for(rng, regular=regular, vip=regular and rng.random() < 0.2),
        created_at=joined,
        **consent_fields(context, age, joined),
    )


def consent_fields(context: Context, age: int, joined: datetime) -> dict[str, object]:
    rng = context.rng
    if rng.random() >= CONSENT_SHARE:
        return {"consent_to_contact": False}
    imported = age == HISTORY_DAYS - 1
    opted_out = rng.random() < 0.03
    return {
        "consent_to_contact": True,
        "consent_recorded_at": joined,
        "consent_source": "import" if imported else rng.choice(("pos", "survey", "staff")),
        "email_opt_out_at": context.clock.moment(rng, rng.randrange(age)) if opted_out else None,
    }


# --- Purchases ---------------------------------------------------------------


def insert_purchases(context: Context, pool: CustomerPool, total: int) -> None:
    context = context.stream("purchases")
    number = 0
    for size in chunk_sizes(total):
        batch = []
        for _ in range(size):
            number += 1
            batch.append(new_purchase(context, pool, number))
        with chunk_transaction():
            Purchase.objects.bulk_create(batch, batch_size=CHUNK)


def new_purchase(context: Context, pool: CustomerPool, number: int) -> Purchase:
    rng = context.rng
    index = pool.pick(rng, regular_share=REGULAR_PURCHASE_SHARE)
    age = age_for(context, pool, index)
    return Purchase(
        business_id=context.business_id,
        customer_id=pool.ids[index],
        location_id=context.location_ids[pick_location(context)],
        purchased_at=context.clock.moment(rng, age),
        amount=purchase_amount(rng),
        order_reference=f"{context.order_prefix}-{number:06d}",
    )


def purchase_amount(rng: random.Random) -> Decimal:
    """Mostly a coffee and a pastry (3-25 EUR); now and then an office or party order."""
    big_order = rng.random() < 0.04
    euros = rng.uniform(35, 180) if big_order else max(2.5, rng.lognormvariate(2.1, 0.5))
    # Till totals are sums of menu prices, which end in 0 or 5 cents.
    return Decimal(round(euros * 20) * 5).scaleb(-2)


# --- Survey responses --------------------------------------------------------


@dataclass
class Draft:
    response: Response
    answers: list[Answer]


def insert_responses(context: Context, pool: CustomerPool, total: int) -> None:
    context = context.stream("responses")
    for size in chunk_sizes(total):
        drafts = [new_draft(context, pool) for _ in range(size)]
        with chunk_transaction():
            responses_write(drafts)


def responses_write(drafts: list[Draft]) -> None:
    # PostgreSQL and SQLite >= 3.35 return the new primary keys the answers need.
    Response.objects.bulk_create([draft.response for draft in drafts], batch_size=CHUNK)
    answers = []
    for draft in drafts:
        for answer in draft.answers:
            answer.response_id = draft.response.pk
        answers.extend(draft.answers)
    Answer.objects.bulk_create(answers, batch_size=CHUNK)


def new_draft(context: Context, pool: CustomerPool) -> Draft:
    rng = context.rng
    survey = rng.choices(context.surveys, [survey.share for survey in context.surveys])[0]
    location = pick_location(context)
    score = rng.choices(range(11), score_weights(survey, location))[0]
    channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
    # Answers to an e-mail invitation are tied to the customer invited; others rarely are.
    known = rng.random() < (0.9 if channel == Channel.EMAIL else 0.1)
    index = pool.pick(rng) if known else None
    age = age_for(context, pool, index)
    response = Response(
        business_id=context.business_id,
        survey_id=survey.id,
        channel=channel,
        location_id=context.location_ids[location],
        customer_id=None if index is None else pool.ids[index],
        created_at=context.clock.moment(rng, age),
    )
    answers = answers_for_score(
        rng, survey, score, business_id=context.business_id, created_at=response.created_at
    )
    return Draft(response, answers)


def score_weights(survey: DemoSurvey, location: int) -> tuple[float, ...]:
    return SUPPORT_NPS_WEIGHTS if survey.moment == "support" else NPS_WEIGHTS[location]


# --- Staff interactions ------------------------------------------------------


def insert_interactions(context: Context, pool: CustomerPool, total: int) -> None:
    context = context.stream("interactions")
    for size in chunk_sizes(total):
        batch = [new_interaction(context, pool) for _ in range(size)]
        with chunk_transaction():
            Interaction.objects.bulk_create(batch, batch_size=CHUNK)


def new_interaction(context: Context, pool: CustomerPool) -> Interaction:
    rng = context.rng
    note = note_for(rng)
    index = pool.pick(rng, regular_share=0.4) if rng.random() < 0.7 else None
    age = age_for(context, pool, index)
    return Interaction(
        business_id=context.business_id,
        customer_id=None if index is None else pool.ids[index],
        staff_id=rng.choice(context.staff_ids),
        location_id=context.location_ids[pick_location(context)],
        channel=note.channel,
        touchpoint_id=context.touchpoint_ids[note.touchpoint],
        note=note.note,
        mood=note.mood,
        outcome=note.outcome,
        follow_up_needed=note.follow_up_needed,
        created_at=context.clock.moment(rng, age),
    )
