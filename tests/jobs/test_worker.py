"""Jobs and e-mail through a real Celery worker and a Redis broker.

The worker runs in a thread of the test process (``celery.contrib.testing``), so the tests
commit for real (``transaction=True``) and wait for the worker, each within a bound. Skipped
when no Redis answers at 127.0.0.1:6379.
"""

import datetime
import os
import time

import pytest
from django.db import transaction
from django.utils import timezone

from jobs import services, tasks
from jobs.mail import mail_queue
from jobs.models import Job, OutgoingMail
from tests.factories import UserFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _finished(ran, job: Job, *, count: int = 1) -> Job:
    ran.wait("jobs.run", (job.pk,), count=count)
    return Job.objects.get(pk=job.pk)


def test_a_job_runs_on_the_worker_after_commit(ran, echo_kind):
    user = UserFactory(password=None)
    with transaction.atomic():
        job = services.job_start(kind="test.echo", user=user, params={"text": "from a worker"})
        time.sleep(0.2)  # a worker would have picked it up by now, had it been queued
        assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED

    job = _finished(ran, job)

    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.attempts == 1
    assert job.result.read() == b"from a worker"


def test_the_worker_retries_with_backoff(ran, echo_kind):
    echo_kind.failures_left = 2
    job = JobFactory(params={"text": "third"})

    tasks.run_job.delay(job.pk)
    job = _finished(ran, job)

    assert (job.state, job.attempts, echo_kind.count) == (Job.State.SUCCEEDED, 3, 3)
    # Waits of 0.3 s and then 0.6 s between the three runs.
    assert job.finished - job.started >= datetime.timedelta(seconds=0.9)


def test_the_worker_gives_up_after_the_last_attempt(ran, echo_kind):
    echo_kind.failures_left = 10
    job = JobFactory()

    tasks.run_job.delay(job.pk)
    job = _finished(ran, job)

    assert (job.state, job.attempts, echo_kind.count) == (Job.State.FAILED, 3, 3)
    assert "the server went away" in job.error


def test_a_job_delivered_twice_runs_once(ran, echo_kind):
    job = JobFactory(params={"text": "once"})

    tasks.run_job.delay(job.pk)
    tasks.run_job.delay(job.pk)  # the broker delivers it again

    outcomes = ran.wait("jobs.run", (job.pk,), count=2)

    job.refresh_from_db()
    assert [retval for _state, retval in outcomes] == ["succeeded", "skipped"]
    assert (echo_kind.count, job.attempts) == (1, 1)
    assert job.result.read() == b"once"
    assert len(os.listdir(os.path.dirname(job.result.path))) == 1


def test_an_e_mail_delivered_twice_is_sent_once(ran, mailoutbox):
    with transaction.atomic():
        record = mail_queue(subject="Issued", body="Body", to=["lead@example.com"])
    tasks.send_mail.delay(record.pk)  # a redelivery of the same message

    ran.wait("jobs.send_mail", (record.pk,), count=2)

    assert [m.to for m in mailoutbox] == [["lead@example.com"]]
    record.refresh_from_db()
    assert record.attempts == 1


def test_an_e_mail_claimed_by_a_worker_that_died_is_not_sent_when_redelivered(
    ran, mailoutbox, settings
):
    """The worker that claimed it may have died after the mail server accepted it: the
    redelivered task sends nothing, and the sweep says the outcome is unknown."""
    record = OutgoingMail.objects.create(
        subject="Received",
        body="Body",
        to=["lead@example.com"],
        state=OutgoingMail.State.SENDING,
        attempts=1,
        sending_since=timezone.now() - datetime.timedelta(seconds=settings.MAIL_SENDING_TIMEOUT),
        message_id="<claimed@testserver>",
    )

    tasks.send_mail.delay(record.pk)  # the broker delivers the unacknowledged task again
    ran.wait("jobs.send_mail", (record.pk,))
    tasks.sweep_stale.delay()
    ran.wait("jobs.sweep", ())

    assert mailoutbox == []
    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.UNKNOWN, 1)
    assert "may or may not have been delivered" in record.error


def test_a_job_left_running_by_a_dead_worker_reruns_when_redelivered(ran, echo_kind, settings):
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT + 1)
    job = JobFactory(
        state=Job.State.RUNNING, attempts=1, progress=70, started=stale, heartbeat=stale
    )

    tasks.run_job.delay(job.pk)  # what the broker redelivers when the worker's process died
    job = _finished(ran, job)

    assert (job.state, job.attempts, echo_kind.count) == (Job.State.SUCCEEDED, 2, 1)


def test_the_sweep_on_the_worker_fails_a_job_whose_worker_died(ran, settings):
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT + 1)
    job = JobFactory(state=Job.State.RUNNING, attempts=1, heartbeat=stale)

    tasks.sweep_stale.delay()
    ran.wait("jobs.sweep", ())
    job.refresh_from_db()

    assert job.state == Job.State.FAILED
    assert "stopped" in job.error


def test_a_worker_test_leaves_the_app_reading_the_settings_again(settings):
    """After a test with a worker, jobs run in process again: the app's overrides are taken
    away rather than set to the values read before (which would pin them for later tests)."""
    from config.celery import app
    from tests.jobs.celery_worker import celery_overrides

    settings.CELERY_TASK_ALWAYS_EAGER = False  # as the worker fixture sets it
    with celery_overrides(broker_url="memory://", task_always_eager=False):
        assert (app.conf.broker_url, app.conf.task_always_eager) == ("memory://", False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert app.conf.task_always_eager is True
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
