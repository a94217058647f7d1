"""The import page of the staff settings: ``/settings/import/``, superusers only.

A superuser gives an InvenTree URL and API token; the import runs as a background job
(``importer.jobs``) and the page lists the recent runs with their state, their job, the
counts per model, the owners no local user or group matched and the skipped rows as CSV.
The token is never rendered: not in the form re-shown with errors, not in the run list.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from importer import services
from importer.forms import InvenTreeImportForm
from importer.jobs import KIND
from importer.models import ImportRun
from jobs import services as job_services
from jobs.models import Job

RUNS_PER_PAGE = 10
COUNT_COLUMNS = ("created", "updated", "unchanged", "skipped")


def model_name(label: str) -> str:
    """``companies.company`` as people say it: "Companies" (the label if it names no model)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name_plural).capitalize()


def _require_superuser(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


def recent_runs(page_number):
    """A page of runs, newest first, each with ``skipped_count`` and ``job`` (or None): three
    queries whatever the number of runs (the count, the runs, their jobs)."""
    runs = (
        ImportRun.objects.select_related("user")
        .annotate(skipped_count=Count("skipped_rows"))
        .order_by("-created", "-pk")
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(page_number)
    pks = [run.pk for run in page]
    jobs: dict[int, Job] = {}
    if pks:
        for job in Job.objects.filter(kind=KIND, params__run__in=pks).order_by("pk"):
            jobs[job.params["run"]] = job  # the latest job of each run wins
    for run in page:
        run.job = jobs.get(run.pk)
        run.count_rows = [
            (model_name(label), [(column, int(counts.get(column, 0))) for column in COUNT_COLUMNS])
            for label, counts in (run.counts or {}).items()
        ]
    return page


def _render(request, form, *, status=200):
    return render(
        request,
        "importer/import.html",
        {
            "form": form,
            "page": recent_runs(request.GET.get("page")),
            "count_columns": COUNT_COLUMNS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    _require_superuser(request)
    if request.method != "POST":
        return _render(request, InvenTreeImportForm())
    form = InvenTreeImportForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    data = form.cleaned_data
    options = services.ImportOptions(
        tracking=data["tracking"], attachments=data["attachments"], dry_run=data["dry_run"]
    )
    with transaction.atomic():
        run = services.create_run(
            url=data["url"], options=options, user=request.user, token=data["token"]
        )
        job = job_services.job_start(kind=KIND, user=request.user, params={"run": run.pk})
    messages.success(
        request,
        _("The import from %(url)s has started; this page shows how far it has got.")
        % {"url": run.url},
    )
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def skipped_rows_download(request, pk: int):
    _require_superuser(request)
    run = get_object_or_404(ImportRun, pk=pk)
    response = HttpResponse(services.skipped_rows_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-skipped.csv"'
    return response
