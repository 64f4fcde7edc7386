"""Writing the demo business: bulk inserts in chunks, so a million responses take minutes."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Business, BusinessOwned, Location, Membership, Role, User
from accounts.services import location_create, membership_add
from customers.models import Customer, Purchase
from cxplatform.onboarding import business_onboard
from feedback.models import Answer, Channel, Interaction, InteractionChannel, Response, Survey
from textanalysis.services import texts_enqueue_scoring

from .people import person, tags_for
from .texts import comment_for_score, interaction_for

DEFAULT_NAME = "Bluebird Café"
CHUNK = 5_000
HISTORY_DAYS = 730
PER_SCALE = {"customers": 500, "purchases": 2_000, "responses": 1_000, "interactions": 100}
OWNER_PASSWORD = "bluebird-demo-owner"
STAFF_PASSWORD = "bluebird-demo-staff"
# Weights of each NPS score: about 55% promoters, 25% passives, 20% detractors.
NPS_WEIGHTS = [1.5, 1, 1.5, 2, 3, 5, 6, 10, 15, 20, 35]
COMMENT_SHARE = 0.65
RESPONSE_CHANNELS = [Channel.LINK, Channel.QR, Channel.EMAIL, Channel.EMBED]
TOUCHPOINTS = ["counter", "phone booking", "delivery", "table service", "instagram"]


@dataclass
class SeedResult:
    business: Business
    owner_email: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Context:
    rng: random.Random
    business: Business
    survey: Survey
    locations: list[Location]
    staff: list[User]
    now: datetime


def seed_demo(*, scale: float = 1, name: str = DEFAULT_NAME, seed: int = 7, score: bool = True):
    started = time.monotonic()
    domain = email_domain(name)
    business_delete(name=name, email_domain=domain)
    context = setup_business(name=name, domain=domain, seed=seed)
    counts = {kind: max(1, round(per * scale)) for kind, per in PER_SCALE.items()}
    customer_ids = insert_customers(context, counts["customers"])
    insert_purchases(context, customer_ids, counts["purchases"])
    insert_responses(context, customer_ids, counts["responses"])
    insert_interactions(context, customer_ids, counts["interactions"])
    if score:
        enqueue_scoring(context.business)
    counts["comments"] = Answer.objects.filter(business=context.business).exclude(text="").count()
    return SeedResult(
        business=context.business,
        owner_email=f"owner@{domain}",
        counts=counts,
        seconds=time.monotonic() - started,
    )


def email_domain(name: str) -> str:
    """Where the demo's people get their e-mail: bluebird.demo for the default café."""
    return "bluebird.demo" if name == DEFAULT_NAME else f"{slugify(name) or 'business'}.demo"


def business_delete(*, name: str, email_domain: str) -> None:
    """Remove an earlier demo business fast: one DELETE per table, not Django's collector."""
    with transaction.atomic():
        for business_id in Business.objects.filter(name=name).values_list("id", flat=True):
            with connection.cursor() as cursor:
                for model in business_owned_models():
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"DELETE FROM {table} WHERE business_id = %s", [business_id])
            Membership.objects.filter(business_id=business_id).delete()
            Business.objects.filter(id=business_id).delete()
        User.objects.filter(email__endswith=f"@{email_domain}").delete()


def business_owned_models() -> list:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, BusinessOwned) and not model._meta.proxy
    ]


def setup_business(*, name: str, domain: str, seed: int) -> Context:
    owner_hash, staff_hash = make_password(OWNER_PASSWORD), make_password(STAFF_PASSWORD)
    with transaction.atomic():
        owner = User.objects.create(
            email=f"owner@{domain}", first_name="Maya", last_name="Okafor", password=owner_hash
        )
        business = business_onboard(
            name=name, owner=owner, industry="food_drink", time_zone="Europe/London"
        )
        staff = [
            User.objects.create(email=f"{first.lower()}@{domain}", first_name=first,
                                last_name=last, password=staff_hash)
            for first, last in [("Sam", "Carter"), ("Lena", "Novak")]
        ]  # fmt: skip
        for member in staff:
            membership_add(business=business, user=member, role=Role.STAFF)
        locations = [
            location_create(business=business, name="High Street", address="12 High Street"),
            location_create(business=business, name="Station Kiosk", address="Platform 1"),
        ]
    survey = Survey.objects.get(business=business, is_default=True)
    return Context(random.Random(seed), business, survey, locations, staff, timezone.now())


def past_moment(context: Context) -> datetime:
    # Squaring a uniform number crowds moments towards the present: recent months are busier.
    age = (1 - context.rng.random() ** 0.7) * HISTORY_DAYS
    return context.now - timedelta(days=age, seconds=context.rng.randint(0, 86_399))


def chunks(total: int) -> Iterator[int]:
    for start in range(0, total, CHUNK):
        yield min(CHUNK, total - start)


def insert_customers(context: Context, total: int) -> list[int]:
    ids: list[int] = []
    number = 0
    for size in chunks(total):
        batch = []
        for _ in range(size):
            number += 1
            batch.append(new_customer(context, number))
        with transaction.atomic():
            ids.extend(c.pk for c in Customer.objects.bulk_create(batch, batch_size=CHUNK))
    return ids


def new_customer(context: Context, number: int) -> Customer:
    rng = context.rng
    name, email, phone = person(rng, number)
    consent = rng.random() < 0.7
    joined = past_moment(context)
    return Customer(
        business=context.business,
        name=name,
        email=email if rng.random() < 0.9 else "",
        phone=phone if rng.random() < 0.6 else "",
        consent_to_contact=consent,
        consent_recorded_at=joined if consent else None,
        consent_source="staff" if consent else "",
        tags=tags_for(rng),
        created_at=joined,
    )


def insert_purchases(context: Context, customer_ids: list[int], total: int) -> None:
    # A fifth of customers are regulars who make most of the purchases.
    regulars = customer_ids[: max(1, len(customer_ids) // 5)]
    reference = 0
    for size in chunks(total):
        batch = []
        for _ in range(size):
            reference += 1
            batch.append(new_purchase(context, customer_ids, regulars, reference))
        with transaction.atomic():
            Purchase.objects.bulk_create(batch, batch_size=CHUNK)


def new_purchase(context: Context, customer_ids, regulars, reference: int) -> Purchase:
    rng = context.rng
    pool = regulars if rng.random() < 0.6 else customer_ids
    amount = min(250.0, rng.lognormvariate(2.2, 0.55))
    return Purchase(
        business=context.business,
        customer_id=rng.choice(pool),
        location=rng.choice(context.locations),
        purchased_at=past_moment(context),
        amount=Decimal(f"{amount:.2f}"),
        currency="GBP",
        order_reference=f"BB-{reference:07d}",
    )


def insert_responses(context: Context, customer_ids: list[int], total: int) -> None:
    nps, reason = context.survey.questions.order_by("position")
    for size in chunks(total):
        drafts = [new_response(context, customer_ids) for _ in range(size)]
        with transaction.atomic():
            responses = Response.objects.bulk_create([r for r, _, _ in drafts], batch_size=CHUNK)
            answers = []
            for response, (_draft, score, comment) in zip(responses, drafts, strict=True):
                answers.append(answer(context, response, nps, number=score))
                if comment:
                    answers.append(answer(context, response, reason, text=comment))
            Answer.objects.bulk_create(answers, batch_size=CHUNK)


def new_response(context: Context, customer_ids: list[int]) -> tuple[Response, int, str]:
    rng = context.rng
    score = rng.choices(range(11), NPS_WEIGHTS)[0]
    comment = comment_for_score(rng, score) if rng.random() < COMMENT_SHARE else ""
    response = Response(
        business=context.business,
        survey=context.survey,
        channel=rng.choice(RESPONSE_CHANNELS),
        location=rng.choice(context.locations),
        customer_id=rng.choice(customer_ids) if rng.random() < 0.3 else None,
        created_at=past_moment(context),
    )
    return response, score, comment


def answer(context: Context, response: Response, question, *, number=None, text="") -> Answer:
    return Answer(
        business=context.business,
        response=response,
        question=question,
        number=number,
        text=text,
        created_at=response.created_at,
    )


def insert_interactions(context: Context, customer_ids: list[int], total: int) -> None:
    rng = context.rng
    for size in chunks(total):
        batch = []
        for _ in range(size):
            note, mood, outcome, follow_up = interaction_for(rng)
            batch.append(
                Interaction(
                    business=context.business,
                    customer_id=rng.choice(customer_ids) if rng.random() < 0.8 else None,
                    staff=rng.choice(context.staff),
                    location=rng.choice(context.locations),
                    channel=rng.choice(InteractionChannel.values),
                    touchpoint=rng.choice(TOUCHPOINTS),
                    note=note,
                    mood=mood,
                    outcome=outcome,
                    follow_up_needed=follow_up,
                    created_at=past_moment(context),
                )
            )
        with transaction.atomic():
            Interaction.objects.bulk_create(batch, batch_size=CHUNK)


def enqueue_scoring(business: Business) -> None:
    """Score through the real pipeline: in-process when eager, else by the workers."""
    comments = Answer.objects.filter(business=business).exclude(text="")
    notes = Interaction.objects.filter(business=business)
    with transaction.atomic():
        texts_enqueue_scoring(model=Answer, ids=list(comments.values_list("pk", flat=True)))
        texts_enqueue_scoring(model=Interaction, ids=list(notes.values_list("pk", flat=True)))
