"""A worker process killed in the middle of a job (SIGKILL: no clean-up of any kind).

The job stays ``running`` and its heartbeat stops. Either the sweep fails it, or the broker
delivers its task again (Redis, after the visibility timeout) to another worker, which finds
the heartbeat stale and runs the job again from the start. The workers are real
``celery -A config worker`` processes on the test database, so PostgreSQL only.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from jobs import services
from jobs.models import Job
from reports import services as report_services
from tests.factories import UserFactory
from tests.jobs.celery_worker import BROKER, _redis_answers, app, celery_overrides
from tests.reports.factories import ReportTemplateFactory
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
ORDERS = 60  # a print long enough to be killed in the middle of
HEARTBEAT_TIMEOUT = 3
VISIBILITY_TIMEOUT = 4
WAIT_SECONDS = 90


@pytest.fixture
def postgres_and_redis():
    if connection.vendor != "postgresql":
        pytest.skip("worker processes need a database they can share: PostgreSQL")
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"No Redis at {BROKER}")
        pytest.skip(f"No Redis at {BROKER}")
    with Connection(BROKER) as broker:
        broker.default_channel.queue_purge(app.conf.task_default_queue)


def _worker_process(tmp_path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "SECRET_KEY": "x",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "JOBS_HEARTBEAT_INTERVAL": "0.5",
        "JOBS_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [str(CELERY), "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(predicate, what: str, process=None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}) before {what}")
        time.sleep(0.1)
    pytest.fail(f"gave up after {WAIT_SECONDS}s waiting for {what}")


def _print_job_killed_midway(tmp_path) -> Job:
    """Start a long print, let a worker get part way, and SIGKILL that worker."""
    template = ReportTemplateFactory(
        source=(ROOT / "reports/defaults/return_order.html").read_text(encoding="utf-8")
    )
    orders = ReturnOrderFactory.create_batch(ORDERS)
    user = UserFactory(password=None, is_superuser=True, is_staff=True)
    with celery_overrides(broker_url=BROKER, task_always_eager=False):
        job = report_services.report_print_start(
            template=template, items=[order.pk for order in orders], user=user
        )
    worker = _worker_process(tmp_path)
    try:
        _wait(
            lambda: Job.objects.filter(pk=job.pk, state="running", progress__gte=5).exists(),
            "the job to get going",
            worker,
        )
        worker.kill()  # SIGKILL, mid-job
        worker.wait(timeout=10)
    finally:
        _stop(worker)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert 0 < job.progress < 100
    assert job.attempts == 1
    return job


def test_a_killed_workers_job_is_swept_to_failed(postgres_and_redis, tmp_path):
    job = _print_job_killed_midway(tmp_path)

    assert services.jobs_sweep_stale(timeout=HEARTBEAT_TIMEOUT) == 0  # its last beat is recent
    time.sleep(HEARTBEAT_TIMEOUT + 0.5)
    assert services.jobs_sweep_stale(timeout=HEARTBEAT_TIMEOUT) == 1

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "stopped" in job.error
    assert job.finished is not None


def test_a_killed_workers_job_is_redelivered_and_runs_again(postgres_and_redis, tmp_path):
    job = _print_job_killed_midway(tmp_path)

    # Past the visibility timeout the unacknowledged task is put back on the queue. A worker
    # scans for such tasks now and then (every unacked_restore_interval, every tenth call);
    # make that scan now rather than wait for it.
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    with Connection(BROKER, transport_options={"visibility_timeout": VISIBILITY_TIMEOUT}) as broker:
        broker.default_channel.qos.restore_visible(num=100, interval=1)
    # Another worker gets it; by then the job's heartbeat is stale, so it runs again.
    worker = _worker_process(tmp_path)
    try:
        _wait(
            lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED_STATES).exists(),
            "the redelivered job to finish",
            worker,
        )
    finally:
        _stop(worker)

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.result.open("rb").read(4) == b"%PDF"
