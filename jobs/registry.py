"""Job kinds: a registered name ("report.print") and the function that does the work.

Apps register their kinds in ``AppConfig.ready``::

    from jobs import registry

    registry.register("report.print", run_print, label=_("Printing reports"))

The function receives the job and a progress callback, ``progress(percent, message="")``, and
returns ``None`` or a ``JobResult`` (the file the job produced). An exception listed in
``retry_on`` (by default ``TransientError``, connection and timeout errors, SMTP errors and
database operational errors) makes the job try again later, with exponential backoff, up to
``JOBS_MAX_ATTEMPTS`` runs; any other exception fails the job at once.

``result_permissions(job)`` names the permissions a user needs to download the job's file,
checked on every download (its user may have lost them since the job ran); it returns None
when it cannot tell, and then only a superuser may. A kind without it needs nothing beyond the
job being the user's.
"""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import OperationalError


class TransientError(Exception):
    """Raised by a job function for a failure that may go away if the job runs again."""


DEFAULT_RETRY_ON: tuple[type[BaseException], ...] = (
    TransientError,
    ConnectionError,
    TimeoutError,
    smtplib.SMTPException,
    OperationalError,
)


@dataclass(frozen=True)
class JobResult:
    filename: str
    content: bytes


@dataclass(frozen=True)
class JobKind:
    name: str
    function: Callable
    label: str
    retry_on: tuple[type[BaseException], ...]
    result_permissions: Callable | None = None


_kinds: dict[str, JobKind] = {}


def register(
    name: str,
    function: Callable,
    *,
    label: str = "",
    retry_on: tuple[type[BaseException], ...] = DEFAULT_RETRY_ON,
    result_permissions: Callable | None = None,
) -> JobKind:
    kind = JobKind(
        name=name,
        function=function,
        label=str(label) or name,
        retry_on=retry_on,
        result_permissions=result_permissions,
    )
    _kinds[name] = kind
    return kind


def get(name: str) -> JobKind | None:
    return _kinds.get(name)


def all_kinds() -> list[JobKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)
