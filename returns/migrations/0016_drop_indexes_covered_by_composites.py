"""Drop the single-column indexes of lines' order and of receipts' order and line: each
column leads a composite index (or, for the lines' order, the order-and-item unique
constraint too) of its table, which serves every query on that column alone, and each index
more is one more entry to write per row.

Only the index goes: the foreign key constraint stays as it is (Django's AlterField would drop
and re-add it, checking every row again). The names are the ones Django gave the indexes, the
same on PostgreSQL and SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_index(name: str, table: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        sql=f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0015_order_messages"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="returnorderlineitem",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        help_text="Return Order",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="returns.returnorder",
                    ),
                ),
                migrations.AlterField(
                    model_name="returnorderreceipt",
                    name="line",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receipts",
                        to="returns.returnorderlineitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="returnorderreceipt",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="receipts",
                        to="returns.returnorder",
                    ),
                ),
            ],
            database_operations=[
                drop_index(
                    "returns_returnorderlineitem_order_id_6c095d6a",
                    "returns_returnorderlineitem",
                    "order_id",
                ),
                drop_index(
                    "returns_returnorderreceipt_line_id_c884e7ae",
                    "returns_returnorderreceipt",
                    "line_id",
                ),
                drop_index(
                    "returns_returnorderreceipt_order_id_4b15005d",
                    "returns_returnorderreceipt",
                    "order_id",
                ),
            ],
        ),
    ]
