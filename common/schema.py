"""The OpenAPI schema tells the truth about every answer an operation can give.

drf-spectacular describes the success response only. Boomerang's API also answers, on every
operation, 400 (bad input), 401/403 (not logged in, not allowed) and 404 (no such object, or
one the user may not see); 409 when a write loses a race (an ``IntegrityError`` becomes a
conflict in ``common.exceptions``); 415 when a body's Content-Type is missing or unknown (an
operation that reads a body); and 429 on every authenticated operation, because the
login lockout answers HTTP Basic with 429. List endpoints answer a bare array without
``limit`` and the paginated object with it, so their 200 response is a ``oneOf`` of both. A
list whose exports may run as a job (``export_job_serializer``) documents that 202 answer.

Clients generated from the schema and the fuzz tests (tests/fuzz/) both rely on this.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers, status

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

# Every error but a validation error is DRF's ``{"detail": "..."}``.
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# A validation error maps fields to messages (nested for nested input), or is a list of
# messages, or of such maps, for list input; a parse error is ``{"detail": "..."}``.
VALIDATION_ERROR = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {}},
    ]
}

ERROR_RESPONSES = {
    status.HTTP_400_BAD_REQUEST: ("ValidationError", "Invalid input: messages by field."),
    status.HTTP_401_UNAUTHORIZED: ("ErrorDetail", "Not authenticated, or bad credentials."),
    status.HTTP_403_FORBIDDEN: ("ErrorDetail", "The user's roles do not allow this."),
    status.HTTP_404_NOT_FOUND: ("ErrorDetail", "No such object, or one the user may not see."),
    status.HTTP_409_CONFLICT: ("ErrorDetail", "The change conflicts with a concurrent change."),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: (
        "ErrorDetail",
        "The body's Content-Type is missing or not one the operation reads.",
    ),
    status.HTTP_429_TOO_MANY_REQUESTS: (
        "ErrorDetail",
        "Too many failed logins for this username or address: locked out for a while.",
    ),
}
COMPONENT_SCHEMAS = {"ErrorDetail": ERROR_DETAIL, "ValidationError": VALIDATION_ERROR}


class BoomerangAutoSchema(AutoSchema):
    _bare_list = False

    def _get_paginator(self):
        if self._bare_list:
            return None
        return super()._get_paginator()

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if not ("200" <= str(status_code) < "300") or self._get_paginator() is None:
            return response
        # The paginator applies only when the request asks for it (``limit``): without it the
        # list is a bare array. Describe the response once more without the paginator.
        self._bare_list = True
        try:
            bare = super()._get_response_for_code(serializer, status_code, media_types, direction)
        finally:
            self._bare_list = False
        for media_type, content in response.get("content", {}).items():
            paginated = content.get("schema")
            plain = bare.get("content", {}).get(media_type, {}).get("schema")
            if paginated and plain and paginated != plain:
                content["schema"] = {"oneOf": [plain, paginated]}
        return response

    def _map_basic_serializer(self, serializer, direction):
        if direction != "response":
            return super()._map_basic_serializer(serializer, direction)
        # A field read through a nullable relation (``source="project_code.code"``, a nested
        # ``created_by``) answers null when the relation is empty, whatever the field says.
        widened = [
            field
            for field in serializer.fields.values()
            if not field.allow_null and _source_may_be_null(serializer, field)
        ]
        for field in widened:
            field.allow_null = True
        try:
            schema = super()._map_basic_serializer(serializer, direction)
        finally:
            for field in widened:
                field.allow_null = False
        # ``*_detail`` fields come only when the query asks for them (DetailToggleMixin).
        optional = set(getattr(serializer, "detail_defaults", None) or ())
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        export_job = getattr(self.view, "export_job_serializer", None)
        if export_job is not None and self.method == "GET":
            component = self.resolve_serializer(export_job(), direction)
            responses[str(status.HTTP_202_ACCEPTED)] = {
                "content": {"application/json": {"schema": component.ref}},
                "description": "An export (`export`) of more rows than EXPORT_JOB_THRESHOLD: it "
                "runs as a job, to follow at `job_url`; `output` is the file once it is done.",
            }
        for code in self._error_codes():
            key = str(code)
            name, description = ERROR_RESPONSES[code]
            content = {"application/json": {"schema": self._component(name)}}
            if key in responses:
                # A view's own description of the error stays; it gets the body it lacks.
                responses[key].setdefault("content", content)
                continue
            responses[key] = {"content": content, "description": description}
            if code == status.HTTP_429_TOO_MANY_REQUESTS:
                responses[key]["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "string"},
                        "description": "When to try again: seconds, or an HTTP date.",
                    }
                }
        return responses

    def _error_codes(self) -> list[int]:
        codes = [
            status.HTTP_400_BAD_REQUEST,
            status.HTTP_401_UNAUTHORIZED,
            status.HTTP_403_FORBIDDEN,
            status.HTTP_404_NOT_FOUND,
        ]
        if self.method in WRITE_METHODS:
            codes.append(status.HTTP_409_CONFLICT)
        if self.method in BODY_METHODS:
            codes.append(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
        if self.view.get_authenticators():
            codes.append(status.HTTP_429_TOO_MANY_REQUESTS)
        return codes

    def _component(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            schema=COMPONENT_SCHEMAS[name],
            object=name,
        )
        self.registry.register_on_missing(component)
        return component.ref


def _source_may_be_null(serializer, field) -> bool:
    """Whether ``field``'s source path crosses a nullable model field of the serializer's model."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None or field.source == "*" or isinstance(field, serializers.SerializerMethodField):
        return False
    for attr in field.source_attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if model_field.null:
            return True
        if not model_field.is_relation or model_field.related_model is None:
            return False
        model = model_field.related_model
    return False


def postprocess_blank_urls(result, generator, request, public):
    """A blank-able URL field is ``oneOf`` (a URI, an empty string); describe it as ``anyOf``.

    drf-spectacular's ``oneOf`` is ambiguous: a validator that does not check the ``uri`` format
    finds ``""`` valid under both branches and rejects it.
    """

    def walk(node):
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if (
                isinstance(branches, list)
                and len(branches) == 2
                and all(isinstance(branch, dict) for branch in branches)
                and any(branch.get("format") == "uri" for branch in branches)
                and any(branch.get("maxLength") == 0 for branch in branches)
            ):
                node["anyOf"] = node.pop("oneOf")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
