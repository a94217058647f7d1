import datetime

from django.core.management.base import BaseCommand

from reports.services import report_outputs_prune


class Command(BaseCommand):
    help = "Delete printed report PDFs older than --days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        count = report_outputs_prune(older_than=datetime.timedelta(days=days))
        self.stdout.write(f"Deleted {count} report output(s) older than {days} day(s).")
