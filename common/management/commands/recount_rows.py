"""Set the kept row counts (``common.row_counts``) again from the tables themselves.

Only needed after rows were written with triggers disabled, such as a data-only restore with
``pg_restore --disable-triggers``; the triggers keep the counts exact otherwise.
"""

from django.core.management.base import BaseCommand

from common import row_counts


class Command(BaseCommand):
    help = "Recount the rows of the tables whose count the database keeps."

    def handle(self, *args, **options):
        for table in sorted(row_counts.counted_tables()):
            rows = row_counts.recount(table)
            self.stdout.write(f"{table}: {rows} rows")
