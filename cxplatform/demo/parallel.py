"""Writing two kinds of rows at once, in two processes, on PostgreSQL.

One process making and inserting rows keeps about one core busy between Python and the
database server, as each waits for the other. Purchases don't depend on responses, so a
forked process writes them while this one writes the responses: on two cores that
nearly halves a large run. On SQLite, inside a caller's transaction (tests), or where
fork is unavailable, the job simply runs first, in place: another connection could not
see the caller's uncommitted rows.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, connections


def can_fork() -> bool:
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in multiprocessing.get_all_start_methods()
    )


@contextmanager
def alongside(job: Callable[[], None], *, name: str) -> Iterator[None]:
    """Run `job` in a forked process while the body of the `with` runs."""
    if not can_fork():
        job()
        yield
        return
    # A forked child must not share the parent's database socket: it opens its own.
    connections.close_all()
    process = multiprocessing.get_context("fork").Process(
        target=run_and_close, args=(job,), name=name
    )
    process.start()
    try:
        yield
    except BaseException:
        process.terminate()
        raise
    finally:
        process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{name} failed (exit code {process.exitcode}); see the error above")


def run_and_close(job: Callable[[], None]) -> None:
    try:
        job()
    finally:
        connections.close_all()
