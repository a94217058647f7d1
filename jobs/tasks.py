"""Celery tasks: running a job, sending an e-mail, and the scheduled work (see
CELERY_BEAT_SCHEDULE in config/settings.py)."""

from celery import shared_task

from jobs import mail, services


@shared_task(bind=True, name="jobs.run", max_retries=None)
def run_job(self, job_id: int) -> str:
    """Run a job; safe to deliver more than once (see jobs.services.job_run)."""
    outcome = services.job_run(job_id)
    if outcome.retry_in is not None and not (outcome.state == "busy" and self.request.is_eager):
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(bind=True, name="jobs.send_mail", max_retries=None)
def send_mail(self, mail_id: int) -> None:
    countdown = mail.mail_send(mail_id)
    if countdown is not None:
        raise self.retry(countdown=countdown)


@shared_task(name="jobs.scheduled")
def run_scheduled(kind: str) -> int:
    """Beat's entry point for scheduled work: record it as a job of ``kind`` and run it."""
    return services.job_start(kind=kind, user=None).pk


@shared_task(name="jobs.sweep")
def sweep_stale() -> int:
    """Fail the jobs whose worker died; mark ``unknown`` the e-mails whose sender did."""
    return services.jobs_sweep_stale() + mail.mails_sweep_stale()
