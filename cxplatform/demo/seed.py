"""Building the demo business: its people and places, then the bulk rows, then scoring."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from functools import cache, partial

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from accounts.branding import business_look_update
from accounts.models import Business, Location, Role, User
from accounts.services import location_create, membership_add
from cxplatform.celery import tasks_run_eagerly
from cxplatform.onboarding import business_onboard
from feedback.builder.services import survey_create
from feedback.models import Answer, Interaction, Question, Survey
from journeys.models import Touchpoint
from journeys.rollups import rollup_build
from metrics.clv_fit import clv_fit_run
from metrics.purchases import purchase_rollup_build
from textanalysis.services import texts_enqueue_scoring

from .answers import DemoSurvey
from .clock import Clock
from .logo import bird_logo_png
from .parallel import alongside
from .reset import BIG_TABLES, demo_delete
from .reviews import review_sources_create
from .rows import (
    Context,
    insert_customers,
    insert_interactions,
    insert_purchases,
    insert_responses,
)

DEFAULT_NAME = "Bluebird Café"
DEFAULT_SEED = 7
OWNER_PASSWORD = "bluebird-demo-owner"
STAFF_PASSWORD = "bluebird-demo-staff"
OWNER = ("owner", "Maya", "Okafor")
STAFF = (("sam", "Sam", "Carter"), ("lena", "Lena", "Novak"))
LOCATIONS = (("High Street", "12 High Street"), ("Station Kiosk", "Platform 1, Central Station"))
PER_SCALE = {"customers": 500, "purchases": 2_000, "responses": 1_000, "interactions": 100}
INDUSTRY = "food_drink"
# The café's look on its surveys: a sunny yellow (the survey keeps its text readable on it)
# and the bluebird badge.
BRAND_COLOUR = "#ffc72c"
# (moment, share of the responses): the default NPS survey after a visit, and a survey
# from the ready-made template of each other moment, at the touchpoint the template names.
SURVEY_SHARES = (("visit", 0.6), ("purchase", 0.25), ("support", 0.15))
MIN_SCALE = 0.01


@dataclass
class SeedResult:
    business: Business
    owner_email: str
    staff_emails: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_written(self) -> int:
        # Comments are answers too: counted once.
        return sum(count for kind, count in self.counts.items() if kind != "comments")


def seed_demo(
    *,
    scale: float = 1,
    name: str = DEFAULT_NAME,
    seed: int = DEFAULT_SEED,
    score: bool = True,
) -> SeedResult:
    """(Re)build a demo business of `scale` units (1 = 1,000 survey responses)."""
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE}")
    started = time.monotonic()
    domain = email_domain(name)
    demo_delete(name=name, email_domain=domain)
    counts = row_counts(scale)
    business, context = business_setup(name=name, domain=domain, seed=seed)
    first_location = Location.objects.filter(business=business).order_by("pk").first()
    review_sources_create(business=business, location=first_location)
    pool = insert_customers(context, counts["customers"])
    purchases = partial(insert_purchases, context, pool, counts["purchases"])
    with alongside(purchases, name="seed-demo-purchases"):
        insert_responses(context, pool, counts["responses"])
        insert_interactions(context, pool, counts["interactions"])
    analyze_big_tables()
    # Bulk inserts skip the purchase hooks: build the purchase roll-up and the CLV
    # estimate here, so the dashboard's customer figures are there at once.
    purchase_rollup_build(business=business)
    clv_fit_run(business=business)
    counts["answers"] = Answer.objects.filter(business=business).count()
    counts["comments"] = comments_of(business).count()
    if score:
        scoring_enqueue(business=business)
    if score and tasks_run_eagerly():
        # Built after the scores (on-commit callbacks run in order), so the journey map
        # reads a complete roll-up at once. With workers, beat's task builds it.
        transaction.on_commit(partial(rollup_build, business=business))
    return SeedResult(
        business=business,
        owner_email=f"{OWNER[0]}@{domain}",
        staff_emails=[f"{login}@{domain}" for login, _, _ in STAFF],
        counts=counts,
        seconds=time.monotonic() - started,
    )


def row_counts(scale: float) -> dict[str, int]:
    return {kind: max(1, round(per * scale)) for kind, per in PER_SCALE.items()}


def email_domain(name: str) -> str:
    """Where the demo's people get their e-mail: bluebird.demo for the default café."""
    return "bluebird.demo" if name == DEFAULT_NAME else f"{slugify(name) or 'business'}.demo"


def order_prefix(name: str) -> str:
    """Order references start with the name's initials: BB-000123 for Bluebird Café."""
    words = slugify(name).split("-")
    initials = "".join(word[0] for word in words if word)[:3].upper()
    return "BB" if name == DEFAULT_NAME else initials or "DM"


def business_setup(*, name: str, domain: str, seed: int) -> tuple[Business, Context]:
    owner_hash, staff_hash = password_hash(OWNER_PASSWORD), password_hash(STAFF_PASSWORD)
    with transaction.atomic():
        owner = user_create(OWNER, domain=domain, password_hash=owner_hash)
        business = business_onboard(
            name=name, owner=owner, industry=INDUSTRY, time_zone="Europe/London", language="en"
        )
        business_look_update(
            business=business, actor=owner, brand_colour=BRAND_COLOUR, logo=bird_logo_png()
        )
        surveys = surveys_create(business=business)
        staff = [user_create(person, domain=domain, password_hash=staff_hash) for person in STAFF]
        for member in staff:
            membership_add(business=business, user=member, role=Role.STAFF)
        locations = [
            location_create(business=business, name=place, address=address)
            for place, address in LOCATIONS
        ]
    context = build_context(business, staff, locations, surveys, name=name, seed=seed)
    return business, context


def surveys_create(*, business: Business) -> dict[str, Survey]:
    """The surveys the demo answers, by moment: the default one measures the visit."""
    surveys = {"visit": Survey.objects.get(business=business, is_default=True)}
    for moment, _ in SURVEY_SHARES:
        if moment not in surveys:
            surveys[moment] = survey_create(business=business, template_key=f"{INDUSTRY}.{moment}")
    return surveys


@cache
def password_hash(raw: str) -> str:
    # Hashing is slow by design: once per distinct password (and process), not per user.
    return make_password(raw)


def user_create(person: tuple[str, str, str], *, domain: str, password_hash: str) -> User:
    login, first_name, last_name = person
    user = User.objects.create_user(
        f"{login}@{domain}", password=None, first_name=first_name, last_name=last_name
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


def build_context(
    business: Business,
    staff: list[User],
    locations: list[Location],
    surveys: dict[str, Survey],
    *,
    name: str,
    seed: int,
) -> Context:
    touchpoints = Touchpoint.objects.filter(business=business).exclude(key="")
    return Context(
        seed=seed,
        rng=random.Random(seed),
        clock=Clock(now=timezone.now()),
        business_id=business.pk,
        surveys=demo_surveys(surveys),
        touchpoint_ids=dict(touchpoints.values_list("key", "id")),
        location_ids=[location.pk for location in locations],
        staff_ids=[member.pk for member in staff],
        order_prefix=order_prefix(name),
    )


def demo_surveys(surveys: dict[str, Survey]) -> tuple[DemoSurvey, ...]:
    """Each survey with its questions in order (one query for all of them)."""
    questions: dict[int, list[Question]] = {survey.pk: [] for survey in surveys.values()}
    for question in Question.objects.filter(survey__in=surveys.values()).order_by("position"):
        questions[question.survey_id].append(question)
    return tuple(
        DemoSurvey(
            id=surveys[moment].pk,
            moment=moment,
            share=share,
            questions=tuple(questions[surveys[moment].pk]),
        )
        for moment, share in SURVEY_SHARES
    )


def analyze_big_tables() -> None:
    """Fresh planner statistics, so the first query after seeding doesn't plan for empty tables."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in BIG_TABLES:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def comments_of(business: Business) -> QuerySet[Answer]:
    return Answer.objects.filter(business=business).exclude(text="")


def scoring_enqueue(*, business: Business) -> None:
    """Score through the real pipeline: in-process when eager, else by the workers."""
    comment_ids = list(comments_of(business).values_list("pk", flat=True))
    note_ids = list(
        Interaction.objects.filter(business=business).exclude(note="").values_list("pk", flat=True)
    )
    # The sends are registered on commit: leaving this block is what fires them.
    with transaction.atomic():
        texts_enqueue_scoring(model=Answer, ids=comment_ids)
        texts_enqueue_scoring(model=Interaction, ids=note_ids)
