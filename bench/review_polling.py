"""Benchmark: one full review-polling cycle of 500 sources, then a second, through a
real polling worker.

Issue 7: "500 sources on a local provider server that answers each request after
100 ms, 20 reviews each over two pages: one full poll cycle, then a second. Prints the
cycle time and the number of duplicate rows after the second cycle. Target: cycle under
10 s on these 2 cores, zero duplicates."

Sets up a throwaway PostgreSQL database with one business and --sources Google sources,
starts reputation.providerserver.ProviderServer(latency=0.1, page_size=10) in this
process with 20 reviews per source (reviewed over the last three months, all star
ratings), and ONE Celery worker process on the `polling` queue only, with the threads
pool as in production (-P threads -c 32). A cycle is timed from sending
`poll_due_sources` (what beat sends every minute) until every source has
`last_polled_at` at or after the cycle's start.

Cycle 1 is a first poll: every page of every source (two requests each). Before cycle 2,
a fifth of the sources get a new review and another fifth an edited one; every source
is then made due again, and the connector reads incrementally (one page). After it:
rows, duplicates (rows minus distinct (source, external_id)), rows missing or extra
against what the server lists, revisions, sources not healthy, and worker errors.

The scoring work the polls send (new texts, low-star alerts) goes to the `scoring`
queue, which no worker here consumes: it is counted and purged at the end.

Usage: .venv/bin/python bench/review_polling.py [--sources 500] [--concurrency 32]
           [--database cx_bench_polling] [--broker redis://127.0.0.1:6379/14]
Target: each cycle under 10 s, zero duplicates, every source polled healthy.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    PG,
    SECRET_KEY,
    django_on_fresh_database,
    flush_redis,
    start_worker,
    stop,
)

TARGET_SECONDS = 10.0
LATENCY = 0.1
PAGE_SIZE = 10
REVIEWS_PER_SOURCE = 20
STALL_SECONDS = 120
QUEUE = "polling"
RATINGS, RATING_WEIGHTS = [1, 2, 3, 4, 5], [6, 4, 10, 30, 50]
TASK_DONE = re.compile(r"poll_source\[[^\]]+\] succeeded in ([\d.e-]+)s: '(\w+)")


def env_for(database: str, broker: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"{PG}/{database}",
        "CELERY_BROKER_URL": broker,
        "DJANGO_SETTINGS_MODULE": "cxplatform.settings",
        "LOG_LEVEL": "WARNING",
        # One line per finished task, with its summary ("ok: 20 new, ...").
        "TASK_LOG_LEVEL": "INFO",
        "SECRET_KEY": SECRET_KEY,
        # The provider server listens on 127.0.0.1.
        "OUTBOUND_ALLOW_LOOPBACK": "True",
    }


# --- The sources and the site ---------------------------------------------------------


def seed(server, count: int, rng: random.Random) -> list[str]:
    """One café with `count` Google sources, not due yet; 20 reviews per source on the
    server. Returns the sources' location names."""
    from django.utils import timezone

    from accounts.models import User
    from cxplatform.onboarding import business_onboard
    from cxplatform.vault import encrypt
    from reputation.models import Provider, ReviewSource

    owner = User.objects.create_user("bench@example.com", None)
    business = business_onboard(name="Bench Café", owner=owner, industry="food_drink")
    secrets = encrypt({"access_token": "google-access-token"})
    now = timezone.now()
    names = [f"accounts/{n}/locations/{n}" for n in range(count)]
    ReviewSource.objects.bulk_create(
        ReviewSource(
            business=business, provider=Provider.GOOGLE, name=f"Shop {n}",
            external_id=name, base_url=server.url, secrets_encrypted=secrets,
            next_poll_at=now + timedelta(days=1),
        )
        for n, name in enumerate(names)
    )  # fmt: skip
    for n, name in enumerate(names):
        ages = [timedelta(days=rng.uniform(0, 90)) for _ in range(REVIEWS_PER_SOURCE)]
        server.put_reviews(
            "google", name, [site_review(n, k, rng, now - age) for k, age in enumerate(ages)]
        )
    return names


def site_review(source: int, k: int, rng: random.Random, created):
    from reputation.providerserver import SiteReview

    rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
    words = {1: "Cold coffee, rude staff.", 2: "Slow service and stale cake.",
             3: "Fine, nothing special.", 4: "Good croissants, friendly team.",
             5: "Wonderful place, lovely people!"}  # fmt: skip
    return SiteReview(
        id=f"{source}-{k}",
        rating=rating,
        text=f"{words[rating]} (visit {k})",
        author=f"Guest {source}.{k}",
        created=created,
    )


def site_changes(server, names: list[str], rng: random.Random) -> tuple[int, int]:
    """A new review on a fifth of the sources and an edit on another fifth."""
    from django.utils import timezone

    now = timezone.now()
    added = edited = 0
    for n, name in enumerate(names):
        if n % 5 == 0:
            server.add_review("google", name, site_review(n, 99, rng, now))
            added += 1
        elif n % 5 == 1:
            reviews = server.reviews("google", name)
            reviews[0].text += " Edited: even better the second time."
            reviews[0].updated = now
            server.put_reviews("google", name, reviews)
            edited += 1
    return added, edited


# --- The worker -----------------------------------------------------------------------


def polling_worker(env: dict, log: Path, concurrency: int) -> subprocess.Popen:
    options = ["-Q", QUEUE, "-P", "threads", "-c", str(concurrency)]
    return start_worker(env, log, options, ready=lambda process: True)


# --- A cycle --------------------------------------------------------------------------


def cycle(server, worker: subprocess.Popen) -> dict:
    """Make every source due, send what beat sends, wait until every source is polled."""
    from django.utils import timezone

    from reputation.models import ReviewSource
    from reputation.tasks import poll_due_sources

    sources = ReviewSource.objects.all()
    requests_before = len(server.requests)
    cpu_before = cpu_seconds(worker.pid)
    sources.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    started_at = timezone.now()
    started = time.perf_counter()
    poll_due_sources.delay()
    waiting = sources.exclude(last_polled_at__gte=started_at)
    last_left, last_progress = None, time.monotonic()
    while True:
        left = waiting.count()
        now = time.perf_counter()
        if left == 0:
            break
        if left != last_left:
            last_left, last_progress = left, time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS or worker.poll() is not None:
            raise RuntimeError(f"worker gone or stalled with {left} sources left")
        time.sleep(0.05)
    return {
        "seconds": now - started,
        "requests": len(server.requests) - requests_before,
        "worker_cpu": cpu_seconds(worker.pid) - cpu_before,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def checks(server, names: list[str], log: Path, broker: str) -> dict:
    from django.db.models import Count

    from reputation.models import Review, ReviewRevision, ReviewSource, SourceHealth
    from textanalysis.models import Alert

    rows = Review.objects.count()
    distinct = Review.objects.values("source_id", "external_id").distinct().count()
    listed = sum(len(server.reviews("google", name)) for name in names)
    health = dict(ReviewSource.objects.values_list("health").annotate(n=Count("pk")))
    text = log.read_text()
    return {
        "rows": rows,
        "duplicates": rows - distinct,
        "listed": listed,
        "missing_or_extra": rows - listed,
        "revisions": ReviewRevision.objects.count(),
        "alerts": Alert.objects.count(),
        "health": health,
        "unhealthy": sum(n for state, n in health.items() if state != SourceHealth.OK),
        "problems": re.findall(r"^.*(?:ERROR|CRITICAL|Traceback).*$", text, re.M),
        "polls_logged": len(TASK_DONE.findall(text)),
        "scoring_queued": queued(broker, "scoring"),
        "polling_left": queued(broker, QUEUE),
    }


def queued(broker: str, queue: str) -> int:
    import redis  # the broker's client, installed with celery[redis]

    return redis.Redis.from_url(broker).llen(queue)


# --- Main -----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database", default="cx_bench_polling")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.sources < 1:
        parser.error("--sources must be at least 1")
    flush_redis(args.broker)
    settings_env = env_for(args.database, args.broker)  # this process seeds and counts too
    with django_on_fresh_database(settings_env, args.database, keep=False) as env:
        try:
            return measure(args, env)
        finally:
            flush_redis(args.broker)  # the scoring work nobody consumed


def measure(args, env: dict) -> int:
    from reputation.providerserver import ProviderServer

    workdir = Path(tempfile.mkdtemp(prefix="bench-polling-"))
    log = workdir / "worker.log"
    server = ProviderServer(latency=LATENCY, page_size=PAGE_SIZE).start()
    worker = None
    try:
        rng = random.Random(args.seed)
        names = seed(server, args.sources, rng)
        worker = polling_worker(env, log, args.concurrency)
        first = cycle(server, worker)
        added, edited = site_changes(server, names, rng)
        second = cycle(server, worker)
        time.sleep(0.5)  # the last acknowledgements
        found = checks(server, names, log, args.broker)
        return report(args, first, second, added, edited, found)
    finally:
        if worker is not None:
            stop(worker)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(args, first: dict, second: dict, added: int, edited: int, found: dict) -> int:
    sources = args.sources
    print(f"{sources} Google sources x {REVIEWS_PER_SOURCE} reviews, {PAGE_SIZE} a page, "
          f"provider latency {LATENCY * 1000:.0f} ms; 1 worker, threads pool, "
          f"concurrency {args.concurrency}")  # fmt: skip
    for label, result in (("cycle 1 (first poll)", first), ("cycle 2 (incremental)", second)):
        print(f"{label}: {result['seconds']:.2f} s, {result['requests']} requests served "
              f"({result['requests'] / result['seconds']:.0f}/s); worker CPU "
              f"{result['worker_cpu']:.2f} s = {1000 * result['worker_cpu'] / sources:.1f} ms "
              f"a poll")  # fmt: skip
    print(f"before cycle 2: {added} new reviews and {edited} edits on the site")
    print(f"rows: {found['rows']} (the site lists {found['listed']}; "
          f"{found['missing_or_extra']:+d} missing/extra), "
          f"duplicates {found['duplicates']}, revisions {found['revisions']} "
          f"(expected {edited}), alerts {found['alerts']}")  # fmt: skip
    print(f"sources by health: {found['health']}; polls logged {found['polls_logged']} "
          f"(expected {2 * sources}); worker errors {len(found['problems'])}; "
          f"scoring messages left unconsumed {found['scoring_queued']} (purged); "
          f"polling messages left {found['polling_left']}")  # fmt: skip
    for line in found["problems"][:5]:
        print(f"  worker: {line}")
    complete = (
        found["duplicates"] == 0 and found["missing_or_extra"] == 0
        and found["revisions"] == edited and found["unhealthy"] == 0
        and not found["problems"] and found["polling_left"] == 0
    )  # fmt: skip
    fast = first["seconds"] < TARGET_SECONDS and second["seconds"] < TARGET_SECONDS
    verdict = "PASS" if fast and complete else "FAIL"
    print(f"RESULT cycle_s={first['seconds']:.2f} second_cycle_s={second['seconds']:.2f} "
          f"duplicates={found['duplicates']} target={TARGET_SECONDS:g} {verdict}")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
