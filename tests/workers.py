"""A real Celery worker process for tests that need one (marked real_worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 60


def worker_database_url() -> str:
    """The URL of the database this test runs in, for the worker to use the same one."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A worker on `queues` with the given pool; `env` adds to the environment."""

    def __init__(
        self,
        log_path: Path,
        *,
        queues: str = "scoring,default",
        pool: str = "prefork",
        concurrency: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self.queues, self.pool, self.concurrency = queues, pool, concurrency
        self.env = dict(env or {})
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # INFO for celery.app.trace: tests read what each task returned from the log.
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "TASK_LOG_LEVEL": "INFO",
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "cxplatform", "worker",
            "-Q", self.queues, "-c", str(self.concurrency), "-P", self.pool, "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        self._wait_for("ready.")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def pool_children(self) -> list[int]:
        """The prefork pool's processes: the ones that run the tasks."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_pool_child(self, *, backends: list[int] = ()) -> int:
        """SIGKILL the pool child. `backends`: its database sessions, held at a lock by
        ScoreWritesHeld; they are ended while the child is stopped (see end_backends)."""
        child = self.pool_children()[0]
        os.kill(child, signal.SIGSTOP)
        end_backends(backends)
        os.kill(child, signal.SIGKILL)
        return child

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_for(self, marker: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if marker in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker never became ready:\n{self.log()}")


class ScoreWritesHeld:
    """While open, no worker can write scores: a SHARE lock on the answers table, taken
    by a connection of the test's own, lets a worker read and analyse its batch and stops
    it at the batch's write, with nothing committed. That is "mid batch" on any machine
    at any speed; a sleep stood here once, and failed when scoring became fast."""

    TABLE = "feedback_answer"

    def __enter__(self) -> ScoreWritesHeld:
        self.session = connection.get_new_connection(connection.get_connection_params())
        with self.session.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {self.TABLE} IN SHARE MODE")
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()  # the lock goes: the held writes go on
        self.session.close()

    def waiting(self, count: int, *workers: Worker) -> list[int]:
        """Wait until `count` worker sessions wait at the lock; their backend pids."""
        pids: list[int] = []

        def reached() -> bool:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_locks WHERE locktype = 'relation' "
                    "AND relation = %s::regclass AND NOT granted",
                    [self.TABLE],
                )
                pids[:] = [pid for (pid,) in cursor.fetchall()]
            return len(pids) == count

        wait_for(reached, f"{count} batches reaching their write", *workers)
        return pids


def end_backends(pids: list[int]) -> None:
    """End database sessions whose client was killed, and wait until they are gone.

    A server notices a killed client when it next reads from its socket, and rolls its
    transaction back. A session waiting at ScoreWritesHeld's lock reads nothing until the
    lock goes, and meanwhile holds its rows: a redelivered batch would skip them."""
    if not pids:
        return

    def gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            return cursor.fetchone()[0] == 0

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
    wait_for(gone, f"database sessions {pids} ending")


def wait_for(condition: Callable[[], bool], what: str, *workers: Worker, seconds: float = 0):
    """Return once `condition()` holds; fail with the workers' last logs if it never does
    within `seconds` (WAIT_SECONDS by default)."""
    deadline = time.monotonic() + (seconds or WAIT_SECONDS)
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    logs = "\n".join(worker.log()[-6000:] for worker in workers)
    raise AssertionError(f"{what} never happened:\n{logs}")


@pytest.fixture
def worker(tmp_path):
    worker = Worker(tmp_path / "worker.log")
    yield worker
    worker.stop()
