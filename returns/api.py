"""Return-order REST endpoints, at InvenTree's paths. Views parse, call a service, render."""

from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as df
from djmoney.money import Money
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from common.api import ServiceWriteMixin, StatusView
from common.export import DataExportMixin, requested_format
from common.filters import DjangoFilterBackend, FilterSet, OrderingFilter
from common.pagination import KeysFirstPagination
from common.site_settings import TRUE_VALUES
from jobs.serializers import ExportJobSerializer
from returns import exports, selectors, services
from returns.filters import (
    ORDER_SEARCH_FIELDS,
    OrderSearchFilter,
    ReceiptFilter,
    RefundFilter,
    RepairFilter,
    ReturnOrderFilter,
)
from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderReceipt,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
    ReturnReason,
)
from returns.receipt_serializers import (
    ReceiptSerializer,
    ReceiptUndoSerializer,
    ReceiveReceiptsResultSerializer,
    ReceiveReceiptsSerializer,
)
from returns.receive_serializers import ReceiveResultSerializer, ReceiveSerializer
from returns.representation import (
    ReturnOrderPagination,
    ReturnOrderReader,
    order_rows_queryset,
)
from returns.serializers import (
    AuthorizeSerializer,
    CompleteSerializer,
    DeclineSerializer,
    HistorySerializer,
    ProjectCodeSerializer,
    RefundSerializer,
    RepairSerializer,
    RepairUpdateSerializer,
    ResolutionUndoSerializer,
    ResolveRefundSerializer,
    ResolveRejectSerializer,
    ResolveRepairSerializer,
    ResolveReplaceSerializer,
    ResolveReturnSerializer,
    ReturnConditionSerializer,
    ReturnOrderExtraLineSerializer,
    ReturnOrderLineItemSerializer,
    ReturnOrderSerializer,
    ReturnReasonSerializer,
    TransitionSerializer,
)
from returns.statuses import (
    INVENTREE_STATUSES,
    ResolutionKind,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    Transition,
)
from stock.representation import stock_items_as_written

# -- orders --------------------------------------------------------------------------------


ORDER_WRITE_FIELDS = services.ORDER_FIELDS | {"reference", "customer"}


def _order_data(validated: dict) -> dict:
    return {k: v for k, v in validated.items() if k in ORDER_WRITE_FIELDS}


class ReturnOrderMixin(ServiceWriteMixin):
    serializer_class = ReturnOrderSerializer
    # The queryset comes from a selector, so the role check needs the model named.
    permission_model = ReturnOrder

    def get_queryset(self):
        return selectors.return_order_list()


class ExportJobMixin:
    """Exports of more than EXPORT_JOB_THRESHOLD rows run as a job: the answer is a 202 with
    the job to follow (``job``, ``job_url``) and, once it has succeeded, ``output``."""

    export_job_serializer = ExportJobSerializer

    def export_in_background(self, queryset, export_format):
        if not exports.export_runs_as_job(queryset):
            return None
        job = exports.export_start(
            table=self.export_table,
            queryset=queryset,
            export_format=export_format,
            user=self.request.user,
        )
        job.refresh_from_db()  # without a worker it has already run, after the commit
        data = self.export_job_serializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ReturnOrderList(
    ExportJobMixin, DataExportMixin, ReturnOrderMixin, generics.ListCreateAPIView
):
    # Each row carries ten joined tables and three line counts: a deep page must not build
    # them for every row it skips.
    pagination_class = ReturnOrderPagination
    # The default backends, with the search the index page uses (returns.filters).
    filter_backends = [DjangoFilterBackend, OrderSearchFilter, OrderingFilter]
    filterset_class = ReturnOrderFilter
    export_table = exports.ORDER_TABLE
    hide_notes = True
    search_fields = ORDER_SEARCH_FIELDS
    ordering_fields = [
        "creation_date",
        "created_by",
        "reference",
        "customer__name",
        "customer_reference",
        "line_items",
        "status",
        "start_date",
        "target_date",
        "complete_date",
        "project_code",
        "updated_at",
        "total_price",
        "responsible",
    ]
    ordering_field_aliases = {
        "reference": ["reference_int", "reference"],
        "project_code": ["project_code__code"],
        "customer": ["customer__name"],
        "responsible": ["responsible__name"],
    }
    ordering = ["-reference"]

    def list(self, request, *args, **kwargs):
        # The serializer's JSON from plain rows (returns.representation); exports keep theirs.
        if requested_format(request.query_params) is not None or not ReturnOrderReader.covers():
            return super().list(request, *args, **kwargs)
        reader = ReturnOrderReader(request=request, hide_notes=self.hide_notes)
        queryset = self.filter_queryset(order_rows_queryset(request))
        page = self.paginator.paginate_rows(queryset, request, reader)
        if page is not None:
            return self.get_paginated_response(reader.represent(page))
        return Response(reader.represent(list(reader.rows(queryset))))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        fields = _order_data(data)
        order = services.return_order_create(
            user=request.user,
            customer=fields.pop("customer"),
            reference=fields.pop("reference", None),
            duplicate=data.get("duplicate"),
            **fields,
        )
        return self.render_instance(order.pk, status.HTTP_201_CREATED)


class ReturnOrderDetail(ReturnOrderMixin, generics.RetrieveUpdateDestroyAPIView):
    def retrieve(self, request, *args, **kwargs):
        # As get_object() does, with the order read as a row (see ReturnOrderList.list).
        if not ReturnOrderReader.covers():
            return super().retrieve(request, *args, **kwargs)
        reader = ReturnOrderReader(request=request)
        lookup = self.lookup_url_kwarg or self.lookup_field
        # The key through the filters, as get_object() finds the order; then its row.
        keys = self.filter_queryset(order_rows_queryset(request)).values_list("pk", flat=True)
        key = generics.get_object_or_404(keys, **{self.lookup_field: self.kwargs[lookup]})
        rows = reader.rows_for_keys([key])
        if not rows:
            raise Http404
        self.check_object_permissions(request, rows[0])
        return Response(reader.represent_one(rows[0]))

    def perform_service_update(self, order, data):
        services.return_order_update(order=order, user=self.request.user, data=_order_data(data))

    def perform_destroy(self, instance):
        services.return_order_delete(order=instance, user=self.request.user)


class ReturnOrderTransition(generics.GenericAPIView):
    """``POST /api/order/ro/<pk>/<transition>/``: 201 with the order, or 400 saying why not."""

    queryset = ReturnOrder.objects.all()
    serializer_class = TransitionSerializer
    # InvenTree requires the add permission for status changes.
    permission_actions = {"POST": "add"}
    transition: str = ""

    @extend_schema(responses={201: ReturnOrderSerializer})
    def post(self, request, pk):
        order = get_object_or_404(ReturnOrder, pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        options = self.service_options(dict(serializer.validated_data))
        services.TRANSITION_SERVICES[self.transition](order=order, user=request.user, **options)
        fresh = selectors.return_order_list().get(pk=order.pk)
        context = self.get_serializer_context()
        data = ReturnOrderSerializer(fresh, context=context).data
        return Response(data, status=status.HTTP_201_CREATED)

    def service_options(self, validated: dict) -> dict:
        return validated


class ReturnOrderIssue(ReturnOrderTransition):
    transition = Transition.ISSUE


class ReturnOrderHold(ReturnOrderTransition):
    transition = Transition.HOLD


class ReturnOrderCancel(ReturnOrderTransition):
    transition = Transition.CANCEL


class ReturnOrderComplete(ReturnOrderTransition):
    transition = Transition.COMPLETE
    serializer_class = CompleteSerializer


class ReturnOrderAuthorize(ReturnOrderTransition):
    """``POST /api/order/ro/<pk>/authorize/``: Requested → Pending, with the quantity accepted
    per line (``{"lines": [{"line", "quantity"}], "note"}``; lines left out in full)."""

    transition = Transition.AUTHORIZE
    serializer_class = AuthorizeSerializer
    # returns.authorize_returnorder: the return-order role's change flag grants it.
    permission_actions = {"POST": "authorize"}

    def service_options(self, validated: dict) -> dict:
        return {
            "note": validated.get("note", ""),
            "lines": [(entry["line"], entry["quantity"]) for entry in validated.get("lines", [])],
        }


class ReturnOrderDecline(ReturnOrderTransition):
    """``POST /api/order/ro/<pk>/decline/``: Requested → Declined, with a required reason."""

    transition = Transition.DECLINE
    serializer_class = DeclineSerializer
    permission_actions = {"POST": "authorize"}


class ReturnOrderReceive(generics.GenericAPIView):
    """``POST /api/order/ro/<pk>/receive/``: receive lines, all or nothing.

    InvenTree's body (``items``, ``location``) receives whole lines into one location, as
    InvenTree does; a body with ``receipts`` records receipts split into good, damaged and
    missing quantities (``returns.services.receipts``).
    """

    queryset = ReturnOrder.objects.all()
    serializer_class = ReceiveSerializer
    permission_actions = {"POST": "add"}
    # Receiving moves stock, so the stock role's change permission is needed too.
    extra_permissions = {"POST": ["stock.change_stockitem"]}

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="ReturnOrderReceiveBody",
            serializers=[ReceiveSerializer, ReceiveReceiptsSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="ReturnOrderReceiveResult",
                serializers=[ReceiveResultSerializer, ReceiveReceiptsResultSerializer],
                resource_type_field_name=None,
            )
        },
    )
    def post(self, request, pk):
        if isinstance(request.data, Mapping) and "receipts" in request.data:
            return self.post_receipts(request, pk)
        serializer = self.get_serializer(data=request.data)
        self.validate_or_404(serializer, pk)
        data = serializer.validated_data
        # The service locks the order by pk: no query more to read it first.
        try:
            moved = services.return_order_receive(
                order=pk,
                lines=[(entry["item"].pk, entry.get("status")) for entry in data["items"]],
                location=data["location"],
                user=request.user,
                note=data.get("note", ""),
                conditions={
                    entry["item"].pk: entry["condition"].pk
                    for entry in data["items"]
                    if entry.get("condition") is not None
                },
            )
        except ReturnOrder.DoesNotExist as exc:
            raise Http404 from exc
        return Response(
            {
                "items": [
                    {"item": entry["item"].pk, "status": entry.get("status")}
                    for entry in data["items"]
                ],
                "location": data["location"].pk,
                "note": data.get("note", ""),
                # StockItemSerializer's output, read as rows (stock.representation).
                "stock_items": stock_items_as_written(item.pk for item in moved),
            },
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def validate_or_404(serializer, pk) -> None:
        """A bad body is a 400, unless the order does not exist (404, as before)."""
        if not serializer.is_valid():
            get_object_or_404(ReturnOrder, pk=pk)
            serializer.is_valid(raise_exception=True)

    def post_receipts(self, request, pk):
        serializer = ReceiveReceiptsSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        self.validate_or_404(serializer, pk)
        data = serializer.validated_data
        requests = [
            services.ReceiptRequest(
                line=entry["line"].pk,
                notes=entry.get("notes", ""),
                condition=entry.get("condition"),
                dispositions=[
                    services.DispositionRequest(
                        kind=d["kind"],
                        quantity=d["quantity"],
                        location=d.get("location"),
                        status=d.get("status"),
                    )
                    for d in entry["dispositions"]
                ],
            )
            for entry in data["receipts"]
        ]
        try:
            made = services.return_order_receive_split(
                order=pk, receipts=requests, user=request.user, note=data.get("note", "")
            )
        except ReturnOrder.DoesNotExist as exc:
            raise Http404 from exc
        receipts = receipt_list().filter(pk__in=[receipt.pk for receipt in made]).order_by("pk")
        return Response(
            {
                "receipts": ReceiptSerializer(
                    receipts, many=True, context=self.get_serializer_context()
                ).data
            },
            status=status.HTTP_201_CREATED,
        )


def receipt_list():
    """Receipts with their dispositions: two queries whatever their number."""
    return ReturnOrderReceipt.objects.select_related("condition").prefetch_related("dispositions")


class ReceiptMixin:
    serializer_class = ReceiptSerializer
    permission_model = ReturnOrder

    def get_queryset(self):
        return receipt_list()


class ReceiptList(ReceiptMixin, generics.ListAPIView):
    """``GET /api/order/ro-receipt/?order=<pk>``: receipts with their dispositions, undone
    ones included (``undone``), newest first."""

    filterset_class = ReceiptFilter
    ordering_fields = ["created_at"]


class ReceiptDetail(ReceiptMixin, generics.RetrieveAPIView):
    pass


class ReceiptUndo(ReceiptMixin, generics.GenericAPIView):
    """``POST /api/order/ro-receipt/<pk>/undo/``: undo a receipt (200 with it, 400 if refused)."""

    serializer_class = ReceiptUndoSerializer
    permission_actions = {"POST": "add"}
    extra_permissions = {"POST": ["stock.change_stockitem"]}

    @extend_schema(responses={200: ReceiptSerializer})
    def post(self, request, pk):
        receipt = get_object_or_404(ReturnOrderReceipt, pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.return_order_receipt_undo(
            receipt=receipt, user=request.user, note=serializer.validated_data.get("note", "")
        )
        fresh = receipt_list().get(pk=receipt.pk)
        return Response(ReceiptSerializer(fresh, context=self.get_serializer_context()).data)


class ReturnOrderHistoryList(generics.ListAPIView):
    """``GET /api/order/ro/<pk>/history/``: status changes and receipts, newest first."""

    serializer_class = HistorySerializer
    permission_model = ReturnOrder
    queryset = ReturnOrderHistory.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReturnOrderHistory.objects.none()
        get_object_or_404(ReturnOrder, pk=self.kwargs["pk"])
        return selectors.return_order_history(self.kwargs["pk"])


class ReturnOrderStatusView(StatusView):
    """The order statuses. Requested and Declined are listed only while authorization is on
    or some order has one of them: otherwise an InvenTree client sees InvenTree's list."""

    status_class = ReturnOrderStatus

    def shown_members(self):
        if services.authorization_statuses_in_use():
            return list(ReturnOrderStatus)
        return [member for member in ReturnOrderStatus if member in INVENTREE_STATUSES]


class ReturnOrderLineStatusView(StatusView):
    status_class = ReturnOrderLineStatus


def _wants(request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in TRUE_VALUES


# -- lines ---------------------------------------------------------------------------------


def _with_money(data: dict, order: ReturnOrder, *, instance=None) -> dict:
    """Fold ``price`` and ``price_currency`` into one Money value (or leave price untouched)."""
    data = dict(data)
    has_price = "price" in data
    has_currency = "price_currency" in data
    amount = data.pop("price", None)
    currency = data.pop("price_currency", None)
    if not has_price and not has_currency:
        return data
    if not has_price and instance is not None and instance.price is not None:
        amount = instance.price.amount
    if not has_currency and instance is not None and instance.price is not None:
        currency = str(instance.price.currency)
    data["price"] = (
        Money(amount, (currency or order.currency).upper()) if amount is not None else None
    )
    return data


class LineFilter(FilterSet):
    received = df.BooleanFilter(field_name="received_date", lookup_expr="isnull", exclude=True)
    has_pricing = df.BooleanFilter(field_name="price", lookup_expr="isnull", exclude=True)
    order_status = df.TypedChoiceFilter(
        field_name="order__status", choices=ReturnOrderStatus.choices, coerce=int
    )
    outcome = df.TypedChoiceFilter(choices=ReturnOrderLineStatus.choices, coerce=int)
    customer = df.NumberFilter(field_name="order__customer")
    reason = df.ModelChoiceFilter(queryset=ReturnReason.objects.all())
    condition = df.ModelChoiceFilter(queryset=ReturnCondition.objects.all())

    class Meta:
        model = ReturnOrderLineItem
        fields = ["order", "item"]


def _repair_parts(lookup: str = "parts") -> Prefetch:
    return Prefetch(lookup, queryset=ReturnOrderRepairPart.objects.select_related("part"))


def with_standing_resolutions(queryset):
    """Lines carrying ``standing`` (their standing resolution, if any) for ``resolution_detail``.

    Whatever the number of lines: one query more for their standing resolutions (joined
    with repair, refund, replacement and users), and one for the repairs' parts when any of
    them is a repair.
    """
    return queryset.prefetch_related(
        Prefetch("resolutions", queryset=selectors.standing_resolutions(), to_attr="standing")
    )


def line_queryset(*, with_orders: bool, with_resolutions: bool = True):
    queryset = (
        selectors.return_order_line_list_with_orders()
        if with_orders
        else selectors.return_order_line_list()
    )
    return with_standing_resolutions(queryset) if with_resolutions else queryset


class LineMixin(ServiceWriteMixin):
    serializer_class = ReturnOrderLineItemSerializer
    permission_model = ReturnOrderLineItem

    def get_queryset(self):
        wants_order = _wants(self.request, "order_detail")
        return line_queryset(
            with_orders=wants_order or self.request.method not in ("GET", "HEAD", "OPTIONS"),
            with_resolutions=self.shows_resolutions(),
        )

    def shows_resolutions(self) -> bool:
        return True


class ReturnOrderLineList(ExportJobMixin, DataExportMixin, LineMixin, generics.ListCreateAPIView):
    # Lines join their order, item, part, location and customer: see ReturnOrderList.
    pagination_class = KeysFirstPagination
    filterset_class = LineFilter
    export_table = exports.LINE_TABLE
    search_fields = ["item__serial", "item__part__name", "item__part__description", "reference"]
    ordering_fields = ["reference", "target_date", "received_date", "outcome", "quantity"]
    ordering_field_aliases = {
        "part": ["item__part__name"],
        "IPN": ["item__part__IPN"],
        "stock": ["item__quantity", "item__serial_int", "item__serial"],
        "order": ["order__reference_int"],
    }

    def shows_resolutions(self) -> bool:
        # An export's columns hold no resolution: it need not load them (chunk by chunk).
        return requested_format(self.request.query_params) is None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = data.pop("order")
        data = _with_money(data, order)
        line = services.return_order_line_create(
            order=order,
            item=data.pop("item"),
            quantity=data.pop("quantity", 1),
            user=request.user,
            **data,
        )
        return self.render_instance(line.pk, status.HTTP_201_CREATED)


class ReturnOrderLineDetail(LineMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_service_update(self, line, data):
        data = _with_money(data, line.order, instance=line)
        services.return_order_line_update(line=line, user=self.request.user, data=data)

    def perform_destroy(self, instance):
        services.return_order_line_delete(line=instance, user=self.request.user)


class ReturnOrderExtraLineMixin(ServiceWriteMixin):
    serializer_class = ReturnOrderExtraLineSerializer
    permission_model = ReturnOrderExtraLine

    def get_queryset(self):
        wants_order = _wants(self.request, "order_detail")
        queryset = selectors.return_order_extra_line_list()
        if wants_order or self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = queryset.prefetch_related(
                Prefetch("order", queryset=selectors.return_order_list())
            )
        return queryset


class ReturnOrderExtraLineList(ReturnOrderExtraLineMixin, generics.ListCreateAPIView):
    filterset_fields = ["order"]
    search_fields = ["quantity", "notes", "reference", "description"]
    ordering_fields = ["quantity", "notes", "reference", "description"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = data.pop("order")
        extra = services.return_order_extra_line_create(
            order=order, user=request.user, **_with_money(data, order)
        )
        return self.render_instance(extra.pk, status.HTTP_201_CREATED)


class ReturnOrderExtraLineDetail(ReturnOrderExtraLineMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_service_update(self, extra, data):
        data = _with_money(data, extra.order, instance=extra)
        services.return_order_extra_line_update(extra=extra, user=self.request.user, data=data)

    def perform_destroy(self, instance):
        services.return_order_extra_line_delete(extra=instance, user=self.request.user)


# -- project codes -------------------------------------------------------------------------


class ProjectCodeMixin:
    serializer_class = ProjectCodeSerializer
    permission_model = ProjectCode

    def get_queryset(self):
        return selectors.project_code_list()


class ProjectCodeList(ProjectCodeMixin, generics.ListCreateAPIView):
    filterset_fields = ["responsible"]
    search_fields = ["code", "description"]
    ordering_fields = ["code"]
    ordering = ["code"]


class ProjectCodeDetail(ProjectCodeMixin, generics.RetrieveUpdateDestroyAPIView):
    pass


# -- return reasons and arrival conditions -------------------------------------------------


class ReturnChoiceFilter(FilterSet):
    active = df.BooleanFilter()


class ReturnChoiceMixin(ServiceWriteMixin):
    """``ro-reason/`` and ``ro-condition/``: the same list shape, ``permission_model`` says
    which. Writes go through the services; deleting an entry in use is a 400."""

    filterset_class = ReturnChoiceFilter
    line_field = "reason"  # the line's foreign key to this list
    search_fields = ["code", "label"]
    ordering_fields = ["sort_order", "code", "label", "active"]
    ordering = ["sort_order", "label", "pk"]

    def get_queryset(self):
        used = ReturnOrderLineItem.objects.filter(**{self.line_field: OuterRef("pk")})
        return self.permission_model.objects.annotate(in_use=Exists(used))

    def perform_service_update(self, entry, data):
        services.choice_entry_update(entry=entry, user=self.request.user, data=data)

    def perform_destroy(self, instance):
        services.choice_entry_delete(entry=instance, user=self.request.user)


class ReturnChoiceListView(ReturnChoiceMixin, generics.ListCreateAPIView):
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.choice_entry_create(
            model=self.permission_model, user=request.user, data=serializer.validated_data
        )
        return self.render_instance(entry.pk, status.HTTP_201_CREATED)


class ReturnReasonList(ReturnChoiceListView):
    """``GET/POST /api/order/ro-reason/``: the configurable return reasons."""

    serializer_class = ReturnReasonSerializer
    permission_model = ReturnReason


class ReturnReasonDetail(ReturnChoiceMixin, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ReturnReasonSerializer
    permission_model = ReturnReason


class ReturnConditionList(ReturnChoiceListView):
    """``GET/POST /api/order/ro-condition/``: the conditions an item can arrive in."""

    line_field = "condition"

    serializer_class = ReturnConditionSerializer
    permission_model = ReturnCondition


class ReturnConditionDetail(ReturnChoiceMixin, generics.RetrieveUpdateDestroyAPIView):
    line_field = "condition"
    serializer_class = ReturnConditionSerializer
    permission_model = ReturnCondition


# -- line resolutions ----------------------------------------------------------------------


class ResolutionPermissions:
    """Resolving moves stock on the order's behalf: the order's change permission and the
    stock role's change permission, both."""

    permission_model = ReturnOrder
    permission_actions = {"POST": "change", "PATCH": "change"}
    extra_permissions = {"POST": ["stock.change_stockitem"], "PATCH": ["stock.change_stockitem"]}


def _part_uses(entries) -> list[services.PartUse]:
    return [
        services.PartUse(
            # A partial PATCH applies no defaults, not even inside its list entries.
            quantity=entry.get("quantity", Decimal(1)),
            item=entry["item"].pk if entry.get("item") else None,
            part=entry["part"].pk if entry.get("part") else None,
            location=entry["location"].pk if entry.get("location") else None,
        )
        for entry in entries
    ]


def _repair_arguments(data: dict) -> dict:
    """Serializer data as ``line_resolve_repair`` / ``repair_update`` take it.

    The serializer bounds ``cost`` as the column does, so the services' ``cost_amount``
    messages (for a cost too large to store) cannot arise from this API.
    """
    data = dict(data)
    if "cost" in data:
        data["cost_amount"] = data.pop("cost")
    return data


class LineResolve(ResolutionPermissions, generics.GenericAPIView):
    """``POST /api/order/ro-line/<pk>/resolve/<kind>/``: 201 with the line, or 400 saying why.

    The service locks the order, the line and the stock, and checks the state under the
    locks; this view only checks the body's shape.
    """

    queryset = ReturnOrderLineItem.objects.all()
    kind = ""

    @extend_schema(responses={201: ReturnOrderLineItemSerializer})
    def post(self, request, pk):
        line = get_object_or_404(ReturnOrderLineItem, pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform(line, dict(serializer.validated_data), request.user)
        fresh = line_queryset(with_orders=True).get(pk=line.pk)
        data = ReturnOrderLineItemSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform(self, line, data: dict, user) -> None:
        services.RESOLVE_SERVICES[self.kind](line=line, user=user, **data)


class LineResolveReturn(LineResolve):
    serializer_class = ResolveReturnSerializer
    kind = ResolutionKind.RETURN


class LineResolveRepair(LineResolve):
    serializer_class = ResolveRepairSerializer
    kind = ResolutionKind.REPAIR

    def perform(self, line, data, user):
        data = _repair_arguments(data)
        parts = _part_uses(data.pop("parts", []))
        services.line_resolve_repair(line=line, user=user, parts=parts, **data)


class LineResolveReplace(LineResolve):
    serializer_class = ResolveReplaceSerializer
    kind = ResolutionKind.REPLACE


class LineResolveRefund(LineResolve):
    serializer_class = ResolveRefundSerializer
    kind = ResolutionKind.REFUND


class LineResolveReject(LineResolve):
    serializer_class = ResolveRejectSerializer
    kind = ResolutionKind.REJECT


class LineResolutionUndo(LineResolve):
    serializer_class = ResolutionUndoSerializer

    def perform(self, line, data, user):
        services.line_resolution_undo(line=line, user=user, note=data.get("note", ""))


def repair_list():
    return ReturnOrderRepair.objects.select_related("resolution", "technician").prefetch_related(
        _repair_parts()
    )


class RepairMixin(ResolutionPermissions):
    serializer_class = RepairSerializer

    def get_queryset(self):
        return repair_list()


class RepairList(RepairMixin, generics.ListAPIView):
    """``GET /api/order/ro-repair/``: repairs, undone ones included (``reversed``)."""

    filterset_class = RepairFilter
    search_fields = ["fault", "work_done"]
    ordering_fields = ["started_at", "finished_at", "labour_minutes"]


class RepairDetail(RepairMixin, generics.RetrieveAPIView):
    """``GET``, and ``PATCH`` to edit an open repair, add parts to it or finish it."""

    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "PATCH":
            return RepairUpdateSerializer
        return RepairSerializer

    @extend_schema(request=RepairUpdateSerializer, responses={200: RepairSerializer})
    def patch(self, request, pk):
        repair = get_object_or_404(ReturnOrderRepair, pk=pk)
        serializer = RepairUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = _repair_arguments(serializer.validated_data)
        parts = _part_uses(data.pop("parts", []))
        finish = data.pop("finish", False)
        services.repair_update(
            repair=repair, user=request.user, data=data, parts=parts, finish=finish
        )
        fresh = repair_list().get(pk=repair.pk)
        return Response(RepairSerializer(fresh, context=self.get_serializer_context()).data)


class RefundMixin(ResolutionPermissions):
    serializer_class = RefundSerializer

    def get_queryset(self):
        return ReturnOrderRefund.objects.select_related("resolution")


class RefundList(RefundMixin, generics.ListAPIView):
    """``GET /api/order/ro-refund/``: refunds, undone ones included (``reversed``)."""

    filterset_class = RefundFilter
    search_fields = ["reference", "method"]
    ordering_fields = ["date", "amount", "reference"]


class RefundDetail(RefundMixin, generics.RetrieveAPIView):
    pass
