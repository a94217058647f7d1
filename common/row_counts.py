"""Exact row counts of large tables without counting them.

A list endpoint answers ``count`` with every page, as InvenTree's does. Counting a whole table
reads every row of it (an index-only scan still visits each entry): at 100,000 orders that cost
more than the rest of the request. For a table registered here, the database keeps the number
of rows in ``common.RowCount`` with triggers that the table's migration installs
(``install``): on PostgreSQL statement-level triggers that add or subtract how many rows a
statement inserted or deleted (and reset to zero on ``TRUNCATE``); on SQLite a trigger per row.
The count changes in the same transaction as the rows, so a reader sees the two agree.

Only a query over the whole table can use it (no filter, no distinct, no grouping, no slice):
``whole_table_count`` answers ``None`` for anything else, and for a table whose count row is
missing, and the caller counts as before. ``manage.py recount_rows`` sets the counts again from
the tables, for after restoring data with triggers disabled; after ``flush`` a missing count
is restored by itself (``restore_missing_counts``).
"""

from django.db import connections, transaction
from django.db.models import Model, QuerySet

from common.sql import ReusedQuery

# The models whose tables keep their count: each app registers its own (in ``ready()``), and
# each such table's migration calls ``install``.
_counted: set[str] = set()


def keep_count_of(model: type[Model]) -> None:
    _counted.add(model._meta.db_table)


def counted_tables() -> set[str]:
    return set(_counted)


def _stored(table):
    from common.models import RowCount

    return RowCount.objects.filter(table=table).values_list("rows")


_STORED = ReusedQuery(_stored)


def _whole_table(queryset: QuerySet) -> bool:
    query = queryset.query
    return not (
        query.where
        or query.distinct
        or query.combinator
        or query.is_sliced
        or query.group_by is not None
        or query.extra
        or query.is_empty()
    )


def whole_table_count(queryset: QuerySet) -> int | None:
    """The number of rows ``queryset`` would count, from the kept count; None if not kept."""
    table = queryset.model._meta.db_table
    if table not in _counted or not _whole_table(queryset):
        return None
    rows = _STORED.rows(table=table, using=queryset.db)
    return rows[0][0] if rows else None


def recount(table: str, *, using: str = "default") -> int:
    """Set the kept count of ``table`` from the table itself; returns it."""
    from common.models import RowCount

    connection = connections[using]
    with transaction.atomic(using=using):
        # The count row first: a writer's trigger waits for this transaction, then adds to
        # the number set here, so no row is missed or counted twice.
        list(RowCount.objects.using(using).select_for_update().filter(table=table))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            (rows,) = cursor.fetchone()
        RowCount.objects.using(using).update_or_create(table=table, defaults={"rows": rows})
    return rows


def _has_triggers(table: str, using: str) -> bool:
    connection = connections[using]
    names = list(_trigger_names(table).values())
    if connection.vendor == "postgresql":
        sql = "SELECT COUNT(*) FROM pg_trigger WHERE tgname = ANY(%s)"
        params = [names]
    elif connection.vendor == "sqlite":
        sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)"
        params = names[:2]
    else:
        return False
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] > 0


def restore_missing_counts(*, using: str = "default", **kwargs) -> None:
    """Count again each counted table whose triggers are installed but whose count row is
    missing (``post_migrate``: ``flush`` empties every table, this one included)."""
    from common.models import RowCount

    kept = set(RowCount.objects.using(using).values_list("table", flat=True))
    for table in sorted(_counted - kept):
        if _has_triggers(table, using):
            recount(table, using=using)


# -- the triggers, installed by migrations ------------------------------------------------

# One function per event, shared by every counted table (``TG_TABLE_NAME`` names the table).
_PG_FUNCTIONS = {
    "common_rowcount_inserted": "rows + (SELECT COUNT(*) FROM inserted_rows)",
    "common_rowcount_deleted": "rows - (SELECT COUNT(*) FROM deleted_rows)",
    "common_rowcount_truncated": "0",
}


def _pg_function(name: str, rows: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f'UPDATE common_rowcount SET rows = {rows} WHERE "table" = TG_TABLE_NAME; '
        "RETURN NULL; END $$"
    )


def _trigger_names(table: str) -> dict[str, str]:
    return {event: f"{table}_rowcount_{event}" for event in ("insert", "delete", "truncate")}


def install(schema_editor, table: str) -> None:
    """Create ``table``'s triggers and its count row, counted from the table (migrations)."""
    names = _trigger_names(table)
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for name, rows in _PG_FUNCTIONS.items():
            execute(_pg_function(name, rows))  # one statement per call: bound parameters
        execute(
            f'CREATE TRIGGER "{names["insert"]}" AFTER INSERT ON "{table}" '
            "REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION common_rowcount_inserted()"
        )
        execute(
            f'CREATE TRIGGER "{names["delete"]}" AFTER DELETE ON "{table}" '
            "REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION common_rowcount_deleted()"
        )
        execute(
            f'CREATE TRIGGER "{names["truncate"]}" AFTER TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION common_rowcount_truncated()"
        )
    elif schema_editor.connection.vendor == "sqlite":
        where = f"WHERE \"table\" = '{table}'"
        execute(
            f'CREATE TRIGGER "{names["insert"]}" AFTER INSERT ON "{table}" BEGIN '
            f"UPDATE common_rowcount SET rows = rows + 1 {where}; END"
        )
        execute(
            f'CREATE TRIGGER "{names["delete"]}" AFTER DELETE ON "{table}" BEGIN '
            f"UPDATE common_rowcount SET rows = rows - 1 {where}; END"
        )
    else:
        return  # another database counts, as before: no count row, no triggers
    execute(
        f'INSERT INTO common_rowcount ("table", rows) SELECT %s, COUNT(*) FROM "{table}"',
        params=[table],
    )


def uninstall(schema_editor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    for event, name in _trigger_names(table).items():
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        elif vendor == "sqlite" and event != "truncate":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    schema_editor.execute('DELETE FROM common_rowcount WHERE "table" = %s', params=[table])
