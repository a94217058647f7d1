"""Importing a running InvenTree: the public entry points.

``import_inventree`` is what the command calls: it resumes the unfinished run of the same
source and options, or starts one. ``create_run`` and ``execute`` split that for a run that
is queued first (with its token) and executed later by a background job.

``progress(step_title, done, total)`` is called after each page of rows is written
("Companies", "Return orders", ...; ``total`` is None when the source does not say).
"""

from django.db import transaction

from importer.models import ImportRun, ImportSkippedRow
from importer.services.client import ImportBusy, InvenTreeSource, SourceError, scrub
from importer.services.engine import Interrupted, Progress, execute_run
from importer.services.runs import (
    ImportOptions,
    ImportReport,
    create_run,
    normalize_url,
    skipped_rows_csv,
    unfinished_run,
)

__all__ = [
    "ImportBusy",
    "ImportOptions",
    "ImportReport",
    "Interrupted",
    "InvenTreeSource",
    "SourceError",
    "create_run",
    "execute",
    "import_inventree",
    "normalize_url",
    "skipped_rows_csv",
    "unfinished_run",
]


def execute(run: ImportRun, *, token: str, progress: Progress | None = None, source=None):
    """Run or resume ``run`` and return its ``ImportReport``.

    ``source`` is the object pages are read from (an ``InvenTreeSource`` for ``run.url`` by
    default). A dry run writes inside one transaction that is rolled back, so its counts are
    exactly what a real run would do; only the run's own outcome is kept on it. Raises
    ``SourceError`` (the token never in its message) when the source cannot be read; the
    run is then left failed (or interrupted), with the token emptied, to be resumed.
    """
    opened = source is None
    if opened:
        source = InvenTreeSource(run.url, token)
    try:
        if opened:
            try:
                source.open()
            except SourceError as exc:
                _fail(run, str(exc), token)
                raise
        if run.dry_run:
            return _dry_run(run, source, token=token, progress=progress)
        return execute_run(run, source, token=token, progress=progress)
    finally:
        if opened:
            source.close()


def _dry_run(run: ImportRun, source, *, token: str, progress) -> ImportReport:
    """The import in a transaction that is rolled back; then only the run's own outcome
    (state, counts, skipped rows, the token emptied) is recorded on it, so a dry run queued
    from the settings page can show what a real run would do. ``import_inventree`` creates
    its dry run inside a transaction of its own, so that one leaves nothing at all."""
    report = None
    try:
        with transaction.atomic():
            report = execute_run(run, source, token=token, progress=progress)
            transaction.set_rollback(True)
    finally:
        # The rollback took the run's changes with it; its fields in memory say how it ended.
        run.token = ""
        ImportRun.objects.filter(pk=run.pk).update(
            state=run.state,
            started=run.started,
            finished=run.finished,
            error=run.error,
            token="",
            counts=report.counts if report is not None else run.counts,
            unmatched_owners=report.unmatched_owners if report is not None else [],
        )
        if report is not None:
            ImportSkippedRow.objects.bulk_create(
                ImportSkippedRow(run=run, model=model, source_pk=pk, reason=reason)
                for model, pk, reason in report.skipped
            )
    return report


def _fail(run: ImportRun, message: str, token: str) -> None:
    from django.utils import timezone

    run.state = ImportRun.State.FAILED
    run.error = scrub(message, token)
    run.token = ""
    run.finished = timezone.now()
    run.save(update_fields=["state", "error", "token", "finished"])


def import_inventree(
    *,
    url: str,
    token: str,
    options: ImportOptions,
    user=None,
    progress: Progress | None = None,
    source=None,
) -> ImportReport:
    """Import from the InvenTree at ``url``: resume the unfinished run with the same URL and
    options if there is one, else start a new run. A dry run never resumes and leaves no
    row behind, not even its run."""
    if options.dry_run:
        with transaction.atomic():
            run = create_run(url=url, options=options, user=user)
            report = execute(run, token=token, progress=progress, source=source)
            transaction.set_rollback(True)
        return report
    run = unfinished_run(url=url, options=options) or create_run(
        url=url, options=options, user=user
    )
    return execute(run, token=token, progress=progress, source=source)
