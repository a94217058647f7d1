"""``GET /api/job/`` and ``GET /api/job/<id>/``: the caller's jobs (a superuser's: every
job), and the result file of a finished job at ``/media/job/<id>/<filename>``.

A job of someone else is a 404, as if it did not exist; so is the file of one's own job once
one has lost the permission its kind needs (``jobs.selectors.job_result_readable``).
"""

from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.views import APIView

from common.filters import FilterSet
from common.media import MediaHeadersMixin, media_file_response
from jobs import selectors
from jobs.models import Job
from jobs.serializers import JobSerializer


class JobFilter(FilterSet):
    class Meta:
        model = Job
        fields = ["kind", "state"]


class JobMixin:
    serializer_class = JobSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Job.objects.none()
        return selectors.jobs_of(self.request.user)


class JobList(JobMixin, generics.ListAPIView):
    filterset_class = JobFilter
    ordering_fields = ["created", "started", "finished", "state", "kind"]
    ordering = ["-created", "-pk"]


class JobDetail(JobMixin, generics.RetrieveAPIView):
    pass


class JobResultDownload(MediaHeadersMixin, APIView):
    """The file a job produced, served only to the job's user or a superuser, and only while
    they hold the permissions its kind needs to read it (an export's: view on what it lists)."""

    permission_classes = [permissions.IsAuthenticated]
    max_pk = 2**63 - 1

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, filename: str):
        if pk > self.max_pk:
            raise Http404
        job = get_object_or_404(selectors.jobs_of(request.user), pk=pk)
        if job.output_url is None or filename != job.result_name:
            raise Http404
        # As a printed report's PDF: only while they may still view what the file shows.
        if not selectors.job_result_readable(job, request.user):
            raise Http404
        try:
            handle = job.result.open("rb")
        except (OSError, SuspiciousFileOperation) as exc:
            raise Http404 from exc
        return media_file_response(file=handle, filename=job.result_name)
