"""Benchmark: public survey submissions per second against a bare insert, same load.

Starts the app under gunicorn on a throwaway PostgreSQL database (Redis as the broker
and the cache, so publishing the filing task is part of the cost but filing is not),
drives a fixed number of JSON submissions at it from a load process (bench/loadgen.py),
and the same load at a bare Django view of the same server (bench/urls.py) that parses
the same body and inserts one comparable row. Prints both rates, their ratio, p99
latency, and checks that every 201 left exactly one row. Then, untimed, one worker files
the answers (feedback.filing) and scores the comments: every answer must arrive, and
every comment be scored, once.

The load goes in ROUNDS, the app and the bare view taking turns (the one first in a
round is last in the next), each run after a CHECKPOINT. This machine's speed drifts by
a third from one minute to the next, and a timed checkpoint (every five minutes) slows
whatever runs during it: with all of the app's load first and all of the bare view's
after, either could take the slow minute, and the ratio of one run swung from 0.5 to
0.8 on the same code. Taking turns gives both the same minutes.

Usage: .venv/bin/python bench/submissions.py [--requests 20000] [--connections 16]
Target: ratio >= 0.7 with zero errors and nothing lost.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import PG, SECRET_KEY, run, stop  # noqa: E402

DATABASE = "cx_bench_submissions"
BROKER = "redis://127.0.0.1:6379/14"
CACHE = "redis://127.0.0.1:6379/15"
PORT = 8101
WORKERS = 4
TARGET = 0.7
ROUNDS = 4
ANSWERS_PER_SUBMISSION = 2  # the score and the comment of the body below
FILING_WAIT_SECONDS = 600


def fresh_database(env: dict) -> None:
    common.fresh_database(DATABASE, env)
    table = (
        "CREATE TABLE bench_bare_row (id bigserial PRIMARY KEY, uuid uuid UNIQUE NOT NULL, "
        "survey_id bigint NOT NULL, answers text NOT NULL, created_at timestamptz NOT NULL)"
    )
    run(["psql", "-h", "127.0.0.1", "-U", "postgres", DATABASE, "-c", table])


SETUP = """
import json
from accounts.models import User
from cxplatform.onboarding import business_onboard
from feedback.models import Survey
owner = User.objects.create_user("bench@example.com", "bench-password-123")
business = business_onboard(name="Bench Café", owner=owner)
survey = Survey.objects.get(business=business)
nps, reason = survey.questions.order_by("position")
print(json.dumps({"survey": str(survey.uuid), "survey_id": survey.pk,
                  "nps": str(nps.uuid), "reason": str(reason.uuid)}))
"""


def create_survey(env: dict) -> dict:
    out = run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    # gthread workers keep connections alive, as gunicorn behind a proxy is run in production.
    command = [sys.executable, "-m", "gunicorn", "cxplatform.wsgi:application",
               "-b", f"127.0.0.1:{port}",
               "-w", str(WORKERS), "-k", "gthread", "--threads", "4",
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nothing-here", timeout=1)
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")


def drive(port: int, path: str, body: str, requests: int, connections: int) -> dict:
    """Run the load generator in its own process and return what it measured."""
    out = run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), "127.0.0.1", str(port), path,
         str(requests), str(connections)],
        input=body,
    ).stdout  # fmt: skip
    return json.loads(out)


def checkpoint() -> None:
    """Write every dirty page now, so no timed checkpoint falls inside the next round."""
    run(["psql", "-h", "127.0.0.1", "-U", "postgres", DATABASE, "-c", "CHECKPOINT"])


def flush_redis() -> None:
    common.flush_redis(BROKER, CACHE)


def queued(task: str) -> int:
    """How many ids the messages of `task` waiting in the scoring queue carry."""
    import redis  # the broker's client, installed with celery[redis]

    broker = redis.Redis.from_url(BROKER)
    ids = 0
    for raw in broker.lrange("scoring", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == task:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            ids += len(args[1])
    return ids


def rows_for(table: str, uuids: list[str]) -> int:
    """How many of these uuids have their row (each must have exactly one)."""
    if not uuids:
        return 0
    quoted = ",".join(f"'{u}'" for u in uuids)  # uuids came from our own server's 201s
    return count(f"SELECT count(*) FROM {table} WHERE uuid IN ({quoted})")


def count(sql: str) -> int:
    # Through stdin: a list of 20,000 uuids is longer than a command line may be.
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", DATABASE, "-tA", "-f", "-"]
    return int(run(command, input=sql).stdout)


def rounds(targets: dict, body: str, requests: int, connections: int) -> dict:
    """`requests` to each target in ROUNDS, the targets taking turns, the first of one
    round last in the next (app, bare, bare, app, ...), each run after a CHECKPOINT; what
    the load generator measured, summed over the rounds."""
    results = {name: {"ok": 0, "bad": 0, "seconds": 0.0, "uuids": [], "latencies_ms": []}
               for name in targets}  # fmt: skip
    order = list(targets)
    for turn in range(ROUNDS):
        share = len(range(turn, requests, ROUNDS))  # the total exactly, over the rounds
        rates = {}
        for name in order:
            checkpoint()
            part = drive(PORT, targets[name][0], body, share, connections)
            for key, total in results[name].items():
                results[name][key] = total + part[key]
            rates[name] = part["ok"] / part["seconds"]
        ratio = f"{rates['app'] / rates['bare']:.2f}" if rates["bare"] else "-"
        print(f"round {turn + 1} ({' then '.join(order)}): app {rates['app']:.0f}/s, "
              f"bare {rates['bare']:.0f}/s, ratio {ratio}")  # fmt: skip
        order.reverse()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DATABASE}", "CELERY_BROKER_URL": BROKER,
           "CACHE_URL": CACHE, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "PUBLIC_RATE_PER_IP": "off", "PUBLIC_RATE_PER_SURVEY": "off", "LOG_LEVEL": "WARNING",
           "SECRET_KEY": SECRET_KEY,
           "BENCH_BARE_TOKEN": secrets.token_urlsafe(24)}  # fmt: skip
    flush_redis()
    fresh_database(env)
    ids = create_survey(env)
    body = json.dumps({"answers": {ids["nps"]: 7, ids["reason"]: "Nice coffee, a bit slow today."}})
    targets = {
        "app": (f"/api/v1/public/surveys/{ids['survey']}/responses/", "feedback_response"),
        "bare": (f"/bare/{env['BENCH_BARE_TOKEN']}/{ids['survey_id']}/", "bench_bare_row"),
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-submissions-"))
    warm, rows = {}, {}
    server = start_gunicorn(PORT, env, workdir / "gunicorn.log")
    try:
        for name, (path, _) in targets.items():
            warm[name] = drive(PORT, path, body, min(1000, args.requests), args.connections)
        results = rounds(targets, body, args.requests, args.connections)
        for name, (_, table) in targets.items():
            uuids = warm[name]["uuids"] + results[name]["uuids"]
            rows[name] = {"accepted": len(uuids), "found": rows_for(table, uuids),
                          "total": count(f"SELECT count(*) FROM {table}")}  # fmt: skip
        stop(server)  # its workers send the response ids still waiting as they exit
        rows["app"]["to_file"] = queued("feedback.tasks.file_answers")
        rows["app"]["waiting"] = count("SELECT count(*) FROM feedback_pendinganswers")
        rows["app"]["comments"] = count(common.COMMENTS_SENT)
        filing = common.filed_and_scored_by_one_worker(
            env, workdir / "worker.log", count, FILING_WAIT_SECONDS
        )
        filing["answers"] = count("SELECT count(*) FROM feedback_answer")
        return report(results, rows, warm, filing)
    finally:
        if server.poll() is None:
            stop(server)
        common.drop_database(DATABASE)
        flush_redis()
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: dict, rows: dict, warm: dict, filing: dict) -> int:
    rates = {}
    lost = errors = 0
    for name, result in results.items():
        rates[name] = result["ok"] / result["seconds"]
        latencies = sorted(result["latencies_ms"])
        result["p50_ms"] = latencies[len(latencies) // 2]
        result["p99_ms"] = latencies[int(len(latencies) * 0.99) - 1]
        found = rows[name]
        # Every 201 must have left its row, and no row may exist without its 201.
        lost += (found["accepted"] - found["found"]) + abs(found["total"] - found["accepted"])
        errors += result["bad"] + warm[name]["bad"]
        if "to_file" in found:
            # Every response's answers must wait in one row and be sent to be filed, once.
            lost += abs(found["to_file"] - found["accepted"])
            lost += abs(found["waiting"] - found["accepted"])
            print(f"{name}: {found['to_file']} response ids queued for filing, "
                  f"{found['waiting']} responses' answers waiting to be filed")  # fmt: skip
        print(
            f"{name}: {result['ok']} accepted, {result['bad']} errors in {ROUNDS} rounds, "
            f"{result['seconds']:.2f} s in all = {rates[name]:.0f}/s; "
            f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
            f"rows: {found['found']} of {found['accepted']} accepted found, "
            f"{found['total']} in the table"
        )
    # After the timed rounds: one worker files every answer (two a submission) and scores
    # every comment, each once.
    accepted = rows["app"]["accepted"]
    lost += abs(filing["answers"] - ANSWERS_PER_SUBMISSION * accepted) + filing["left"]
    lost += abs(filing["analysed"] - rows["app"]["comments"])
    print(f"worker, after the rounds: {filing['answers']} answers filed for {accepted} "
          f"responses ({filing['filing_tasks']} batches), {filing['analysed']} of "
          f"{rows['app']['comments']} comments scored ({filing['tasks']} batches), "
          f"{filing['left']} left, in {filing['seconds']:.1f} s")  # fmt: skip
    ratio = rates["app"] / rates["bare"]
    p99 = results["app"]["p99_ms"]
    verdict = "PASS" if ratio >= TARGET and errors == 0 and lost == 0 else "FAIL"
    print(f"RESULT ratio={ratio:.2f} app_rps={rates['app']:.0f} bare_rps={rates['bare']:.0f} "
          f"p99_ms={p99:.1f} errors={errors} lost={lost} target={TARGET} {verdict}")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
