"""Report endpoints at InvenTree's paths: ``/api/report/template/`` and ``/api/report/print/``.

Who may do what:

* templates: anyone logged in reads them (the inventree client lists them before printing);
  staff, or holders of the ``reports.*_reporttemplate`` permissions (the ``admin`` role, as in
  InvenTree's rulesets), write them;
* printing: the view permission on the template's model (``returns.view_returnorder``);
* the printed PDF: only the user who printed it (see ``ReportOutputDownload``).
"""

import io

from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ServiceWriteMixin
from common.filters import FilterSet
from common.media import MediaHeadersMixin, media_file_response
from reports import registry, selectors, services
from reports.models import ReportTemplate
from reports.serializers import (
    ReportOutputSerializer,
    ReportPrintSerializer,
    ReportTemplateSerializer,
    print_job_representation,
    template_filename,
)


class ReportTemplateFilter(FilterSet):
    model_type = df.CharFilter(method="filter_model_type")

    class Meta:
        model = ReportTemplate
        fields = ["model_type", "enabled", "landscape", "merge", "page_size"]

    def filter_model_type(self, queryset, name, value):
        return queryset.filter(model_type=str(value).strip().lower())


class ReportTemplateMixin(ServiceWriteMixin):
    serializer_class = ReportTemplateSerializer
    # The queryset comes from a selector, so the role check needs the model named.
    permission_model = ReportTemplate
    read_requires_role = False

    def get_queryset(self):
        return selectors.report_template_list()

    def check_permissions(self, request):
        # Staff manage templates without holding the role permissions, as in InvenTree.
        if request.user and request.user.is_authenticated and request.user.is_staff:
            return
        super().check_permissions(request)


class ReportTemplateList(ReportTemplateMixin, generics.ListCreateAPIView):
    filterset_class = ReportTemplateFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "model_type", "revision", "updated_at"]
    ordering = ["model_type", "name"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.report_template_create(user=request.user, **serializer.validated_data)
        return self.render_instance(template.pk, status.HTTP_201_CREATED)


class ReportTemplateDetail(ReportTemplateMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_service_update(self, template, data):
        services.report_template_update(template=template, user=self.request.user, data=dict(data))

    def perform_destroy(self, instance):
        services.report_template_delete(template=instance, user=self.request.user)


class ReportPrint(generics.GenericAPIView):
    """``POST /api/report/print/`` with ``{"template": id, "items": [pk, ...]}``.

    Renders in the request and answers 201 with the output record; several items make one
    PDF. A template that fails to render is a 400 naming the template and the error. More
    items than REPORT_PRINT_JOB_THRESHOLD run as a job: the answer (the same fields) says
    ``complete: false`` and names the job to follow (``job``, ``job_url``).
    """

    serializer_class = ReportPrintSerializer
    permission_actions = {"POST": "view"}

    def get_permission_model(self):
        """The model of the template being printed. A request naming no (existing) template
        is checked against the first registered model type, and then fails validation."""
        entry = None
        try:
            pk = int(self.request.data.get("template"))
        except (AttributeError, TypeError, ValueError, ParseError):
            pk = None
        if pk is not None:
            model_type = (
                ReportTemplate.objects.filter(pk=pk).values_list("model_type", flat=True).first()
            )
            entry = registry.get(model_type)
        entry = entry or registry.default()
        return entry.model if entry else None

    @extend_schema(responses={201: ReportOutputSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = serializer.validated_data["template"]
        items = serializer.validated_data["items"]
        if services.print_runs_as_job(items):
            job = services.report_print_start(template=template, items=items, user=request.user)
            job.refresh_from_db()  # without a worker it has already run, after the commit
            data = print_job_representation(job, template=template)
            return Response(data, status=status.HTTP_201_CREATED)
        output = services.report_print(template=template, items=items, user=request.user)
        data = ReportOutputSerializer(output, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReportOutputDownload(MediaHeadersMixin, APIView):
    """The PDF of a print request, served only to the user who printed it (token, basic or
    session auth), and only while they may still view what it shows.

    Every response carries the media headers (sandbox CSP, nosniff), a 404 included.
    """

    permission_classes = [permissions.IsAuthenticated]
    max_pk = 2**63 - 1

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, filename: str):
        # A key beyond 64 bits overflows SQLite's integer: no such output, not a 500. The name
        # must be the output's own, so that no other text in the URL reaches anything.
        if pk > self.max_pk:
            raise Http404
        output = get_object_or_404(selectors.report_outputs_of(request.user), pk=pk)
        if filename != output.filename:
            raise Http404
        entry = registry.get(output.model_type)
        if entry is None or not request.user.has_perm(entry.view_permission):
            raise Http404
        try:
            handle = output.output.open("rb")
        except (OSError, SuspiciousFileOperation) as exc:
            raise Http404 from exc
        return media_file_response(file=handle, filename=output.filename)


class ReportTemplateDownload(MediaHeadersMixin, APIView):
    """A template's source as a file (the URL in its ``template`` field), to anyone logged in,
    as the template list is. It is served as a download, never rendered in the browser."""

    permission_classes = [permissions.IsAuthenticated]
    max_pk = 2**63 - 1

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, filename: str):
        if pk > self.max_pk:
            raise Http404
        template = get_object_or_404(selectors.report_template_list(), pk=pk)
        if filename != template_filename(template):
            raise Http404
        return media_file_response(
            file=io.BytesIO(template.source.encode("utf-8")), filename=filename
        )
