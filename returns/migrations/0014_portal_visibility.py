"""Orders gain the customer portal's switches: visible to the customer, created from the
portal.

SQLite adds a column by copying the table into a new one, which drops the table's row-count
triggers (migration 0013): they are installed again, and the count taken afresh, after the
copy (and again after the copy when migrating back).
"""

from django.db import migrations, models

from common import row_counts

TABLE = "returns_returnorder"


def reinstall_row_count(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        row_counts.uninstall(schema_editor, TABLE)
        row_counts.install(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0013_returnorder_row_count"),
    ]

    operations = [
        # Reversed last: the triggers come back after RemoveField's copy of the table.
        migrations.RunPython(migrations.RunPython.noop, reinstall_row_count, elidable=False),
        migrations.AddField(
            model_name="returnorder",
            name="from_portal",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="created from the portal"
            ),
        ),
        migrations.AddField(
            model_name="returnorder",
            name="visible_to_customer",
            field=models.BooleanField(
                default=True,
                help_text="Show this order to the customer's contacts in the customer portal",
                verbose_name="visible to customer",
            ),
        ),
        migrations.RunPython(reinstall_row_count, migrations.RunPython.noop, elidable=False),
    ]
