from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence

from celery import Celery
from celery.concurrency import get_implementation
from celery.concurrency.thread import TaskPool as ThreadTaskPool
from celery.signals import task_postrun, task_prerun, worker_init
from django.conf import settings
from django.db import close_old_connections, transaction
from kombu.exceptions import OperationalError

from .batching import IdBatcher, batched

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxplatform.settings")

# Every task gets the delivery limit and dead letters of cxplatform/deadletters.py.
app = Celery("cxplatform", task_cls="cxplatform.deadletters:LimitedDeliveriesTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's Django fixup closes every database connection before and after each task,
# whatever CONN_MAX_AGE says: a new PostgreSQL connection (a new server process) for
# every task, a few milliseconds each, on a path that scores hundreds of texts per task.
# A reuse limit this high turns that off; Django's own rule applies instead (below).
app.conf.CELERY_DB_REUSE_MAX = 1_000_000_000

logger = logging.getLogger(__name__)


@worker_init.connect
def longer_thread_turns(sender=None, **kwargs) -> None:
    """A threads-pool worker of the scoring queue gives its threads turns of
    settings.WORKER_SWITCH_INTERVAL_MS at the interpreter (the GIL), not Python's 5 ms.

    A scoring task is tens of milliseconds of Python, then a wait on PostgreSQL. At 5 ms
    turns, two threads' batches advance together, reach the database together and leave
    the interpreter idle while both wait; with longer turns one thread analyses while the
    other's batch is written (a thread lets go at once when it waits on the database).
    Other workers keep Python's turns: a prefork child runs one task at a time, and the
    polling worker's many threads wait on the network, where one thread parsing a large
    page must not hold the others back for long.
    """
    if sender is not None and scores_on_threads(sender):
        sys.setswitchinterval(settings.WORKER_SWITCH_INTERVAL_MS / 1000)


def scores_on_threads(worker) -> bool:
    """The worker runs a threads pool and consumes the queue texts are scored from."""
    from textanalysis.tasks import score_texts

    pool = get_implementation(worker.pool_cls)  # "threads", or the class itself
    # Where settings.CELERY_TASK_ROUTES sends the scoring task, as Celery reads them.
    scoring = worker.app.amqp.router.route({}, score_texts.name)["queue"].name
    return issubclass(pool, ThreadTaskPool) and scoring in worker.app.amqp.queues.consume_from


@task_prerun.connect
@task_postrun.connect
def close_unusable_connections(sender=None, **kwargs) -> None:
    """Around each task, as Django does around each request: a connection that broke or
    is older than CONN_MAX_AGE is closed (the next query opens a fresh one), a healthy
    one is kept. Eager tasks run inside their caller's transaction: left alone."""
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits.

    A broker that is down must not turn a saved customer answer into an error
    page: the failure is logged and the periodic sweeper sends the work later.
    """
    transaction.on_commit(_safe_send(task, args, kwargs))


def _safe_send(task, args: tuple, kwargs: dict) -> Callable[[], None]:
    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except OperationalError:
            logger.warning("Broker unreachable; %s left for the sweeper", task.name)

    return send


_batchers: dict[str, IdBatcher] = {}
_batchers_lock = threading.Lock()


def enqueue_ids_on_commit(task, key: str, ids: Sequence[int]) -> None:
    """Send `task(key, batch_of_ids)` once the current transaction commits, together
    with the ids other requests of this process commit meanwhile (see batching.py).
    Without a broker, tasks run eagerly: then it is sent at once, as enqueue_on_commit."""
    if not ids:
        return
    if tasks_run_eagerly():
        for batch in batched(ids):
            enqueue_on_commit(task, key, batch)
        return
    batcher = _batchers.get(task.name) or _batcher_for(task)
    ids = list(ids)
    transaction.on_commit(lambda: batcher.add(key, ids))


def _batcher_for(task) -> IdBatcher:
    with _batchers_lock:
        batcher = _batchers.get(task.name)
        if batcher is None:
            batcher = _batchers[task.name] = IdBatcher(
                lambda key, batch: _safe_send(task, (key, batch), {})()
            )
        return batcher


def tasks_run_eagerly() -> bool:
    """Whether tasks run in their caller, as they do without a broker. Read from Django's
    settings, which the app's conf is made from: a plain attribute (0.3 µs), where
    Celery's conf looks each read up under the setting's old and new names (4 µs, on
    every submission that has a comment to score)."""
    return settings.CELERY_TASK_ALWAYS_EAGER
