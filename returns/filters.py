"""Filters shared by the return-order API and pages, so both select the same orders."""

from django.db.models import Q
from django_filters import rest_framework as df
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common import validators
from common.filters import FilterSet, search_terms
from companies.models import Company
from returns import dashboard
from returns.models import (
    ProjectCode,
    ReturnOrder,
    ReturnOrderLineItem,
    ReturnOrderRefund,
    ReturnOrderRepair,
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

    class Meta:
        model = ReturnOrder
        fields = ["created_by"]

    def get_form_class(self):
        # A fresh class of this filterset's own fields: dates out of range are a 400 (API)
        # or a message beside the field (index page), like any other invalid filter.
        form_class = super().get_form_class()
        validators.bound_form_dates(form_class.base_fields.values())
        return form_class

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_outstanding(self, queryset, name, value):
        open_q = Q(status__in=OPEN_STATUSES)
        return queryset.filter(open_q) if value else queryset.exclude(open_q)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue=value)

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


# What the add-line page's stock picker searches.
STOCK_PICKER_SEARCH_FIELDS = ["serial", "part__name", "part__IPN", "batch"]


def _search(queryset, text: str, fields: list[str]):
    for term in search_terms(text):
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(match)
    return queryset


def search_orders(queryset, text: str):
    """Every whitespace-separated term must match one of the search fields (as the API's).

    Raises ``ValidationError`` for a search over the limits of ``common.filters.search_terms``.
    """
    return _search(queryset, text, ORDER_SEARCH_FIELDS)


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
