"""Return-order serializers: InvenTree's field names; shape checks only, writes go to services."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import (
    BaseModelSerializer,
    BaseSerializer,
    ChoiceTextField,
    DetailToggleMixin,
    RefusedWritesMixin,
)
from companies.models import Address, Company, Contact
from companies.serializers import AddressBriefSerializer, CompanyBriefSerializer
from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
    ReturnReason,
)
from returns.statuses import (
    RejectDisposition,
    ResolutionKind,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    Transition,
    WarrantyStartSource,
    WarrantyStatus,
    allowed_transitions,
)
from stock.models import Part, StockItem, StockLocation
from stock.serializers import PartBriefSerializer, StockItemSerializer
from stock.statuses import SCRAP_CODES, StockStatus
from users.models import Owner
from users.serializers import OwnerSerializer, UserBriefSerializer

# Quantities are stored as DecimalField(15, 5): ten digits before the point.
MAX_QUANTITY = 9_999_999_999


@extend_schema_field(OpenApiTypes.DOUBLE)
class MoneyAmountField(serializers.DecimalField):
    """The amount of a django-money field as a JSON number (InvenTree sends floats)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 19)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        amount = getattr(value, "amount", value)
        return float(amount)


def currency_field(**kwargs):
    return serializers.ChoiceField(
        choices=[(c, c) for c in settings.CURRENCIES],
        allow_null=True,
        allow_blank=True,
        required=False,
        **kwargs,
    )


class ContactDetailSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = Contact
        fields = ["pk", "company", "company_name", "name", "phone", "email", "role"]


class ProjectCodeSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    responsible_detail = OwnerSerializer(source="responsible", read_only=True)

    class Meta:
        model = ProjectCode
        fields = ["pk", "code", "description", "responsible", "responsible_detail"]


class ReturnChoiceSerializer(BaseModelSerializer):
    """An entry of the return reasons or of the arrival conditions."""

    pk = serializers.IntegerField(source="id", read_only=True)
    in_use = serializers.SerializerMethodField(
        help_text=_("Whether some line uses it (it can then be deactivated, not deleted)")
    )

    class Meta:
        fields = ["pk", "code", "label", "active", "sort_order", "in_use"]

    def get_in_use(self, obj) -> bool:
        annotated = getattr(obj, "in_use", None)
        return bool(annotated) if annotated is not None else obj.lines.exists()


class ReturnReasonSerializer(ReturnChoiceSerializer):
    class Meta(ReturnChoiceSerializer.Meta):
        model = ReturnReason


class ReturnConditionSerializer(ReturnChoiceSerializer):
    class Meta(ReturnChoiceSerializer.Meta):
        model = ReturnCondition


class ChoiceBriefSerializer(BaseSerializer):
    """A line's reason or condition as ``reason_detail`` / ``condition_detail`` show it."""

    pk = serializers.IntegerField(source="id", read_only=True)
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    active = serializers.BooleanField(read_only=True)


class DuplicateSerializer(BaseSerializer):
    order_id = serializers.IntegerField(label=_("Order ID"))
    copy_lines = serializers.BooleanField(default=True)
    copy_extra_lines = serializers.BooleanField(default=True)

    def validate_order_id(self, value):
        if not ReturnOrder.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Invalid order ID"))
        return value


class ReturnOrderSerializer(RefusedWritesMixin, DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        label=_("Reference"),
        help_text=_("Return Order reference"),
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.filter(is_customer=True), label=_("Customer")
    )
    customer_detail = CompanyBriefSerializer(source="customer", read_only=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), allow_null=True, required=False, label=_("Contact")
    )
    contact_detail = ContactDetailSerializer(source="contact", read_only=True)
    address = serializers.PrimaryKeyRelatedField(
        queryset=Address.objects.all(), allow_null=True, required=False, label=_("Address")
    )
    address_detail = AddressBriefSerializer(source="address", read_only=True)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=Owner.objects.all(), allow_null=True, required=False, label=_("Responsible")
    )
    responsible_detail = OwnerSerializer(source="responsible", read_only=True)
    project_code = serializers.PrimaryKeyRelatedField(
        queryset=ProjectCode.objects.all(), allow_null=True, required=False, label=_("Project Code")
    )
    project_code_label = serializers.CharField(
        source="project_code.code", read_only=True, default=None
    )
    project_code_detail = ProjectCodeSerializer(source="project_code", read_only=True)
    created_by = UserBriefSerializer(read_only=True)
    status = serializers.IntegerField(read_only=True)
    status_text = ChoiceTextField(ReturnOrderStatus.choices, source="status")
    status_custom_key = serializers.IntegerField(source="status", read_only=True)
    line_items = serializers.IntegerField(read_only=True, default=0)
    completed_lines = serializers.IntegerField(read_only=True, default=0)
    received_lines = serializers.IntegerField(read_only=True, default=0)
    overdue = serializers.BooleanField(read_only=True, default=False)
    order_currency = currency_field(label=_("Order Currency"))
    currency = serializers.CharField(read_only=True)
    total_price = MoneyAmountField(read_only=True)
    total_price_currency = serializers.CharField(read_only=True, allow_null=True)
    total_price_note = serializers.CharField(read_only=True)
    total_refunded = MoneyAmountField(
        read_only=True, help_text=_("Sum of the order's refunds, in the order currency")
    )
    total_refunded_currency = serializers.CharField(read_only=True, allow_null=True)
    total_refunded_note = serializers.CharField(read_only=True)
    duplicate = DuplicateSerializer(write_only=True, required=False, label=_("Duplicate Order"))
    allowed_actions = serializers.SerializerMethodField()
    creation_date = serializers.DateField(required=False, allow_null=True)
    authorized_by = serializers.IntegerField(
        source="authorized_by_id",
        read_only=True,
        allow_null=True,
        help_text=_("User who authorized or declined the order (null if it never needed it)"),
    )
    authorized_date = serializers.DateTimeField(read_only=True, allow_null=True)
    partially_authorized = serializers.BooleanField(
        read_only=True, help_text=_("Some line was authorized for less than its quantity")
    )
    decline_reason = serializers.CharField(read_only=True)
    visible_to_customer = serializers.BooleanField(
        required=False,
        help_text=_("Show this order to the customer's contacts in the customer portal"),
    )
    from_portal = serializers.BooleanField(
        read_only=True, help_text=_("Requested by the customer in the customer portal")
    )

    detail_defaults = {
        "customer_detail": False,
        "contact_detail": True,
        "address_detail": True,
        "responsible_detail": True,
        "project_code_detail": True,
    }

    class Meta:
        model = ReturnOrder
        fields = [
            "pk",
            "reference",
            "created_by",
            "creation_date",
            "issue_date",
            "start_date",
            "target_date",
            "complete_date",
            "description",
            "line_items",
            "completed_lines",
            "received_lines",
            "link",
            "project_code",
            "project_code_label",
            "project_code_detail",
            "responsible",
            "responsible_detail",
            "contact",
            "contact_detail",
            "address",
            "address_detail",
            "status",
            "status_text",
            "status_custom_key",
            "allowed_actions",
            "notes",
            "overdue",
            "duplicate",
            "customer",
            "customer_detail",
            "customer_reference",
            "order_currency",
            "currency",
            "total_price",
            "total_price_currency",
            "total_price_note",
            "total_refunded",
            "total_refunded_currency",
            "total_refunded_note",
            "updated_at",
            "authorized_by",
            "authorized_date",
            "partially_authorized",
            "decline_reason",
            "visible_to_customer",
            "from_portal",
        ]
        read_only_fields = ["issue_date", "complete_date", "updated_at"]

    # InvenTree lets these be edited; here the transitions record them, so that the dates in
    # the order's history and the dates on the order always agree.
    refused_writes = {
        "issue_date": _("The issue date is recorded by the issue action (order/ro/<pk>/issue/)."),
        "complete_date": _(
            "The completion date is recorded by the complete action (order/ro/<pk>/complete/)."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        view = self.context.get("view")
        if getattr(view, "hide_notes", False):
            self.fields.pop("notes", None)

    def get_api_defaults(self):
        from returns import services

        return {"reference": services.next_reference()}

    @extend_schema_field(
        {
            "type": "array",
            "items": {"type": "string", "enum": [t.value for t in Transition]},
        }
    )
    def get_allowed_actions(self, obj) -> list[str]:
        return allowed_transitions(obj.status)

    def validate_order_currency(self, value):
        return value.upper() if value else None

    def validate_duplicate(self, value):
        if self.instance is not None:
            raise serializers.ValidationError(_("Only a new order can be a duplicate"))
        return value


# -- resolutions (read) --------------------------------------------------------------------


class RepairPartSerializer(BaseModelSerializer):
    """A part a repair consumed: the consumed stock item and the item it was taken from."""

    pk = serializers.IntegerField(source="id", read_only=True)
    part_name = serializers.CharField(source="part.full_name", read_only=True)
    quantity = serializers.FloatField(read_only=True)

    class Meta:
        model = ReturnOrderRepairPart
        fields = [
            "pk",
            "item",
            "source_item",
            "part",
            "part_name",
            "quantity",
            "serial",
            "location",
        ]
        read_only_fields = fields


class RepairBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    technician_detail = UserBriefSerializer(source="technician", read_only=True)
    cost = MoneyAmountField(read_only=True)
    cost_currency = serializers.CharField(read_only=True, allow_null=True)
    finished = serializers.BooleanField(read_only=True)
    parts = RepairPartSerializer(many=True, read_only=True)

    class Meta:
        model = ReturnOrderRepair
        fields = [
            "pk",
            "fault",
            "work_done",
            "technician",
            "technician_detail",
            "labour_minutes",
            "cost",
            "cost_currency",
            "under_warranty",
            "started_at",
            "finished_at",
            "finished",
            "parts",
        ]
        read_only_fields = fields


class RefundBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    amount = MoneyAmountField(read_only=True, allow_null=False)
    currency = serializers.CharField(source="amount_currency", read_only=True)

    class Meta:
        model = ReturnOrderRefund
        fields = ["pk", "amount", "currency", "method", "reference", "date"]
        read_only_fields = fields


class _ResolutionRecordMixin(serializers.Serializer):
    """The resolution a repair or refund belongs to: its line, order, and whether it stands."""

    resolution = serializers.IntegerField(source="resolution_id", read_only=True)
    line = serializers.IntegerField(source="resolution.line_id", read_only=True)
    order = serializers.IntegerField(source="resolution.order_id", read_only=True)
    created_at = serializers.DateTimeField(source="resolution.created_at", read_only=True)
    created_by = serializers.IntegerField(
        source="resolution.created_by_id", read_only=True, allow_null=True
    )
    reversed = serializers.SerializerMethodField(
        help_text=_("Whether the resolution was undone (the record stays, marked undone)")
    )
    reversed_at = serializers.DateTimeField(
        source="resolution.reversed_at", read_only=True, allow_null=True
    )

    RECORD_FIELDS = ["resolution", "line", "order", "created_at", "created_by", "reversed"]

    def get_reversed(self, obj) -> bool:
        return obj.resolution.reversed_at is not None


class RepairSerializer(_ResolutionRecordMixin, RepairBriefSerializer):
    """``/api/order/ro-repair/``: a repair with the line and order it was recorded on."""

    class Meta(RepairBriefSerializer.Meta):
        fields = [
            *RepairBriefSerializer.Meta.fields,
            *_ResolutionRecordMixin.RECORD_FIELDS,
            "reversed_at",
        ]
        read_only_fields = fields


class RefundSerializer(_ResolutionRecordMixin, RefundBriefSerializer):
    """``/api/order/ro-refund/``: a refund with the line and order it was recorded on."""

    class Meta(RefundBriefSerializer.Meta):
        fields = [
            *RefundBriefSerializer.Meta.fields,
            *_ResolutionRecordMixin.RECORD_FIELDS,
            "reversed_at",
        ]
        read_only_fields = fields


class ReplacementDetailSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    part_name = serializers.CharField(source="part.full_name", read_only=True)

    class Meta:
        model = StockItem
        fields = ["pk", "serial", "part", "part_name"]
        read_only_fields = fields


class ResolutionDetailSerializer(BaseModelSerializer):
    """A line's standing resolution, with its repair or refund record."""

    pk = serializers.IntegerField(source="id", read_only=True)
    kind = serializers.ChoiceField(choices=ResolutionKind.choices, read_only=True)
    kind_text = serializers.CharField(source="get_kind_display", read_only=True)
    created_by = UserBriefSerializer(read_only=True, allow_null=True)
    unit_status = serializers.IntegerField(read_only=True, allow_null=True)
    unit_status_text = serializers.SerializerMethodField()
    disposition = serializers.CharField(read_only=True)
    replacement_detail = ReplacementDetailSerializer(
        source="replacement_item", read_only=True, allow_null=True
    )
    awaiting_unit = serializers.SerializerMethodField(
        help_text=_("True while the returned unit has not been received")
    )
    # Null for kinds without a record: a missing reverse one-to-one reads as null.
    repair = RepairBriefSerializer(read_only=True, allow_null=True)
    refund = RefundBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReturnOrderLineResolution
        fields = [
            "pk",
            "kind",
            "kind_text",
            "created_at",
            "created_by",
            "notes",
            "unit_status",
            "unit_status_text",
            "reason",
            "disposition",
            "replacement_item",
            "replacement_detail",
            "awaiting_unit",
            "repair",
            "refund",
        ]
        read_only_fields = fields

    def get_unit_status_text(self, obj) -> str | None:
        return obj.get_unit_status_display() if obj.unit_status is not None else None

    def get_awaiting_unit(self, obj) -> bool:
        return obj.line.received_date is None


def standing_resolution(line: ReturnOrderLineItem) -> ReturnOrderLineResolution | None:
    """The line's standing resolution, from ``standing`` when it was prefetched."""
    prefetched = getattr(line, "standing", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return line.resolutions.filter(reversed_at__isnull=True).first()


class ReturnOrderLineItemSerializer(RefusedWritesMixin, DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    order = serializers.PrimaryKeyRelatedField(queryset=ReturnOrder.objects.all(), label=_("Order"))
    order_detail = ReturnOrderSerializer(source="order", read_only=True)
    item = serializers.PrimaryKeyRelatedField(queryset=StockItem.objects.all(), label=_("Item"))
    item_detail = StockItemSerializer(source="item", read_only=True)
    part_detail = PartBriefSerializer(source="item.part", read_only=True)
    quantity = serializers.FloatField(
        default=1,
        max_value=MAX_QUANTITY,
        label=_("Quantity"),
        help_text=_("Quantity to return"),
    )
    received = serializers.BooleanField(read_only=True)
    received_quantity = serializers.FloatField(
        read_only=True, help_text=_("Good and damaged units received so far")
    )
    missing_quantity = serializers.FloatField(
        read_only=True, help_text=_("Units recorded as missing at receipt")
    )
    outstanding_quantity = serializers.FloatField(
        read_only=True, help_text=_("Units neither received nor recorded as missing")
    )
    outcome = serializers.ChoiceField(choices=ReturnOrderLineStatus.choices, required=False)
    outcome_text = ChoiceTextField(ReturnOrderLineStatus.choices, source="outcome")
    price = MoneyAmountField(min_value=Decimal(0), label=_("Price"))
    price_currency = currency_field(label=_("Currency"), help_text=_("Line price currency"))
    resolution_detail = serializers.SerializerMethodField(
        help_text=_("What was done with the line (null until it is resolved)")
    )
    warranty = serializers.ChoiceField(
        choices=WarrantyStatus.choices,
        read_only=True,
        help_text=_("The warranty answer that stands: the override when set, else the computed"),
    )
    warranty_text = ChoiceTextField(WarrantyStatus.choices, source="warranty")
    warranty_start = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "Date the unit was delivered to the customer: taken from its stock tracking, or "
            "entered; null (when writing) goes back to the tracking date"
        ),
    )
    warranty_start_source = serializers.ChoiceField(
        choices=WarrantyStartSource.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("Where warranty_start came from: tracking, entered, or blank when unknown"),
    )
    warranty_override = serializers.ChoiceField(
        choices=WarrantyStatus.choices,
        required=False,
        allow_blank=True,
        help_text=_("Warranty answer set by hand (blank: none); needs warranty_override_reason"),
    )
    authorized_quantity = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Quantity accepted when the order was authorized (null: no limit, or not decided)"
        ),
    )
    reason = serializers.PrimaryKeyRelatedField(
        queryset=ReturnReason.objects.all(),
        required=False,
        allow_null=True,
        label=_("Reason"),
        help_text=_("Why the item is returned (an active return reason)"),
    )
    reason_detail = ChoiceBriefSerializer(source="reason", read_only=True, allow_null=True)
    condition = serializers.PrimaryKeyRelatedField(
        read_only=True,
        label=_("Condition"),
        help_text=_("The condition the item arrived in, recorded when it is received"),
    )
    condition_detail = ChoiceBriefSerializer(source="condition", read_only=True, allow_null=True)

    detail_defaults = {
        "order_detail": False,
        "item_detail": True,
        "part_detail": False,
        "reason_detail": True,
        "condition_detail": True,
    }

    class Meta:
        model = ReturnOrderLineItem
        fields = [
            "pk",
            "order",
            "order_detail",
            "item",
            "item_detail",
            "part_detail",
            "quantity",
            "received_date",
            "received",
            "received_quantity",
            "missing_quantity",
            "outstanding_quantity",
            "outcome",
            "outcome_text",
            "price",
            "price_currency",
            "reference",
            "notes",
            "link",
            "target_date",
            "resolution_detail",
            "authorized_quantity",
            "reason",
            "reason_detail",
            "condition",
            "condition_detail",
            "creation_date",
            "warranty",
            "warranty_text",
            "warranty_status",
            "warranty_start",
            "warranty_start_source",
            "warranty_expiry",
            "warranty_override",
            "warranty_override_reason",
        ]
        read_only_fields = [
            "received_date",
            "creation_date",
            "warranty_status",
            "warranty_start_source",
            "warranty_expiry",
        ]
        # Uniqueness is checked by the service, with the order locked.
        validators = []

    refused_writes = {
        "received_date": _(
            "The received date is recorded when the line is received (order/ro/<pk>/receive/)."
        ),
    }

    @extend_schema_field(ResolutionDetailSerializer(allow_null=True))
    def get_resolution_detail(self, obj):
        resolution = standing_resolution(obj)
        if resolution is None:
            return None
        return ResolutionDetailSerializer(resolution, context=self.context).data


class ReturnOrderExtraLineSerializer(DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    order = serializers.PrimaryKeyRelatedField(queryset=ReturnOrder.objects.all(), label=_("Order"))
    order_detail = ReturnOrderSerializer(source="order", read_only=True)
    quantity = serializers.FloatField(
        default=1, min_value=0, max_value=MAX_QUANTITY, label=_("Quantity")
    )
    price = MoneyAmountField(label=_("Price"))
    price_currency = currency_field(label=_("Currency"), help_text=_("Line price currency"))

    detail_defaults = {"order_detail": False}

    class Meta:
        model = ReturnOrderExtraLine
        fields = [
            "pk",
            "order",
            "order_detail",
            "reference",
            "description",
            "quantity",
            "price",
            "price_currency",
            "notes",
            "link",
            "context",
        ]


class TransitionSerializer(BaseSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AuthorizeLineSerializer(BaseSerializer):
    line = serializers.IntegerField(label=_("Return order line item"))
    quantity = serializers.DecimalField(
        max_digits=15,
        decimal_places=5,
        min_value=Decimal(0),
        help_text=_("Quantity accepted for return, from 0 to the line's quantity"),
    )


class AuthorizeSerializer(TransitionSerializer):
    lines = AuthorizeLineSerializer(
        many=True,
        required=False,
        default=list,
        help_text=_("Lines authorized for less than their quantity; the others in full"),
    )


class DeclineSerializer(BaseSerializer):
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why the return is declined (kept on the order)")
    )


class CompleteSerializer(TransitionSerializer):
    accept_incomplete = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Complete the order even if some lines have not been received"),
    )


class HistorySerializer(BaseSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    kind = serializers.CharField()
    kind_text = serializers.CharField(source="get_kind_display")
    from_status = serializers.IntegerField(allow_null=True)
    from_status_text = serializers.SerializerMethodField()
    to_status = serializers.IntegerField(allow_null=True)
    to_status_text = serializers.SerializerMethodField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    user_detail = UserBriefSerializer(source="user", read_only=True)
    date = serializers.DateTimeField()
    note = serializers.CharField()
    data = serializers.JSONField()

    def get_from_status_text(self, obj) -> str | None:
        return str(ReturnOrderStatus(obj.from_status).label) if obj.from_status else None

    def get_to_status_text(self, obj) -> str | None:
        return str(ReturnOrderStatus(obj.to_status).label) if obj.to_status else None


# -- resolutions (write) -------------------------------------------------------------------

# Shape checks only: the services check the line's, the order's and the stock's state under
# their locks, and answer with field messages of their own.

MAX_LABOUR_MINUTES = 1_000_000  # about two years of working time
MAX_REPAIR_PARTS = 100
QUANTITY_FIELD = {"max_digits": 15, "decimal_places": 5, "coerce_to_string": False}


def notes_field(**kwargs):
    kwargs.setdefault("max_length", 500)
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


def unit_status_field():
    return serializers.ChoiceField(
        choices=StockStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Stock status for the returned unit (applied on receipt if not yet received)"),
    )


class ResolveReturnSerializer(BaseSerializer):
    notes = notes_field()


class PartUseSerializer(BaseSerializer):
    """One part a repair consumes: a stock item, or a quantity of a part from a location."""

    item = serializers.PrimaryKeyRelatedField(
        queryset=StockItem.objects.all(), required=False, allow_null=True, label=_("Stock Item")
    )
    part = serializers.PrimaryKeyRelatedField(
        queryset=Part.objects.all(), required=False, allow_null=True, label=_("Part")
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(),
        required=False,
        allow_null=True,
        label=_("Location"),
        help_text=_("Where to take the part from"),
    )
    quantity = serializers.DecimalField(
        min_value=Decimal("0.00001"), default=Decimal(1), label=_("Quantity"), **QUANTITY_FIELD
    )

    def validate(self, attrs):
        item, part, location = attrs.get("item"), attrs.get("part"), attrs.get("location")
        if item is not None and (part is not None or location is not None):
            raise serializers.ValidationError(
                _("Give a stock item, or a part and a location, not both")
            )
        if item is None and (part is None or location is None):
            raise serializers.ValidationError(
                _("Give a stock item, or a part and the location to take it from")
            )
        return attrs


class RepairFieldsSerializer(BaseSerializer):
    fault = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    work_done = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    technician = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        label=_("Technician"),
    )
    labour_minutes = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_LABOUR_MINUTES, label=_("Labour (minutes)")
    )
    cost = MoneyAmountField(min_value=Decimal(0), label=_("Cost"))
    cost_currency = currency_field(label=_("Cost currency"))
    under_warranty = serializers.BooleanField(required=False)
    parts = PartUseSerializer(
        many=True,
        required=False,
        max_length=MAX_REPAIR_PARTS,
        help_text=_("Parts consumed by the repair (appended to those already recorded)"),
    )
    finish = serializers.BooleanField(
        required=False,
        help_text=_("Finish the repair: the unit is set to OK and sent back to the customer"),
    )


class ResolveRepairSerializer(RepairFieldsSerializer):
    """``resolve/repair/``: every field optional; ``finish`` finishes it at once."""

    notes = notes_field()


class RepairUpdateSerializer(RepairFieldsSerializer):
    """``PATCH ro-repair/<pk>/``: the fields given change, ``parts`` are added."""


class ResolveReplaceSerializer(BaseSerializer):
    replacement_item = serializers.PrimaryKeyRelatedField(
        queryset=StockItem.objects.all(),
        label=_("Replacement item"),
        help_text=_("In-stock item of the same part (or an allowed substitute) to send"),
    )
    unit_status = unit_status_field()
    notes = notes_field()


class ResolveRefundSerializer(BaseSerializer):
    amount = MoneyAmountField(required=True, allow_null=False, label=_("Amount"))
    currency = currency_field(label=_("Currency"), help_text=_("Default: the order currency"))
    method = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, label=_("Method")
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        label=_("Reference"),
        help_text=_("Credit note or payment reference"),
    )
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Default: today")
    )
    unit_status = unit_status_field()
    notes = notes_field()


class ResolveRejectSerializer(BaseSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, label=_("Reason")
    )
    disposition = serializers.ChoiceField(
        choices=RejectDisposition.choices, default=RejectDisposition.RETURN
    )
    scrap_status = serializers.ChoiceField(
        choices=[(code, StockStatus(code).label) for code in SCRAP_CODES],
        default=StockStatus.REJECTED,
        help_text=_("Stock status of a scrapped unit"),
    )
    notes = notes_field()


class ResolutionUndoSerializer(TransitionSerializer):
    """``resolve/undo/``: the note goes into the order's history."""
