"""Tasks that never succeed, loaded only into the test workers of test_dead_letters.py
(`CELERY_WORKER_INCLUDE`, celery's --include): the app has none, by design.

They are made like the app's tasks (shared_task, so the app's base task class, acks_late,
reject_on_worker_lost), and the test process sends them by name, never importing this.
"""

from __future__ import annotations

import os
import signal

from celery import shared_task


@shared_task(
    autoretry_for=(ConnectionError,),
    max_retries=2,
    default_retry_delay=0,
    acks_late=True,
    reject_on_worker_lost=True,
)
def never_reachable(label: str) -> None:
    """A transient error that never passes: retried, then given up."""
    raise ConnectionError(f"{label}: the other side never answers")


@shared_task(
    autoretry_for=(ConnectionError,),
    max_retries=2,
    default_retry_delay=0,
    acks_late=True,
    reject_on_worker_lost=True,
)
def never_reachable_quietly(token: str) -> None:
    """The same, for a message whose sender hid its arguments (a secret token)."""
    raise ConnectionError("the other side never answers")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def kills_its_worker(label: str) -> None:
    """A crash that takes the process down (a segfault, the out-of-memory killer)."""
    os.kill(os.getpid(), signal.SIGKILL)
