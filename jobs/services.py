"""Starting, running and cleaning up jobs.

``job_start`` records a job and queues its task once the transaction commits. The task
(``jobs.tasks.run_job``) calls ``job_run``, which is safe to run more than once for the same
job: a finished job is left alone, a job whose worker is still alive (a fresh heartbeat) is
not run twice at the same time, and a job left ``running`` by a worker that died (a stale
heartbeat) runs again from the start. Every run counts in ``attempts``; the run that counts
is the one whose number is in the row, so a run overtaken by another (or swept) never writes
its outcome over the newer one's.
"""

import datetime
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import close_old_connections, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import registry
from jobs.models import Job

logger = logging.getLogger(__name__)

MESSAGE_LENGTH = Job._meta.get_field("message").max_length


def _setting(name: str):
    return getattr(settings, name)


def retry_countdown(attempts: int) -> float:
    """Seconds before run ``attempts + 1``: JOBS_RETRY_BACKOFF doubled for each run so far,
    at most JOBS_RETRY_BACKOFF_MAX."""
    base = float(_setting("JOBS_RETRY_BACKOFF"))
    return min(base * 2 ** max(attempts - 1, 0), float(_setting("JOBS_RETRY_BACKOFF_MAX")))


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MESSAGE_LENGTH else text[: MESSAGE_LENGTH - 1] + "…"


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _queue(job_pk: int) -> None:
    from jobs.tasks import run_job

    run_job.delay(job_pk)


def job_start(*, kind: str, user=None, params: dict | None = None) -> Job:
    """Record a job of a registered ``kind`` and queue it once the transaction commits."""
    if registry.get(kind) is None:
        raise ValueError(f"Unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind, user=user, params=params or {}, message=_("Waiting for a worker")
    )
    transaction.on_commit(partial(_queue, job.pk))
    return job


@dataclass(frozen=True)
class RunOutcome:
    state: str  # "skipped", "busy", "succeeded", "failed", "retry"
    retry_in: float | None = None


def _claim(pk: int) -> Job | RunOutcome:
    """Mark the job running for one more attempt, or say why it must not run now."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=pk).first()
        if job is None or job.is_finished:
            return RunOutcome("skipped")
        now = timezone.now()
        stale = now - datetime.timedelta(seconds=_setting("JOBS_HEARTBEAT_TIMEOUT"))
        if job.state == Job.State.RUNNING and job.heartbeat and job.heartbeat > stale:
            return RunOutcome("busy", retry_in=float(_setting("JOBS_HEARTBEAT_TIMEOUT")))
        job.state = Job.State.RUNNING
        job.attempts += 1
        job.progress = 0
        job.started = job.started or now
        job.heartbeat = now
        job.message = _("Started")
        job.save(update_fields=["state", "attempts", "progress", "started", "heartbeat", "message"])
        return job


def _this_run(job: Job):
    """The job's row, as long as this run is the one it records."""
    return Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)


def job_progress(job: Job, percent: float, message: str = "") -> None:
    """Record progress (0 to 100) and a short message; also counts as a heartbeat."""
    percent = max(0, min(100, int(percent)))
    _this_run(job).update(progress=percent, message=_short(message), heartbeat=timezone.now())


@contextmanager
def _heartbeat(job: Job):
    """In a worker, beat every JOBS_HEARTBEAT_INTERVAL seconds while the job runs, whether or
    not it reports progress; the beat stops with the worker's process."""
    interval = float(_setting("JOBS_HEARTBEAT_INTERVAL"))
    if interval <= 0 or _setting("CELERY_TASK_ALWAYS_EAGER"):
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(interval):
                _this_run(job).update(heartbeat=timezone.now())
        except Exception:  # a beat that fails leaves the sweep to judge
            logger.exception("Heartbeat of job %s failed", job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def _fail(job: Job, error: str) -> None:
    now = timezone.now()
    _this_run(job).update(
        state=Job.State.FAILED, error=error, message=_short(error), finished=now, heartbeat=now
    )


def _succeed(job: Job, result: registry.JobResult | None) -> None:
    stored = ""
    if result is not None:
        content = result.content
        file = ContentFile(content) if isinstance(content, bytes | str) else File(content)
        try:
            job.result.save(result.filename, file, save=False)
        finally:
            file.close()
        stored = job.result.name
    now = timezone.now()
    updated = _this_run(job).update(
        state=Job.State.SUCCEEDED,
        # What a job said when it reported 100 % is its summary; otherwise "Done".
        message=Case(When(progress=100, then=F("message")), default=Value(_("Done"))),
        progress=100,
        error="",
        result=stored,
        result_name=result.filename if result is not None else "",
        finished=now,
        heartbeat=now,
    )
    if not updated and stored:  # overtaken by another run, or swept: keep no stray file
        job.result.storage.delete(stored)


def job_run(pk: int) -> RunOutcome:
    """Run job ``pk`` once (see the module docstring); what the task should do next."""
    claimed = _claim(pk)
    if isinstance(claimed, RunOutcome):
        return claimed
    job = claimed
    kind = registry.get(job.kind)
    if kind is None:
        _fail(job, _("Unknown job kind %s.") % job.kind)
        return RunOutcome("failed")
    try:
        with _heartbeat(job):
            result = kind.function(job, partial(job_progress, job))
    except kind.retry_on as exc:
        if not connection.in_atomic_block:  # a database error may have broken the connection
            close_old_connections()
        if job.attempts < _setting("JOBS_MAX_ATTEMPTS"):
            countdown = retry_countdown(job.attempts)
            logger.warning(
                "Job %s (%s) will run again in %ss: %r", job.pk, job.kind, countdown, exc
            )
            _this_run(job).update(
                state=Job.State.QUEUED,
                error=error_text(exc),
                message=_short(
                    _("Trying again in %(seconds)d s: %(error)s")
                    % {"seconds": countdown, "error": error_text(exc)}
                ),
            )
            return RunOutcome("retry", retry_in=countdown)
        logger.error(
            "Job %s (%s) failed after %s attempts: %r", job.pk, job.kind, job.attempts, exc
        )
        _fail(job, error_text(exc))
        return RunOutcome("failed")
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _fail(job, error_text(exc))
        return RunOutcome("failed")
    try:
        _succeed(job, result)
    except Exception as exc:  # storing the result failed: say so rather than stay "running"
        logger.exception("Job %s (%s) could not store its result", job.pk, job.kind)
        _fail(job, error_text(exc))
        return RunOutcome("failed")
    return RunOutcome("succeeded")


def jobs_sweep_stale(*, timeout: float | None = None) -> int:
    """Fail every running job whose heartbeat is older than ``timeout`` seconds (by default
    JOBS_HEARTBEAT_TIMEOUT): its worker has died. Returns how many."""
    seconds = timeout if timeout is not None else _setting("JOBS_HEARTBEAT_TIMEOUT")
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=seconds)
    message = _("The worker running this job stopped (no heartbeat for %d s).") % seconds
    return Job.objects.filter(state=Job.State.RUNNING, heartbeat__lt=cutoff).update(
        state=Job.State.FAILED, error=message, message=_short(message), finished=now
    )


def job_results_prune(*, older_than: datetime.timedelta) -> int:
    """Delete finished jobs (and their files) that finished more than ``older_than`` ago."""
    cutoff = timezone.now() - older_than
    count = 0
    finished = Job.objects.filter(state__in=Job.FINISHED_STATES, finished__lt=cutoff)
    for job in finished.iterator(chunk_size=500):
        if job.result:
            job.result.delete(save=False)
        job.delete()
        count += 1
    return count
