"""Tasks that cannot succeed end in a DeadLetter row, once, instead of looping.

Two ways a task can loop, one mechanism for every task (no per-task code):

- It fails: a non-retried exception, or a retried one whose retries ran out. Celery
  sends `task_failure` then (in the pool child, or in the worker's main process for a
  hard time limit); `record_failure` writes the dead letter.
- It kills its worker (a crash, the out-of-memory killer). With acks_late and
  reject_on_worker_lost its message goes back to the queue and is delivered again,
  forever. `LimitedDeliveriesTask.before_start` counts the deliveries of each try in the
  broker's Redis (they survive the process) and, past TASK_MAX_DELIVERIES, records the
  dead letter and drops the message instead of running the task again.

Celery 5.7's `task_retry_on_worker_lost` is not used: it only sees a pool child die
while the worker's main process lives, spends the task's retry budget and waits
default_retry_delay (3 minutes); the count here also sees a whole worker die.
In-process (eager) runs are left alone: their errors reach the caller.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import UTC, datetime

import redis
from celery import Task
from celery.exceptions import Ignore
from celery.signals import task_failure, task_retry
from celery.utils.saferepr import saferepr
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

TRACEBACK_CHARS = 20_000
_clients: dict[str, redis.Redis] = {}


class LimitedDeliveriesTask(Task):
    """The base of every task of the app (cxplatform.celery sets it as task_cls)."""

    def before_start(self, task_id: str, args: tuple, kwargs: dict) -> None:
        if self.request.is_eager:
            return
        deliveries = delivery_counted(task_id, self.request.retries or 0)
        if deliveries <= settings.TASK_MAX_DELIVERIES:
            return
        dead_letter_record(
            task_name=self.name, task_id=task_id, args=args, kwargs=kwargs,
            hidden=hidden_arguments(self, args, kwargs),
            queue=queue_of(self.request), reason="redelivered", tries=deliveries - 1,
            error=f"WorkerLost: the process running it was lost {deliveries - 1} times "
                  "(killed, out of memory or crashed); not delivered again.",
        )  # fmt: skip
        # Ignore acknowledges the message: this delivery is the last.
        raise Ignore()


# --- The delivery count, in the broker's Redis --------------------------------------


def broker() -> redis.Redis:
    url = settings.CELERY_BROKER_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _clients[url]


def state_key(task_id: str) -> str:
    return f"cx:task:{task_id}"


def state_ttl() -> int:
    # A message of a worker killed whole comes back after the visibility timeout:
    # the count must outlive that.
    return 3 * settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def delivery_counted(task_id: str, retries: int) -> int:
    """Count this delivery of try `retries`; return how many there were. A second one
    means the first died: that is its first failure. Redis away: run it (0)."""
    key = state_key(task_id)
    try:
        pipe = broker().pipeline()
        pipe.hincrby(key, f"deliveries:{retries}", 1)
        pipe.expire(key, state_ttl())
        deliveries = pipe.execute()[0]
        if deliveries > 1:
            failure_noted(task_id)
    except redis.RedisError:
        logger.warning("Could not count deliveries of task %s", task_id, exc_info=True)
        return 0
    return deliveries


def failure_noted(task_id: str, hidden: str = "") -> None:
    """Remember when a task first failed, and whether its sender hid its arguments
    (a retry's message no longer says so), for its dead letter if it comes to that."""
    key = state_key(task_id)
    pipe = broker().pipeline()
    pipe.hsetnx(key, "first_failed_at", str(time.time()))
    if hidden:
        pipe.hset(key, "hidden", hidden)
    pipe.expire(key, state_ttl())
    pipe.execute()


def noted(task_id: str) -> dict[str, str]:
    try:
        raw = broker().hgetall(state_key(task_id))
    except redis.RedisError:
        return {}
    return {key.decode(): value.decode() for key, value in raw.items()}


def forget(task_id: str) -> None:
    with contextlib.suppress(redis.RedisError):  # else it expires by itself
        broker().delete(state_key(task_id))


# --- Recording ------------------------------------------------------------------------


def dead_letter_record(
    *,
    task_name: str,
    task_id: str,
    args,
    kwargs,
    hidden: str,
    queue: str,
    reason: str,
    tries: int,
    error: str,
    traceback: str = "",
) -> None:
    """Write (or update) the task's one dead letter; never raise: this runs in the
    worker's failure path, where an error would hide the original one."""
    from .models import DeadLetter

    now, earlier = timezone.now(), noted(task_id)
    hidden = hidden or earlier.get("hidden", "")
    first = earlier.get("first_failed_at")
    values = {
        "task_name": task_name, "args": [] if hidden else jsonable(list(args or [])),
        "kwargs": {} if hidden else jsonable(dict(kwargs or {})), "arguments_hidden": hidden,
        "queue": queue, "reason": reason,
        "exception": error, "traceback": traceback[-TRACEBACK_CHARS:], "tries": tries,
        "last_failed_at": now, "resolved": False, "resolved_at": None,
    }  # fmt: skip
    # The task may have failed because the database connection broke: start afresh.
    connection.close_if_unusable_or_obsolete()
    try:
        DeadLetter.objects.update_or_create(
            task_id=task_id,
            defaults=values,
            create_defaults={
                **values,
                "first_failed_at": datetime.fromtimestamp(float(first), tz=UTC) if first else now,
            },
        )
    except DatabaseError:
        logger.exception(
            "Could not record the dead letter of %s[%s] %s", task_name, task_id, values
        )
        return
    logger.error("Task %s[%s] dead-lettered after %d tries: %s", task_name, task_id, tries, error)
    forget(task_id)


def jsonable(value):
    """Task arguments are JSON already (the only serializer); anything odd becomes text."""
    return json.loads(json.dumps(value, default=repr))


def hidden_arguments(task: Task, args, kwargs, request=None) -> str:
    """The sender's own text for the arguments when it chose to keep them out of logs
    (`apply_async(argsrepr=...)`: a secret among them); "" when it did not."""
    request, size = request or task.request, task.app.amqp.argsrepr_maxsize
    levels = task.app.conf.task_repr_maxlevels
    shown_args = getattr(request, "argsrepr", None)
    shown_kwargs = getattr(request, "kwargsrepr", None)
    usual_args = {saferepr(kind(args or ()), size, maxlevels=levels) for kind in (tuple, list)}
    usual_kwargs = saferepr(dict(kwargs or {}), size, maxlevels=levels)
    if shown_args in (None, *usual_args) and shown_kwargs in (None, usual_kwargs):
        return ""
    return f"{shown_args} {shown_kwargs}"[:2100]


def queue_of(request) -> str:
    return (getattr(request, "delivery_info", None) or {}).get("routing_key") or ""


def is_eager(task: Task) -> bool:
    return bool(getattr(task.request, "is_eager", False))


@task_retry.connect
def note_retry(sender=None, request=None, **_) -> None:
    if request is None or getattr(request, "is_eager", False) or not request.id:
        return
    hidden = hidden_arguments(sender, request.args, request.kwargs, request)
    try:
        failure_noted(request.id, hidden)
    except redis.RedisError:
        logger.warning("Could not note the failure of task %s", request.id, exc_info=True)


@task_failure.connect
def record_failure(
    sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **_
) -> None:
    if sender is None or task_id is None or is_eager(sender):
        return
    dead_letter_record(
        task_name=sender.name, task_id=task_id, args=args, kwargs=kwargs,
        hidden=hidden_arguments(sender, args, kwargs),
        queue=queue_of(sender.request), reason="failed",
        tries=(getattr(sender.request, "retries", 0) or 0) + 1,
        error=f"{type(exception).__name__}: {exception}"[:2000],
        traceback=str(einfo.traceback) if einfo is not None else "",
    )  # fmt: skip
