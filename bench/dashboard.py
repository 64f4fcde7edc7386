"""Benchmark: server time of the KPI dashboard and the KPI API at 100,000 and 1,000,000
survey responses, against the bare SQL aggregate over the same raw rows.

Fills a throwaway PostgreSQL database with the journey map benchmark's food & drink
business (bench/journey_map.py: three locations, its six surveys, pre-analysed comments)
plus a trust survey (the four trust items of feedback.catalog), with responses spread over
the last two years (a previous period and monthly trends to show), a few staff
interactions, customers (10 per 100 responses; 10% regulars) and their purchases (2 per
response): regulars buy about weekly, 30% of the others once, the rest now and then; 1%
in a second currency. Another business holds about 10% as many rows (tenancy). Rows go
in with COPY. Then every roll-up is built as production builds it, by its management
command (timed), and the database is vacuumed and analysed.

Measures, in this process through django.test.Client (DEBUG off), for the owner: the
median and p90 of 20 requests after 2 warm-ups, and the SQL queries of one more, of

  (a) GET /dashboard/                              the default period
  (b) GET /dashboard/?start=..&end=..              the last 365 days
  (c) GET /api/v1/metrics/kpis/                    the default period
  (d) GET /api/v1/metrics/kpis/?start=..&end=..    the last 365 days
  (e) one hand-written SQL statement over the raw rows of the last 365 days (NPS counts,
      CSAT share, CES mean, purchases and distinct buyers; no roll-up): median of 5 runs

first at --responses-small responses, then with rows added up to --responses.

Usage: .venv/bin/python bench/dashboard.py [--responses-small 100000]
           [--responses 1000000] [--keep] [--explain] [--data-only]
Targets at --responses: (a), (b) under 150 ms and (c), (d) under 100 ms median; and ten
times the data costs at most 1.5 times the time, for each of (a)-(d).
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import journey_map as jm  # noqa: E402
from bench.common import django_on_fresh_database, two_sizes  # noqa: E402
from bench.journey_map import (  # noqa: E402
    OTHER_SHARE,
    SURVEYS,
    Copier,
    Tenant,
    Timing,
    Uuids,
    insert_customers,
    insert_voices,
    measure,
    reserve_ids,
    rollup_check,
    size_label,
    survey_plan,
    tenant_create,
    text_pools,
)

# BENCH_DATABASE lets a developer keep a database of their own (--keep) while iterating.
DATABASE = os.environ.get("BENCH_DATABASE", "cx_bench_dashboard")
ENV = {**jm.ENV, "DATABASE_URL": f"{jm.PG}/{DATABASE}"}
PAGE_TARGET_MS, API_TARGET_MS, SCALING_TARGET = 150.0, 100.0, 1.5
RAW_RUNS = 5
HISTORY_DAYS = 730  # responses and purchases spread over two years
YEAR_DAYS = 365
CUSTOMERS_PER_RESPONSE = 0.1
PURCHASES_PER_RESPONSE = 2
INTERACTIONS_PER_RESPONSE = 0.1
TRUST_SURVEY = ("How much do you trust us?", "food_drink.visit", 0.10)
# Purchases: every customer buys once at least; regulars (the 10% insert_customers marks)
# about weekly for most of the two years, ONE_OFF_SHARE of the others never again, the
# rest now and then (exponential weights). Scaled to the exact total asked for.
WEEKS = HISTORY_DAYS / 7
ONE_OFF_SHARE = 0.3
OCCASIONAL_MEAN = 14.0
CHURNED_SHARE = 0.15  # of regulars: stopped coming some time ago
HOME_SHARE = 0.85  # a customer's purchases at their usual location
ONLINE_SHARE = 0.03  # purchases without a location
CURRENCY, SECOND_CURRENCY, SECOND_SHARE = "EUR", "GBP", 0.01
PURCHASE_CHUNK = 100_000
KPI_PATH = "/api/v1/metrics/kpis/"
# The KPI roll-up adds the journey roll-up up, so it is built after it.
ROLLUP_COMMANDS = ("rebuild_journey_rollups", "rebuild_purchase_rollups", "rebuild_kpi_rollups")


# --- The businesses ---------------------------------------------------------------------


def trust_survey_add(tenant: Tenant) -> None:
    """A visit survey with the four trust items, answered by its share of responses."""
    from feedback.builder.services import survey_create, trust_items_add

    name, template_key, weight = TRUST_SURVEY
    survey = survey_create(business=tenant.business, name=name, template_key=template_key)
    trust_items_add(survey=survey)
    tenant.surveys.append(survey_plan(survey, survey.touchpoint.key if survey.touchpoint else ""))
    tenant.survey_weights.append(weight)


def tenants_create() -> list[Tenant]:
    measured = tenant_create("Bench Café", "owner@bench.example", locations=3,
                             surveys=SURVEYS, staff=3)  # fmt: skip
    trust_survey_add(measured)
    other = tenant_create("Other Bakery", "owner@other.example", locations=1,
                          surveys=SURVEYS[:1], staff=1)  # fmt: skip
    return [measured, other]


# --- Purchases ---------------------------------------------------------------------------


def purchase_counts(
    rng: random.Random, customer_ids: list[int], regulars: set[int], total: int
) -> list[int]:
    """Each customer's number of purchases: at least one, exactly `total` in all."""
    if total < len(customer_ids):
        raise ValueError(f"{total} purchases cannot give {len(customer_ids)} customers one each")
    weights = []
    for pk in customer_ids:
        if pk in regulars:
            weights.append(rng.uniform(0.6, 1.0) * WEEKS)
        elif rng.random() < ONE_OFF_SHARE:
            weights.append(0.0)
        else:
            weights.append(rng.expovariate(1 / OCCASIONAL_MEAN))
    spare, weight_sum = total - len(customer_ids), sum(weights) or 1.0
    counts = [1 + int(w * spare / weight_sum) for w in weights]
    repeaters = [i for i, w in enumerate(weights) if w > 0] or list(range(len(counts)))
    for index in rng.choices(repeaters, k=total - sum(counts)):
        counts[index] += 1
    return counts


def purchase_ages(rng: random.Random, count: int, regular: bool) -> list[float]:
    """Days ago of one customer's `count` purchases: a regular's evenly spread over their
    active months, anyone else's at random in theirs, a one-off busier lately."""
    if count == 1 and not regular:
        fraction = rng.random() if rng.random() < 0.6 else min(rng.random(), rng.random())
        return [fraction * (HISTORY_DAYS - 1)]
    start = rng.uniform(0.5 if regular else 0.1, 1.0) * (HISTORY_DAYS - 1)
    churned = rng.random() < (CHURNED_SHARE if regular else 0.5)
    end = rng.uniform(0, start * 0.5) if churned else 0.0
    step = (start - end) / count
    if regular:
        return [start - (i + rng.random()) * step for i in range(count)]
    return [rng.uniform(end, start) for _ in range(count)]


def purchase_moments(
    tenant: Tenant, customer_ids: list[int], total: int, rng: random.Random
) -> list[tuple[datetime, int, str]]:
    """(when, customer, location) of `total` purchases, in time order (as they arrive)."""
    from django.utils import timezone

    from cxplatform.demo.clock import Clock

    clock = Clock(timezone.now())
    regulars = set(tenant.regulars)
    locations = [str(pk) for pk in tenant.location_ids]
    weights = jm.LOCATION_WEIGHTS[: len(locations)]
    bought = []
    for pk, count in zip(customer_ids, purchase_counts(rng, customer_ids, regulars, total),
                         strict=True):  # fmt: skip
        home = rng.choices(locations, weights)[0]
        for age in purchase_ages(rng, count, pk in regulars):
            if rng.random() < ONLINE_SHARE:
                where = r"\N"
            else:
                where = home if rng.random() < HOME_SHARE else rng.choice(locations)
            bought.append((clock.moment(rng, int(age)), pk, where))
    bought.sort()
    return bought


def insert_purchases(
    tenant: Tenant, customer_ids: list[int], total: int, rng: random.Random, uuids: Uuids
) -> None:
    from django.db import connection, transaction

    from customers.models import Purchase

    copier = Copier(Purchase, ("id", "business_id", "uuid", "created_at", "customer_id",
                               "location_id", "purchased_at", "amount", "currency"))  # fmt: skip
    business = str(tenant.business.pk)
    bought = purchase_moments(tenant, customer_ids, total, rng)
    for start in range(0, len(bought), PURCHASE_CHUNK):
        chunk = bought[start : start + PURCHASE_CHUNK]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            first = reserve_ids(cursor, Purchase._meta.db_table, len(chunk))
            lines = []
            for offset, (at, customer, where) in enumerate(chunk):
                moment = at.isoformat()
                amount = f"{max(2.5, rng.lognormvariate(2.1, 0.5)):.2f}"
                currency = SECOND_CURRENCY if rng.random() < SECOND_SHARE else CURRENCY
                lines.append("\t".join((str(first + offset), business, uuids.next(), moment,
                                        str(customer), where, moment, amount,
                                        currency)))  # fmt: skip
            copier.write(cursor, lines)


def customers_joined_by_first_purchase(tenant: Tenant) -> None:
    """Nobody buys before they are a customer: a customer joined by their first purchase
    (insert_customers picks its own joining days)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer c SET created_at = p.first FROM ("
            "  SELECT customer_id, min(purchased_at) AS first FROM customers_purchase"
            "  WHERE business_id = %s GROUP BY customer_id) p "
            "WHERE c.id = p.customer_id AND p.first < c.created_at",
            [tenant.business.pk],
        )


# --- Growing the data -------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """What a business holds at `responses` responses."""

    responses: int

    @property
    def customers(self) -> int:
        return round(self.responses * CUSTOMERS_PER_RESPONSE)

    @property
    def purchases(self) -> int:
        return round(self.responses * PURCHASES_PER_RESPONSE)

    @property
    def interactions(self) -> int:
        return round(self.responses * INTERACTIONS_PER_RESPONSE)

    def share(self, share: float) -> Size:
        return Size(round(self.responses * share))


def grow_tenant(tenant: Tenant, have: Size, want: Size, rng, uuids, pools) -> dict[str, int]:
    """Add customers, purchases, responses and interactions from `have` up to `want`."""
    before = len(tenant.customer_ids)
    insert_customers(tenant, want.customers - have.customers, rng, uuids, purchases=False)
    insert_purchases(tenant, tenant.customer_ids[before:], want.purchases - have.purchases,
                     rng, uuids)  # fmt: skip
    customers_joined_by_first_purchase(tenant)
    counts = insert_voices(tenant, want.responses - have.responses, rng, uuids, pools,
                           days=HISTORY_DAYS, response_share=1.0)  # fmt: skip
    staff = insert_voices(tenant, want.interactions - have.interactions, rng, uuids, pools,
                          days=HISTORY_DAYS, response_share=0.0)  # fmt: skip
    counts["interactions"] = staff["interactions"]
    counts["customers"] = want.customers - have.customers
    counts["purchases"] = want.purchases - have.purchases
    return counts


def grow(tenants: list[Tenant], have: Size, want: Size, rng, uuids, pools) -> None:
    started = time.perf_counter()
    after = high_water()
    mine = grow_tenant(tenants[0], have, want, rng, uuids, pools)
    theirs = grow_tenant(tenants[1], have.share(OTHER_SHARE), want.share(OTHER_SHARE), rng,
                         uuids, pools)  # fmt: skip
    mentions, cases = mentions_insert(after), cases_insert(after)
    seconds = time.perf_counter() - started
    rows = sum(mine.values()) + sum(theirs.values()) - mine["comments"] - theirs["comments"]
    rows += mentions + cases
    print(f"{size_label(want.responses)} responses: +{mine['responses']} responses "
          f"({mine['answers']} answers, {mine['comments']} comments), "
          f"+{mine['interactions']} interactions, +{mine['customers']} customers, "
          f"+{mine['purchases']} purchases; other business +{theirs['responses']} responses, "
          f"+{theirs['purchases']} purchases; both: +{mentions} aspect mentions, +{cases} "
          f"follow-up cases; {rows} rows in {seconds:.1f} s "
          f"({rows / seconds:.0f} rows/s)", flush=True)  # fmt: skip


# --- What scoring and the case rules add, as production would have ----------------------
# Set-based, in the database: the rows the scoring tasks and the case rules
# (textanalysis.services.results_write, feedback.cases.services) write for each new
# answer and interaction, so the aspect and follow-up figures read realistic tables.

SCORED = "('positive', 'neutral', 'negative')"
CASE_SOURCES = """
SELECT r.business_id, r.created_at AS heard, x.reason, r.customer_id, r.id AS response_id,
       NULL::bigint AS interaction_id, NULL::bigint AS assignee
FROM (SELECT a.response_id,
             CASE WHEN bool_or(q.kind = 'nps' AND a.number <= 6) THEN 'detractor'
                  WHEN bool_or(q.kind = 'csat' AND a.number <= 2) THEN 'low_csat'
                  WHEN bool_or(a.sentiment_label = 'negative') THEN 'negative_comment'
             END AS reason
      FROM feedback_answer a JOIN feedback_question q ON q.id = a.question_id
      WHERE a.response_id > %(response)s GROUP BY a.response_id) x
JOIN feedback_response r ON r.id = x.response_id
WHERE x.reason IS NOT NULL
UNION ALL
SELECT i.business_id, i.created_at,
       CASE WHEN i.follow_up_needed THEN 'staff_flag' ELSE 'negative_comment' END,
       i.customer_id, NULL, i.id, i.staff_id
FROM feedback_interaction i
WHERE i.id > %(interaction)s AND (i.follow_up_needed OR i.sentiment_label = 'negative')
"""
# Cases older than FRESH_DAYS are resolved; newer ones half resolved, some contacted.
# Resolving takes 1 to 101 hours (due in 48): about half are resolved on time.
CASES_SQL = f"""
INSERT INTO feedback_followupcase (business_id, uuid, created_at, reason, status, customer_id,
    response_id, interaction_id, assignee_id, due_at, contacted_at, resolved_at)
SELECT business_id, gen_random_uuid(), opened, reason,
       CASE WHEN done THEN 'resolved' WHEN roll < 0.8 THEN 'contacted' ELSE 'open' END,
       customer_id, response_id, interaction_id,
       coalesce(assignee, (SELECT m.user_id FROM accounts_membership m
                           WHERE m.business_id = s.business_id AND m.role = 'owner'
                           ORDER BY m.id LIMIT 1)),
       opened + interval '48 hours',
       CASE WHEN done OR roll < 0.8 THEN least(now(), opened + took / 3) END,
       CASE WHEN done THEN least(now(), opened + took) END
FROM (SELECT *, heard + interval '2 minutes' AS opened,
             heard < now() - interval '14 days' OR roll < 0.5 AS done,
             interval '1 hour' + late * interval '100 hours' AS took
      FROM (SELECT *, random() AS roll, random() AS late FROM ({CASE_SOURCES}) c) r) s
ON CONFLICT DO NOTHING
"""


def high_water() -> dict[str, int]:
    """The highest id of each table whose new rows make mentions and cases."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM feedback_answer), "
            "(SELECT coalesce(max(id), 0) FROM feedback_response), "
            "(SELECT coalesce(max(id), 0) FROM feedback_interaction)"
        )
        answer, response, interaction = cursor.fetchone()
    return {"answer": answer, "response": response, "interaction": interaction}


def mentions_insert(after: dict[str, int]) -> int:
    """One AspectMention per aspect of each scored text added since `after`."""
    from django.db import connection

    from feedback.models import Answer, Interaction

    added = 0
    with connection.cursor() as cursor:
        for model, key in ((Answer, "answer"), (Interaction, "interaction")):
            cursor.execute(
                "INSERT INTO textanalysis_aspectmention (business_id, aspect_key, source, "
                "source_id, score, created_at) "
                "SELECT t.business_id, m.key, %s, t.id, m.value::float8, t.created_at "
                f"FROM {model._meta.db_table} t "
                "CROSS JOIN LATERAL jsonb_each_text(t.sentiment_explanation -> 'aspects') m "
                f"WHERE t.id > %s AND t.sentiment_label IN {SCORED} ON CONFLICT DO NOTHING",
                [model._meta.label, after[key]],
            )
            added += cursor.rowcount
    return added


def cases_insert(after: dict[str, int]) -> int:
    """The follow-up cases the rules open for the responses and interactions added since
    `after`: a detractor, a CSAT of 1-2, a negative comment or note, a staff flag."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CASES_SQL, after)
        return cursor.rowcount


def data_summary(tenant: Tenant) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT customer_id), "
            "  count(*) FILTER (WHERE currency <> %s), "
            "  count(*) FILTER (WHERE purchased_at < now() - interval '365 days') "
            "FROM customers_purchase WHERE business_id = %s",
            [CURRENCY, tenant.business.pk],
        )
        purchases, buyers, foreign, older = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE created_at < now() - interval '365 days') "
            "FROM feedback_response WHERE business_id = %s",
            [tenant.business.pk],
        )
        responses, earlier = cursor.fetchone()
        cursor.execute(
            "SELECT (SELECT count(*) FROM textanalysis_aspectmention WHERE business_id = %s), "
            "(SELECT count(*) FROM feedback_followupcase WHERE business_id = %s), "
            "(SELECT count(*) FROM feedback_followupcase WHERE business_id = %s "
            "  AND status <> 'resolved')",
            [tenant.business.pk] * 3,
        )
        mentions, cases, unresolved = cursor.fetchone()
    return (f"{responses} responses ({earlier} in the year before the last), {purchases} "
            f"purchases by {buyers} customers ({purchases / max(1, buyers):.1f} each; "
            f"{foreign} in {SECOND_CURRENCY}; {older} in the year before the last), "
            f"{mentions} aspect mentions, {cases} follow-up cases ({unresolved} not "
            f"resolved)")  # fmt: skip


# --- Roll-ups ---------------------------------------------------------------------------


def rollups_build() -> dict[str, float]:
    """Every roll-up, by the command production runs; seconds per command."""
    from django.core.management import call_command

    seconds: dict[str, float] = {}
    for command in ROLLUP_COMMANDS:
        out = io.StringIO()
        started = time.perf_counter()
        call_command(command, stdout=out)
        seconds[command] = time.perf_counter() - started
        said = "; ".join(line for line in out.getvalue().splitlines() if line.strip())
        print(f"  {command}: {seconds[command]:.2f} s ({said[:200]})", flush=True)
    return seconds


def vacuum_analyze() -> float:
    """VACUUM ANALYZE every table, as autovacuum would have by then (statistics, and the
    visibility map for index-only scans), roll-up tables included whatever their names."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def prepare(tenants: list[Tenant], label: str) -> dict[str, float | None]:
    print(f"{label}: {data_summary(tenants[0])}", flush=True)
    seconds = vacuum_analyze()
    print(f"{label}: VACUUM ANALYZE {seconds:.1f} s; building roll-ups:", flush=True)
    built = rollups_build()
    print(f"{label}: VACUUM ANALYZE {vacuum_analyze():.1f} s", flush=True)
    print(f"{label}: {rollup_check(tenants[0])}", flush=True)
    return built


# --- The bare SQL aggregate -------------------------------------------------------------

RAW_SQL = """
WITH heard AS (
    SELECT count(*) FILTER (WHERE q.kind = %(nps)s) AS nps_n,
           count(*) FILTER (WHERE q.kind = %(nps)s AND a.number >= 9) AS promoters,
           count(*) FILTER (WHERE q.kind = %(nps)s AND a.number <= 6) AS detractors,
           count(*) FILTER (WHERE q.kind = %(csat)s) AS csat_n,
           count(*) FILTER (WHERE q.kind = %(csat)s AND a.number >= 4) AS csat_satisfied,
           avg(a.number) FILTER (WHERE q.kind = %(ces)s) AS ces_mean
    FROM feedback_answer a
    JOIN feedback_question q ON q.id = a.question_id
    JOIN feedback_response r ON r.id = a.response_id
    WHERE a.business_id = %(business)s AND r.business_id = %(business)s
      AND r.created_at >= %(start)s AND r.created_at < %(end)s
      AND a.number IS NOT NULL AND q.kind IN (%(nps)s, %(csat)s, %(ces)s)
), bought AS (
    SELECT count(*) AS purchases, count(DISTINCT p.customer_id) AS buyers
    FROM customers_purchase p
    WHERE p.business_id = %(business)s
      AND p.purchased_at >= %(start)s AND p.purchased_at < %(end)s
)
SELECT * FROM heard CROSS JOIN bought
"""


def year_params(tenant: Tenant) -> dict[str, str]:
    from journeys.rollups import local_today

    today = local_today(tenant.business)
    return {"start": (today - timedelta(days=YEAR_DAYS - 1)).isoformat(), "end": today.isoformat()}


def raw_sql_params(tenant: Tenant) -> dict[str, object]:
    from datetime import date

    from django.db import connection

    from feedback.models import QuestionKind
    from journeys.rollups import day_bounds

    year = year_params(tenant)
    first, last = date.fromisoformat(year["start"]), date.fromisoformat(year["end"])
    # As the ORM would pass them (SQLite, in the tests, compares UTC text).
    start, end = map(
        connection.ops.adapt_datetimefield_value, day_bounds(tenant.business, first, last)
    )
    return {"business": tenant.business.pk, "start": start, "end": end,
            "nps": QuestionKind.NPS.value, "csat": QuestionKind.CSAT.value,
            "ces": QuestionKind.CES.value}  # fmt: skip


def raw_sql(tenant: Tenant) -> tuple[float, dict]:
    """The median of RAW_RUNS runs of RAW_SQL (ms) and what it found."""
    from django.db import connection

    params = raw_sql_params(tenant)
    times = []
    with connection.cursor() as cursor:
        for _ in range(RAW_RUNS):
            started = time.perf_counter()
            cursor.execute(RAW_SQL, params)
            row = cursor.fetchone()
            times.append((time.perf_counter() - started) * 1000)
        found = dict(zip((column.name for column in cursor.description), row, strict=True))
    return statistics.median(times), found


def raw_figures(found: dict) -> str:
    n = found["nps_n"]
    nps = 100 * (found["promoters"] - found["detractors"]) / n if n else float("nan")
    csat = 100 * found["csat_satisfied"] / found["csat_n"] if found["csat_n"] else float("nan")
    ces = float(found["ces_mean"] or "nan")
    return (f"NPS {nps:.1f} (n={n}, {found['promoters']} promoters, {found['detractors']} "
            f"detractors), CSAT {csat:.1f}% (n={found['csat_n']}), CES mean {ces:.2f}, "
            f"{found['purchases']} purchases by {found['buyers']} customers")  # fmt: skip


def explain_raw_sql(tenant: Tenant, lines: int = 40) -> None:
    from django.db import connection

    print("  EXPLAIN ANALYZE of the bare SQL aggregate (e):")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {RAW_SQL}", raw_sql_params(tenant))
        plan = [row[0] for row in cursor.fetchall()]
    for row in plan[:lines]:
        print(f"    | {row}")
    if len(plan) > lines:
        print(f"    | ... {len(plan) - lines} more lines; {plan[-1].strip()}")


# --- Measuring --------------------------------------------------------------------------


# (name, title, the page or the API, over the last 365 days rather than the default period)
CASES = (
    ("dashboard", "(a) dashboard, default period", "page", False),
    ("dashboard_year", "(b) dashboard, last 365 days", "page", True),
    ("kpis", "(c) KPI API, default period", "api", False),
    ("kpis_year", "(d) KPI API, last 365 days", "api", True),
)


def scenarios(tenant: Tenant, api: str) -> list[tuple[str, str, str, dict]]:
    from django.urls import reverse

    paths = {"page": reverse("metrics:dashboard"), "api": api}
    year = year_params(tenant)
    return [
        (name, f"{title} ({paths[kind]})", paths[kind], year if yearly else {})
        for name, title, kind, yearly in CASES
    ]


def nps_counts_in(data: object) -> dict | None:
    """The first object in a JSON reply with promoter and detractor counts."""
    if isinstance(data, dict):
        if isinstance(data.get("promoters"), int) and isinstance(data.get("detractors"), int):
            return data
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            found = nps_counts_in(item)
            if found is not None:
                return found
    return None


def nps_check(reply, raw: dict) -> bool:
    """The API's NPS counts of the year against the bare SQL aggregate's: a fast answer
    that counts wrong does not pass."""
    found = nps_counts_in(reply.json())
    if found is None:
        print("  check: no NPS promoter/detractor counts found in the API reply")
        return False
    same = (found["promoters"], found["detractors"]) == (raw["promoters"], raw["detractors"])
    print(f"  check: the API counts {found['promoters']} promoters and {found['detractors']} "
          f"detractors in the last 365 days; raw rows: {raw['promoters']} and "
          f"{raw['detractors']}: {'ok' if same else 'MISMATCH'}")  # fmt: skip
    return same


def measure_all(tenant: Tenant, label: str, raw: dict) -> tuple[dict[str, Timing], bool]:
    """Each case's timing, and whether the API counted the year's NPS right."""
    from django.test import Client

    client = Client()
    client.force_login(tenant.owner)
    found, counted_right = {}, False
    for name, title, path, params in scenarios(tenant, KPI_PATH):
        timing, reply = measure(client, path, params, name)
        if name == "kpis_year":
            counted_right = nps_check(reply, raw)
        found[name] = timing
        print(f"  {label} {title}: median {timing.median_ms:.1f} ms, p90 {timing.p90_ms:.1f} ms; "
              f"{timing.queries} queries, {timing.sql_ms:.1f} ms in SQL, slowest "
              f"{timing.slowest_ms:.1f} ms; {timing.size / 1024:.0f} KB"
              f"{'' if timing.requests == jm.REPEATS else f' (only {timing.requests} timed)'}",
              flush=True)  # fmt: skip
        for ms, sql in slowest_queries(client, path, params):
            print(f"      {ms:6.1f} ms  {sql[:150]}")
    return found, counted_right


def slowest_queries(client, path: str, params: dict, count: int = 3) -> list[tuple[float, str]]:
    """The `count` slowest SQL statements of one more request: where its time goes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path, params)
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    return sorted(queries, key=lambda query: -query[0])[:count]


# --- The run ----------------------------------------------------------------------------


def main() -> int:
    args = two_sizes("responses", small=100_000, big=1_000_000)
    started = time.perf_counter()
    with django_on_fresh_database(ENV, DATABASE, keep=args.keep):
        return bench(args, started)


def bench(args, started_at: float) -> int:
    rng = random.Random(args.seed)
    uuids = Uuids()
    started = time.perf_counter()
    pools = text_pools(rng)
    tenants = tenants_create()
    print(f"comments and notes analysed, businesses made in {time.perf_counter() - started:.1f} s",
          flush=True)  # fmt: skip
    results, raw, built, counted = {}, {}, {}, {}
    have = Size(0)
    for responses in (args.responses_small, args.responses):
        label = size_label(responses)
        grow(tenants, have, Size(responses), rng, uuids, pools)
        have = Size(responses)
        built[label] = prepare(tenants, label)
        if args.data_only:
            continue
        raw[label] = raw_sql(tenants[0])
        print(f"  {label} (e) bare SQL aggregate, last 365 days: median {raw[label][0]:.1f} ms "
              f"of {RAW_RUNS}; {raw_figures(raw[label][1])}", flush=True)  # fmt: skip
        results[label], counted[label] = measure_all(tenants[0], label, raw[label][1])
    if args.data_only:
        print("--data-only: nothing measured")
        return 0
    small, big = size_label(args.responses_small), size_label(args.responses)
    if args.explain:
        jm.explain(results[big])
        explain_raw_sql(tenants[0])
    print(f"run time {time.perf_counter() - started_at:.0f} s")
    return report(results, raw, built, small, big, counted_right=all(counted.values()))


def table(results: dict, raw: dict, small: str, big: str) -> dict[str, float]:
    """Print the figures side by side; return each request's ratio big/small."""
    print(f"{'':34} {small + ' median/p90 ms':>22} {'q':>4} {big + ' median/p90 ms':>22} "
          f"{'q':>4} {'ratio':>6}")  # fmt: skip
    ratios = {}
    for name, title, *_ in CASES:
        a, b = results[small][name], results[big][name]
        ratios[name] = b.median_ms / a.median_ms
        print(f"{title:34} {a.median_ms:>11.1f} / {a.p90_ms:<8.1f} {a.queries:>4} "
              f"{b.median_ms:>11.1f} / {b.p90_ms:<8.1f} {b.queries:>4} "
              f"{ratios[name]:>6.2f}")  # fmt: skip
    print(f"{'(e) bare SQL, last 365 days':34} {raw[small][0]:>11.1f} {'':15} "
          f"{raw[big][0]:>11.1f} {'':15} {raw[big][0] / raw[small][0]:>6.2f}")  # fmt: skip
    return ratios


def report(
    results: dict, raw: dict, built: dict, small: str, big: str, *, counted_right: bool
) -> int:
    ratios = table(results, raw, small, big)
    for label in (small, big):
        times = ", ".join(f"{command} {s:.2f} s" for command, s in built[label].items())
        print(f"roll-up build at {label}: {times}")
    large = results[big]
    scaling = max(ratios.values())
    passed = (
        counted_right
        and max(large["dashboard"].median_ms, large["dashboard_year"].median_ms) < PAGE_TARGET_MS
        and max(large["kpis"].median_ms, large["kpis_year"].median_ms) < API_TARGET_MS
        and scaling <= SCALING_TARGET
    )
    print(f"RESULT dashboard_ms_1m={large['dashboard'].median_ms:.1f} "
          f"kpi_api_ms_1m={large['kpis'].median_ms:.1f} "
          f"dashboard_ms_100k={results[small]['dashboard'].median_ms:.1f} "
          f"kpi_api_ms_100k={results[small]['kpis'].median_ms:.1f} "
          f"raw_sql_ms_1m={raw[big][0]:.1f} scaling={scaling:.2f} "
          f"counted_right={'yes' if counted_right else 'no'} "
          f"target={PAGE_TARGET_MS:.0f}/{API_TARGET_MS:.0f}/{SCALING_TARGET}x "
          f"{'PASS' if passed else 'FAIL'}")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
