"""Jobs without a worker (Celery's eager mode): start, progress, retries, failure, redelivery,
the sweep and the clean-ups."""

import datetime
import os

import pytest
from django.utils import timezone

from jobs import services, tasks
from jobs.models import Job
from tests.factories import ApiTokenFactory, UserFactory
from tests.jobs.factories import FinishedJobFactory, JobFactory
from users.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_backoff(settings):
    settings.JOBS_RETRY_BACKOFF = 0.01
    settings.JOBS_MAX_ATTEMPTS = 3


def test_a_job_is_queued_only_when_its_transaction_commits(
    echo_kind, django_capture_on_commit_callbacks
):
    user = UserFactory(password=None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_start(kind="test.echo", user=user, params={"text": "hello"})
        assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    assert echo_kind.count == 0
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: eager mode runs the task in this process

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress, job.attempts, job.error) == (100, 1, "")
    assert job.started <= job.finished
    assert job.result_name == "echo.txt"
    assert job.result.read() == b"hello"
    assert job.output_url == f"/media/job/{job.pk}/echo.txt"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown job kind"):
        services.job_start(kind="no.such.kind")
    assert not Job.objects.exists()


def test_progress_is_recorded_and_bounded(echo_kind):
    job = JobFactory(state=Job.State.RUNNING, attempts=1)
    services.job_progress(job, 42.7, "Rendered 3 of 7")
    job.refresh_from_db()
    assert (job.progress, job.message) == (42, "Rendered 3 of 7")
    services.job_progress(job, 250, "x" * 500)
    job.refresh_from_db()
    assert job.progress == 100
    assert len(job.message) == 200


def test_transient_errors_are_retried_then_the_job_succeeds(echo_kind):
    echo_kind.failures_left = 2
    job = JobFactory(params={"text": "third time"})

    tasks.run_job.delay(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.attempts == 3
    assert echo_kind.count == 3
    assert job.result.read() == b"third time"


def test_transient_errors_past_the_limit_fail_the_job(echo_kind):
    echo_kind.failures_left = 10
    job = JobFactory()

    tasks.run_job.delay(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.attempts == 3
    assert echo_kind.count == 3
    assert "the server went away" in job.error
    assert job.finished is not None
    assert not job.result


def test_any_other_error_fails_the_job_at_once(echo_kind):
    echo_kind.failures_left = 1
    echo_kind.error = KeyError
    job = JobFactory()

    tasks.run_job.delay(job.pk)

    job.refresh_from_db()
    assert (job.state, job.attempts, echo_kind.count) == (Job.State.FAILED, 1, 1)
    assert "KeyError" in job.error


def test_backoff_doubles_up_to_its_limit(settings):
    settings.JOBS_RETRY_BACKOFF = 10
    settings.JOBS_RETRY_BACKOFF_MAX = 60
    assert [services.retry_countdown(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_a_finished_job_delivered_again_is_not_run_again(echo_kind):
    job = JobFactory(params={"text": "once"})
    tasks.run_job.delay(job.pk)
    job.refresh_from_db()
    first_result = job.result.name

    assert tasks.run_job.delay(job.pk).get() == "skipped"

    job.refresh_from_db()
    assert echo_kind.count == 1
    assert job.attempts == 1
    assert job.result.name == first_result


def test_a_redelivered_job_whose_worker_died_runs_again(echo_kind, settings):
    stale = timezone.now() - datetime.timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT + 1)
    job = JobFactory(
        state=Job.State.RUNNING, attempts=1, progress=40, started=stale, heartbeat=stale
    )

    assert tasks.run_job.delay(job.pk).get() == "succeeded"

    job.refresh_from_db()
    assert (job.state, job.attempts, echo_kind.count) == (Job.State.SUCCEEDED, 2, 1)


def test_a_job_running_elsewhere_is_not_run_twice_at_once(echo_kind):
    job = JobFactory(state=Job.State.RUNNING, attempts=1, heartbeat=timezone.now())

    assert services.job_run(job.pk).state == "busy"

    job.refresh_from_db()
    assert (job.state, job.attempts, echo_kind.count) == (Job.State.RUNNING, 1, 0)


def test_a_run_overtaken_by_another_keeps_no_result(echo_kind):
    """The sweep failed the job while its (slow) worker still ran: the late result is dropped."""

    def swept_meanwhile(job, progress):
        Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error="swept")
        return echo(job, progress)

    from jobs import registry

    echo = registry.get("test.echo").function
    registry.register("test.echo", swept_meanwhile)
    job = JobFactory()

    services.job_run(job.pk)

    job.refresh_from_db()
    assert (job.state, job.error, job.result.name) == (Job.State.FAILED, "swept", "")


def test_the_sweep_fails_running_jobs_without_a_recent_heartbeat(settings):
    now = timezone.now()
    timeout = settings.JOBS_HEARTBEAT_TIMEOUT
    stale = JobFactory(
        state=Job.State.RUNNING, heartbeat=now - datetime.timedelta(seconds=timeout + 5)
    )
    alive = JobFactory(state=Job.State.RUNNING, heartbeat=now)
    queued = JobFactory(heartbeat=None)

    assert tasks.sweep_stale.delay().get() == 1

    for job in (stale, alive, queued):
        job.refresh_from_db()
    assert stale.state == Job.State.FAILED
    assert "stopped" in stale.error and stale.finished is not None
    assert (alive.state, queued.state) == (Job.State.RUNNING, Job.State.QUEUED)


def test_old_finished_jobs_and_their_files_are_pruned(settings, django_capture_on_commit_callbacks):
    old = FinishedJobFactory(finished=timezone.now() - datetime.timedelta(days=8))
    path = old.result.path
    recent = FinishedJobFactory()
    running = JobFactory(state=Job.State.RUNNING)
    settings.JOBS_RESULT_DAYS = 7

    with django_capture_on_commit_callbacks(execute=True):
        with_scheduled = tasks.run_scheduled.delay("jobs.prune_results").get()

    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk, with_scheduled}
    assert not os.path.exists(path)
    scheduled = Job.objects.get(pk=with_scheduled)
    assert scheduled.kind == "jobs.prune_results"
    assert scheduled.user is None


def test_expired_and_long_revoked_api_tokens_are_pruned_by_a_scheduled_job(
    settings, django_capture_on_commit_callbacks
):
    settings.API_TOKEN_PRUNE_DAYS = 30
    today = timezone.localdate()
    expired, lapsed_recently, revoked, active = ApiTokenFactory.create_batch(4)
    ApiToken.objects.filter(pk=expired.pk).update(expiry=today - datetime.timedelta(days=31))
    ApiToken.objects.filter(pk=lapsed_recently.pk).update(expiry=today - datetime.timedelta(days=2))
    ApiToken.objects.filter(pk=revoked.pk).update(
        revoked=True, created=timezone.now() - datetime.timedelta(days=40)
    )

    with django_capture_on_commit_callbacks(execute=True):
        pk = tasks.run_scheduled.delay("users.prune_tokens").get()

    assert set(ApiToken.objects.values_list("pk", flat=True)) == {lapsed_recently.pk, active.pk}
    job = Job.objects.get(pk=pk)
    assert job.state == Job.State.SUCCEEDED
    assert job.message == "Deleted 2 expired or revoked API token(s)."
    assert not ApiToken.objects.filter(pk__in=[expired.pk, revoked.pk]).exists()


def test_a_result_that_cannot_be_stored_fails_the_job(echo_kind, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refuse(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", refuse)
    job = JobFactory()

    assert services.job_run(job.pk).state == "failed"

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "No space left" in job.error
