"""What every benchmark does the same way: a fresh PostgreSQL database, an empty Redis
database, a worker or server process started and stopped, and a Django set up on the
benchmark's own database."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432"
SECRET_KEY = "bench-only-not-secret-0123456789abcdefghijklmnop"
WORKER_FLAGS = ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel",
                "INFO"]  # fmt: skip


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done


def drop_database(name: str) -> None:
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name])


def fresh_database(name: str, env: dict) -> None:
    drop_database(name)
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name])
    run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env)


def flush_redis(*urls: str) -> None:
    for url in urls:
        run(["redis-cli", "-n", url.rsplit("/", 1)[1], "flushdb"])


def start_worker(
    env: dict, log: Path, options: list[str], ready: Callable[[subprocess.Popen], bool]
) -> subprocess.Popen:
    """A Celery worker with `options` (queue, pool, concurrency), once its log says it is
    ready and `ready(process)` agrees."""
    command = [sys.executable, "-m", "celery", "-A", "cxplatform", "worker", *options,
               *WORKER_FLAGS]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log.read_text()}")
        if " ready." in log.read_text() and ready(process):
            return process
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"the worker did not start:\n{log.read_text()}")


# A submission's answers wait in feedback_pendinganswers until a worker files them; the
# worker then scores the comments. What was sent, and what is left for the worker:
COMMENTS_SENT = """
SELECT (SELECT count(*) FROM feedback_answer WHERE text <> '')
     + (SELECT count(*) FROM feedback_pendinganswers, jsonb_array_elements(answers) AS given
        WHERE given->>'text' <> '')
"""
WORK_LEFT = """
SELECT (SELECT count(*) FROM feedback_pendinganswers)
     + (SELECT count(*) FROM feedback_answer WHERE text <> '' AND scored_at IS NULL)
"""


def filed_and_scored_by_one_worker(
    env: dict, log: Path, count: Callable[[str], int], wait_seconds: float
) -> dict:
    """Start one worker of the scoring queue (2 processes); wait until every answer sent is
    filed and every comment scored; what its tasks said they did."""
    started = time.perf_counter()
    worker = start_worker(
        {**env, "TASK_LOG_LEVEL": "INFO"}, log, ["-Q", "scoring", "-c", "2"], lambda p: True
    )
    try:
        deadline = time.monotonic() + wait_seconds
        while count(WORK_LEFT) and time.monotonic() < deadline:
            time.sleep(1)
        seconds = time.perf_counter() - started
        time.sleep(1)  # the last task's result line
    finally:
        stop(worker)
    text = log.read_text()

    def results(task: str) -> list[int]:
        pattern = rf"{task}\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)"
        return [int(n) for n in re.findall(pattern, text)]

    filed, analysed = results("file_answers"), results("score_texts")
    return {"left": count(WORK_LEFT), "filed": sum(filed), "filing_tasks": len(filed),
            "analysed": sum(analysed), "tasks": len(analysed), "seconds": seconds}  # fmt: skip


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (a warm shutdown: running work finishes), then SIGKILL after `timeout`."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def django_on_fresh_database(settings_env: dict, name: str, *, keep: bool) -> Iterator[dict]:
    """Create and migrate database `name`, set this process's Django up on it and yield
    the environment for subprocesses; the database is dropped at the end unless `keep`."""
    env = {**os.environ, **settings_env}
    os.environ.update(settings_env)
    # collectstatic has not run in a checkout; whitenoise serves from the finders.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    started = time.perf_counter()
    fresh_database(name, env)
    print(f"database {name} created and migrated in {time.perf_counter() - started:.1f} s")
    if keep:
        print(f"--keep: the database stays, DATABASE_URL={settings_env['DATABASE_URL']}")
    import django

    django.setup()
    from django.db import connections

    try:
        yield env
    finally:
        connections.close_all()
        if not keep:
            drop_database(name)


def two_sizes(unit: str, small: int, big: int) -> argparse.Namespace:
    """The options of a benchmark measured at two data sizes (`--<unit>-small`,
    `--<unit>`), with a seed, --keep, --explain and --data-only."""
    parser = argparse.ArgumentParser()
    parser.add_argument(f"--{unit}-small", type=int, default=small)
    parser.add_argument(f"--{unit}", type=int, default=big)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument(
        "--explain",
        action="store_true",
        help=f"EXPLAIN ANALYZE each request's slowest query, at --{unit}",
    )
    parser.add_argument("--data-only", action="store_true",
                        help="build the data and roll-ups, measure nothing")  # fmt: skip
    args = parser.parse_args()
    if not 0 < getattr(args, f"{unit}_small") < getattr(args, unit):
        parser.error(f"need 0 < --{unit}-small < --{unit}")
    return args
