"""Migration operations the platform's migrations share."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.migrations.operations import AddIndex


def drop_single_column_indexes(
    table: str, column: str, *, keep: tuple[str, ...] = (), concurrently: bool = False
) -> migrations.RunPython:
    """Drop the plain indexes on `table`(`column`) alone (on PostgreSQL also the
    pattern-ops "_like" twin), found by introspection, leaving every constraint alone
    and the indexes named in `keep` (say, a partial index on the same column).
    `concurrently` (a migration with atomic = False): on PostgreSQL, dropped and made
    again CONCURRENTLY, so waiting for a long query never stops the table's writes.

    Turning db_index off on a foreign key with AlterField makes Django drop and re-add
    the foreign-key constraint too: a full re-check of the table under a lock that stops
    its writes. Dropping the index alone takes a moment. Use it as the database side of
    a SeparateDatabaseAndState whose state side is the AlterField.
    """

    def indexes(schema_editor) -> list[str]:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        return [
            name
            for name, info in found.items()
            if info["index"] and info["columns"] == [column] and name not in keep
            and not (info["unique"] or info["primary_key"])
        ]  # fmt: skip

    def how(schema_editor) -> str:
        wanted = concurrently and schema_editor.connection.vendor == "postgresql"
        return " CONCURRENTLY" if wanted else ""

    def forwards(apps, schema_editor) -> None:
        for name in indexes(schema_editor):
            schema_editor.execute(
                f"DROP INDEX{how(schema_editor)} {schema_editor.quote_name(name)}"
            )

    def backwards(apps, schema_editor) -> None:
        # Found none but those in `keep` once the forwards ran: the index comes back.
        if not indexes(schema_editor):
            name = schema_editor.quote_name(f"{table}_{column}_idx"[:63])
            quoted = schema_editor.quote_name(table), schema_editor.quote_name(column)
            schema_editor.execute(
                f"CREATE INDEX{how(schema_editor)} {name} ON {quoted[0]} ({quoted[1]})"
            )

    return migrations.RunPython(forwards, backwards)


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """AddIndex built with CREATE INDEX CONCURRENTLY on PostgreSQL, so the table takes
    writes while it builds (the migration needs atomic = False); a plain AddIndex on
    SQLite, which has no such thing."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
