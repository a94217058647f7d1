"""Drop the single-column indexes of stock items' part and customer and of tracking entries'
item: each column leads a composite index of its table, which serves every query on that
column alone, and each index more is one more entry to write per row.

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
        ("companies", "0002_company_image"),
        ("stock", "0004_part_categories_and_inventree_fields"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="stockitem",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Customer",
                        limit_choices_to={"is_customer": True},
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_stock",
                        to="companies.company",
                    ),
                ),
                migrations.AlterField(
                    model_name="stockitem",
                    name="part",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stock_items",
                        to="stock.part",
                    ),
                ),
                migrations.AlterField(
                    model_name="stockitemtracking",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tracking_info",
                        to="stock.stockitem",
                    ),
                ),
            ],
            database_operations=[
                drop_index(
                    "stock_stockitem_customer_id_536111ff", "stock_stockitem", "customer_id"
                ),
                drop_index("stock_stockitem_part_id_e7807e9a", "stock_stockitem", "part_id"),
                drop_index(
                    "stock_stockitemtracking_item_id_2680ae39", "stock_stockitemtracking", "item_id"
                ),
            ],
        ),
    ]
