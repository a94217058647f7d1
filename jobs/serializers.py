from django.urls import reverse
from rest_framework import serializers

from common.serializers import BaseModelSerializer
from jobs import selectors
from jobs.models import Job


def _readable_output(serializer, job) -> str | None:
    """The result's URL, or null once the requesting user may no longer download it."""
    request = serializer.context.get("request")
    if job.output_url is None or request is None:
        return job.output_url
    return job.output_url if selectors.job_result_readable(job, request.user) else None


class JobSerializer(BaseModelSerializer):
    """A job as its owner follows it: ``output`` is the result's download URL once done (null
    while the file would not be served to the caller: see ``jobs.selectors``)."""

    output = serializers.SerializerMethodField()
    user = serializers.IntegerField(source="user_id", read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields = [
            "pk",
            "kind",
            "user",
            "state",
            "progress",
            "message",
            "error",
            "attempts",
            "created",
            "started",
            "finished",
            "output",
        ]
        read_only_fields = fields

    def get_output(self, job) -> str | None:
        return _readable_output(self, job)


class ExportJobSerializer(BaseModelSerializer):
    """An export too large for the request, running as a job: ``pk`` and ``job`` are the
    job's id, ``job_url`` where to follow it, ``total`` the rows it writes and ``output`` the
    file's URL once it has succeeded."""

    # ``total``: the export job's parameters list the rows' keys (returns.exports.export_start).

    output_type = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    complete = serializers.SerializerMethodField()
    output = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    job = serializers.IntegerField(source="pk", read_only=True)
    job_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["pk", "output_type", "total", "complete", "output", "errors", "job", "job_url"]
        read_only_fields = fields

    def get_output_type(self, job) -> str:
        return "export"

    def get_total(self, job) -> int:
        """How many rows the export writes."""
        return len(job.params.get("keys", []))

    def get_complete(self, job) -> bool:
        return job.state == Job.State.SUCCEEDED

    def get_output(self, job) -> str | None:
        return _readable_output(self, job)

    def get_errors(self, job) -> dict[str, list[str]] | None:
        return {"export": [job.error]} if job.state == Job.State.FAILED else None

    def get_job_url(self, job) -> str:
        return reverse("api-job-detail", kwargs={"pk": job.pk})
