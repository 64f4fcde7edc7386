"""A real Celery worker process for tests that need one (marked real_worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
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

    def kill_pool_child(self) -> int:
        child = self.pool_children()[0]
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


@pytest.fixture
def worker(tmp_path):
    worker = Worker(tmp_path / "worker.log")
    yield worker
    worker.stop()
