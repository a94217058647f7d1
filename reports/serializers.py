from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.filters import INT64_MAX
from common.serializers import BaseModelSerializer, BaseSerializer
from reports.models import (
    ReportOutput,
    ReportTemplate,
    template_error_message,
    validate_template_source,
)


class TemplateFileField(serializers.FileField):
    """InvenTree's ``template``: written, the uploaded template file; read, the URL the file
    downloads from (the client's ``downloadTemplate`` fetches it)."""

    def get_attribute(self, instance):
        return instance

    def to_internal_value(self, data):
        # The URL read from the row, sent back unchanged by the client's save(): no upload.
        instance = getattr(self.parent, "instance", None)
        if (
            isinstance(data, str)
            and instance is not None
            and data == self.to_representation(instance)
        ):
            return None
        return super().to_internal_value(data)

    def to_representation(self, value):
        if value is None or value.pk is None:
            return None
        return reverse(
            "report-template-download",
            kwargs={"pk": value.pk, "filename": template_filename(value)},
        )


def template_filename(template: ReportTemplate) -> str:
    return f"report-template-{template.pk}.html"


class ReportTemplateSerializer(BaseModelSerializer):
    """A report template. ``source`` is the template text; ``template`` uploads it as a file
    instead (multipart, as the inventree client's ``ReportTemplate.create`` sends it), and on
    reading is the URL the template downloads from, as in InvenTree."""

    source = serializers.CharField(
        required=False,
        trim_whitespace=False,
        style={"base_template": "textarea.html"},
        help_text=_("HTML and CSS in the Django template language"),
    )
    template = TemplateFileField(
        required=False,
        help_text=_(
            "Written: the template source as an uploaded file (UTF-8), replacing 'source'. "
            "Read: the URL the source downloads from."
        ),
    )

    class Meta:
        model = ReportTemplate
        fields = [
            "pk",
            "name",
            "description",
            "model_type",
            "source",
            "template",
            "filename_pattern",
            "page_size",
            "landscape",
            "merge",
            "enabled",
            "revision",
            "updated_at",
        ]
        read_only_fields = ["revision", "updated_at"]

    def validate(self, attrs):
        upload = attrs.pop("template", None)
        if upload is not None:
            try:
                source = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise serializers.ValidationError(
                    {"template": [_("The template file must be UTF-8 text.")]}
                ) from exc
            try:
                validate_template_source(source)
            except DjangoValidationError as exc:
                name = attrs.get("name") or getattr(self.instance, "name", "") or upload.name
                raise serializers.ValidationError(
                    {"template": [template_error_message(name, m) for m in exc.messages]}
                ) from exc
            attrs["source"] = source
        elif self.instance is None and not attrs.get("source"):
            raise serializers.ValidationError(
                {"source": [_("Give the template source, or upload it as 'template'.")]}
            )
        return attrs


class ReportPrintSerializer(BaseSerializer):
    template = serializers.PrimaryKeyRelatedField(queryset=ReportTemplate.objects.all())
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=INT64_MAX),
        allow_empty=False,
        help_text=_("Primary keys of the objects to print"),
    )


class ReportOutputSerializer(BaseModelSerializer):
    """InvenTree's DataOutput shape: the client downloads ``output`` with its credentials."""

    output = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    complete = serializers.SerializerMethodField()
    output_type = serializers.SerializerMethodField()
    template_name = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    job = serializers.SerializerMethodField()
    job_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportOutput
        fields = [
            "pk",
            "created",
            "user",
            "template",
            "template_name",
            "model_type",
            "items",
            "filename",
            "output_type",
            "total",
            "progress",
            "complete",
            "output",
            "errors",
            "job",
            "job_url",
        ]
        read_only_fields = fields

    def get_output(self, output) -> str | None:
        return output.get_absolute_url()

    def get_total(self, output) -> int:
        return len(output.items)

    get_progress = get_total

    def get_complete(self, output) -> bool:
        return True

    def get_output_type(self, output) -> str:
        return "report"

    def get_template_name(self, output) -> str:
        return output.template.name if output.template_id else ""

    def get_errors(self, output) -> dict | None:
        return None

    def get_job(self, output) -> int | None:
        """The job to follow when the print runs in the background (``complete`` false)."""
        return None

    def get_job_url(self, output) -> str | None:
        return None


def print_job_representation(job, *, template: ReportTemplate) -> dict:
    """A print running as a job, in the shape of ``ReportOutputSerializer``: ``pk`` and
    ``job`` are the job's id, ``job_url`` its API URL, ``complete`` false until it has
    succeeded, and ``output`` the PDF's URL once it has."""
    items = job.params.get("items", [])
    total = len(items)
    errors = {"template": [job.error]} if job.state == job.State.FAILED else None
    return {
        "pk": job.pk,
        "created": serializers.DateTimeField().to_representation(job.created),
        "user": job.user_id,
        "template": template.pk,
        "template_name": template.name,
        "model_type": template.model_type,
        "items": items,
        "filename": job.result_name,
        "output_type": "report",
        "total": total,
        "progress": job.progress * total // 100,
        "complete": job.state == job.State.SUCCEEDED,
        "output": job.output_url,
        "errors": errors,
        "job": job.pk,
        "job_url": reverse("api-job-detail", kwargs={"pk": job.pk}),
    }
