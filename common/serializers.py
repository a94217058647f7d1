"""Serializer building blocks shared by every app."""

import math
from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from common import model_types, validators
from common.models import Attachment
from common.site_settings import TRUE_VALUES


class ChoiceTextField(serializers.CharField):
    """The label of a choice value (``status_text`` beside ``status``), as ``get_FOO_display``.

    Read through the value's field (``source="status"``) and a table of labels made once per
    language, rather than DRF's call of ``get_status_display`` on every row, which inspects
    the method's signature and translates the label each time: a tenth of a list's cost. A
    value outside the choices is shown as itself, as Django's method shows it.
    """

    def __init__(self, choices, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.choices = tuple(choices)
        self._labels: dict[str | None, dict] = {}

    def to_representation(self, value):
        language = translation.get_language()
        labels = self._labels.get(language)
        if labels is None:
            labels = self._labels[language] = {key: str(label) for key, label in self.choices}
        return labels.get(value, str(value))


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


def _is_integral(value: float) -> bool:
    return math.isfinite(value) and value.is_integer()


def _strict_number_error(field: serializers.Field, raw) -> str | None:
    """Why ``raw`` must not reach ``field``, for the inputs DRF would silently coerce.

    DRF turns ``true`` into 1.0 for a FloatField, and looks ``1.5`` up as pk 1 for a related
    field. Booleans are refused for every number and pk field (DRF refuses some already).
    Numeric strings ("1") and integral floats (``1.0``) stay accepted: the inventree client
    and HTML forms send them.
    """
    if isinstance(field, serializers.ManyRelatedField):
        if isinstance(raw, list | tuple):
            for item in raw:
                error = _strict_number_error(field.child_relation, item)
                if error:
                    return error
        return None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if isinstance(raw, bool) or (isinstance(raw, float) and not _is_integral(raw)):
            return _("Incorrect type. Expected pk value, received %(type)s.") % {
                "type": type(raw).__name__
            }
        return None
    numeric = serializers.IntegerField | serializers.FloatField | serializers.DecimalField
    if isinstance(field, numeric) and isinstance(raw, bool):
        return _("A valid number is required, not a boolean.")
    return None


def _field_validators(field: serializers.Field) -> list:
    """The validators ``field``'s type calls for (see ``common.validators``)."""
    if isinstance(field, serializers.DateField | serializers.DateTimeField):
        return [validators.validate_date_in_range]
    if isinstance(field, serializers.JSONField):
        return [validators.validate_json_document]
    # Text needs nothing more: DRF's CharField already refuses NUL and lone surrogates.
    return []


def harden_field(field: serializers.Field) -> None:
    """Attach the bounds of ``field``'s type to it, and to the children of list/dict fields."""
    if field.read_only:
        return
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field) and not isinstance(child, serializers.BaseSerializer):
        harden_field(child)
    extra = [v for v in _field_validators(field) if v not in field.validators]
    if extra:
        field.validators = [*field.validators, *extra]


class InputBoundsMixin:
    """Bounds on every field of a serializer, by type, so no field can forget them.

    * every date is within ``common.validators.DATE_MIN`` .. ``DATE_MAX``;
    * text holds no NUL and no lone surrogate (PostgreSQL refuses both): DRF's own CharField
      validators, kept on every CharField;
    * every JSON value passes ``validate_json_document`` (NUL, surrogates, key types, depth,
      size), keys included, before anything is written;
    * numbers are not booleans, and primary keys are integers (``1``, ``"1"``, ``1.0``), never
      ``1.5`` or ``true``;
    * the output has no lone surrogates either, so a bad row already stored cannot break a
      list (they become U+FFFD).

    Use it through ``BaseSerializer`` and ``BaseModelSerializer``. Nested serializers bound
    their own fields when they use it too.
    """

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            harden_field(field)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                raw = field.get_value(data)
                if raw is empty:
                    continue
                error = _strict_number_error(field, raw)
                if error:
                    errors[field.field_name] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class RefusedWritesMixin:
    """Fields a serializer shows but does not take from a write.

    ``refused_writes`` maps each such field to the message of the 400 that names it when a
    write would change it: such a value is never dropped silently. The stored value sent back
    unchanged passes, because the inventree client's ``save()`` returns every field it read.
    """

    refused_writes: Mapping[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [str(message)]
                for name, message in self.refused_writes.items()
                if name in data and not self._is_stored_value(name, data.get(name))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _is_stored_value(self, name: str, value) -> bool:
        if value in (None, ""):
            stored = None if self.instance is None else getattr(self.instance, name, None)
            return stored in (None, "")
        if self.instance is None:
            return False
        field = self.fields[name]
        stored = field.to_representation(field.get_attribute(self.instance))
        return stored is not None and str(stored) == str(value)


class BaseSerializer(InputBoundsMixin, serializers.Serializer):
    """The base of every plain serializer that takes input."""


class BaseModelSerializer(InputBoundsMixin, serializers.ModelSerializer):
    """The base of every model serializer: ``InputBoundsMixin``'s bounds on every field."""


class MetadataSerializer(BaseSerializer):
    metadata = serializers.JSONField(allow_null=True)

    def validate_metadata(self, value):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Metadata must be a python dict object"))
        return value


class UploadUserSerializer(BaseSerializer):
    pk = serializers.IntegerField()
    username = serializers.CharField()


class AttachmentSerializer(BaseModelSerializer):
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


class SiteSettingSerializer(BaseSerializer):
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


class MediaImageField(serializers.ImageField):
    """An uploaded image (checked by Pillow), shown as InvenTree shows it: the path from the
    site root (``/media/images/part/x.png``), which the client joins to the server's address.
    ``null`` in a JSON body removes the image."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        return f"/media/{value.name}"
