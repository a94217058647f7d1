"""Filters shared by the return-order API and pages, so both select the same orders."""

from django.db.models import F, Q, Subquery
from django_filters import rest_framework as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.filters import FilterSet, InSubquery, SearchFilter, search_terms
from companies.models import Company
from returns import dashboard
from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrder,
    ReturnOrderLineItem,
    ReturnOrderReceipt,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnReason,
    overdue_filter,
)
from returns.statuses import OPEN_STATUSES, ReturnOrderStatus
from stock.models import Part
from users.models import Owner

ORDER_SEARCH_FIELDS = [
    "customer__name",
    "reference",
    "description",
    "customer_reference",
    "project_code__code",
]


class ReturnOrderFilter(FilterSet):
    customer = df.ModelChoiceFilter(queryset=Company.objects.all())
    status = df.TypedChoiceFilter(choices=ReturnOrderStatus.choices, coerce=int)
    reference = df.CharFilter(lookup_expr="iexact")
    outstanding = df.BooleanFilter(method="filter_outstanding")
    overdue = df.BooleanFilter(method="filter_overdue")
    assigned_to_me = df.BooleanFilter(method="filter_assigned_to_me")
    awaiting_receipt = df.BooleanFilter(method="filter_awaiting_receipt")
    received_unresolved = df.BooleanFilter(method="filter_received_unresolved")
    # Requested by the customer in the customer portal (the Requests view).
    from_portal = df.BooleanFilter()
    changed_after = df.DateFilter(method="filter_changed_after")
    assigned_to = df.ModelChoiceFilter(queryset=Owner.objects.all(), field_name="responsible")
    project_code = df.ModelChoiceFilter(queryset=ProjectCode.objects.all())
    has_project_code = df.BooleanFilter(
        field_name="project_code", lookup_expr="isnull", exclude=True
    )
    created_before = df.DateFilter(field_name="creation_date", lookup_expr="lt")
    created_after = df.DateFilter(field_name="creation_date", lookup_expr="gt")
    has_start_date = df.BooleanFilter(field_name="start_date", lookup_expr="isnull", exclude=True)
    start_date_before = df.DateFilter(field_name="start_date", lookup_expr="lt")
    start_date_after = df.DateFilter(field_name="start_date", lookup_expr="gt")
    has_target_date = df.BooleanFilter(field_name="target_date", lookup_expr="isnull", exclude=True)
    target_date_before = df.DateFilter(field_name="target_date", lookup_expr="lt")
    target_date_after = df.DateFilter(field_name="target_date", lookup_expr="gt")
    completed_before = df.DateFilter(field_name="complete_date", lookup_expr="lt")
    completed_after = df.DateFilter(field_name="complete_date", lookup_expr="gt")
    min_date = df.DateFilter(method="filter_min_date")
    max_date = df.DateFilter(method="filter_max_date")
    part = extend_schema_field(OpenApiTypes.INT)(
        df.ModelChoiceFilter(queryset=Part.objects.all(), method="filter_part")
    )
    include_variants = df.BooleanFilter(method="filter_noop")
    reason = extend_schema_field(OpenApiTypes.INT)(
        df.ModelChoiceFilter(queryset=ReturnReason.objects.all(), method="filter_line_choice")
    )
    condition = extend_schema_field(OpenApiTypes.INT)(
        df.ModelChoiceFilter(queryset=ReturnCondition.objects.all(), method="filter_line_choice")
    )

    class Meta:
        model = ReturnOrder
        fields = ["created_by"]

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_outstanding(self, queryset, name, value):
        open_q = Q(status__in=OPEN_STATUSES)
        return queryset.filter(open_q) if value else queryset.exclude(open_q)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_filter()) if value else queryset.exclude(overdue_filter())

    def filter_assigned_to_me(self, queryset, name, value):
        owners = Owner.objects.for_user(self.request.user)
        mine = Q(responsible__in=owners)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_awaiting_receipt(self, queryset, name, value):
        q = dashboard.awaiting_receipt_q()
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_received_unresolved(self, queryset, name, value):
        q = dashboard.received_unresolved_q()
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_changed_after(self, queryset, name, value):
        return queryset.filter(dashboard.changed_since_q(value))

    def filter_min_date(self, queryset, name, value):
        return queryset.filter(
            Q(creation_date__gte=value, issue_date__isnull=True, start_date__isnull=True)
            | Q(issue_date__gte=value, start_date__isnull=True)
            | Q(start_date__gte=value)
            | Q(target_date__gte=value)
        )

    def filter_max_date(self, queryset, name, value):
        return queryset.filter(
            Q(creation_date__lte=value, issue_date__isnull=True, start_date__isnull=True)
            | Q(issue_date__lte=value, start_date__isnull=True)
            | Q(start_date__lte=value)
            | Q(target_date__lte=value)
        )

    def filter_part(self, queryset, name, value):
        orders = ReturnOrderLineItem.objects.filter(item__part=value).values("order")
        return queryset.filter(pk__in=orders)

    def filter_line_choice(self, queryset, name, value):
        """Orders with at least one line of that reason (or condition)."""
        orders = ReturnOrderLineItem.objects.filter(**{name: value}).values("order")
        return queryset.filter(pk__in=orders)


# What the add-line page's stock picker searches.
STOCK_PICKER_SEARCH_FIELDS = ["serial", "part__name", "part__IPN", "batch"]


def _search(queryset, text: str, fields: list[str]):
    for term in search_terms(text):
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(match)
    return queryset


def _order_term_q(term: str) -> Q:
    """``term`` is in one of ``ORDER_SEARCH_FIELDS`` (case-insensitive contains).

    A field on a related table (``customer__name``) is matched as ``customer IN (the
    companies whose name contains it)``: the same orders, but the small table is searched
    once instead of joined to every order, the count joins nothing, and on PostgreSQL every
    part of the ``OR`` can be read from an index (the trigram indexes of migration 0006 and
    the foreign keys' own), so a search does not scan every order.
    """
    match = Q()
    for path in ORDER_SEARCH_FIELDS:
        relation, _sep, column = path.partition("__")
        if not column:
            match |= Q(**{f"{path}__icontains": term})
            continue
        related = ReturnOrder._meta.get_field(relation).related_model
        found = related._base_manager.filter(**{f"{column}__icontains": term}).values("pk")
        match |= InSubquery(F(relation), Subquery(found))
    return match


def search_orders(queryset, text: str = "", *, terms: list[str] | None = None):
    """Every whitespace-separated term of ``text`` (or each of the already split ``terms``,
    as the API's search parses them) must match one of ``ORDER_SEARCH_FIELDS``.

    Raises ``ValidationError`` for a search over the limits of ``common.filters.search_terms``.
    """
    for term in search_terms(text, terms=terms):
        queryset = queryset.filter(_order_term_q(term))
    return queryset


class OrderSearchFilter(SearchFilter):
    """The API's ``?search=``, parsed as every list's, matched as the index page's."""

    def filter_queryset(self, request, queryset, view):
        terms = self.get_search_terms(request)
        return search_orders(queryset, terms=terms) if terms else queryset


def search_stock_items(queryset, text: str):
    """The stock picker's search: every term matches a serial, part name, IPN or batch.

    Raises ``ValidationError`` as ``search_orders`` does; the page cuts the search first.
    """
    return _search(queryset, text, STOCK_PICKER_SEARCH_FIELDS)


class _ResolutionRecordFilter(FilterSet):
    """Repairs and refunds by the order or line they were recorded on."""

    order = df.ModelChoiceFilter(
        queryset=ReturnOrder.objects.all(), field_name="resolution__order", label="Order"
    )
    line = df.ModelChoiceFilter(
        queryset=ReturnOrderLineItem.objects.all(), field_name="resolution__line", label="Line"
    )
    reversed = df.BooleanFilter(
        field_name="resolution__reversed_at", lookup_expr="isnull", exclude=True
    )


class RepairFilter(_ResolutionRecordFilter):
    finished = df.BooleanFilter(field_name="finished_at", lookup_expr="isnull", exclude=True)
    under_warranty = df.BooleanFilter()

    class Meta:
        model = ReturnOrderRepair
        fields = ["technician"]


class RefundFilter(_ResolutionRecordFilter):
    class Meta:
        model = ReturnOrderRefund
        fields = ["method"]


class ReceiptFilter(FilterSet):
    # Plain numbers: an unknown order or line lists nothing, without a query to look it up.
    order = df.NumberFilter()
    line = df.NumberFilter()
    undone = df.BooleanFilter(field_name="undone_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ReturnOrderReceipt
        fields = ["order", "line"]
