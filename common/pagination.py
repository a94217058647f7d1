"""Limit/offset paging as InvenTree's API has it, with ``limit`` and ``offset`` checked."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination

from common.filters import INT64_MAX


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """``?limit=&offset=``: without ``limit`` (or with ``limit=0``) the list is a bare array,
    as in InvenTree; with it, ``{"count", "next", "previous", "results"}``.

    Both take a whole number from 0 to 2**63 - 1 (what the databases can slice by); anything
    else is a 400 naming the parameter, where DRF would quietly ignore it (and SQLite would
    fail on a larger one). There is no upper limit on the page size, as in InvenTree.
    """

    def _number(self, request, name: str) -> int | None:
        raw = request.query_params.get(name, "").strip()
        if raw == "":
            return None
        digits = raw.lstrip("0") or "0"
        if not (raw.isascii() and raw.isdigit()) or len(digits) > 19 or int(digits) > INT64_MAX:
            raise exceptions.ValidationError(
                {name: [_("Enter a whole number from 0 to %(max)d.") % {"max": INT64_MAX}]}
            )
        return int(digits)

    def get_limit(self, request):
        limit = self._number(request, self.limit_query_param)
        return limit or self.default_limit

    def get_offset(self, request):
        return self._number(request, self.offset_query_param) or 0

    def paginate_queryset(self, queryset, request, view=None):
        # Checked even when there is no limit, so a bad offset never passes unnoticed.
        self.get_offset(request)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update({"minimum": 0, "maximum": INT64_MAX})
        return parameters
