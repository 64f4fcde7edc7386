"""Benchmark: server time of the journey map page at 50,000 and 500,000 voices.

Fills a throwaway PostgreSQL database with a food & drink business in Europe/London: its
ready-made journey, three locations, six surveys at six touchpoints, customers (some
tagged, some with purchases) and voices spread over the last 365 days: 80% survey
responses (an NPS or CSAT/CES number each, about 60% with a comment already scored, with
the words and aspects of the real analyser), 20% staff interactions (a scored note at a
touchpoint). Another business's rows share the tables (tenancy). Rows go in with COPY.
Then the journey roll-up is built (timed) and the tables analysed.

Measures, in this process through django.test.Client (DEBUG off), for the owner: the
median and p90 of 20 requests after 2 warm-ups, and the SQL queries of one more, of

  (a) GET /journeys/                          the default period (last 30 days)
  (b) GET /journeys/?start=..&end=..          the last 365 days
  (c) (b) with location=<uuid>&segment=returning
  (d) (b) with tag=regular                    tags are read from raw rows, no roll-up
  (e) GET /api/v1/journey/map/?start=..&end=..

first at --voices-small voices, then with rows added up to --voices (the roll-up rebuilt).

Usage: .venv/bin/python bench/journey_map.py [--voices-small 50000] [--voices 500000]
                                             [--keep] [--explain] [--data-only]
Target: (b) and (c) under 300 ms median at 500,000 voices.
"""

from __future__ import annotations

import io
import json
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import PG, SECRET_KEY, django_on_fresh_database, two_sizes  # noqa: E402

DATABASE = "cx_bench_journey_map"
TARGET_MS = 300.0
WARMUPS, REPEATS = 2, 20
# A page far over the target stops after this many seconds of timed requests (at least
# MIN_REPEATS of them), so a slow map still ends the run in minutes.
CASE_SECONDS, MIN_REPEATS = 30.0, 5
DAYS = 365
TIME_ZONE = "Europe/London"
INDUSTRY = "food_drink"
CHUNK = 20_000  # voices per COPY transaction
RESPONSE_SHARE = 0.8
# A response gets a comment with this chance when a text question is shown to it (the
# "why?" follow-ups are not shown to passives): about 60% of responses have one.
COMMENT_SHARE = 0.68
KNOWN_RESPONSE, KNOWN_INTERACTION = 0.35, 0.7
NO_LOCATION_SHARE = 0.05
LOCATION_WEIGHTS = (0.5, 0.3, 0.2)
UNPLACED_NOTE_SHARE = 0.03
# Another business's voices, as a share of the measured business's.
OTHER_SHARE = 0.1
CUSTOMERS_PER_VOICE = 1 / 15
PURCHASE_DAYS = 420
TAG = "regular"
POOL_PER_SCORE, NOTE_POOL = 300, 1_500
# (template key, survey name, touchpoint key or "" for the template's own, share of responses)
SURVEYS = (
    ("", "", "visit", 0.40),  # the default NPS survey the business starts with
    ("food_drink.purchase", "", "", 0.18),
    ("food_drink.support", "", "", 0.08),
    ("food_drink.visit", "Arrival and queue", "arrival", 0.12),
    ("food_drink.purchase", "Delivery", "delivery", 0.12),
    ("food_drink.visit", "Food and drink", "product", 0.10),
)
NPS_WEIGHTS = (1, 0.5, 1, 1.5, 2.5, 5, 6.5, 10, 14, 22, 36)
CHANNELS = (("link", 35), ("qr", 30), ("email", 25), ("embed", 10))
ENV = {
    "DATABASE_URL": f"{PG}/{DATABASE}",
    "DJANGO_SETTINGS_MODULE": "cxplatform.settings",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    # Tasks in-process, cache in memory: nothing outside this process and PostgreSQL.
    "CELERY_BROKER_URL": "",
    "CACHE_URL": "",
    "LOG_LEVEL": "WARNING",
    "SECRET_KEY": SECRET_KEY,
}


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p90 of 20 values is the 18th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- COPY ---------------------------------------------------------------------------


def copy_text(value: object) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class Copier:
    """COPY rows of a model: the given columns, then every other column's default
    (so a field added to the model later does not break the benchmark)."""

    def __init__(self, model, columns: tuple[str, ...]) -> None:
        from django.db.models import JSONField

        self.table = model._meta.db_table
        fields = model._meta.concrete_fields
        unknown = set(columns) - {f.column for f in fields}
        if unknown:
            raise RuntimeError(f"{self.table} has no column {sorted(unknown)}")
        rest = [f for f in fields if f.column not in columns]
        suffix = []
        for f in rest:
            if f.null:
                value = None
            elif f.has_default() or f.empty_strings_allowed:  # "" for text without one
                value = f.get_default()
                value = json.dumps(value) if isinstance(f, JSONField) else value
            else:
                raise RuntimeError(f"{self.table}.{f.column} needs a value in the benchmark")
            suffix.append(copy_text(value))
        self.columns = (*columns, *(f.column for f in rest))
        self.suffix = "".join("\t" + text for text in suffix) + "\n"

    def write(self, cursor, lines: list[str]) -> None:
        """`lines`: each row's given columns, already COPY text joined by tabs."""
        if not lines:
            return
        buffer = io.StringIO(self.suffix.join(lines) + self.suffix)
        cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", buffer)


def reserve_ids(cursor, table: str, count: int) -> int:
    """The first of `count` primary keys taken from the table's sequence."""
    if count < 1:
        return 0  # nothing to number (and setval cannot go below the sequence's start)
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


class Uuids:
    """Unique uuids, cheaply (the uuid columns only need them unique)."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"00000000-0000-4000-8000-{self.n:012x}"


# --- What was said: comments and notes, analysed once ---------------------------------


@dataclass(frozen=True)
class Text:
    """A text and its analysis, as COPY text: text, score, label, explanation."""

    text: str
    score: str
    label: str
    explanation: str


def analysed(text: str, matchers) -> Text:
    from textanalysis.analysis import analyse

    result = analyse(text, matchers)
    return Text(
        copy_text(text), copy_text(result.score), str(result.label), copy_text(result.explanation())
    )


def text_pools(rng: random.Random) -> tuple[list[list[Text]], list[tuple]]:
    """Comments by NPS score (0..10) and staff notes, each analysed by the real analyser
    (score, label by VADER's +-0.05, word offsets into the text, aspects)."""
    from cxplatform.demo.comments import comment_for_score
    from cxplatform.demo.notes import note_for
    from textanalysis.analysis import AspectMatchers
    from textanalysis.defaults import aspects_for_industry

    matchers = AspectMatchers([(key, terms) for key, _, terms in aspects_for_industry(INDUSTRY)])
    comments = [
        [analysed(comment_for_score(rng, score), matchers) for _ in range(POOL_PER_SCORE)]
        for score in range(11)
    ]
    notes = []
    for _ in range(NOTE_POOL):
        note = note_for(rng)
        notes.append((note, analysed(note.note, matchers)))
    return comments, notes


# --- The businesses -----------------------------------------------------------------


@dataclass
class SurveyPlan:
    survey_id: int
    touchpoint_key: str
    # (question id, kind, show-if question id, min, max) in survey order
    questions: list[tuple[int, str, int | None, int | None, int | None]]


@dataclass
class Tenant:
    business: object
    owner: object
    location_ids: list[int]
    location_uuids: list[str]
    surveys: list[SurveyPlan]
    survey_weights: list[float]
    touchpoint_ids: dict[str, int]
    staff_ids: list[int]
    customer_ids: list[int] = field(default_factory=list)
    regulars: list[int] = field(default_factory=list)


def survey_plan(survey, touchpoint_key: str) -> SurveyPlan:
    questions = [
        (q.pk, q.kind, q.show_if_question_id, q.show_if_min, q.show_if_max)
        for q in survey.questions.order_by("position")
    ]
    return SurveyPlan(survey.pk, touchpoint_key, questions)


def tenant_create(name: str, email: str, *, locations: int, surveys: tuple, staff: int) -> Tenant:
    from accounts.models import Role, User
    from accounts.services import location_create, membership_add
    from cxplatform.onboarding import business_onboard
    from feedback.builder.services import survey_create
    from feedback.models import Survey
    from journeys.models import Touchpoint

    owner = User.objects.create_user(email, None)
    business = business_onboard(name=name, owner=owner, industry=INDUSTRY, time_zone=TIME_ZONE)
    places = [
        location_create(business=business, name=place)
        for place in ("High Street", "Station Kiosk", "Market Hall")[:locations]
    ]
    touchpoints = {tp.key: tp for tp in Touchpoint.objects.filter(business=business)}
    plans, weights = [], []
    for template_key, survey_name, touchpoint_key, weight in surveys:
        if not template_key:
            survey = Survey.objects.get(business=business, is_default=True)
        else:
            details = {"touchpoint": touchpoints[touchpoint_key]} if touchpoint_key else {}
            survey = survey_create(
                business=business, name=survey_name, template_key=template_key, **details
            )
        key = survey.touchpoint.key if survey.touchpoint_id else ""
        plans.append(survey_plan(survey, key))
        weights.append(weight)
    staff_ids = []
    for index in range(staff):
        user = User.objects.create_user(f"staff{index}.{email}", None)
        membership_add(business=business, user=user, role=Role.STAFF)
        staff_ids.append(user.pk)
    return Tenant(
        business=business,
        owner=owner,
        location_ids=[place.pk for place in places],
        location_uuids=[str(place.uuid) for place in places],
        surveys=plans,
        survey_weights=weights,
        touchpoint_ids={key: tp.pk for key, tp in touchpoints.items()},
        staff_ids=staff_ids or [owner.pk],
    )


def moment(rng: random.Random, now: datetime, days: int = DAYS) -> datetime:
    """A moment in the last `days` days, in opening hours, busier lately; never future."""
    from cxplatform.demo.clock import Clock

    fraction = rng.random() if rng.random() < 0.6 else min(rng.random(), rng.random())
    return Clock(now).moment(rng, int(fraction * days))


def insert_customers(
    tenant: Tenant, total: int, rng: random.Random, uuids: Uuids, *, purchases: bool = True
) -> None:
    """Customers (10% regulars; tags as the demo gives them) and, unless `purchases` is
    False (the caller writes its own), their purchases."""
    from django.db import connection, transaction
    from django.utils import timezone

    from customers.models import Customer, Purchase
    from cxplatform.demo.people import person, tags_for

    business_id = tenant.business.pk
    now = timezone.now()
    customers = Copier(Customer, ("id", "business_id", "uuid", "created_at", "name", "email",
                                  "tags"))  # fmt: skip
    purchase_copier = Copier(Purchase, ("id", "business_id", "uuid", "created_at",
                                        "customer_id", "location_id", "purchased_at",
                                        "amount"))  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        first = reserve_ids(cursor, Customer._meta.db_table, total)
        lines, bought = [], []
        for index in range(total):
            pk = first + index
            regular = rng.random() < 0.1
            if regular:
                tenant.regulars.append(pk)
            tenant.customer_ids.append(pk)
            name, email, _ = person(rng, pk)
            joined = now - timedelta(days=rng.uniform(1, PURCHASE_DAYS + 200))
            tags = tags_for(rng, regular=regular, vip=regular and rng.random() < 0.2)
            row = (str(pk), str(business_id), uuids.next(), joined.isoformat(),
                   copy_text(name), copy_text(email), copy_text(tags))  # fmt: skip
            lines.append("\t".join(row))
            # Regulars buy often; most others once or twice, some never.
            count = rng.randint(8, 40) if regular else rng.choice((0, 0, 1, 1, 2, 3))
            bought += [pk] * count
        customers.write(cursor, lines)
        if not purchases:
            return
        first = reserve_ids(cursor, Purchase._meta.db_table, len(bought))
        lines = []
        for offset, customer_id in enumerate(bought):
            at = now - timedelta(days=rng.uniform(0, PURCHASE_DAYS))
            location = rng.choice(tenant.location_ids)
            amount = f"{max(2.5, rng.lognormvariate(2.1, 0.5)):.2f}"
            lines.append("\t".join((str(first + offset), str(business_id), uuids.next(),
                                    at.isoformat(), str(customer_id), str(location),
                                    at.isoformat(), amount)))  # fmt: skip
        purchase_copier.write(cursor, lines)


def scaled(rng: random.Random, nps: int, top: int) -> int:
    """An NPS-like 0..10 as a 1..top answer, with a little noise."""
    value = 1 + round(nps * (top - 1) / 10 + rng.gauss(0, 0.6))
    return min(top, max(1, value))


def insert_voices(
    tenant: Tenant,
    total: int,
    rng: random.Random,
    uuids: Uuids,
    pools: tuple,
    *,
    days: int = DAYS,
    response_share: float = RESPONSE_SHARE,
) -> dict[str, int]:
    """`total` voices over the last `days` days: `response_share` of them survey responses
    with answers (1.0: all, 0.0: none), the rest interactions."""
    from django.db import connection, transaction
    from django.utils import timezone

    from feedback.models import Answer, Interaction, QuestionKind, Response

    comments, notes = pools
    responses = Copier(Response, ("id", "business_id", "uuid", "created_at", "survey_id",
                                  "customer_id", "location_id", "channel"))  # fmt: skip
    answers = Copier(Answer, ("id", "business_id", "uuid", "created_at", "response_id",
                              "question_id", "number", "choices", "text", "sentiment_score",
                              "sentiment_label", "sentiment_explanation", "scored_at"))  # fmt: skip
    interactions = Copier(Interaction, ("id", "business_id", "uuid", "created_at",
                                        "customer_id", "staff_id", "location_id", "channel",
                                        "touchpoint_id", "note", "mood", "outcome",
                                        "follow_up_needed", "sentiment_score", "sentiment_label",
                                        "sentiment_explanation", "scored_at"))  # fmt: skip
    numbers = {QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES, QuestionKind.RATING,
               QuestionKind.TRUST}  # fmt: skip
    agreement = {QuestionKind.CES, QuestionKind.TRUST}  # 1-7 scales
    business = str(tenant.business.pk)
    channels, channel_weights = zip(*CHANNELS, strict=True)
    locations = [str(pk) for pk in tenant.location_ids]
    now = timezone.now()
    scored_after = timedelta(seconds=5)
    counts = {"responses": 0, "answers": 0, "comments": 0, "interactions": 0}

    def where() -> str:
        if rng.random() < NO_LOCATION_SHARE:
            return r"\N"
        return rng.choices(locations, LOCATION_WEIGHTS[: len(locations)])[0]

    def who(known: float, regular_share: float) -> str:
        if rng.random() >= known:
            return r"\N"
        if tenant.regulars and rng.random() < regular_share:
            return str(rng.choice(tenant.regulars))
        return str(rng.choice(tenant.customer_ids))

    for start in range(0, total, CHUNK):
        size = min(CHUNK, total - start)
        n_responses = sum(1 for _ in range(size) if rng.random() < response_share)
        n_interactions = size - n_responses
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            first_response = reserve_ids(cursor, Response._meta.db_table, n_responses)
            response_lines, answer_lines = [], []
            for offset in range(n_responses):
                pk = first_response + offset
                plan = rng.choices(tenant.surveys, tenant.survey_weights)[0]
                at = moment(rng, now, days)
                created, scored = at.isoformat(), (at + scored_after).isoformat()
                response_lines.append("\t".join((
                    str(pk), business, uuids.next(), created, str(plan.survey_id),
                    who(KNOWN_RESPONSE, 0.4), where(), rng.choices(channels, channel_weights)[0],
                )))  # fmt: skip
                nps = rng.choices(range(11), NPS_WEIGHTS)[0]
                wants_comment = rng.random() < COMMENT_SHARE
                given: dict[int, int] = {}
                for question_id, kind, parent, low, high in plan.questions:
                    head = f"{uuids.next()}\t{created}\t{pk}\t{question_id}"
                    if kind in numbers:
                        top = 7 if kind in agreement else 5
                        value = nps if kind == QuestionKind.NPS else scaled(rng, nps, top)
                        given[question_id] = value
                        answer_lines.append(f"{head}\t{value}\t[]\t\t\\N\t\t{{}}\t\\N")
                    elif kind == QuestionKind.SINGLE_CHOICE:
                        choice = "Yes" if nps >= 7 else ("Partly" if nps >= 4 else "No")
                        answer_lines.append(f'{head}\t\\N\t["{choice}"]\t\t\\N\t\t{{}}\t\\N')
                    elif kind == QuestionKind.TEXT and wants_comment:
                        if parent is not None and not (low <= given.get(parent, -1) <= high):
                            continue  # a follow-up not shown to this customer
                        said = rng.choice(comments[nps])
                        answer_lines.append(
                            f"{head}\t\\N\t[]\t{said.text}\t{said.score}\t{said.label}\t"
                            f"{said.explanation}\t{scored}"
                        )
                        wants_comment = False
                        counts["comments"] += 1
            first_answer = reserve_ids(cursor, Answer._meta.db_table, len(answer_lines))
            answer_lines = [f"{first_answer + i}\t{business}\t{line}"
                            for i, line in enumerate(answer_lines)]  # fmt: skip
            responses.write(cursor, response_lines)
            answers.write(cursor, answer_lines)
            first_interaction = reserve_ids(cursor, Interaction._meta.db_table, n_interactions)
            lines = []
            for offset in range(n_interactions):
                note, said = rng.choice(notes)
                at = moment(rng, now, days)
                touchpoint = tenant.touchpoint_ids.get(note.touchpoint)
                if touchpoint is None or rng.random() < UNPLACED_NOTE_SHARE:
                    touchpoint = r"\N"
                lines.append("\t".join((
                    str(first_interaction + offset), business, uuids.next(), at.isoformat(),
                    who(KNOWN_INTERACTION, 0.4), str(rng.choice(tenant.staff_ids)), where(),
                    str(note.channel), str(touchpoint), said.text, str(note.mood),
                    copy_text(note.outcome), copy_text(note.follow_up_needed), said.score,
                    said.label, said.explanation, (at + scored_after).isoformat(),
                )))  # fmt: skip
            interactions.write(cursor, lines)
        counts["responses"] += n_responses
        counts["answers"] += len(answer_lines)
        counts["interactions"] += n_interactions
    return counts


def analyze_tables() -> None:
    from django.db import connection

    # VACUUM as autovacuum would have by then (visibility map for index-only scans).
    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_purchase", "feedback_response",
                      "feedback_answer", "feedback_interaction",
                      "journeys_touchpointday"):  # fmt: skip
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def build_rollups(tenants: list[Tenant]) -> tuple[int, float]:
    """The journey roll-up of every business; the measured one's cells and seconds."""
    from journeys.rollups import rollup_build

    started = time.perf_counter()
    cells = rollup_build(business=tenants[0].business)
    seconds = time.perf_counter() - started
    for tenant in tenants[1:]:
        rollup_build(business=tenant.business)
    return cells, seconds


def rollup_check(tenant: Tenant) -> str:
    """The roll-up's voices against a count of the raw rows it covers: the days through
    its last closed day, and the next day's (today's) rows before the moment it reaches."""
    from django.db import connection
    from django.db.models import Sum

    from journeys.models import TouchpointDay
    from journeys.rollups import coverage_of

    business = tenant.business
    coverage = coverage_of(business)
    through, until = coverage.through, coverage.until
    rolled = dict(
        TouchpointDay.objects.filter(business=business).values_list("segment")
        .annotate(n=Sum("voices")).order_by()
    )  # fmt: skip
    raw = 0
    with connection.cursor() as cursor:
        for table in ("feedback_response", "feedback_interaction"):
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE business_id = %s "
                "AND ((created_at AT TIME ZONE %s)::date <= %s OR created_at < %s)",
                [business.pk, business.time_zone, through, until],
            )
            raw += cursor.fetchone()[0]
    total = sum(rolled.values())
    verdict = "ok" if total == raw else "MISMATCH"
    segments = ", ".join(f"{segment} {n}" for segment, n in sorted(rolled.items()))
    return (f"roll-up through {through} and until {until}: {total} voices ({segments}); raw "
            f"rows of those days: {raw}, {verdict}")  # fmt: skip


# --- Measuring ----------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    median_ms: float
    p90_ms: float
    queries: int
    sql_ms: float
    slowest_ms: float
    slowest_sql: str
    status: int
    size: int
    requests: int
    counted_right: bool = True


def scenarios(tenant: Tenant) -> list[tuple[str, str, str, dict]]:
    from django.urls import reverse

    from journeys.rollups import local_today

    today = local_today(tenant.business)
    year = {"start": (today - timedelta(days=DAYS - 1)).isoformat(), "end": today.isoformat()}
    page = reverse("journeys:map")
    return [
        ("default", "(a) map, default period (last 30 days)", page, {}),
        ("year", "(b) map, last 365 days", page, year),
        ("year_filtered", "(c) map, 365 days, location + returning", page,
         {**year, "location": tenant.location_uuids[0], "segment": "returning"}),
        ("tag", f"(d) map, 365 days, tag={TAG} (raw rows)", page, {**year, "tag": TAG}),
        ("api", "(e) API, last 365 days", "/api/v1/journey/map/", year),
    ]  # fmt: skip


def measure(client, path: str, params: dict, name: str) -> tuple[Timing, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        reply = client.get(path, params)
        if reply.status_code != 200:
            body = reply.content[:600].decode(errors="replace")
            raise RuntimeError(f"GET {path} {params} answered {reply.status_code}:\n{body}")
        return reply

    for _ in range(WARMUPS):
        get()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        reply = get()
        times.append((time.perf_counter() - started) * 1000)
        if len(times) >= MIN_REPEATS and sum(times) > CASE_SECONDS * 1000:
            break
    with CaptureQueriesContext(connection) as captured:
        get()
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest_ms, slowest_sql = max(queries, default=(0.0, ""))
    timing = Timing(
        name, statistics.median(times), percentile(times, 0.9), len(queries),
        sum(ms for ms, _ in queries), slowest_ms, slowest_sql, reply.status_code,
        len(reply.content), len(times),
    )  # fmt: skip
    return timing, reply


def voices_check(tenant: Tenant, params: dict, reply) -> bool:
    """The API's voices of the period (placed and unplaced) against a count of raw rows."""
    from django.db import connection

    data = reply.json()
    placed, unplaced = data["overall"]["voices"], data["unplaced_voices"]
    raw = 0
    with connection.cursor() as cursor:
        for table in ("feedback_response", "feedback_interaction"):
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE business_id = %s "
                "AND (created_at AT TIME ZONE %s)::date BETWEEN %s AND %s",
                [tenant.business.pk, TIME_ZONE, params["start"], params["end"]],
            )
            raw += cursor.fetchone()[0]
    same = placed + unplaced == raw
    print(f"  check: the API counts {placed} placed + {unplaced} unplaced voices in "
          f"{params['start']}..{params['end']}; raw rows: {raw}: "
          f"{'ok' if same else 'MISMATCH'}")  # fmt: skip
    return same


def measure_all(tenant: Tenant, label: str) -> dict[str, Timing]:
    from django.test import Client

    client = Client()
    client.force_login(tenant.owner)
    found = {}
    for name, title, path, params in scenarios(tenant):
        timing, reply = measure(client, path, params, name)
        if name == "api":
            timing.counted_right = voices_check(tenant, params, reply)
        found[name] = timing
        print(f"  {label} {title}: median {timing.median_ms:.1f} ms, p90 {timing.p90_ms:.1f} ms; "
              f"{timing.queries} queries, {timing.sql_ms:.1f} ms in SQL, slowest "
              f"{timing.slowest_ms:.1f} ms; {timing.size / 1024:.0f} KB"
              f"{'' if timing.requests == REPEATS else f' (only {timing.requests} timed: slow)'}",
              flush=True)  # fmt: skip
    return found


def explain(timings: dict[str, Timing], lines: int = 30) -> None:
    from django.db import connection

    for name, timing in timings.items():
        if not timing.slowest_sql:
            continue
        print(f"  EXPLAIN ANALYZE of the slowest query of {name} ({timing.slowest_ms:.1f} ms):")
        print(f"    {timing.slowest_sql[:300]}{'...' if len(timing.slowest_sql) > 300 else ''}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {timing.slowest_sql}")
            plan = [row[0] for row in cursor.fetchall()]
        for row in plan[:lines]:
            print(f"    | {row}")
        if len(plan) > lines:
            print(f"    | ... {len(plan) - lines} more lines; {plan[-2].strip()}; "
                  f"{plan[-1].strip()}")  # fmt: skip


# --- The run ------------------------------------------------------------------------


def grow(tenants: list[Tenant], target: int, have: int, rng, uuids, pools) -> dict[str, int]:
    """Add voices up to `target` for the measured business (and OTHER_SHARE as many for
    the other one); print what was written and how fast."""
    started = time.perf_counter()
    counts = insert_voices(tenants[0], target - have, rng, uuids, pools)
    other = insert_voices(tenants[1], round((target - have) * OTHER_SHARE), rng, uuids, pools)
    seconds = time.perf_counter() - started
    rows = sum(counts.values()) - counts["comments"] + sum(other.values()) - other["comments"]
    share = counts["comments"] / max(1, counts["responses"])
    print(f"{target} voices: +{counts['responses']} responses ({counts['answers']} answers, "
          f"{counts['comments']} comments = {share:.0%}), "
          f"+{counts['interactions']} interactions; other business +{other['responses']} "
          f"responses, +{other['interactions']} interactions; {rows} rows in {seconds:.1f} s "
          f"({rows / seconds:.0f} rows/s)", flush=True)  # fmt: skip
    return counts


def prepare(tenants: list[Tenant], label: str) -> float:
    started = time.perf_counter()
    analyze_tables()
    analysed_in = time.perf_counter() - started
    cells, seconds = build_rollups(tenants)
    analyze_tables()
    print(f"{label}: roll-up built in {seconds:.2f} s ({cells} cells); VACUUM ANALYZE "
          f"{analysed_in:.1f} s", flush=True)  # fmt: skip
    print(f"{label}: {rollup_check(tenants[0])}", flush=True)
    return seconds


def main() -> int:
    args = two_sizes("voices", small=50_000, big=500_000)
    started = time.perf_counter()
    with django_on_fresh_database(ENV, DATABASE, keep=args.keep):
        return bench(args, started)


def bench(args, started_at: float) -> int:
    rng = random.Random(args.seed)
    uuids = Uuids()
    started = time.perf_counter()
    pools = text_pools(rng)
    print(f"{sum(map(len, pools[0]))} comments and {len(pools[1])} notes analysed in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    started = time.perf_counter()
    measured = tenant_create("Bench Café", "owner@bench.example", locations=3,
                             surveys=SURVEYS, staff=3)  # fmt: skip
    other = tenant_create("Other Bakery", "owner@other.example", locations=1,
                          surveys=SURVEYS[:1], staff=1)  # fmt: skip
    tenants = [measured, other]
    customers = round(args.voices * CUSTOMERS_PER_VOICE)
    insert_customers(measured, customers, rng, uuids)
    insert_customers(other, round(customers * OTHER_SHARE), rng, uuids)
    print(f"businesses, {customers} customers (+{round(customers * OTHER_SHARE)} of the "
          f"other business) with purchases in {time.perf_counter() - started:.1f} s",
          flush=True)  # fmt: skip

    results, rollup_seconds = {}, {}
    have = 0
    for target in (args.voices_small, args.voices):
        label = size_label(target)
        grow(tenants, target, have, rng, uuids, pools)
        have = target
        rollup_seconds[label] = prepare(tenants, label)
        if not args.data_only:
            results[label] = measure_all(measured, label)
    if args.data_only:
        print("--data-only: nothing measured")
        return 0
    if args.explain:
        explain(results[size_label(args.voices)])
    print(f"run time {time.perf_counter() - started_at:.0f} s")
    return report(results, rollup_seconds, size_label(args.voices_small), size_label(args.voices))


def report(results: dict, rollup_seconds: dict, small: str, big: str) -> int:
    large = results[big]
    fast = large["year"].median_ms < TARGET_MS and large["year_filtered"].median_ms < TARGET_MS
    # A fast map that counts the wrong voices does not pass.
    passed = fast and all(found["api"].counted_right for found in results.values())
    verdict = "PASS" if passed else "FAIL"
    print(f"roll-up build: {rollup_seconds[small]:.2f} s at {small}, "
          f"{rollup_seconds[big]:.2f} s at {big}")  # fmt: skip
    print(f"RESULT map_ms_{big}={large['year'].median_ms:.1f} "
          f"map_ms_{small}={results[small]['year'].median_ms:.1f} "
          f"year_filtered_ms_{big}={large['year_filtered'].median_ms:.1f} "
          f"api_ms_{big}={large['api'].median_ms:.1f} tag_ms_{big}={large['tag'].median_ms:.1f} "
          f"queries={large['year'].queries} target={TARGET_MS:.0f} {verdict}")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
