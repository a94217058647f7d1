"""The database keeps the number of return orders (common.row_counts): the order list's count
without counting 100,000 rows."""

from django.db import migrations

from common import row_counts

TABLE = "returns_returnorder"


def install(apps, schema_editor):
    row_counts.install(schema_editor, TABLE)


def uninstall(apps, schema_editor):
    row_counts.uninstall(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_row_count"),
        ("returns", "0012_receipt_condition"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
