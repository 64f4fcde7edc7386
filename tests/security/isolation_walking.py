"""Sending one request of the walk, and proving it changed nothing.

Every SQL statement a request runs is watched: an INSERT, UPDATE or DELETE (also inside a
WITH or a prepared statement) that touched a row is recorded with the request, so "changes
nothing" is checked per request and per method at the cost of no extra query (one, to read
what an EXECUTE runs). A fingerprint of every table before and after a whole walk backs that
up (it would catch a write the watcher missed).

Each request runs in a savepoint, so a server error on PostgreSQL (which aborts the
transaction) is reported with its route instead of breaking every request after it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection, models, transaction
from django.test import Client

# Writes that change nothing of any business: the walker's session, django-axes' sign-in
# records, and when an API key was last used (at most once a minute, on purpose).
IGNORED_TABLES_PREFIXES = ("django_session", "axes_")
IGNORED_FIELDS = {("accounts", "apikey"): {"last_used_at"}}
_WRITE = re.compile(
    r'^\s*(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
# A write inside a statement that starts otherwise: a data-modifying WITH, or the one a
# prepared statement holds (feedback's one-statement submission is both).
_WRAPPED = re.compile(r"^\s*(?:WITH|PREPARE)\b", re.IGNORECASE)
_WRITE_WITHIN = re.compile(
    r'\b(INSERT\s+INTO|UPDATE(?=\s+"?\w+"?\s+SET\b)|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
_EXECUTE = re.compile(r"^\s*EXECUTE\s+(\w+)", re.IGNORECASE)
_KEY_TOUCH = re.compile(
    r'^\s*UPDATE\s+"?accounts_apikey"?\s+SET\s+"?last_used_at"?\s*=\s*\S+\s+WHERE', re.I
)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str = ""
    error: str = ""
    body: str = ""
    writes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        wrote = f" and wrote {', '.join(self.writes)}" if self.writes else ""
        return f"{self.status}{where}{f' ({self.error})' if self.error else ''}{wrote}"


def api_client(raw_key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")


class WriteWatcher:
    """Records each statement that changed at least one row of a business's data."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        found = first_write(statement_run(sql, context))
        if found and not self.ignored(sql, found[2]):
            verb = found[1].split()[0].upper()
            # SQLite reports no rows for INSERT ... RETURNING until they are read: every
            # INSERT counts; an UPDATE or DELETE that matched no row changed nothing.
            if verb == "INSERT" or getattr(context["cursor"], "rowcount", -1) != 0:
                self.writes.append(f"{verb} {found[2]}")
        return result

    @staticmethod
    def ignored(sql: str, table: str) -> bool:
        return table.startswith(IGNORED_TABLES_PREFIXES) or bool(_KEY_TOUCH.match(sql))


def statement_run(sql: str, context: dict) -> str:
    """The SQL text itself, or for an EXECUTE the prepared statement PostgreSQL runs."""
    executed = _EXECUTE.match(sql)
    if executed is None:
        return sql
    with context["connection"].connection.cursor() as cursor:  # its own: not watched
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE name = %s", [executed[1]]
        )
        row = cursor.fetchone()
    return row[0] if row else sql


def first_write(sql: str) -> re.Match | None:
    found = _WRITE.match(sql)
    if found is None and _WRAPPED.match(sql):
        found = _WRITE_WITHIN.search(sql)
    return found


def send(client: Client, method: str, url: str, *, api: bool, keep_body: bool = False) -> Answer:
    """One request with an empty body of the route's kind (JSON for the API, a form for
    pages): a view must find the object before it reads what it was sent."""
    return request(client, method, url, {}, api=api, keep_body=keep_body)


def send_body(client: Client, method: str, url: str, body: dict | None, *, api: bool) -> Answer:
    """One request with this body (JSON for the API, a form for pages), answer text kept."""
    return request(client, method, url, body or {}, api=api, keep_body=True)


def request(
    client: Client, method: str, url: str, body: dict, *, api: bool, keep_body: bool
) -> Answer:
    watcher = WriteWatcher()
    try:
        with connection.execute_wrapper(watcher), transaction.atomic():
            reply = call(client, method, url, body, api=api)
    except Exception as error:  # any escape is a server error, reported with its route
        return Answer(500, error=f"{type(error).__name__}: {error}"[:300])
    text = reply.content.decode(errors="replace") if keep_body and not reply.streaming else ""
    location = reply.headers.get("Location", "")
    return Answer(reply.status_code, location, body=text, writes=tuple(watcher.writes))


def call(client: Client, method: str, url: str, body: dict, *, api: bool):
    if method in ("GET", "HEAD", "DELETE"):
        return getattr(client, method.lower())(url)
    if api:
        data = json.dumps(body)
        return getattr(client, method.lower())(url, data=data, content_type="application/json")
    if method == "POST":
        return client.post(url, data=body)
    return getattr(client, method.lower())(
        url, data=urlencode(body), content_type="application/x-www-form-urlencoded"
    )


class RolledBack(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever happens inside is undone, for requests that are allowed to write."""
    try:
        with transaction.atomic():
            yield
            raise RolledBack
    except RolledBack:
        pass


def send_undone(client: Client, method: str, url: str, *, api: bool) -> Answer:
    with rolled_back():
        answer = send(client, method, url, api=api)
    return answer


# --- Every row of every table, counted and hashed -----------------------------------------


def snapshot_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.db_table.startswith(IGNORED_TABLES_PREFIXES)
    ]


def table_fingerprint(model: type[models.Model]) -> tuple[int, str]:
    ignored = IGNORED_FIELDS.get((model._meta.app_label, model._meta.model_name), set())
    names = [f.attname for f in model._meta.concrete_fields if f.name not in ignored]
    digest = hashlib.sha256()
    count = 0
    for row in model._base_manager.order_by("pk").values_list(*names).iterator():
        # PostgreSQL gives binary columns as memoryview, whose repr is its address.
        values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        digest.update(repr(values).encode())
        count += 1
    return count, digest.hexdigest()


def snapshot() -> dict[str, tuple[int, str]]:
    return {model._meta.label: table_fingerprint(model) for model in snapshot_models()}


def changed_tables(before: dict, after: dict) -> list[str]:
    labels = before.keys() | after.keys()
    return sorted(label for label in labels if before.get(label) != after.get(label))


@contextmanager
def unchanged(problems: list[str], what: str) -> Iterator[None]:
    """Adds a problem when any table differs after the block (what the watcher missed)."""
    before = snapshot()
    yield
    if changed := changed_tables(before, snapshot()):
        problems.append(f"{what} changed rows in {', '.join(changed)}")


def report(title: str, problems: list[str]) -> str:
    return f"{title} ({len(problems)}):\n  " + "\n  ".join(problems)
