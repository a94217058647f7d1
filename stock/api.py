from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters import rest_framework as df
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from common.api import StatusView
from common.filters import FilterSet
from common.site_settings import TRUE_VALUES
from stock import selectors, services
from stock.models import IN_STOCK_FILTER, Part, PartCategory, StockItem, StockLocation
from stock.serializers import (
    CategorySerializer,
    LocationSerializer,
    PartSerializer,
    StockAdjustmentSerializer,
    StockAssignSerializer,
    StockBulkDeleteSerializer,
    StockItemSerializer,
    StockTrackingSerializer,
    StockTransferSerializer,
)
from stock.statuses import StockStatus


def _cascade(data) -> bool:
    return str(data.get("cascade", "")).strip().lower() in TRUE_VALUES


class PartFilter(FilterSet):
    IPN = df.CharFilter(lookup_expr="iexact")
    name = df.CharFilter(lookup_expr="iexact")
    has_stock = df.BooleanFilter(method="filter_has_stock")
    category = df.ModelChoiceFilter(
        queryset=PartCategory.objects.all(), method="filter_category", null_label="null"
    )
    cascade = df.BooleanFilter(method="noop")
    # InvenTree spells the field "purchaseable" and accepts the filter both ways.
    purchasable = df.BooleanFilter(field_name="purchaseable")

    class Meta:
        model = Part
        fields = [
            "IPN",
            "name",
            "active",
            "trackable",
            "salable",
            "virtual",
            "purchaseable",
            "component",
            "assembly",
            "revision",
        ]

    def noop(self, queryset, name, value):
        return queryset

    def filter_category(self, queryset, name, value):
        """InvenTree's rule: ``category=<pk>`` includes the subcategories unless
        ``cascade=false``; ``category=null`` gives the parts without a category."""
        if value is None or value == self.filters[name].null_value:
            return queryset.filter(category__isnull=True)
        if "cascade" not in self.data or _cascade(self.data):
            return queryset.filter(
                Q(category=value) | Q(category__pathstring__startswith=f"{value.pathstring}/")
            )
        return queryset.filter(category=value)

    def filter_has_stock(self, queryset, name, value):
        return (
            queryset.filter(stock_item_count__gt=0)
            if value
            else queryset.filter(stock_item_count=0)
        )


class PartMixin:
    queryset = selectors.part_list()
    serializer_class = PartSerializer

    def perform_create(self, serializer):
        image = serializer.validated_data.pop("image", None)
        part = Part(**serializer.validated_data)
        part.image = image
        serializer.instance = services.part_save(part=part)

    def perform_update(self, serializer):
        with transaction.atomic():
            part = Part.objects.select_for_update().get(pk=serializer.instance.pk)
            for field, value in serializer.validated_data.items():
                setattr(part, field, value)
            serializer.instance = services.part_save(part=part)


class PartList(PartMixin, generics.ListCreateAPIView):
    filterset_class = PartFilter
    search_fields = ["name", "IPN", "description", "revision"]
    ordering_fields = [
        "name",
        "IPN",
        "revision",
        "active",
        "trackable",
        "salable",
        "stock_item_count",
        "category",
    ]
    ordering = ["name"]


class PartDetail(PartMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.part_delete(part=instance)


class LocationFilter(FilterSet):
    parent = df.ModelChoiceFilter(
        queryset=StockLocation.objects.all(), method="filter_parent", null_label="null"
    )
    cascade = df.BooleanFilter(method="noop")
    top_level = df.BooleanFilter(method="filter_top_level")

    class Meta:
        model = StockLocation
        fields = ["name", "structural"]

    def noop(self, queryset, name, value):
        return queryset

    def filter_parent(self, queryset, name, value):
        # A method filter is handed the raw null value ("?parent=null"), not None.
        if value is None or value == self.filters[name].null_value:
            return queryset.filter(parent__isnull=True)
        if str(self.data.get("cascade", "")).strip().lower() in TRUE_VALUES:
            prefix = f"{value.pathstring}/"
            return queryset.filter(pathstring__startswith=prefix)
        return queryset.filter(parent=value)

    def filter_top_level(self, queryset, name, value):
        return queryset.filter(parent__isnull=value)


class LocationMixin:
    queryset = selectors.location_list()
    serializer_class = LocationSerializer

    def perform_create(self, serializer):
        serializer.instance = services.location_save(
            location=StockLocation(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        with transaction.atomic():
            location = serializer.instance
            for field, value in serializer.validated_data.items():
                setattr(location, field, value)
            serializer.instance = services.location_save(location=location)


class LocationList(LocationMixin, generics.ListCreateAPIView):
    filterset_class = LocationFilter
    search_fields = ["name", "description", "pathstring"]
    ordering_fields = ["name", "pathstring", "items", "structural"]
    ordering = ["pathstring"]


class LocationDetail(LocationMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.location_delete(location=instance)


class CategoryFilter(LocationFilter):
    parent = df.ModelChoiceFilter(
        queryset=PartCategory.objects.all(), method="filter_parent", null_label="null"
    )

    class Meta:
        model = PartCategory
        fields = ["name", "structural"]


class CategoryMixin:
    queryset = selectors.category_list()
    serializer_class = CategorySerializer

    def perform_create(self, serializer):
        serializer.instance = services.category_save(
            category=PartCategory(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        with transaction.atomic():
            category = serializer.instance
            for field, value in serializer.validated_data.items():
                setattr(category, field, value)
            serializer.instance = services.category_save(category=category)


class CategoryList(CategoryMixin, generics.ListCreateAPIView):
    """InvenTree's ``part/category/``: the tree, filtered by ``parent`` (``cascade`` for
    every level below it) and ``top_level``."""

    filterset_class = CategoryFilter
    search_fields = ["name", "description", "pathstring"]
    ordering_fields = ["name", "pathstring", "part_count", "structural"]
    ordering = ["pathstring"]


class CategoryDetail(CategoryMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class StockFilter(FilterSet):
    serial = df.CharFilter(lookup_expr="iexact")
    serialized = df.BooleanFilter(method="filter_serialized")
    in_stock = df.BooleanFilter(method="filter_in_stock")
    customer = df.NumberFilter()
    assigned = df.BooleanFilter(method="filter_assigned")
    status = df.ChoiceFilter(choices=StockStatus.choices)
    cascade = df.BooleanFilter(method="noop")
    location = df.NumberFilter(method="filter_location")

    class Meta:
        model = StockItem
        fields = ["part", "batch", "parent"]

    def noop(self, queryset, name, value):
        return queryset

    def filter_serialized(self, queryset, name, value):
        serialized = Q(serial__isnull=False) & ~Q(serial="")
        return queryset.filter(serialized) if value else queryset.exclude(serialized)

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(IN_STOCK_FILTER) if value else queryset.exclude(IN_STOCK_FILTER)

    def filter_assigned(self, queryset, name, value):
        return queryset.filter(customer__isnull=not value)

    def filter_location(self, queryset, name, value):
        if str(self.data.get("cascade", "")).strip().lower() in TRUE_VALUES:
            location = StockLocation.objects.filter(pk=value).first()
            if location is None:
                return queryset.none()
            return queryset.filter(
                Q(location=location) | Q(location__pathstring__startswith=f"{location.pathstring}/")
            )
        return queryset.filter(location_id=value)


class StockMixin:
    queryset = selectors.stock_item_list()
    serializer_class = StockItemSerializer


class StockList(StockMixin, generics.ListCreateAPIView):
    """Stock items. ``POST`` with ``serial_numbers`` creates one item per serial and answers
    with a list, as InvenTree does."""

    filterset_class = StockFilter
    search_fields = [
        "serial",
        "batch",
        "part__name",
        "part__IPN",
        "part__description",
        "location__name",
        "notes",
    ]
    ordering_fields = [
        "part__name",
        "quantity",
        "status",
        "location__pathstring",
        "updated",
        "batch",
    ]
    ordering_field_aliases = {
        "part": ["part__name"],
        "IPN": ["part__IPN"],
        "location": ["location__pathstring"],
        "stock": ["quantity", "serial_int", "serial"],
        "serial": ["serial_int", "serial"],
    }
    ordering = ["part__name", "serial_int", "serial"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = services.stock_item_create(
            part=data["part"],
            quantity=data.get("quantity", 1),
            user=request.user,
            location=data.get("location"),
            serial_numbers=data.get("serial_numbers") or data.get("serial"),
            batch=data.get("batch", ""),
            status=data.get("status", StockStatus.OK),
            notes=data.get("notes"),
            link=data.get("link", ""),
        )
        items = list(
            selectors.stock_item_list().filter(pk__in=[i.pk for i in items]).order_by("pk")
        )
        output = self.get_serializer(items, many=True)
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="api_stock_bulk_destroy",
        request=StockBulkDeleteSerializer,
        responses={204: None},
    )
    def delete(self, request, *args, **kwargs):
        """InvenTree's bulk delete: ``{"items": [pk, ...]}`` and/or ``{"filters": {...}}`` (the
        list's own query filters), in one transaction. A body with neither is refused (400), so
        that no request deletes every item; an unknown filter is a 400 too."""
        body = StockBulkDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        queryset = StockItem.objects.all()
        if body.validated_data.get("items"):
            queryset = queryset.filter(pk__in=body.validated_data["items"])
        filters = body.validated_data.get("filters") or {}
        if filters:
            unknown = sorted(set(filters) - set(StockFilter.base_filters))
            if unknown:
                raise drf_serializers.ValidationError(
                    {"filters": [_("Unknown filter: %(names)s") % {"names": ", ".join(unknown)}]}
                )
            filterset = StockFilter(data={k: str(v) for k, v in filters.items()}, queryset=queryset)
            if not filterset.is_valid():
                raise drf_serializers.ValidationError({"filters": filterset.errors})
            queryset = filterset.qs
        services.stock_items_delete(
            pks=list(queryset.values_list("pk", flat=True)), user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class StockDetail(StockMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_update(self, serializer):
        serializer.instance = services.stock_item_update(
            item=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.stock_item_delete(item=instance)


class StockAssign(generics.GenericAPIView):
    """``POST /api/stock/assign/``: hand in-stock, salable items to a customer."""

    queryset = StockItem.objects.all()
    serializer_class = StockAssignSerializer
    permission_actions = {"POST": "change"}

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = services.stock_items_assign(
            items=[entry["item"] for entry in data["items"]],
            customer=data["customer"],
            user=request.user,
            notes=data.get("notes", ""),
        )
        return Response(
            {
                "items": [{"item": item.pk} for item in items],
                "customer": data["customer"].pk,
                "notes": data.get("notes", ""),
            },
            status=status.HTTP_201_CREATED,
        )


class StockAdjustView(generics.GenericAPIView):
    """Base of InvenTree's stock adjustments: ``POST`` ``{"items": [{"pk", "quantity"}], "notes"}``.

    Answers 201 with the accepted body; 400 with messages keyed by entry index for refused
    entries, and nothing changed.
    """

    queryset = StockItem.objects.all()
    serializer_class = StockAdjustmentSerializer
    permission_actions = {"POST": "change"}
    service = None

    def call_service(self, data: dict, entries: list, user):
        return type(self).service(items=entries, user=user, notes=data.get("notes", ""))

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entries = [
            services.StockAdjustment(pk=entry["pk"], quantity=entry["quantity"])
            for entry in data["items"]
        ]
        try:
            self.call_service(data, entries, request.user)
        except services.StockAdjustmentError as exc:
            errors = dict(exc.other_errors)
            if exc.item_errors:
                errors["items"] = {str(index): fields for index, fields in exc.item_errors.items()}
            raise drf_serializers.ValidationError(errors) from exc
        body = {
            "items": [{"pk": entry.pk, "quantity": entry.quantity} for entry in entries],
            "notes": data.get("notes", ""),
        }
        if "location" in data:
            body["location"] = data["location"].pk
        return Response(body, status=status.HTTP_201_CREATED)


class StockCount(StockAdjustView):
    """``POST /api/stock/count/``: set each item's quantity to the counted one."""

    service = staticmethod(services.stock_items_count)


class StockAdd(StockAdjustView):
    """``POST /api/stock/add/``: add each quantity to its item."""

    service = staticmethod(services.stock_items_add)


class StockRemove(StockAdjustView):
    """``POST /api/stock/remove/``: take each quantity out of its item."""

    service = staticmethod(services.stock_items_remove)


class StockTransfer(StockAdjustView):
    """``POST /api/stock/transfer/``: move each quantity into ``location``, splitting if partial."""

    serializer_class = StockTransferSerializer

    def call_service(self, data: dict, entries: list, user):
        return services.stock_items_transfer(
            items=entries, location=data["location"], user=user, notes=data.get("notes", "")
        )


class TrackingMixin:
    queryset = selectors.tracking_list()
    serializer_class = StockTrackingSerializer


class TrackingList(TrackingMixin, generics.ListAPIView):
    filterset_fields = ["item", "user", "tracking_type"]
    search_fields = ["notes"]
    ordering_fields = ["date", "tracking_type"]
    ordering = ["-date"]


class TrackingDetail(TrackingMixin, generics.RetrieveAPIView):
    pass


class StockStatusView(StatusView):
    status_class = StockStatus
