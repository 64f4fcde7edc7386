"""Every task's retry delays and time limit stay below the Redis visibility timeout.

Redis holds no message for a worker: one taken and not acknowledged within the
visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS) is handed out again. A task runs
unacknowledged (acks_late), and a retry, or any message sent with a countdown, waits in
the worker unacknowledged until it is due. A run or a delay longer than the timeout means
the same work twice at once; keeping even a task's whole chain of retries below it keeps
its life within one timeout. Every registered task is read, so a new one is covered:
its declared policy (autoretry_for, retry_backoff, retry_backoff_max, max_retries,
retry_kwargs, default_retry_delay), the countdowns its own code passes to `self.retry(...)`
(evaluated for each retry number) and those its module passes to `apply_async(...)`.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from itertools import zip_longest
from types import SimpleNamespace

import pytest
from django.conf import settings

from cxplatform.celery import app
from cxplatform.deadletters import LimitedDeliveriesTask
from tests.cxplatform.test_settings_and_health import run_django


def registered_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def visibility_timeout() -> int:
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


# --- The longest delay before each retry ---------------------------------------------------


def declared_delays(task) -> list[float]:
    """What autoretry_for waits before each retry (jitter only ever shortens it)."""
    if not getattr(task, "autoretry_for", ()):
        return []
    backoff = getattr(task, "retry_backoff", False)
    if backoff:
        factor, cap = int(max(1.0, float(backoff))), getattr(task, "retry_backoff_max", 600)
        return [min(cap, factor * 2**retry) for retry in range(task.max_retries)]
    countdown = getattr(task, "retry_kwargs", {}).get("countdown", task.default_retry_delay)
    return [countdown] * task.max_retries


def parsed(task) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(getattr(task, "_orig_run", task.run))))


def calls_with(task, method: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(parsed(task))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    ]


def assigned(task, expression: ast.expr) -> ast.expr:
    """`countdown=countdown`: the expression the task's code assigned to that name."""
    if not isinstance(expression, ast.Name):
        return expression
    for node in ast.walk(parsed(task)):
        if isinstance(node, ast.Assign) and [
            target.id for target in node.targets if isinstance(target, ast.Name)
        ] == [expression.id]:
            return node.value
    return expression


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def evaluated(task, expression: ast.expr, retry: int):
    """The value of a countdown written in the task's code, at retry number `retry`."""
    module = sys.modules[getattr(task, "_orig_run", task.run).__module__]
    me = SimpleNamespace(request=SimpleNamespace(retries=retry))
    code = compile(ast.Expression(assigned(task, expression)), task.name, "eval")
    return eval(code, dict(vars(module)), {"self": me})  # our own source


def explicit_delays(task) -> list[float]:
    """What the task's own `self.retry(...)` calls wait (default_retry_delay if unsaid)."""
    delays: list[float] = []
    for call in calls_with(task, "retry"):
        limit = keyword(call, "max_retries")
        retries = evaluated(task, limit, 0) if limit is not None else task.max_retries
        countdown = keyword(call, "countdown")
        path = [
            evaluated(task, countdown, r) if countdown is not None else task.default_retry_delay
            for r in range(retries)
        ]
        delays = longest_each(delays, path)
    return delays


def longest_each(a: list[float], b: list[float]) -> list[float]:
    return [max(pair) for pair in zip_longest(a, b, fillvalue=0)]


def retry_delays(task) -> list[float]:
    """The longest wait before each retry, whichever way the task retries."""
    return longest_each(declared_delays(task), explicit_delays(task))


def task_modules(tasks: dict) -> set:
    return {sys.modules[getattr(t, "_orig_run", t.run).__module__] for t in tasks.values()}


def sent_countdowns(module) -> list[float]:
    """Countdowns of the messages a task module sends with apply_async (tasks or not)."""
    found = []
    for call in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "apply_async"):
            continue
        if keyword(call, "eta") is not None:
            raise AssertionError(f"{module.__name__} sends a message with an eta: bound it here")
        countdown = keyword(call, "countdown")
        if countdown is not None:
            code = compile(ast.Expression(countdown), module.__name__, "eval")
            found.append(eval(code, dict(vars(module))))  # our own source
    return found


def problems(task, timeout: int) -> list[str]:
    """Why this task could be delivered twice at once (nothing: it cannot)."""
    if task.max_retries is None:
        return [f"{task.name}: max_retries=None retries forever"]
    found = []
    delays = retry_delays(task)
    time_limit = task.time_limit or app.conf.task_time_limit
    if time_limit is None or time_limit >= timeout:
        found.append(f"{task.name}: time limit {time_limit} s, not below {timeout} s")
    if delays and sum(delays) >= timeout:
        found.append(f"{task.name}: retries wait {sum(delays)} s in all, not below {timeout} s")
    return found


# --- The tests -------------------------------------------------------------------------------


def test_no_task_can_outlast_the_visibility_timeout():
    tasks = registered_tasks()
    assert len(tasks) >= 20  # the app's tasks were all found
    found = [problem for task in tasks.values() for problem in problems(task, visibility_timeout())]
    assert found == []
    countdowns = [c for module in task_modules(tasks) for c in sent_countdowns(module)]
    assert all(countdown < visibility_timeout() for countdown in countdowns)


def test_the_longest_retry_chains_are_the_ones_expected():
    """The figures RELIABILITY.md reports, so a change to a policy is seen."""
    tasks = registered_tasks()
    totals = {name: sum(retry_delays(task)) for name, task in tasks.items()}
    assert totals["textanalysis.tasks.score_texts"] == 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256
    # autoretry's backoff (2 s doubling, 8 tries) or its own webhook retry (1 s doubling,
    # 5 tries), whichever is longer at each try.
    assert totals["textanalysis.tasks.deliver_alert"] == 510
    assert totals["feedback.channels.tasks.send_invitations"] == 30 + 60 + 120 + 240 + 480 + 960
    assert totals["journeys.tasks.rollup_rebuild"] == 5 + 10 + 20 + 40 + 80
    assert max(totals.values()) < visibility_timeout()
    # The one message sent for later: a purchase roll-up gathered for 5 minutes.
    assert [c for module in task_modules(tasks) for c in sent_countdowns(module)] == [300]


def test_every_task_gets_the_delivery_limit_and_a_time_limit():
    for task in registered_tasks().values():
        assert isinstance(task, LimitedDeliveriesTask), task.name
        assert (task.time_limit or app.conf.task_time_limit) is not None, task.name
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility_timeout()


def fake_task(**policy) -> SimpleNamespace:
    """A task as the check reads it, retrying by its own code: 15, 30, 60 minutes."""

    def run(self):
        raise self.retry(countdown=min(900 * 2**self.request.retries, 7200))

    values = {"name": "fake", "max_retries": 3, "autoretry_for": (), "default_retry_delay": 180,
              "time_limit": 300, "run": run}  # fmt: skip
    return SimpleNamespace(**{**values, **policy})


def test_the_check_catches_a_policy_that_would_outlast_the_timeout():
    assert retry_delays(fake_task()) == [900, 1800, 3600]
    assert problems(fake_task(), 3600) == ["fake: retries wait 6300 s in all, not below 3600 s"]
    assert problems(fake_task(max_retries=2), 3600) == []
    assert problems(fake_task(max_retries=None), 3600) == ["fake: max_retries=None retries forever"]
    assert problems(fake_task(max_retries=0, time_limit=4000), 3600) == [
        "fake: time limit 4000 s, not below 3600 s"
    ]
    backoff = fake_task(autoretry_for=(OSError,), retry_backoff=1000, retry_backoff_max=1500)
    # Backoff 1000, 1500 (capped), 1500; its own code 900, 1800, 3600: the longer each time.
    assert retry_delays(backoff) == [1000, 1800, 3600]


@pytest.mark.parametrize("name", ["CELERY_VISIBILITY_TIMEOUT", "TASK_MAX_DELIVERIES"])
def test_a_bad_value_stops_the_start_naming_the_variable(name):
    result = run_django({name: "an hour"})
    assert result.returncode != 0
    assert f"Unexpected value {name}='an hour'" in result.stderr.splitlines()[-1]
