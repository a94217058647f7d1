"""The receive endpoint's body (InvenTree's ``items`` and ``location``) and its answer.

Shape checks only: ``returns.services.return_order_receive`` locks the order, its lines and
their stock, and checks their state itself.
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.serializers import BaseSerializer
from returns.models import ReturnCondition, ReturnOrderLineItem
from stock.models import StockLocation
from stock.serializers import StockItemSerializer
from stock.statuses import StockStatus

# Where ``ReceiveSerializer`` leaves, for its fields, what it read in one query each: the
# listed lines (by pk, only their keys) and the named conditions.
RECEIVE_LINES = "receive_lines"
RECEIVE_CONDITIONS = "receive_conditions"


def _plain_pks(values) -> set[int]:
    """The keys among ``values`` worth one lookup: integers, and strings of decimal digits
    (``int`` reads any script's; ``isdigit`` would let "²" through, which ``int`` refuses)."""
    pks = set()
    for raw in values:
        if isinstance(raw, int) and not isinstance(raw, bool):
            pks.add(raw)
        elif isinstance(raw, str) and raw.strip().isdecimal():
            pks.add(int(raw))
    return {pk for pk in pks if 0 < pk < 2**63}


class ReceiveLineField(serializers.PrimaryKeyRelatedField):
    """A line pk, looked up among the lines ``ReceiveSerializer`` read in one query.

    A pk that is not among them (or not a plain integer) goes the usual way, so the answer
    for a bad one is DRF's own message.
    """

    def to_internal_value(self, data):
        prefetched = self.context.get(RECEIVE_LINES)
        if prefetched is not None and not isinstance(data, bool):
            try:
                line = prefetched.get(int(data))
            except (TypeError, ValueError, OverflowError):
                line = None
            if line is not None:
                return line
        return super().to_internal_value(data)


class ReceiveConditionField(serializers.PrimaryKeyRelatedField):
    """An active condition's pk, looked up among those ``ReceiveSerializer`` read in one query
    (none when no item names a condition)."""

    def to_internal_value(self, data):
        prefetched = self.context.get(RECEIVE_CONDITIONS)
        condition = None
        if prefetched is not None and not isinstance(data, bool):
            try:
                condition = prefetched.get(int(data))
            except (TypeError, ValueError, OverflowError):
                condition = None
        if condition is None:
            condition = super().to_internal_value(data)
        if not condition.active:
            raise serializers.ValidationError(
                _("The condition “%(label)s” is inactive.") % {"label": condition.label}
            )
        return condition


class ReceiveItemsSerializer(serializers.ListSerializer):
    """The ``items`` list, checked in one pass when every entry has the usual shape.

    The usual entry is a JSON object whose ``item`` is the integer pk of a line
    ``ReceiveSerializer`` found, whose ``status`` (if given) is null or an integer stock status
    code, and whose ``condition`` (if given) is null or the integer pk of an active condition
    it found. Such an entry becomes exactly what the entry serializer makes of it (the line,
    the status, the condition), without the entry serializer's run through its fields, which
    costs more than the rest of checking a hundred lines. As soon as one entry is anything
    else (a string pk, an unknown line, a bad status, ...), the whole list goes DRF's way
    instead, so every error, and every unusual input DRF accepts, is DRF's own.
    """

    def to_internal_value(self, data):
        if type(data) is list and data and self._takes_entries_as_they_are():
            entries = self._usual_entries(data)
            if entries is not None:
                return entries
        return super().to_internal_value(data)

    def _takes_entries_as_they_are(self) -> bool:
        """Whether the entry serializer only checks its three fields: no validators, no
        ``validate`` or ``validate_<field>`` of its own, the fields this pass stands in for."""
        child = self.child
        fields = child.fields
        return (
            set(fields) == {"item", "status", "condition"}
            and type(fields["item"]) is ReceiveLineField
            and type(fields["status"]) is serializers.ChoiceField
            and type(fields["condition"]) is ReceiveConditionField
            and not fields["item"].validators
            and not fields["status"].validators
            and not fields["condition"].validators
            and not child.validators
            and type(child).validate is serializers.Serializer.validate
            and not any(hasattr(child, f"validate_{name}") for name in fields)
        )

    def _usual_entries(self, data: list) -> list[dict] | None:
        """The validated entries, or None as soon as one is not of the usual shape."""
        lines = self.context.get(RECEIVE_LINES)
        conditions = self.context.get(RECEIVE_CONDITIONS)
        if lines is None or conditions is None:
            return None
        codes = self.child.fields["status"].choice_strings_to_values
        entries = []
        for entry in data:
            if type(entry) is not dict:
                return None
            pk = entry.get("item")
            if type(pk) is not int or (line := lines.get(pk)) is None:
                return None
            status = entry.get("status")
            if status is not None:
                if type(status) is not int or str(status) not in codes:
                    return None
                status = codes[str(status)]
            condition = entry.get("condition")
            if condition is not None:
                if type(condition) is not int:
                    return None
                condition = conditions.get(condition)
                if condition is None or not condition.active:
                    return None
            entries.append({"item": line, "status": status, "condition": condition})
        return entries


class ReceiveLineSerializer(BaseSerializer):
    item = ReceiveLineField(
        queryset=ReturnOrderLineItem.objects.all(), label=_("Return order line item")
    )
    status = serializers.ChoiceField(
        choices=StockStatus.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Stock item status code (default: Quarantined)"),
    )


class ReceiveLineConditionSerializer(ReceiveLineSerializer):
    """InvenTree's receive line, plus the condition the item arrived in."""

    condition = ReceiveConditionField(
        queryset=ReturnCondition.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The condition the item arrived in (an active condition; optional)"),
    )

    class Meta:
        list_serializer_class = ReceiveItemsSerializer


class ReceiveSerializer(BaseSerializer):
    items = ReceiveLineConditionSerializer(many=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=StockLocation.objects.all(), label=_("Location")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)

    def to_internal_value(self, data):
        # One query for every listed line, not one per line (see ReceiveLineField).
        entries = data.get("items") if isinstance(data, Mapping) else None
        if isinstance(entries, list):
            pks = _plain_pks(entry.get("item") for entry in entries if isinstance(entry, Mapping))
            # Only the keys: the service reads (and locks) the lines itself.
            self.context[RECEIVE_LINES] = ReturnOrderLineItem.objects.only("pk").in_bulk(pks)
            conditions = _plain_pks(
                entry.get("condition") for entry in entries if isinstance(entry, Mapping)
            )
            # No query at all when no item names a condition (InvenTree's body).
            self.context[RECEIVE_CONDITIONS] = (
                ReturnCondition.objects.in_bulk(conditions) if conditions else {}
            )
        return super().to_internal_value(data)


class ReceiveResultSerializer(BaseSerializer):
    items = ReceiveLineSerializer(many=True)
    location = serializers.IntegerField()
    note = serializers.CharField()
    stock_items = StockItemSerializer(many=True)
