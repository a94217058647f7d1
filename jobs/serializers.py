from rest_framework import serializers

from common.serializers import BaseModelSerializer
from jobs.models import Job


class JobSerializer(BaseModelSerializer):
    """A job as its owner follows it: ``output`` is the result's download URL once done."""

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
        return job.output_url
