"""Writing chunks of rows while the next chunk is being made.

Making rows is Python work; inserting them is mostly the database's. On PostgreSQL a
background thread, with its own connection, inserts one chunk while the caller makes the
next, so the two overlap (the driver releases the GIL while the server works). Inside a
caller's transaction (tests) or on SQLite, chunks are written in place instead: another
connection could not see the caller's uncommitted rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection, transaction

Job = Callable[[], None]
# Chunks made but not yet written; bounds memory while keeping the writer busy.
MAX_PENDING = 2


@contextmanager
def chunk_transaction() -> Iterator[None]:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Demo rows can be rebuilt: don't wait for each chunk to reach the disk.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def write_chunk(job: Job) -> None:
    with chunk_transaction():
        job()


class Writer:
    """Runs each submitted job in its own transaction, in order."""

    def __init__(self, executor: ThreadPoolExecutor | None) -> None:
        self.executor = executor
        self.pending: deque[Future[None]] = deque()

    def submit(self, job: Job) -> None:
        if self.executor is None:
            write_chunk(job)
            return
        while len(self.pending) >= MAX_PENDING:
            self.pending.popleft().result()
        self.pending.append(self.executor.submit(write_chunk, job))

    def drain(self) -> None:
        """Wait until everything submitted is written; raise the first failure."""
        while self.pending:
            self.pending.popleft().result()


def can_write_in_background() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def close_connection() -> None:
    # Looked up when called, so it is the calling thread's connection.
    connection.close()


@contextmanager
def chunk_writer() -> Iterator[Writer]:
    if not can_write_in_background():
        yield Writer(None)
        return
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-writer")
    writer = Writer(executor)
    try:
        yield writer
        writer.drain()
    finally:
        # The thread's connection is its own: close it there, then stop the thread.
        executor.submit(close_connection).result()
        executor.shutdown(wait=True, cancel_futures=True)
