import secrets

from django.core.management.base import BaseCommand, CommandError

from returns import demo


class Command(BaseCommand):
    help = "Load Boomerang's demo data set into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for the demo clerk.")
        parser.add_argument(
            "--viewer-password",
            help="Password for the read-only demo user (default: a random one, printed).",
        )

    def handle(self, *args, password, viewer_password=None, **options):
        if demo.demo_data_present():
            raise CommandError("The demo data is already loaded.")
        printed = viewer_password is None
        if printed:
            viewer_password = secrets.token_urlsafe(12)
        elif viewer_password == password:
            raise CommandError("Give the viewer a different password from the clerk's.")
        demo.load_demo_data(password=password, viewer_password=viewer_password)
        self.stdout.write(self.style.SUCCESS("Loaded the demo data."))
        if printed:
            self.stdout.write(f"  read-only user: viewer / {viewer_password}")
