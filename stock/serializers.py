from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.serializers import (
    BaseModelSerializer,
    BaseSerializer,
    ChoiceTextField,
    DetailToggleMixin,
    MediaImageField,
    RefusedWritesMixin,
)
from companies.models import Company
from companies.serializers import CompanyBriefSerializer
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation
from stock.statuses import StockStatus
from users.serializers import UserBriefSerializer


class CategoryBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = PartCategory
        fields = ["pk", "name", "pathstring", "structural"]


class CategorySerializer(BaseModelSerializer):
    """InvenTree's ``part/category/`` fields."""

    pk = serializers.IntegerField(source="id", read_only=True)
    level = serializers.IntegerField(read_only=True)
    part_count = serializers.IntegerField(read_only=True, default=0)
    subcategories = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = PartCategory
        fields = [
            "pk",
            "name",
            "description",
            "parent",
            "pathstring",
            "level",
            "structural",
            "default_location",
            "default_keywords",
            "icon",
            "part_count",
            "subcategories",
        ]
        read_only_fields = ["pathstring"]


class PartBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Part
        fields = [
            "pk",
            "IPN",
            "name",
            "full_name",
            "description",
            "revision",
            "category",
            "active",
            "virtual",
            "purchaseable",
            "component",
            "assembly",
            "trackable",
            "salable",
            "units",
        ]


class PartSerializer(PartBriefSerializer):
    stock_item_count = serializers.IntegerField(read_only=True, default=0)
    category_detail = CategoryBriefSerializer(source="category", read_only=True)
    image = MediaImageField()

    class Meta(PartBriefSerializer.Meta):
        fields = [
            *PartBriefSerializer.Meta.fields,
            "category_detail",
            "image",
            "stock_item_count",
            "notes",
            "warranty_months",
        ]

    def validate_category(self, value):
        if value is not None and value.structural:
            raise serializers.ValidationError(
                _("Parts cannot be assigned to structural part categories!")
            )
        return value


class LocationBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = StockLocation
        fields = ["pk", "name", "pathstring", "structural"]


class LocationSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    level = serializers.IntegerField(read_only=True)
    items = serializers.IntegerField(read_only=True, default=0)
    sublocations = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = StockLocation
        fields = [
            "pk",
            "name",
            "description",
            "parent",
            "pathstring",
            "level",
            "structural",
            "items",
            "sublocations",
        ]
        read_only_fields = ["pathstring"]


class StockItemSerializer(RefusedWritesMixin, DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    quantity = serializers.DecimalField(
        max_digits=15,
        decimal_places=5,
        min_value=Decimal(0),
        coerce_to_string=False,
        default=Decimal(1),
    )
    serial_numbers = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("Serial numbers for new items, e.g. 1-5,7 or SN-1"),
    )
    status = serializers.ChoiceField(choices=StockStatus.choices, default=StockStatus.OK)
    status_text = ChoiceTextField(StockStatus.choices, source="status")
    in_stock = serializers.BooleanField(read_only=True)
    part_detail = PartBriefSerializer(source="part", read_only=True)
    location_detail = LocationBriefSerializer(source="location", read_only=True)
    customer_detail = CompanyBriefSerializer(source="customer", read_only=True)

    detail_defaults = {"part_detail": False, "location_detail": False, "customer_detail": False}

    class Meta:
        model = StockItem
        fields = [
            "pk",
            "part",
            "part_detail",
            "quantity",
            "serial",
            "serial_numbers",
            "batch",
            "location",
            "location_detail",
            "status",
            "status_text",
            "customer",
            "customer_detail",
            "in_stock",
            "parent",
            "belongs_to",
            "link",
            "notes",
            "updated",
        ]
        # Customer assignment goes through stock/assign/ (and comes back through returns);
        # ``belongs_to`` (the item this one is installed into) is set by a repair's parts.
        read_only_fields = ["customer", "parent", "belongs_to", "updated"]

    refused_writes = {
        "customer": _(
            "Assign stock to a customer with stock/assign/ (which checks the item may be sold); "
            "it comes back from the customer through a return order."
        ),
    }

    def validate_location(self, value):
        if value is not None and value.structural:
            raise serializers.ValidationError(
                _("Stock items cannot be located into structural stock locations!")
            )
        return value

    def validate(self, attrs):
        if self.instance is not None:
            attrs.pop("serial_numbers", None)
            serial = attrs.get("serial", self.instance.serial)
            part = attrs.get("part", self.instance.part)
            quantity = attrs.get("quantity", self.instance.quantity)
            if serial:
                if quantity != 1:
                    raise serializers.ValidationError(
                        {"quantity": [_("Quantity must be 1 for item with a serial number")]}
                    )
                duplicate = (
                    StockItem.objects.filter(part=part, serial=serial.strip())
                    .exclude(pk=self.instance.pk)
                    .exists()
                )
                if duplicate:
                    raise serializers.ValidationError(
                        {"serial": [_("Serial number already exists")]}
                    )
        return attrs


class StockBulkDeleteSerializer(BaseSerializer):
    """InvenTree's bulk-delete body: the pks to delete, list filters, or both (they combine)."""

    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10000,
        help_text=_("Primary keys of the stock items to delete"),
    )
    filters = serializers.DictField(
        required=False,
        help_text=_(
            'Filters of the stock list (e.g. {"location": 3}); every matching item is deleted'
        ),
    )

    def validate(self, attrs):
        if not attrs.get("items") and not attrs.get("filters"):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("List of items or filters must be provided for bulk operation")
                    ]
                }
            )
        return attrs


class StockAssignItemSerializer(BaseSerializer):
    item = serializers.PrimaryKeyRelatedField(
        queryset=StockItem.objects.all(), label=_("Stock Item")
    )


class StockAssignSerializer(BaseSerializer):
    items = StockAssignItemSerializer(many=True)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), label=_("Customer")
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_customer(self, value):
        if not value.is_customer:
            raise serializers.ValidationError(_("Selected company is not a customer"))
        return value

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError(_("A list of stock items must be provided"))
        return value


class StockTrackingSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    label = serializers.CharField(read_only=True)
    user_detail = UserBriefSerializer(source="user", read_only=True)

    class Meta:
        model = StockItemTracking
        fields = [
            "pk",
            "item",
            "date",
            "tracking_type",
            "label",
            "notes",
            "deltas",
            "user",
            "user_detail",
        ]


class StockAdjustmentItemSerializer(BaseSerializer):
    pk = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        label=_("Stock Item"),
        help_text=_("StockItem primary key"),
    )
    quantity = serializers.DecimalField(
        max_digits=15,
        decimal_places=5,
        min_value=Decimal(0),
        coerce_to_string=False,
        label=_("Quantity"),
    )


class StockAdjustmentSerializer(BaseSerializer):
    """InvenTree's body for ``stock/count/``, ``stock/add/`` and ``stock/remove/``."""

    # A ListField keys each entry's errors by its index: {"items": {"0": {"quantity": [...]}}}.
    items = serializers.ListField(child=StockAdjustmentItemSerializer(), max_length=1000)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=512, label=_("Notes")
    )

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError(_("A list of stock items must be provided"))
        return value


class StockTransferSerializer(StockAdjustmentSerializer):
    """InvenTree's body for ``stock/transfer/``: the adjustment body plus ``location``."""

    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), label=_("Location")
    )

    def validate_location(self, value):
        if value.structural:
            raise serializers.ValidationError(
                _("Stock items cannot be located into structural stock locations!")
            )
        return value
