from django.core.management.base import BaseCommand

from jobs import mail, services


class Command(BaseCommand):
    help = (
        "Fail the jobs whose worker died and mark 'unknown' the e-mails whose sender died "
        "(what beat runs each minute; run it from cron when there is no broker)."
    )

    def handle(self, *args, **options):
        jobs = services.jobs_sweep_stale()
        mails = mail.mails_sweep_stale()
        self.stdout.write(f"{jobs} stale jobs failed, {mails} e-mails marked unknown")
