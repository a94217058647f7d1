"""A real Celery worker for tests: in a thread of the test process, against Redis.

``worker`` starts it (skipped when no Redis answers, failed in CI); ``ran`` records the tasks
it has finished, so a test waits for the worker instead of polling the database while the
worker writes to it.
"""

import os
import threading
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from config.celery import app

# Each pytest-xdist process its own Redis database (1, 2, ...), so their queues never mix.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
REDIS_DB = 1 + int(_WORKER.removeprefix("gw") or 0) % 3
BROKER = os.environ.get("TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:6379/{REDIS_DB}")
WAIT_SECONDS = 30


def _redis_answers() -> bool:
    try:
        import redis

        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except Exception:
        return False


def _drop_connections() -> None:
    """Forget the app's broker connections (not ``app.close()``: that also unregisters the
    app, and shared tasks imported afterwards would never reach it)."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_overrides(**values):
    """Override the Celery app's configuration for a block, then take the overrides away, so
    the app reads Django's settings again (restoring the values read before would pin them
    for every later test in the process, whatever those tests set)."""
    changes = app.conf.changes
    before = {key: changes[key] for key in values if key in changes}
    app.conf.update(**values)
    _drop_connections()  # none from before: the next ones use the new broker
    try:
        yield
    finally:
        for key in values:
            changes.pop(key, None)
        changes.update(before)
        _drop_connections()


@pytest.fixture
def worker(settings):
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"No Redis at {BROKER}")
        pytest.skip(f"No Redis at {BROKER}")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.JOBS_RETRY_BACKOFF = 0.3
    settings.JOBS_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with celery_overrides(broker_url=BROKER, task_always_eager=False):
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(app.conf.task_default_queue)
        with start_worker(app, perform_ping_check=False, shutdown_timeout=WAIT_SECONDS) as running:
            yield running


class Ran:
    """The tasks the worker has finished, as Celery's ``task_postrun`` reports them. The test
    waits on these rather than polling the database while the worker writes to it (SQLite's
    shared in-memory database refuses a read while another connection writes)."""

    def __init__(self):
        self.runs: list[tuple[str, tuple, str, object]] = []
        self.changed = threading.Condition()

    def __call__(self, sender=None, args=(), state=None, retval=None, **kwargs):
        with self.changed:
            self.runs.append((sender.name, tuple(args), state, retval))
            self.changed.notify_all()

    def wait(self, name: str, args: tuple, *, count: int = 1, final=True) -> list:
        """Wait until ``count`` runs of task ``name`` with ``args`` have ended (retries do not
        count when ``final``); their (state, return value)."""

        def done():
            return [
                (state, retval)
                for task, task_args, state, retval in self.runs
                if task == name and task_args == args and not (final and state == "RETRY")
            ]

        with self.changed:
            if not self.changed.wait_for(lambda: len(done()) >= count, timeout=WAIT_SECONDS):
                pytest.fail(f"gave up after {WAIT_SECONDS}s waiting for {name}{args}")
            return done()


@pytest.fixture
def ran(worker):
    recorder = Ran()
    task_postrun.connect(recorder, weak=False)
    yield recorder
    task_postrun.disconnect(recorder)
