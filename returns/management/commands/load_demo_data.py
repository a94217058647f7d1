from django.core.management.base import BaseCommand, CommandError

from returns import demo


class Command(BaseCommand):
    help = "Load Boomerang's demo data set into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for the demo users.")

    def handle(self, *args, password, **options):
        if demo.demo_data_present():
            raise CommandError("The demo data is already loaded.")
        demo.load_demo_data(password=password)
        self.stdout.write(self.style.SUCCESS("Loaded the demo data."))
