"""Request parsers: what an API body may be before any view sees it."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

# No request Boomerang takes nests this deep; the limit keeps recursive code (validation,
# rendering) far from Python's recursion limit.
JSON_MAX_DEPTH = 64


def _nesting_exceeds(data, limit: int) -> bool:
    """Whether objects and arrays nest more than ``limit`` levels (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, for a body that is one JSON object nested at most
    ``JSON_MAX_DEPTH`` levels. Anything else is a 400, so no view has to check the shape:
    ``0``, ``[]``, ``"x"`` or ``null`` with ``{"non_field_errors": ["Expected a JSON
    object."]}``, a document nested deeper (even deep enough to exhaust the parser's stack)
    with a ``detail``, as malformed JSON is.

    It stays a subclass of DRF's parser: DRF then reads the body through ``request.body``,
    which enforces ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(self._too_deep()) from exc
        if not isinstance(data, dict):
            # The shape DRF's serializers give a non-object, so clients read it the same way.
            raise ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Expected a JSON object.")]}
            )
        if _nesting_exceeds(data, JSON_MAX_DEPTH):
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("JSON parse error - nested more than %(limit)d levels deep.") % {
            "limit": JSON_MAX_DEPTH
        }
