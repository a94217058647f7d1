"""OpenAPI (drf-spectacular) description of the report template's ``template`` field.

Imported from ``ReportsConfig.ready()``: drf-spectacular finds extensions by subclass registration.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension


class TemplateFileFieldScheme(OpenApiSerializerFieldExtension):
    """Written, ``template`` is an uploaded file; read, the URL its source downloads from."""

    target_class = "reports.serializers.TemplateFileField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "format": "binary"}
        return {
            "type": "string",
            "nullable": True,
            "readOnly": True,
            "description": "URL the template's source downloads from",
        }
