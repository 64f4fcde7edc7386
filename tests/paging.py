"""Walking an API's cursor pages, and making PostgreSQL order ties as it does on big tables."""

from __future__ import annotations

from django.db import connection


def walk_pages(client, url: str) -> list[str]:
    """Every uuid the endpoint lists, following `next` to the end."""
    seen: list[str] = []
    while url:
        body = client.get(url).json()
        seen += [row["uuid"] for row in body["results"]]
        url = body["next"]
    return seen


def sort_without_index() -> None:
    """For the rest of the test's transaction, PostgreSQL sorts rows instead of reading
    them in an index's order, as it chooses to on a big table with a filter. A sort of
    equal dates (top-N heapsort under a LIMIT) returns them in an order that changes with
    the LIMIT, so a page whose order has no tie-breaker repeats and skips rows. On SQLite
    ties come in rowid order anyway; nothing to do."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
