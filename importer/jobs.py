"""The InvenTree import as a background job (kind ``importer.inventree``).

The page records an ``ImportRun`` holding the token and starts a job whose only parameter is
the run's pk, so the token is never in the job's parameters, its messages or the job API. The
job runs (or resumes) the import, reports each step's progress as the job's percent and
message, and empties the run's token when it ends, whatever the outcome.

Connection and authentication failures are not tried again by the job machinery: the run is
resumable, so starting the import again from the page continues it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs import registry

KIND = "importer.inventree"


class ImportFailed(Exception):
    """The import stopped; its message is the run's error, the token scrubbed out."""


class StepProgress:
    """Maps the engine's ``progress(step, done, total)`` onto one percentage for the whole run.

    Each model is a step of equal weight, in ``steps`` order; a step the list does not name
    counts as one more at the end. Within a step, ``done`` of ``total`` rows fills it (an
    unknown total fills nothing until the next step starts). The percent never goes back.
    """

    def __init__(self, report, steps: list[str]):
        self.report = report
        self.steps = list(steps)
        self.percent = 0.0

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step not in self.steps:
            self.steps.append(step)
        index = self.steps.index(step)
        within = min(done / total, 1.0) if total else 0.0
        # 99 at most: 100 is the summary's, once the run has finished.
        percent = min(99.0, 100.0 * (index + within) / len(self.steps))
        self.percent = max(self.percent, percent)
        if total is None:
            message = _("%(step)s: %(done)d") % {"step": step, "done": done}
        else:
            message = _("%(step)s: %(done)d of %(total)d") % {
                "step": step,
                "done": done,
                "total": total,
            }
        self.report(self.percent, message)


def summary(report) -> str:
    totals = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    for counts in report.counts.values():
        for key in totals:
            totals[key] += int(counts.get(key, 0))
    if report.run.dry_run:
        text = _(
            "Dry run: %(created)d would be created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(skipped)d skipped."
        )
    else:
        text = _(
            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(skipped)d skipped."
        )
    return text % totals


def _steps(run) -> list[str]:
    """The engine's steps this run takes, in order (a step for an option not chosen is not)."""
    from importer.services.engine import STEPS

    options = run.options or {}
    return [step.title for step in STEPS if not step.option or options.get(step.option)]


def run_import(job, progress) -> None:
    from django.utils import timezone

    from importer import services
    from importer.models import ImportRun

    run = ImportRun.objects.get(pk=job.params["run"])
    try:
        token = run.token
        if not token:
            error = _("This run has no token any more: start the import again from its page.")
            ImportRun.objects.filter(pk=run.pk).update(
                state=ImportRun.State.FAILED, error=error, finished=timezone.now()
            )
            raise ImportFailed(error)
        tracker = StepProgress(progress, _steps(run))
        try:
            # A dry run records its own outcome on the run (its writes are rolled back).
            report = services.execute(run, token=token, progress=tracker)
        except Exception as exc:
            # The job records and logs this message: never the token, whatever failed.
            error = services.scrub(str(exc) or type(exc).__name__, token)
            raise ImportFailed(error) from None
    finally:
        # Whatever happened: the token is not kept once the run has stopped.
        ImportRun.objects.filter(pk=run.pk).exclude(token="").update(token="")
    progress(100, summary(report))


def register_kinds() -> None:
    registry.register(
        KIND,
        run_import,
        label=gettext_lazy("Importing from InvenTree"),
        # Resumed by starting it again, with a token given anew: never retried on its own.
        retry_on=(),
    )
