"""Migration operations the platform's migrations share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    NotInTransactionMixin,
    RemoveIndexConcurrently,
)
from django.db import migrations
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex
from django.db.models import UniqueConstraint


class AlterFieldIndexOnly(migrations.AlterField):
    """AlterField for a field whose plain index goes (db_index=False), done in the
    database by dropping that index alone: on PostgreSQL also its pattern-ops "_like"
    twin, found by introspection, leaving every constraint and the indexes named in
    `keep` (say, a partial index on the same column) alone. Backwards, the index comes
    back. `concurrently` (a migration with atomic = False): on PostgreSQL, dropped and
    made again CONCURRENTLY, so waiting for a long query never stops the table's writes.

    A plain AlterField turning db_index off on a foreign key makes Django drop and re-add
    the foreign-key constraint too: a full re-check of the table under a lock that stops
    its writes. Dropping the index alone takes a moment.
    """

    def __init__(self, *args, keep: tuple[str, ...] = (), concurrently: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep, self.concurrently = tuple(keep), concurrently

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {**kwargs, "keep": self.keep, "concurrently": self.concurrently}

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, column = self._table_column(app_label, to_state)
        for index in self._indexes(schema_editor, table, column):
            schema_editor.execute(
                f"DROP INDEX{self._how(schema_editor)} {schema_editor.quote_name(index)}"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        table, column = self._table_column(app_label, from_state)
        if self._indexes(schema_editor, table, column):
            return  # it is there already
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX{self._how(schema_editor)} {quote(f'{table}_{column}_idx'[:63])} "
            f"ON {quote(table)} ({quote(column)})"
        )

    def _table_column(self, app_label, state) -> tuple[str, str]:
        return _table_column(state.apps.get_model(app_label, self.model_name), self.name)

    def _indexes(self, schema_editor, table: str, column: str) -> list[str]:
        """The plain indexes on `column` alone, but those in `keep`."""
        return [
            name
            for name, info in _constraints_on(schema_editor, table, column).items()
            if info["index"] and name not in self.keep
            and not (info["unique"] or info["primary_key"])
        ]  # fmt: skip

    def _how(self, schema_editor) -> str:
        wanted = self.concurrently and schema_editor.connection.vendor == "postgresql"
        return " CONCURRENTLY" if wanted else ""


class _ConcurrentlyOnPostgreSQL:
    """On PostgreSQL the CONCURRENTLY operation it mixes into (the migration needs
    atomic = False); on SQLite, which has no such thing, the `plain` operation."""

    plain: type[migrations.operations.base.Operation]

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run("database_forwards", app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._run("database_backwards", app_label, schema_editor, from_state, to_state)

    def _run(self, step: str, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            getattr(super(), step)(app_label, schema_editor, from_state, to_state)
        else:
            getattr(self.plain, step)(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgreSQL(_ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    """AddIndex built with CREATE INDEX CONCURRENTLY on PostgreSQL, so the table takes
    writes while it builds; a plain AddIndex on SQLite."""

    plain = AddIndex


class RemoveIndexConcurrentlyOnPostgreSQL(_ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    """RemoveIndex dropped with DROP INDEX CONCURRENTLY on PostgreSQL, so no write waits
    behind the drop; a plain RemoveIndex on SQLite."""

    plain = RemoveIndex


class AlterFieldUniqueOnly(migrations.AlterField):
    """AlterField for a field that is no longer unique by itself (a OneToOneField made a
    ForeignKey whose uniqueness a partial UniqueConstraint takes over), done on
    PostgreSQL by dropping the field's unique constraint alone, for the reason
    AlterFieldIndexOnly gives. Backwards, the constraint comes back, its index built
    concurrently first (the migration needs atomic = False). SQLite, which makes the
    table again for any such change, takes a plain AlterField.

    Dropping or adding a constraint takes a moment, but only once it has the table's
    lock: it waits at most LOCK_TIMEOUT behind a long query (every write would queue
    behind it meanwhile), then fails, and the migration can be run again. As for
    AlterFieldIndexOnly, what it does depends on the database it finds: sqlmigrate on a
    database that has no such constraint shows nothing to do.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        table, column = _table_column(model, self.name)
        # The model's own constraints on the column (a partial one, say) stay.
        keep = {constraint.name for constraint in model._meta.constraints}
        for name in _unique_constraints(schema_editor, table, column):
            if name not in keep:
                quoted = schema_editor.quote_name(name)
                _alter_table(schema_editor, table, f"DROP CONSTRAINT {quoted}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        table, column = _table_column(
            to_state.apps.get_model(app_label, self.model_name), self.name
        )
        if _unique_constraints(schema_editor, table, column):
            return  # it is there already
        quote, name = schema_editor.quote_name, f"{table}_{column}_key"[:63]
        if not _index_built(schema_editor, name):
            schema_editor.execute(
                f"CREATE UNIQUE INDEX CONCURRENTLY {quote(name)} "
                f"ON {quote(table)} ({quote(column)})"
            )
        _alter_table(
            schema_editor, table, f"ADD CONSTRAINT {quote(name)} UNIQUE USING INDEX {quote(name)}"
        )


class AddConstraintConcurrentlyOnPostgreSQL(NotInTransactionMixin, AddConstraint):
    """AddConstraint of a partial UniqueConstraint, which PostgreSQL keeps as a unique
    index: built there with CREATE UNIQUE INDEX CONCURRENTLY, so the table takes writes
    while it builds (the migration needs atomic = False). A build that failed part way
    (its index left invalid) is made again when the migration runs again. A plain
    AddConstraint on SQLite, and backwards (a plain DROP INDEX: a brief lock)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        constraint = self.constraint
        if not isinstance(constraint, UniqueConstraint) or constraint.condition is None:
            raise ValueError(f"{constraint.name}: only a partial UniqueConstraint is built so.")
        self._ensure_not_in_transaction(schema_editor)
        if _index_built(schema_editor, constraint.name):
            return
        # Django's own statement for the constraint, from its template made concurrent.
        template = type(schema_editor).sql_create_unique_index
        plain = "CREATE UNIQUE INDEX "
        if not template.startswith(plain):
            raise ValueError(f"{constraint.name}: not made as {plain!r}: {template!r}")
        schema_editor.sql_create_unique_index = template.replace(plain, f"{plain}CONCURRENTLY ", 1)
        try:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            del schema_editor.sql_create_unique_index


class AddFieldWithLockTimeout(migrations.AddField):
    """AddField whose ALTER TABLE waits at most LOCK_TIMEOUT for the table's lock on
    PostgreSQL. Adding a column with a constant default (or none) takes a moment once
    the lock is had, but waiting for it behind a long query queues every read and write
    of the table meanwhile; past LOCK_TIMEOUT it fails instead, and the migration can be
    run again. Backwards, the column's drop waits as briefly."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        with lock_timeout(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        with lock_timeout(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# How long a migration's ALTER TABLE waits for the table's lock before it gives up.
LOCK_TIMEOUT = "5s"


@contextmanager
def lock_timeout(schema_editor) -> Iterator[None]:
    """On PostgreSQL, the statements run inside wait at most LOCK_TIMEOUT for a lock.
    In a transaction (an atomic migration) SET LOCAL, undone with the transaction even
    when a statement failed (the transaction refuses a RESET then); outside, SET and
    RESET."""
    if schema_editor.connection.vendor != "postgresql":
        yield
    elif schema_editor.connection.in_atomic_block:
        schema_editor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        yield
        schema_editor.execute("SET LOCAL lock_timeout TO DEFAULT")
    else:
        schema_editor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            yield
        finally:
            schema_editor.execute("RESET lock_timeout")


def _table_column(model, field_name: str) -> tuple[str, str]:
    return model._meta.db_table, model._meta.get_field(field_name).column


def _alter_table(schema_editor, table: str, change: str) -> None:
    """ALTER TABLE, waiting at most LOCK_TIMEOUT for the table's lock."""
    with lock_timeout(schema_editor):
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} {change}")


def _index_built(schema_editor, name: str) -> bool:
    """Whether the index `name` is there and valid. One that a failed concurrent build
    left invalid (PostgreSQL keeps it, unused but written to) is dropped on the way, so
    that it can be built again."""
    quoted = schema_editor.quote_name(name)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [quoted]
        )
        row = cursor.fetchone()
    if row is not None and not row[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY {quoted}")
    return row is not None and row[0]


def _unique_constraints(schema_editor, table: str, column: str) -> list[str]:
    """The unique constraints on `column` alone (not unique indexes, as a partial
    UniqueConstraint's is)."""
    return [
        name
        for name, info in _constraints_on(schema_editor, table, column).items()
        if info["unique"] and not info["index"] and not info["primary_key"]
    ]


def _constraints_on(schema_editor, table: str, column: str) -> dict[str, dict]:
    """The table's constraints and indexes on `column` alone, as introspection gives them."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in found.items() if info["columns"] == [column]}
