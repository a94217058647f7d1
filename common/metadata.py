"""OPTIONS responses in InvenTree's shape: field info with defaults and related-model hints."""

from django.db import models
from rest_framework import serializers
from rest_framework.metadata import SimpleMetadata


class BoomerangMetadata(SimpleMetadata):
    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is not None:
            metadata["model"] = model._meta.model_name
        return metadata

    def get_serializer_info(self, serializer):
        info = super().get_serializer_info(serializer)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        api_defaults = {}
        if hasattr(serializer, "get_api_defaults"):
            api_defaults = serializer.get_api_defaults()
        for name, field_info in info.items():
            field = serializer.fields.get(name)
            if name in api_defaults:
                # InvenTree reports such fields as required with the default the server
                # would fill in when the field is omitted (e.g. the next order reference).
                field_info["default"] = api_defaults[name]
                field_info["required"] = True
            elif model is not None and field is not None:
                default = self._model_default(model, field.source)
                if default is not None:
                    field_info["default"] = default
            if isinstance(field, serializers.PrimaryKeyRelatedField) and model is not None:
                self._describe_related(model, field, field_info)
        return info

    @staticmethod
    def _model_default(model, source):
        try:
            model_field = model._meta.get_field(source)
        except Exception:
            return None
        if not model_field.has_default():
            return None
        default = model_field.default
        if callable(default):
            return None
        return default if isinstance(default, str | int | float | bool) else None

    @staticmethod
    def _describe_related(model, field, field_info):
        field_info["type"] = "related field"
        try:
            model_field = model._meta.get_field(field.source)
        except Exception:
            return
        if isinstance(model_field, models.ForeignKey):
            related = model_field.related_model
            field_info["model"] = related._meta.model_name
            field_info["pk_field"] = "pk"
            limit = model_field.get_limit_choices_to()
            if isinstance(limit, dict) and limit:
                field_info["filters"] = limit
            api_url = getattr(related, "api_list_url", None)
            if api_url:
                field_info["api_url"] = api_url
