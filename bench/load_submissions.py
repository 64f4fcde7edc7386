"""Load test: 50,000 public survey submissions at the highest rate this machine sustains.

On loopback: the app under gunicorn (bench/submissions.py's start, 4 gthread workers of
4 threads) on a fresh PostgreSQL database, Redis database 5 as the broker, rate limits
off by environment. Several client processes, each with several keep-alive connections,
send JSON submissions (scores 0-10, the demo's varied comments) as fast as they are
answered: a closed loop that keeps the server busy, so the rate is what it sustains.

Then it counts answers by class (2xx, 4xx, 5xx, connection errors), the Response rows,
and the rows of every accepted uuid; then starts one scoring worker (the web processes
queued every response's answers to be filed by it) and waits until every answer is
filed and every comment scored, checking each was analysed exactly once (the worker's
own task results add up to the comments).

Usage: .venv/bin/python bench/load_submissions.py [--requests 50000] [--processes 4]
       [--connections 8] [--no-scoring]
Target: rows == 2xx answers, no 5xx (and every comment scored once).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import PG, SECRET_KEY, run, stop  # noqa: E402
from bench.submissions import create_survey, start_gunicorn  # noqa: E402

DATABASE = "cx_bench_load"
BROKER = "redis://127.0.0.1:6379/5"
PORT = 8111
DISTINCT_BODIES = 1000
SCORING_WAIT_SECONDS = 600


# --- The load ------------------------------------------------------------------------

STATUS_CLASSES = {2: "2xx", 4: "4xx", 5: "5xx"}


def empty_tally() -> dict:
    return {"2xx": 0, "4xx": 0, "5xx": 0, "other": 0, "errors": 0, "uuids": [], "latencies": []}


def make_bodies(ids: dict, count: int, seed: int = 5) -> list[bytes]:
    from cxplatform.demo.comments import comment_for_score

    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        score = rng.randint(0, 10)
        answers = {ids["nps"]: score}
        if rng.random() < 0.8:  # most people write something
            answers[ids["reason"]] = comment_for_score(rng, score)
        bodies.append(json.dumps({"answers": answers}).encode())
    return bodies


def one_connection(path: str, bodies: list[bytes], count: int, offset: int) -> dict:
    """Send `count` submissions one after another on one keep-alive connection."""
    tally = empty_tally()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    for n in range(count):
        started = time.perf_counter()
        try:
            connection.request("POST", path, body=bodies[(offset + n) % len(bodies)],
                               headers=headers)  # fmt: skip
            reply = connection.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException):
            tally["errors"] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            continue
        tally["latencies"].append(time.perf_counter() - started)
        tally[STATUS_CLASSES.get(reply.status // 100, "other")] += 1
        if 200 <= reply.status < 300:
            tally["uuids"].append(json.loads(data)["uuid"])
    connection.close()
    return tally


def client_process(job: tuple[str, list[bytes], int, int, int]) -> dict:
    """One load process: `connections` threads, each with its own connection."""
    import threading

    path, bodies, count, connections, index = job
    shares = [count // connections + (1 if i < count % connections else 0)
              for i in range(connections)]  # fmt: skip
    results: list[dict] = [{} for _ in range(connections)]

    def work(i: int) -> None:
        results[i] = one_connection(path, bodies, shares[i], index * 7919 + i * 104729)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return merged(results)


def merged(tallies: list[dict]) -> dict:
    total = empty_tally()
    for tally in tallies:
        for key, value in tally.items():
            total[key] += value
    return total


def drive(path: str, bodies: list[bytes], requests: int, processes: int, connections: int):
    shares = [requests // processes + (1 if i < requests % processes else 0)
              for i in range(processes)]  # fmt: skip
    jobs = [(path, bodies, share, connections, i) for i, share in enumerate(shares)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        tally = merged(pool.map(client_process, jobs))
    return tally, time.perf_counter() - started


# --- Counting what the database kept ---------------------------------------------------


def count(sql: str) -> int:
    # Through stdin: 50,000 uuids are longer than a command line may be.
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", DATABASE, "-tA", "-f", "-"]
    return int(run(command, input=sql).stdout)


def rows_of(uuids: list[str]) -> int:
    if not uuids:
        return 0
    values = ",".join(f"('{u}'::uuid)" for u in uuids)  # uuids from our own server's 201s
    return count(
        f"SELECT count(*) FROM feedback_response r JOIN (VALUES {values}) AS v(u) ON r.uuid = v.u"
    )


# --- The run ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--processes", type=int, default=4, help="load processes")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive per process")
    parser.add_argument("--no-scoring", action="store_true", help="skip the scoring check")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DATABASE}", "CELERY_BROKER_URL": BROKER,
           "DJANGO_SETTINGS_MODULE": "cxplatform.settings", "PUBLIC_RATE_PER_IP": "off",
           "PUBLIC_RATE_PER_SURVEY": "off", "LOG_LEVEL": "WARNING",
           "SECRET_KEY": SECRET_KEY}  # fmt: skip
    env.pop("CACHE_URL", None)
    common.flush_redis(BROKER)
    common.fresh_database(DATABASE, env)
    ids = create_survey(env)
    bodies = make_bodies(ids, DISTINCT_BODIES)
    path = f"/api/v1/public/surveys/{ids['survey']}/responses/"
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = start_gunicorn(PORT, env, workdir / "gunicorn.log")
    try:
        print(f"{os.cpu_count()} CPUs; {args.processes} load processes x {args.connections} "
              f"keep-alive connections; gunicorn 4 workers x 4 threads")  # fmt: skip
        tally, seconds = drive(path, bodies, args.requests, args.processes, args.connections)
        stop(server)  # its workers send the scoring ids still waiting as they exit
        server_log = (workdir / "gunicorn.log").read_text()
        rows = {
            "total": count("SELECT count(*) FROM feedback_response"),
            "accepted_found": rows_of(tally["uuids"]),
            "comments": count(common.COMMENTS_SENT),
        }
        scoring = None
        if not args.no_scoring:
            scoring = common.filed_and_scored_by_one_worker(
                env, workdir / "worker.log", count, SCORING_WAIT_SECONDS
            )
        return report(args.requests, tally, seconds, rows, scoring, server_log)
    finally:
        if server.poll() is None:
            stop(server)
        common.drop_database(DATABASE)
        common.flush_redis(BROKER)
        shutil.rmtree(workdir, ignore_errors=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else 0.0


def report(requests, tally, seconds, rows, scoring, server_log) -> int:
    ok, server_errors = tally["2xx"], tally["5xx"]
    rps = ok / seconds
    print(f"sent {requests} in {seconds:.1f} s: {ok} 2xx, {tally['4xx']} 4xx, "
          f"{server_errors} 5xx, {tally['other']} other, {tally['errors']} connection errors; "
          f"{rps:.0f} accepted/s; "
          f"latency p50 {percentile(tally['latencies'], 0.5):.1f} ms, "
          f"p99 {percentile(tally['latencies'], 0.99):.1f} ms, "
          f"max {percentile(tally['latencies'], 1.0):.1f} ms")  # fmt: skip
    print(f"rows: {rows['total']} responses in the table, {rows['accepted_found']} of the "
          f"{len(tally['uuids'])} accepted uuids found, {rows['comments']} comments")  # fmt: skip
    print(f"gunicorn log: {server_log.count('Traceback')} tracebacks, "
          f"{server_log.count('WORKER TIMEOUT')} worker timeouts")  # fmt: skip
    passed = (rows["total"] == ok == rows["accepted_found"] == len(set(tally["uuids"]))
              and server_errors == 0)  # fmt: skip
    if scoring is not None:
        print(f"filing and scoring: one worker (2 processes) in {scoring['seconds']:.1f} s; "
              f"{scoring['filing_tasks']} batches filed {scoring['filed']} answers, "
              f"{scoring['tasks']} batches analysed {scoring['analysed']} of "
              f"{rows['comments']} comments, {scoring['left']} left")  # fmt: skip
        # Every body has a score, and most a comment: each an answer, filed once.
        answers = count("SELECT count(*) FROM feedback_answer")
        print(f"answers: {answers} filed, {ok + rows['comments']} sent")
        passed = passed and scoring["left"] == 0 and scoring["analysed"] == rows["comments"]
        passed = passed and answers == scoring["filed"] == ok + rows["comments"]
    verdict = "PASS" if passed else "FAIL"
    print(
        f"RESULT submitted={requests} rows={rows['total']} ok_2xx={ok} "
        f"server_errors={server_errors} rps={rps:.0f} target=rows==2xx,0x5xx {verdict}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
