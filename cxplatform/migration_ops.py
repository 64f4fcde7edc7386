"""Migration operations the platform's migrations share."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex


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
        model = state.apps.get_model(app_label, self.model_name)
        return model._meta.db_table, model._meta.get_field(self.name).column

    def _indexes(self, schema_editor, table: str, column: str) -> list[str]:
        """The plain indexes on `column` alone, but those in `keep`."""
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        return [
            name
            for name, info in found.items()
            if info["index"] and info["columns"] == [column] and name not in self.keep
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


class AlterFieldUniqueOnly(AlterFieldIndexOnly):
    """AlterField for a field that is no longer unique by itself (a OneToOneField made a
    ForeignKey whose uniqueness a partial UniqueConstraint takes over), done on
    PostgreSQL by dropping the field's unique constraint alone, for the reason
    AlterFieldIndexOnly gives. Backwards, the constraint comes back, its index built
    concurrently (the migration needs atomic = False). SQLite, which makes the table
    again for any such change, takes a plain AlterField."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            migrations.AlterField.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        table, column = self._table_column(app_label, to_state)
        quote = schema_editor.quote_name
        for name in self._unique_constraints(schema_editor, table, column):
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            migrations.AlterField.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
            return
        table, column = self._table_column(app_label, from_state)
        if self._unique_constraints(schema_editor, table, column):
            return  # it is there already
        quote, name = schema_editor.quote_name, f"{table}_{column}_key"[:63]
        schema_editor.execute(
            f"CREATE UNIQUE INDEX CONCURRENTLY {quote(name)} ON {quote(table)} ({quote(column)})"
        )
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
            f"UNIQUE USING INDEX {quote(name)}"
        )

    def _unique_constraints(self, schema_editor, table: str, column: str) -> list[str]:
        """The unique constraints on `column` alone (not unique indexes, such as a
        partial UniqueConstraint's)."""
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        return [
            name
            for name, info in found.items()
            if info["unique"] and not info["index"] and not info["primary_key"]
            and info["columns"] == [column]
        ]  # fmt: skip


class AddConstraintConcurrentlyOnPostgreSQL(AddConstraint):
    """AddConstraint of a partial UniqueConstraint, which PostgreSQL keeps as a unique
    index: built there with CREATE UNIQUE INDEX CONCURRENTLY, so the table takes writes
    while it builds (the migration needs atomic = False). A plain AddConstraint on
    SQLite, and backwards."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        if self.constraint.condition is None:
            raise ValueError("Only a partial constraint is made as a unique index.")
        # The editor's own template for a unique index, made concurrent for this one.
        template = type(schema_editor).sql_create_unique_index
        schema_editor.sql_create_unique_index = template.replace(
            "CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", 1
        )
        try:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            del schema_editor.sql_create_unique_index
