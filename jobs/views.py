"""The job page: ``/jobs/<id>/``, its progress, and its file or error once it has finished.

Only the job's user (or a superuser) sees it; anyone else gets a 404. While the job is not
finished the status box asks for itself again every two seconds (htmx); without JavaScript
the page has a Refresh link.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from jobs import registry, selectors

POLL_SECONDS = 2


@login_required
@require_GET
def job_detail(request, pk: int):
    job = get_object_or_404(selectors.jobs_of(request.user), pk=pk)
    kind = registry.get(job.kind)
    context = {
        "job": job,
        "label": kind.label if kind else job.kind,
        "poll_seconds": POLL_SECONDS,
        # The download link only while the file would be served (as the API's ``output``).
        "result_readable": selectors.job_result_readable(job, request.user),
    }
    if request.htmx:
        return render(request, "jobs/_job_status.html", context)
    return render(request, "jobs/job_detail.html", context)
