from __future__ import annotations

import pytest

from .support import KillableWorker, broker_clear, worker_in


@pytest.fixture
def workers(tmp_path):
    """Start real workers (`start(name, **options)`); every one is stopped at the end."""
    started: list[KillableWorker] = []

    def start(name: str, **options) -> KillableWorker:
        worker = worker_in(tmp_path, name, **options)
        started.append(worker)
        worker.start()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def empty_broker(request):
    """The test's Redis database without messages or delivery counts of earlier tests."""
    broker_clear()
    yield
    broker_clear()
