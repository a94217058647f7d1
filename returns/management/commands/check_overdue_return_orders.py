"""Run daily (cron): e-mail the responsible owner of each return order that became overdue."""

from django.core.management.base import BaseCommand

from returns.services import return_orders_notify_overdue


class Command(BaseCommand):
    help = "Notify responsible owners of open return orders whose target date has passed."

    def handle(self, *args, **options):
        count = return_orders_notify_overdue()
        self.stdout.write(f"Notified {count} overdue return order(s).")
