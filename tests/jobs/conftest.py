"""Job kinds for the tests, registered for the test that asks for them."""

import pytest

from jobs import registry
from jobs.registry import JobResult, TransientError
from tests.jobs import celery_worker


class Calls:
    def __init__(self):
        self.count = 0
        self.failures_left = 0
        self.error: type[Exception] = TransientError


@pytest.fixture
def echo_kind():
    """``test.echo``: reports progress twice and returns a file of its params' ``text``;
    it first raises ``calls.error`` ``calls.failures_left`` times."""
    calls = Calls()

    def echo(job, progress):
        calls.count += 1
        if calls.failures_left:
            calls.failures_left -= 1
            raise calls.error("the server went away")
        progress(50, "Half way")
        return JobResult(filename="echo.txt", content=job.params.get("text", "").encode())

    registry.register("test.echo", echo, label="Echo")
    yield calls
    registry._kinds.pop("test.echo", None)


# The real worker (tests/jobs/celery_worker.py) for the tests that ask for it.
worker = celery_worker.worker
ran = celery_worker.ran
