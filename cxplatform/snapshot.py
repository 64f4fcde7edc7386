"""One snapshot for the reads of a page that adds roll-ups to raw rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Every query inside sees the database as of the first one.

    The dashboard and the KPI API read where a roll-up reaches, then its rows, then the
    raw rows after that point, in separate queries. A build committing between two of
    them (the five-minute advance) would count the minutes it rolled up twice: from its
    new rows and from the raw rows. On PostgreSQL the reads run in one REPEATABLE READ
    transaction; on SQLite (tests and a laptop's demo, where tasks run in the request)
    nothing is built meanwhile, and a transaction is all it needs. Inside a transaction
    already (a test's), the enclosing one decides.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
