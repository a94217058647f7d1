"""Return-order serializers: InvenTree's field names; shape checks only, writes go to services."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import BaseModelSerializer, BaseSerializer, DetailToggleMixin
from companies.models import Address, Company, Contact
from companies.serializers import AddressBriefSerializer, CompanyBriefSerializer
from returns.models import ProjectCode, ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus, allowed_transitions
from stock.models import StockItem, StockLocation
from stock.serializers import PartBriefSerializer, StockItemSerializer
from stock.statuses import StockStatus
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


class DuplicateSerializer(BaseSerializer):
    order_id = serializers.IntegerField(label=_("Order ID"))
    copy_lines = serializers.BooleanField(default=True)
    copy_extra_lines = serializers.BooleanField(default=True)

    def validate_order_id(self, value):
        if not ReturnOrder.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Invalid order ID"))
        return value


class ReturnOrderSerializer(DetailToggleMixin, BaseModelSerializer):
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
    status_text = serializers.CharField(source="get_status_display", read_only=True)
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
    duplicate = DuplicateSerializer(write_only=True, required=False, label=_("Duplicate Order"))
    allowed_actions = serializers.SerializerMethodField()
    creation_date = serializers.DateField(required=False, allow_null=True)

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
            "updated_at",
        ]
        read_only_fields = ["issue_date", "complete_date", "updated_at"]

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
            "items": {"type": "string", "enum": ["issue", "hold", "cancel", "complete"]},
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


class ReturnOrderLineItemSerializer(DetailToggleMixin, BaseModelSerializer):
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
    outcome = serializers.ChoiceField(choices=ReturnOrderLineStatus.choices, required=False)
    outcome_text = serializers.CharField(source="get_outcome_display", read_only=True)
    price = MoneyAmountField(min_value=Decimal(0), label=_("Price"))
    price_currency = currency_field(label=_("Currency"), help_text=_("Line price currency"))

    detail_defaults = {"order_detail": False, "item_detail": True, "part_detail": False}

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
            "outcome",
            "outcome_text",
            "price",
            "price_currency",
            "reference",
            "notes",
            "link",
            "target_date",
        ]
        read_only_fields = ["received_date"]
        # Uniqueness is checked by the service, with the order locked.
        validators = []


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


class CompleteSerializer(TransitionSerializer):
    accept_incomplete = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Complete the order even if some lines have not been received"),
    )


class ReceiveLineSerializer(BaseSerializer):
    item = serializers.PrimaryKeyRelatedField(
        queryset=ReturnOrderLineItem.objects.all(), label=_("Return order line item")
    )
    status = serializers.ChoiceField(
        choices=StockStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Stock item status code (default: Quarantined)"),
    )


class ReceiveSerializer(BaseSerializer):
    items = ReceiveLineSerializer(many=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), label=_("Location")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)


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


class ReceiveResultSerializer(BaseSerializer):
    items = ReceiveLineSerializer(many=True)
    location = serializers.IntegerField()
    note = serializers.CharField()
    stock_items = StockItemSerializer(many=True)
