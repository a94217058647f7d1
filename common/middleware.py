"""Refuse, before any view runs, request input that no view could handle safely."""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def _max_body_bytes() -> int | None:
    """The largest body any view accepts: an attachment of the largest size allowed plus
    the form fields Django reads into memory. ``None`` when either limit is switched off."""
    memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    attachment = getattr(settings, "ATTACHMENT_MAX_BYTES", None)
    if memory is None or attachment is None:
        return None
    return memory + attachment


class RequestInputMiddleware:
    """Answers, without calling the view:

    * 413 for a body whose declared length is over the largest upload any view accepts, so
      that an oversized upload is refused before it is written to a temporary file;
    * 400 for a NUL character anywhere in the query string: PostgreSQL refuses it in a text
      value, so every filter, search and page parameter would otherwise have to check it;
    * 400 for more query parameters than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``.

    Under ``/api/`` the answer is JSON (``{"detail": ...}``), as every API error is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        status, detail = problem
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")

    def _problem(self, request) -> tuple[int, str] | None:
        limit = _max_body_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return 413, _("The request body is larger than the %(limit)d bytes allowed.") % {
                "limit": limit
            }
        try:
            params = request.GET.lists()
        except TooManyFieldsSent:
            return 400, _("The query string has too many parameters.")
        for key, values in params:
            if "\x00" in key or any("\x00" in value for value in values):
                return 400, _("Null characters are not allowed in the query string.")
        return None
