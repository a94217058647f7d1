"""Limit/offset paging as InvenTree's API has it, with ``limit`` and ``offset`` checked."""

from django.core import paginator
from django.db.models import F, QuerySet, Subquery
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination

from common.filters import INT64_MAX, InSubquery
from common.row_counts import whole_table_count


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

    def get_count(self, queryset):
        """The whole table's kept count for an unfiltered list of a counted table
        (``common.row_counts``); otherwise counted."""
        kept = whole_table_count(queryset) if isinstance(queryset, QuerySet) else None
        return kept if kept is not None else super().get_count(queryset)

    def paginate_queryset(self, queryset, request, view=None):
        # Checked even when there is no limit, so a bad offset never passes unnoticed.
        self.get_offset(request)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update({"minimum": 0, "maximum": INT64_MAX})
        return parameters


class Paginator(paginator.Paginator):
    """Django's paginator, counting an unfiltered list of a counted table as the API does."""

    @cached_property
    def count(self):
        kept = (
            whole_table_count(self.object_list) if isinstance(self.object_list, QuerySet) else None
        )
        return kept if kept is not None else super().count


class KeysFirstPagination(LimitOffsetPagination):
    """Limit/offset paging whose last page costs about what its first page costs.

    With ``OFFSET``, the database builds every row it skips on the way to the page: its joins
    and its annotations. So the page's primary keys are picked on the bare filtered and
    ordered query (joining only what the filters and the ordering need), and only those rows
    are joined, annotated and ordered, in the same query: the count and the page, as with
    plain paging, and the same rows in the same order. For querysets whose rows are
    expensive to build and whose ordering is total (it ends with the primary key).
    """

    def paginate_queryset(self, queryset, request, view=None, *, read=list, read_keys=None):
        """The page, or None without ``limit``; ``read`` turns the page's queryset into rows
        (a list of model instances by default). Given ``read_keys``, the page's keys are read
        first, in a query of their own, and ``read_keys(keys)`` gives the rows in their order:
        for rows read by a query that does not change with the filters."""
        self.request = request
        offset = self.get_offset(request)  # checked even when there is no limit, as above
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = self.get_count(queryset)
        self.offset = offset
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        if read_keys is not None:
            return read_keys(page_keys(queryset, self.offset, self.limit, count=self.count))
        return list(read(page_by_keys(queryset, self.offset, self.limit, count=self.count)))


def page_by_keys(
    queryset: QuerySet, offset: int, limit: int, *, count: int | None = None
) -> QuerySet:
    """``queryset[offset:offset + limit]``, whose skipped rows are never joined or annotated.

    The keys come from the same queryset (same filters, same ordering), reduced to its
    primary key; the rows are then read by key and ordered again (cheap: ``limit`` rows).
    Given the ``count``, a page in the second half is picked from the other end, in reverse
    order (the same rows, as the ordering is total), so the database walks at most half of
    the rows, and the last page costs what the first does. The count is the one the response
    reports; should rows be added between the two queries, a page counted from the far end
    is off by as many rows, as a client paging through a changing list sees anyway.
    """
    ordered, start, stop, _reversed = _window(queryset, offset, limit, count)
    keys = ordered.values("pk")[start:stop]
    return queryset.filter(InSubquery(F("pk"), Subquery(keys)))


def page_keys(queryset: QuerySet, offset: int, limit: int, *, count: int | None = None) -> list:
    """The primary keys of ``queryset[offset:offset + limit]``, in order, picked as
    ``page_by_keys`` picks them (from the nearer end, given the ``count``)."""
    ordered, start, stop, reversed_ = _window(queryset, offset, limit, count)
    keys = list(ordered.values_list("pk", flat=True)[start:stop])
    return keys[::-1] if reversed_ else keys


def _window(queryset: QuerySet, offset: int, limit: int, count: int | None):
    """(queryset to slice, start, stop, reversed?): the page counted from the nearer end."""
    stop = offset + limit
    if count is not None and queryset.ordered and offset > count - stop:
        return queryset.reverse(), max(count - stop, 0), count - offset, True
    return queryset, offset, stop, False
