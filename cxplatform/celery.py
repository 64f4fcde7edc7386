from __future__ import annotations

import logging
import os
from collections.abc import Callable

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxplatform.settings")

app = Celery("cxplatform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


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
