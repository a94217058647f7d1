"""Reads for return orders: querysets annotated and loaded for what they are shown with."""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from returns.models import (
    ProjectCode,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)
from returns.statuses import OPEN_STATUSES, ReturnOrderLineStatus
from users.models import Owner


def _count_lines(**filters):
    subquery = (
        ReturnOrderLineItem.objects.filter(order=OuterRef("pk"), **filters)
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def with_line_counts(queryset: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    """Add ``line_items``, ``completed_lines`` (outcome set), ``received_lines``, ``overdue``."""
    today = timezone.localdate()
    return queryset.annotate(
        line_items=_count_lines(),
        completed_lines=Coalesce(
            Subquery(
                ReturnOrderLineItem.objects.filter(order=OuterRef("pk"))
                .exclude(outcome=ReturnOrderLineStatus.PENDING)
                .order_by()
                .values("order")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        received_lines=_count_lines(received_date__isnull=False),
        overdue=Case(
            When(
                Q(status__in=OPEN_STATUSES, target_date__isnull=False, target_date__lt=today),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def return_order_list() -> QuerySet[ReturnOrder]:
    """Orders with everything the list and detail serializers read: a fixed query count."""
    return with_line_counts(
        ReturnOrder.objects.select_related(
            "customer",
            "contact",
            "contact__company",
            "address",
            "responsible",
            "responsible__owner_type",
            "project_code",
            "project_code__responsible",
            "project_code__responsible__owner_type",
            "created_by",
        )
    )


LINE_RELATED = ("item", "item__part", "item__location", "item__customer")


def return_order_line_list() -> QuerySet[ReturnOrderLineItem]:
    return ReturnOrderLineItem.objects.select_related("order", *LINE_RELATED)


def return_order_line_list_with_orders() -> QuerySet[ReturnOrderLineItem]:
    """Lines whose ``order_detail`` is shown: the orders carry their annotations too."""
    return ReturnOrderLineItem.objects.select_related(*LINE_RELATED).prefetch_related(
        Prefetch("order", queryset=return_order_list())
    )


def return_order_extra_line_list() -> QuerySet[ReturnOrderExtraLine]:
    return ReturnOrderExtraLine.objects.select_related("order")


def return_order_history(order_pk: int) -> QuerySet[ReturnOrderHistory]:
    return ReturnOrderHistory.objects.filter(order_id=order_pk).select_related("user")


def project_code_list() -> QuerySet[ProjectCode]:
    return ProjectCode.objects.select_related("responsible", "responsible__owner_type")


def orders_assigned_to(user) -> QuerySet[ReturnOrder]:
    return ReturnOrder.objects.filter(responsible__in=Owner.objects.for_user(user))


def has_received_lines(order: ReturnOrder) -> bool:
    return ReturnOrderLineItem.objects.filter(order=order, received_date__isnull=False).exists()
