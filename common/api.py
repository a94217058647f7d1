"""Generic API endpoints: server details, attachments, metadata and status codes."""

import re
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from common import model_types, site_settings, validators
from common import services as common_services
from common.filters import FilterSet
from common.media import MediaHeadersMixin, media_file_response, media_path_is_valid
from common.models import Attachment, SiteSetting
from common.permissions import IsStaffForWrites, model_permission
from common.serializers import AttachmentSerializer, MetadataSerializer, SiteSettingSerializer


class ServiceWriteMixin:
    """For views whose writes go through a service.

    ``render_instance`` answers with the object re-read through ``get_queryset`` (the selector
    that loads what the serializer shows); PUT/PATCH validate the shape with the serializer,
    hand the data to ``perform_service_update``, and answer with the fresh object.
    """

    def render_instance(self, pk, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_service_update(instance, serializer.validated_data)
        return self.render_instance(instance.pk)

    def perform_service_update(self, instance, data):
        raise NotImplementedError


class ApiRootView(APIView):
    """``GET /api/``: anonymous server details the inventree client reads when it connects."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ServerDetails",
            fields={
                "server": serializers.CharField(),
                "version": serializers.CharField(),
                "instance": serializers.CharField(),
                "apiVersion": serializers.IntegerField(),
                "docs": serializers.URLField(),
            },
        )
    )
    def get(self, request):
        return Response(
            {
                "server": "Boomerang",
                "version": settings.BOOMERANG_VERSION,
                "instance": settings.BOOMERANG_INSTANCE_NAME,
                "apiVersion": settings.BOOMERANG_API_VERSION,
                "docs": request.build_absolute_uri("/api/docs/"),
            }
        )


class AttachmentFilter(FilterSet):
    model_type = df.CharFilter(method="filter_model_type")
    model_id = df.NumberFilter()
    is_link = df.BooleanFilter(method="filter_is_link")

    class Meta:
        model = Attachment
        fields = ["model_type", "model_id", "upload_user"]

    def filter_model_type(self, queryset, name, value):
        return queryset.filter(model_type=str(value).strip().lower())

    def filter_is_link(self, queryset, name, value):
        no_file = Q(attachment__isnull=True) | Q(attachment="")
        return queryset.filter(no_file) if value else queryset.exclude(no_file)


def _visible_attachment_types(user) -> list[str]:
    return [
        t.name
        for t in model_types.attachment_types()
        if user.is_superuser or user.has_perm(model_permission(t.model, "view"))
    ]


class AttachmentMixin:
    serializer_class = AttachmentSerializer
    # Writing an attachment changes the object it hangs on.
    permission_actions = {"POST": "change", "PUT": "change", "PATCH": "change", "DELETE": "change"}

    def get_queryset(self):
        queryset = Attachment.objects.select_related("upload_user")
        return queryset.filter(model_type__in=_visible_attachment_types(self.request.user))

    def _requested_model_type(self):
        if self.request.method in ("POST",):
            # Only a mapping names a model type; the parser refuses other JSON, but a view
            # may be given other parsers, and the role check must not fail on the shape.
            data = self.request.data
            return data.get("model_type") if isinstance(data, Mapping) else None
        return self.request.query_params.get("model_type")


class AttachmentList(AttachmentMixin, generics.ListCreateAPIView):
    filterset_class = AttachmentFilter
    search_fields = ["comment", "link", "attachment"]
    ordering_fields = ["upload_date", "file_size", "comment", "model_type", "model_id"]
    ordering = ["-upload_date"]

    def get_permission_model(self):
        model_type = model_types.get(self._requested_model_type())
        return model_type.model if model_type else None

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = common_services.attachment_create(
            model_type=data["model_type"],
            model_id=data["model_id"],
            user=self.request.user,
            file=data.get("attachment"),
            link=data.get("link", ""),
            comment=data.get("comment", ""),
        )


class AttachmentDetail(AttachmentMixin, generics.RetrieveUpdateDestroyAPIView):
    def get_permission_model(self):
        attachment = Attachment.objects.filter(pk=self.kwargs["pk"]).only("model_type").first()
        model_type = model_types.get(attachment.model_type) if attachment else None
        return model_type.model if model_type else None

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = common_services.attachment_update(
            attachment=serializer.instance, comment=data.get("comment"), link=data.get("link")
        )

    def perform_destroy(self, instance):
        # Deleting its owner removes the files regardless; one at a time, a locked owner
        # keeps them.
        common_services.attachment_guard(model_type=instance.model_type, model_id=instance.model_id)
        common_services.attachment_delete(attachment=instance)


class AttachmentDownload(MediaHeadersMixin, APIView):
    """Serve an attached file to users who may view the object it belongs to.

    What may show inline, and the headers every answer (a 404 too) carries: ``common.media``.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, path: str):
        prefix = "attachments/"
        max_length = Attachment._meta.get_field("attachment").max_length - len(prefix)
        if not media_path_is_valid(path, max_length=max_length):
            raise Http404
        attachment = Attachment.objects.filter(attachment=f"{prefix}{path}").first()
        if attachment is None or not self._may_view_owner(request.user, attachment):
            raise Http404
        try:
            handle = attachment.attachment.open("rb")
        except (OSError, SuspiciousFileOperation) as exc:
            raise Http404 from exc
        return media_file_response(file=handle, filename=attachment.filename)

    @staticmethod
    def _may_view_owner(user, attachment: Attachment) -> bool:
        """The viewer may view the model the file hangs on, and that object still exists."""
        model_type = model_types.get(attachment.model_type)
        if model_type is None or not model_type.attachments:
            return False
        if not (user.is_superuser or user.has_perm(model_permission(model_type.model, "view"))):
            return False
        return model_type.model._default_manager.filter(pk=attachment.model_id).exists()


class ImageDownload(MediaHeadersMixin, APIView):
    """Serve a part's or a company's image to users who may view that part or company.

    ``media/images/<model_type>/<name>``: the model type is one of ``common.model_types`` with
    an ``image`` field; anything else, or an image nobody holds, is a 404.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, model_type: str, path: str):
        registered = model_types.get(model_type)
        model = registered.model if registered else None
        if model is None or "image" not in {f.name for f in model._meta.get_fields()}:
            raise Http404
        name = f"images/{registered.name}/{path}"
        if not media_path_is_valid(path, max_length=model._meta.get_field("image").max_length):
            raise Http404
        if not (
            request.user.is_superuser or request.user.has_perm(model_permission(model, "view"))
        ):
            raise Http404
        owner = model._default_manager.filter(image=name).first()
        if owner is None:
            raise Http404
        try:
            handle = owner.image.open("rb")
        except (OSError, SuspiciousFileOperation) as exc:
            raise Http404 from exc
        return media_file_response(file=handle, filename=name.rsplit("/", 1)[-1])


class MetadataView(generics.GenericAPIView):
    """``GET/PUT/PATCH`` an object's ``metadata`` dict: PATCH merges, PUT replaces.

    Mounted as ``metadata/<model_type>/<pk>/`` and as ``<url><pk>/metadata/``.
    """

    serializer_class = MetadataSerializer
    model = None  # fixed for the per-endpoint mount

    def get_permission_model(self):
        if self.model is not None:
            return self.model
        model_type = model_types.get(self.kwargs.get("model_type"))
        if model_type is None or not model_type.metadata:
            raise Http404
        return model_type.model

    def get_queryset(self):
        return self.get_permission_model()._default_manager.all()

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        instance = self.get_object()
        # Through the sanitiser, so a bad value stored before validation cannot break a read.
        return Response(validators.sanitize_output({"metadata": instance.metadata or {}}))

    def _write(self, request, overwrite):
        instance = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = common_services.metadata_set(
            instance=instance, metadata=serializer.validated_data["metadata"], overwrite=overwrite
        )
        return Response(validators.sanitize_output({"metadata": updated.metadata}))

    def put(self, request, *args, **kwargs):
        return self._write(request, overwrite=True)

    def patch(self, request, *args, **kwargs):
        return self._write(request, overwrite=False)


class StatusView(APIView):
    """``GET <url>status/``: the codes, names, labels and colours of a status class."""

    status_class = None
    read_requires_role = False

    def shown_members(self):
        """The members listed; every one unless a subclass says otherwise."""
        return list(self.status_class)

    @extend_schema(
        responses=inline_serializer(
            "StatusCodes",
            fields={
                "class": serializers.CharField(),
                "values": serializers.DictField(
                    child=inline_serializer(
                        "StatusCode",
                        fields={
                            "key": serializers.IntegerField(),
                            "name": serializers.CharField(),
                            "label": serializers.CharField(),
                            "color": serializers.CharField(),
                        },
                    )
                ),
            },
        )
    )
    def get(self, request, *args, **kwargs):
        cls = self.status_class
        colours = getattr(cls, "colours", {})
        values = {
            member.name: {
                "key": member.value,
                "name": member.name,
                "label": str(member.label),
                "color": colours.get(member.value, "secondary"),
            }
            for member in self.shown_members()
        }
        return Response({"class": cls.__name__, "values": values})


# InvenTree features Boomerang does not have, by the API path that serves them there. A client
# that reads the version (500) expects them; they answer a 404 that says so, as InvenTree
# answers for an endpoint it does not route, so ``raise_error=True`` calls fail with a reason.
OUT_OF_SCOPE = [
    (re.compile(r"^(part/)?parameter/"), _("parameters")),
    (re.compile(r"^part/category/parameters/"), _("parameters")),
    (re.compile(r"^barcode/"), _("barcodes")),
    (re.compile(r"^label/"), _("label printing")),
    (re.compile(r"^(pricing/|part/(internal|sale)-price/|part/\d+/pricing/)"), _("pricing")),
    (re.compile(r"^plugins?/"), _("plugins")),
    (re.compile(r"^currency/"), _("currency exchange")),
    (re.compile(r"^build/"), _("build orders")),
    (re.compile(r"^bom/"), _("bills of materials")),
    (re.compile(r"^order/po"), _("purchase orders")),
    (re.compile(r"^order/so"), _("sales orders")),
    (re.compile(r"^company/part/"), _("supplier and manufacturer parts")),
    (re.compile(r"^part/related/"), _("related parts")),
    (re.compile(r"^part/test-template/"), _("part test templates")),
    (re.compile(r"^part/\d+/requirements/"), _("part requirements")),
    (re.compile(r"^stock/test/"), _("stock test results")),
    (re.compile(r"^stock/\d+/(install|uninstall)/"), _("installing stock")),
    (re.compile(r"^audit/"), _("the audit log")),
]


def out_of_scope_feature(api_path: str) -> str | None:
    """The InvenTree feature an ``/api/``-relative path belongs to, if Boomerang lacks it."""
    for pattern, feature in OUT_OF_SCOPE:
        if pattern.match(api_path):
            return str(feature)
    return None


class NotFoundView(APIView):
    """Any API path Boomerang does not serve: a JSON 404, so unsupported features fail loudly.
    A path of an InvenTree feature Boomerang does not have says which (``reason``)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    schema = None

    def _not_found(self, request, *args, **kwargs):
        body = {"detail": _("Not found.")}
        api_path = request.path_info.removeprefix("/api/")
        feature = out_of_scope_feature(api_path)
        if feature:
            body["reason"] = _("Boomerang does not implement InvenTree's %(feature)s API.") % {
                "feature": feature
            }
        return Response(body, status=status.HTTP_404_NOT_FOUND)

    get = post = put = patch = delete = options = _not_found


def _setting_payload(definition, row: SiteSetting) -> dict:
    return {
        "pk": row.pk,
        "key": definition.key,
        "value": definition.serialize(site_settings.get_value(definition.key)),
        "name": str(definition.name),
        "description": str(definition.description),
        "type": definition.type,
        "typ": definition.type,  # InvenTree sends the type under both names
        "default": definition.serialize(definition.default),
        "api_url": f"/api/settings/global/{definition.key}/",
    }


def _setting_row(definition) -> SiteSetting:
    row, _created = SiteSetting.objects.get_or_create(
        key=definition.key, defaults={"value": definition.serialize(definition.default)}
    )
    return row


class SiteSettingList(generics.GenericAPIView):
    """``GET /api/settings/global/``: every site-wide setting."""

    # The browsable API's filter form asks every list view for a queryset.
    queryset = SiteSetting.objects.all()
    serializer_class = SiteSettingSerializer
    permission_classes = [IsStaffForWrites]
    read_requires_role = False
    pagination_class = None

    @extend_schema(
        operation_id="api_settings_global_list",
        responses=SiteSettingSerializer(many=True),
        filters=False,
    )
    def get(self, request):
        rows = {row.key: row for row in SiteSetting.objects.all()}
        payload = []
        for definition in site_settings.definitions():
            row = rows.get(definition.key) or _setting_row(definition)
            payload.append(_setting_payload(definition, row))
        return Response(payload)


class SiteSettingDetail(generics.GenericAPIView):
    """``GET/PUT/PATCH /api/settings/global/<KEY>/``: anyone logged in reads, staff write."""

    serializer_class = SiteSettingSerializer
    permission_classes = [IsStaffForWrites]
    read_requires_role = False

    def _definition(self):
        definition = site_settings.definition(self.kwargs["key"])
        if definition is None:
            raise Http404
        return definition

    def get_object(self):
        # OPTIONS calls it to check PUT; there is no queryset to look the setting up in.
        return _setting_row(self._definition())

    def get(self, request, key):
        definition = self._definition()
        return Response(_setting_payload(definition, _setting_row(definition)))

    def put(self, request, key):
        definition = self._definition()
        if not isinstance(request.data, Mapping):
            return Response(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Expected a JSON object.")]}, status=400
            )
        if "value" not in request.data:
            return Response({"value": [_("This field is required.")]}, status=400)
        site_settings.set_value(definition.key, request.data["value"], user=request.user)
        return Response(_setting_payload(definition, _setting_row(definition)))

    patch = put
