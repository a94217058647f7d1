from django.core.management.base import BaseCommand

from webhooks import services


class Command(BaseCommand):
    help = "Send the webhook deliveries whose retry is due (what beat runs each minute)."

    def handle(self, *args, **options):
        count = services.deliveries_due()
        self.stdout.write(f"{count} webhook deliveries queued")
