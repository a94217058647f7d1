"""Trigram indexes for the order search, on PostgreSQL only (SQLite scans, as before).

The search matches ``UPPER(column::text) LIKE UPPER('%term%')`` (how Django writes
``icontains`` on PostgreSQL), so each index is on exactly that expression. Together with the
foreign keys' own indexes they let PostgreSQL answer every part of the search's ``OR`` from an
index (returns.filters.search_orders). Not in ``ReturnOrder.Meta``: SQLite has no such index.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

SEARCHED_COLUMNS = {
    "reference": "returnorder_search_ref_trgm",
    "description": "returnorder_search_desc_trgm",
    "customer_reference": "returnorder_search_cref_trgm",
}


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, name in SEARCHED_COLUMNS.items():
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON "returns_returnorder" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in SEARCHED_COLUMNS.values():
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0005_list_key_indexes"),
    ]

    operations = [
        # A no-op outside PostgreSQL.
        TrigramExtension(),
        migrations.RunPython(add_indexes, remove_indexes, elidable=False),
    ]
