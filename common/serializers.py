"""Serializer building blocks shared by every app."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common import model_types
from common.models import Attachment
from common.site_settings import TRUE_VALUES


class DetailToggleMixin:
    """Drop ``*_detail`` fields unless requested, InvenTree style.

    ``detail_defaults = {"customer_detail": False, "item_detail": True}``: the query string
    (``?customer_detail=true``) switches them; write responses always include them.
    """

    detail_defaults: dict[str, bool] = {}
    TRUE_VALUES = TRUE_VALUES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None or self.detail_defaults is None:
            return
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return
        for name, default in self.detail_defaults.items():
            raw = request.query_params.get(name)
            wanted = default if raw is None else raw.strip().lower() in self.TRUE_VALUES
            if not wanted:
                self.fields.pop(name, None)


class MetadataSerializer(serializers.Serializer):
    metadata = serializers.JSONField(allow_null=True)

    def validate_metadata(self, value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Metadata must be a python dict object"))
        return value


class UploadUserSerializer(serializers.Serializer):
    pk = serializers.IntegerField()
    username = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    attachment = serializers.FileField(required=False, allow_null=True, use_url=False)
    filename = serializers.CharField(read_only=True)
    is_link = serializers.BooleanField(read_only=True)
    user_detail = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "pk",
            "model_type",
            "model_id",
            "attachment",
            "filename",
            "link",
            "comment",
            "is_link",
            "file_size",
            "upload_date",
            "upload_user",
            "user_detail",
        ]
        read_only_fields = ["file_size", "upload_date", "upload_user"]

    @extend_schema_field(UploadUserSerializer(allow_null=True))
    def get_user_detail(self, obj):
        user = obj.upload_user
        if user is None:
            return None
        return {"pk": user.pk, "username": user.username}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["attachment"] = (
            f"/{settings.MEDIA_URL.strip('/')}/{instance.attachment.name}"
            if (instance.attachment)
            else None
        )
        return data

    def validate_model_type(self, value):
        model_type = model_types.get(value)
        if model_type is None or not model_type.attachments:
            raise serializers.ValidationError(_("Invalid model type specified for attachment"))
        return model_type.name

    def validate_attachment(self, value):
        if value and value.size > settings.ATTACHMENT_MAX_BYTES:
            limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
            raise serializers.ValidationError(
                _("File is too large: the limit is %(limit).0f MB.") % {"limit": limit_mb}
            )
        return value

    def validate(self, attrs):
        instance = self.instance
        model_type = attrs.get("model_type", getattr(instance, "model_type", None))
        model_id = attrs.get("model_id", getattr(instance, "model_id", None))
        if instance is not None and (
            ("model_type" in attrs and attrs["model_type"] != instance.model_type)
            or ("model_id" in attrs and attrs["model_id"] != instance.model_id)
        ):
            raise serializers.ValidationError(
                {"model_type": [_("An attachment cannot be moved to another object.")]}
            )
        target = model_types.get(model_type)
        if target is not None and not target.model.objects.filter(pk=model_id).exists():
            raise serializers.ValidationError({"model_id": [_("Object does not exist")]})
        has_file = bool(attrs.get("attachment", getattr(instance, "attachment", None)))
        has_link = bool(attrs.get("link", getattr(instance, "link", "")))
        if not has_file and not has_link:
            raise serializers.ValidationError(
                {"attachment": [_("Missing file")], "link": [_("Missing external link")]}
            )
        if has_file and has_link and instance is None:
            raise serializers.ValidationError(
                {"link": [_("Give either a file or a link, not both.")]}
            )
        return attrs


class SiteSettingSerializer(serializers.Serializer):
    """A global setting, InvenTree style: ``value`` is text ("True"/"False" for booleans)."""

    pk = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    value = serializers.JSONField()
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    typ = serializers.CharField(read_only=True, source="type")
    default = serializers.JSONField(read_only=True)
    api_url = serializers.CharField(read_only=True)
