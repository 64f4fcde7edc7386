"""Benchmark: texts scored per second by the real pipeline against raw VADER, same texts.

Fills a throwaway PostgreSQL database with N survey comments from the demo generator
(cxplatform/demo/comments.py), written long enough ago that they raise no alert and open
no case, then times:

- raw: `SentimentIntensityAnalyzer().polarity_scores(text)` over all N texts, in this
  process, with nothing else running;
- pipeline: every comment id sent to the `scoring` queue in batches of 500 (as the
  sweeper sends them) through Redis to ONE Celery worker process, timed from the first
  send until no comment is left with `scored_at` null.

The worker is one process. By default it runs Celery's threads pool with two threads
(`-P threads -c 2`): the task code is the same, but while one thread waits on PostgreSQL
(writing a batch: psycopg2 lets go of the GIL) the other analyses the next batch, so the
database's work overlaps the Python work instead of following it. Python still runs one
thread at a time: this is one process's CPU, not two. `--pool prefork` measures the
other one-process shape, a prefork worker with one child, where every wait on the
database stalls the scoring.

Prints both rates, their ratio, and the peak memory (VmHWM) of the process that scores
(the threads worker itself, or the prefork child) when a quarter of the texts are scored
and at the end: it must stay flat as N grows. Then checks that every text was scored,
that nothing was left in the broker, and that the worker logged no error or retry.

Usage: .venv/bin/python bench/sentiment_pipeline.py [--texts 100000] [--pool threads]
       [--profile out.svg]
Target: pipeline >= 0.5 of raw VADER (one task per text reaches about 0.01), with a flat
worker peak memory and every text scored.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
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

DATABASE = "cx_bench_sentiment"
BROKER = "redis://127.0.0.1:6379/13"
QUEUE = "scoring"
TARGET = 0.5
CHUNK = 5_000
# Older than any freshness window (alerts: 2 days, follow-up cases: 14 days), so scoring
# raises no alert and opens no case: the benchmark measures scoring, not notifications.
MIN_AGE_DAYS, MAX_AGE_DAYS = 30, 730
# "Flat": the peak at N may exceed the peak at N/4 by at most this much.
FLAT_SLACK_MB, FLAT_SLACK_SHARE = 5.0, 0.05
STALL_SECONDS = 120
TASK_DONE = re.compile(r"score_texts\[[^\]]+\] succeeded in ([\d.e-]+)s: (\d+)")
ENV = {
    "DATABASE_URL": f"{PG}/{DATABASE}",
    "CELERY_BROKER_URL": BROKER,
    "DJANGO_SETTINGS_MODULE": "cxplatform.settings",
    "LOG_LEVEL": "WARNING",
    # One line per finished task, with what it returned: how many texts it analysed.
    "TASK_LOG_LEVEL": "INFO",
    "SECRET_KEY": SECRET_KEY,
}


# --- The texts ------------------------------------------------------------------------


def seed(total: int, seed_value: int) -> int:
    """A food & drink business and `total` responses with an NPS score and a comment,
    all from a month to two years ago. Returns the comment question's id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from cxplatform.demo.comments import comment_for_score
    from cxplatform.demo.rows import CHANNEL_WEIGHTS, CHANNELS, NPS_WEIGHTS
    from cxplatform.onboarding import business_onboard
    from feedback.models import Answer, QuestionKind, Response, Survey

    owner = User.objects.create_user("bench@example.com", None)
    business = business_onboard(name="Bench Café", owner=owner, industry="food_drink")
    survey = Survey.objects.get(business=business, is_default=True)
    questions = dict(survey.questions.values_list("kind", "id"))
    nps_question, text_question = questions[QuestionKind.NPS], questions[QuestionKind.TEXT]
    rng = random.Random(seed_value)
    now = timezone.now()
    for start in range(0, total, CHUNK):
        drafts = []
        for _ in range(min(CHUNK, total - start)):
            score = rng.choices(range(11), NPS_WEIGHTS[0])[0]
            age = timedelta(days=rng.uniform(MIN_AGE_DAYS, MAX_AGE_DAYS))
            response = Response(
                business=business, survey=survey, created_at=now - age,
                channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
            )  # fmt: skip
            drafts.append((response, score, comment_for_score(rng, score)))
        with transaction.atomic():
            Response.objects.bulk_create([response for response, _, _ in drafts])
            answers = []
            for response, score, comment in drafts:
                common = {"business": business, "response_id": response.pk,
                          "created_at": response.created_at}  # fmt: skip
                answers.append(Answer(question_id=nps_question, number=score, **common))
                answers.append(Answer(question_id=text_question, text=comment, **common))
            Answer.objects.bulk_create(answers)
    with connection.cursor() as cursor:
        for table in ("feedback_response", "feedback_answer"):
            cursor.execute(f"ANALYZE {table}")
    return text_question


def comments(text_question: int):
    from feedback.models import Answer

    return Answer.objects.filter(question_id=text_question).exclude(text="")


# --- Raw VADER ------------------------------------------------------------------------


def raw_vader(texts: list[str]) -> float:
    """Texts per second of VADER's own polarity_scores(), one after another."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()  # loading the lexicons is not scoring
    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts) / (time.perf_counter() - started)


# --- The worker -----------------------------------------------------------------------


# One worker process either way (see the docstring).
POOLS = {"threads": ["-P", "threads", "-c", "2"], "prefork": ["-P", "prefork", "-c", "1"]}


def scoring_worker(env: dict, log: Path, pool: str) -> subprocess.Popen:
    """The worker, ready once the process that does the work exists."""
    options = ["-Q", QUEUE, *POOLS[pool]]
    return start_worker(
        env, log, options, ready=lambda process: bool(scoring_processes(process, pool))
    )


def scoring_processes(worker: subprocess.Popen, pool: str) -> list[int]:
    """The process(es) that run the tasks: the prefork child, or the threads worker."""
    return children(worker.pid) if pool == "prefork" else [worker.pid]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # a thread that has just ended
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A /proc/<pid>/status memory figure (VmHWM: the peak resident set) in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


# --- The pipeline ---------------------------------------------------------------------


def pipeline(ids: list[int], text_question: int, worker: subprocess.Popen, pool: str) -> dict:
    """Send every id to the worker and wait until all are scored."""
    from cxplatform.batching import batched
    from textanalysis.tasks import score_texts

    unscored = comments(text_question).filter(scored_at=None)
    total = len(ids)
    quarter_mark = total - total // 4  # unscored left when a quarter is done
    seen: set[int] = set()
    peak_quarter = None
    batches = 0
    started = time.perf_counter()
    for batch in batched(ids):
        score_texts.delay("feedback.Answer", batch)
        batches += 1
    sent = time.perf_counter() - started
    last_progress, last_left = time.monotonic(), total
    while True:
        left = unscored.count()
        now = time.perf_counter()
        scorers = scoring_processes(worker, pool)
        seen.update(scorers)
        if peak_quarter is None and left <= quarter_mark:
            peak_quarter = max((memory_mb(pid) for pid in scorers), default=0.0)
        if left == 0:
            break
        if left != last_left:
            last_left, last_progress = left, time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS or worker.poll() is not None:
            raise RuntimeError(f"worker gone or stalled with {left} texts left")
        # Fine-grained near the end, where the last poll decides the measured time.
        time.sleep(0.05 if left <= 1_000 else 0.5)
    seconds = now - started
    scorers = scoring_processes(worker, pool)
    return {
        "seconds": seconds,
        "send_seconds": sent,
        "batches": batches,
        "tps": total / seconds,
        "peak_quarter_mb": peak_quarter,
        "peak_mb": max((memory_mb(pid) for pid in scorers), default=0.0),
        "rss_mb": max((memory_mb(pid, "VmRSS") for pid in scorers), default=0.0),
        "parent_peak_mb": memory_mb(worker.pid),
        "processes": len(seen | set(scorers)),
        "pool": pool,
    }


def broker_left() -> int:
    """Messages still queued or delivered but not acknowledged."""
    import redis  # the broker's client, installed with celery[redis]

    broker = redis.Redis.from_url(BROKER)
    return broker.llen(QUEUE) + broker.hlen("unacked")


def checks(text_question: int, total: int, log: Path) -> dict:
    from django.db.models import Count

    from feedback.models import FollowUpCase
    from textanalysis.models import Alert, AspectMention

    scored = comments(text_question).exclude(scored_at=None)
    labels = dict(scored.order_by().values_list("sentiment_label").annotate(n=Count("pk")))
    text = log.read_text()
    problems = re.findall(r"^.*(?:ERROR|CRITICAL|Traceback|Retry in).*$", text, re.M)
    # "Task textanalysis.tasks.score_texts[...] succeeded in 0.12s: 500"
    tasks = [(float(seconds), int(analysed)) for seconds, analysed in TASK_DONE.findall(text)]
    return {
        "scored": scored.count(),
        "unscored": comments(text_question).filter(scored_at=None).count(),
        "total": total,
        "labels": labels,
        "writes": scored.values("scored_at").distinct().count(),
        "mentions": AspectMention.objects.count(),
        "alerts": Alert.objects.count(),
        "cases": FollowUpCase.objects.count(),
        "broker_left": broker_left(),
        "worker_problems": problems,
        "tasks": len(tasks),
        "analysed": sum(analysed for _, analysed in tasks),
        "task_seconds": sum(seconds for seconds, _ in tasks),
        "task_max_seconds": max((seconds for seconds, _ in tasks), default=0.0),
    }


def flat(peak_quarter: float | None, peak: float) -> bool:
    if peak_quarter is None:
        return False
    return peak - peak_quarter <= max(FLAT_SLACK_MB, FLAT_SLACK_SHARE * peak_quarter)


def profile(worker: subprocess.Popen, pool: str, out: str) -> subprocess.Popen:
    """py-spy on the process that scores, waits included, until stopped."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    spy = shutil.which("py-spy", path=search)
    if spy is None:
        raise RuntimeError("--profile needs py-spy (pip install py-spy)")
    (child,) = scoring_processes(worker, pool)
    fmt = {".json": "speedscope", ".txt": "raw"}.get(Path(out).suffix, "flamegraph")
    return subprocess.Popen(
        [spy, "record", "--idle", "--pid", str(child), "--rate", "200", "--format", fmt, "-o", out],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pool", choices=sorted(POOLS), default="threads")
    parser.add_argument(
        "--profile", metavar="FILE",
        help="py-spy the scoring process, waits included, into FILE: .svg flame graph, "
        ".json speedscope, .txt collapsed stacks",
    )  # fmt: skip
    args = parser.parse_args()
    if args.texts < 4:
        parser.error("--texts must be at least 4")
    flush_redis(BROKER)
    # This process seeds, sends the tasks and counts, as a client.
    with django_on_fresh_database(ENV, DATABASE, keep=False) as env:
        try:
            return measure(args, env)
        finally:
            flush_redis(BROKER)


def measure(args, env: dict) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-sentiment-"))
    log = workdir / "worker.log"
    worker = spy = None
    try:
        started = time.perf_counter()
        text_question = seed(args.texts, args.seed)
        rows = list(comments(text_question).order_by("pk").values_list("pk", "text"))
        ids, texts = [pk for pk, _ in rows], [text for _, text in rows]
        del rows
        print(f"{len(texts)} texts (mean {sum(map(len, texts)) / len(texts):.0f} characters) "
              f"written in {time.perf_counter() - started:.1f} s")  # fmt: skip
        raw_tps = raw_vader(texts)
        del texts
        worker = scoring_worker(env, log, args.pool)
        if args.profile:
            spy = profile(worker, args.pool, args.profile)
        result = pipeline(ids, text_question, worker, args.pool)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(timeout=60)
        time.sleep(1)  # the last task's acknowledgement
        found = checks(text_question, len(ids), log)
        return report(raw_tps, result, found)
    finally:
        if spy is not None and spy.poll() is None:
            spy.kill()
        if worker is not None:
            stop(worker)
        shutil.rmtree(workdir, ignore_errors=True)


def report(raw_tps: float, result: dict, found: dict) -> int:
    ratio = result["tps"] / raw_tps
    total = found["total"]
    print(f"raw VADER: {raw_tps:.0f} texts/s (polarity_scores, in-process)")
    print(f"pipeline: {total} texts in {result['seconds']:.2f} s = {result['tps']:.0f} texts/s "
          f"({result['batches']} tasks of up to 500 sent in {result['send_seconds']:.2f} s, "
          f"1 worker process, pool {POOLS[result['pool']]}, "
          f"{result['processes']} scoring process(es))")  # fmt: skip
    print(f"ratio pipeline/raw: {ratio:.3f} (target {TARGET})")
    print(f"scoring process peak RSS: {result['peak_quarter_mb']:.1f} MB at N/4 = {total // 4}, "
          f"{result['peak_mb']:.1f} MB at N = {total} (now {result['rss_mb']:.1f} MB); "
          f"worker main process peak {result['parent_peak_mb']:.1f} MB")  # fmt: skip
    print(f"checks: {found['scored']} of {total} scored, {found['unscored']} left unscored, "
          f"labels {found['labels']}, {found['writes']} write transactions for "
          f"{result['batches']} tasks, {found['mentions']} aspect mentions, "
          f"{found['alerts']} alerts, {found['cases']} cases, "
          f"{found['broker_left']} messages left in the broker, "
          f"{len(found['worker_problems'])} worker errors or retries")  # fmt: skip
    tasks = max(found["tasks"], 1)
    print(f"worker log: {found['tasks']} tasks succeeded, {found['analysed']} texts analysed "
          f"(each exactly once if this is {total}); "
          f"time inside tasks {found['task_seconds']:.2f} s "
          f"(mean {1000 * found['task_seconds'] / tasks:.0f} ms, "
          f"max {1000 * found['task_max_seconds']:.0f} ms per task)")  # fmt: skip
    for line in found["worker_problems"][:5]:
        print(f"  worker: {line}")
    memory_flat = flat(result["peak_quarter_mb"], result["peak_mb"])
    complete = (
        found["scored"] == total and found["unscored"] == 0 and found["analysed"] == total
        and found["broker_left"] == 0 and not found["worker_problems"]
    )  # fmt: skip
    verdict = "PASS" if ratio >= TARGET and memory_flat and complete else "FAIL"
    print(f"RESULT ratio={ratio:.3f} pipeline_tps={result['tps']:.0f} raw_tps={raw_tps:.0f} "
          f"worker_peak_mb={result['peak_mb']:.1f} "
          f"worker_peak_quarter_mb={result['peak_quarter_mb']:.1f} "
          f"flat={'yes' if memory_flat else 'no'} unscored={found['unscored']} "
          f"pool={result['pool']} "
          f"target={TARGET} {verdict}")  # fmt: skip
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
