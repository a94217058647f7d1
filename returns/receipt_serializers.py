"""Receipts on the REST side: the richer receive body, and the receipts it records."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.serializers import BaseModelSerializer, BaseSerializer, ChoiceTextField
from returns.models import (
    ReturnCondition,
    ReturnOrderLineItem,
    ReturnOrderReceipt,
    ReturnOrderReceiptDisposition,
)
from returns.serializers import ChoiceBriefSerializer
from returns.statuses import DispositionKind
from stock.models import StockLocation
from stock.statuses import StockStatus

QUANTITY = {"max_digits": 15, "decimal_places": 5, "coerce_to_string": False}
MAX_RECEIPTS = 1000
MAX_DISPOSITIONS = 100


class DispositionInputSerializer(BaseSerializer):
    kind = serializers.ChoiceField(choices=DispositionKind.choices)
    quantity = serializers.DecimalField(min_value=0, **QUANTITY)
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), required=False, allow_null=True, default=None
    )
    status = serializers.ChoiceField(
        choices=StockStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("OK for good units; Damaged (the default) or Quarantined for damaged ones"),
    )


class ReceiptInputSerializer(BaseSerializer):
    line = serializers.PrimaryKeyRelatedField(
        queryset=ReturnOrderLineItem.objects.all(), label=_("Return order line item")
    )
    dispositions = DispositionInputSerializer(many=True, max_length=MAX_DISPOSITIONS)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    condition = serializers.PrimaryKeyRelatedField(
        queryset=ReturnCondition.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The condition the units arrived in (an active condition; optional)"),
    )

    def validate_condition(self, value):
        if value is not None and not value.active:
            raise serializers.ValidationError(
                _("The condition “%(label)s” is inactive.") % {"label": value.label}
            )
        return value

    def validate_dispositions(self, value):
        if not value:
            raise serializers.ValidationError(_("Give at least one disposition"))
        return value


class ReceiveReceiptsSerializer(BaseSerializer):
    """The richer receive body: receipts, each split into dispositions."""

    receipts = ReceiptInputSerializer(many=True, max_length=MAX_RECEIPTS)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)

    def validate_receipts(self, value):
        if not value:
            raise serializers.ValidationError(_("Line items must be provided"))
        return value


class DispositionSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    kind_text = ChoiceTextField(DispositionKind.choices, source="kind")
    quantity = serializers.FloatField()
    status_text = ChoiceTextField(StockStatus.choices, source="status", allow_null=True)

    class Meta:
        model = ReturnOrderReceiptDisposition
        fields = [
            "pk",
            "kind",
            "kind_text",
            "quantity",
            "location",
            "status",
            "status_text",
            "stock_item",
        ]
        read_only_fields = fields


class ReceiptSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    quantity = serializers.FloatField()
    undone = serializers.SerializerMethodField(help_text=_("Whether the receipt was undone"))
    dispositions = DispositionSerializer(many=True, read_only=True)
    condition_detail = ChoiceBriefSerializer(source="condition", read_only=True, allow_null=True)

    class Meta:
        model = ReturnOrderReceipt
        fields = [
            "pk",
            "order",
            "line",
            "quantity",
            "notes",
            "created_at",
            "created_by",
            "undone",
            "undone_at",
            "undone_by",
            "condition",
            "condition_detail",
            "dispositions",
        ]
        read_only_fields = fields

    def get_undone(self, obj) -> bool:
        return obj.undone_at is not None


class ReceiveReceiptsResultSerializer(BaseSerializer):
    receipts = ReceiptSerializer(many=True)


class ReceiptUndoSerializer(BaseSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
