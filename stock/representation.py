"""Stock items as ``StockItemSerializer`` shows them in a write's answer, read as plain rows.

Receiving a hundred lines answers with the hundred stock items it moved, each with its part,
location and customer. Building those through the serializer makes four model instances per
item and walks DRF's fields for each: a quarter of the request. ``StockItemReader`` gives the
same dicts (same keys in the same order, same values and types) from one ``values()`` row per
item. Every value still goes through the serializer's own field object, so a date, a decimal
or a choice comes out exactly as the serializer writes it; only the instances are skipped.

The reader covers the fields it knows (``covers()``); ``tests/stock/test_representation.py``
holds it to the serializer's output and fails when a field is added that it does not know.
"""

from django.core.exceptions import FieldError
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import serializers

from stock.models import StockItem, stock_item_in_stock
from stock.serializers import StockItemSerializer

# Detail fields: the relation each one shows.
DETAILS = {"part_detail": "part", "location_detail": "location", "customer_detail": "customer"}
# Fields computed from other columns, not read from one.
COMPUTED = {
    "in_stock": ("quantity", "customer_id", "belongs_to_id", "status"),
    "full_name": ("IPN", "name"),
}


# Field types whose ``to_representation`` gives a value of this Python type back unchanged
# (``str(text)``, ``int(number)``, a boolean's own truth): for such a value the call is
# skipped. Exact types only: a subclass (``ChoiceTextField`` is a CharField) may show
# something else.
_UNCHANGED = {
    serializers.CharField: str,
    serializers.IntegerField: int,
    serializers.BooleanField: bool,
}


def _full_name(row: dict, prefix: str) -> str:
    ipn, name = row[f"{prefix}IPN"], row[f"{prefix}name"]
    return f"{ipn} | {name}" if ipn else name


class _Fields:
    """One serializer's readable fields as ``(name, column, convert, unchanged)``: ``convert``
    is the field's own ``to_representation``, applied to the column's value unless it is null
    (as DRF does) or of the type ``unchanged`` names (see ``_UNCHANGED``), or ``None`` for a
    key column shown as it is."""

    def __init__(self, serializer: serializers.Serializer, prefix: str = ""):
        self.prefix = prefix
        self.plan = []
        self.unknown = []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            if name in DETAILS or name in COMPUTED:
                self.plan.append((name, None, None, None))
            elif isinstance(field, serializers.RelatedField):
                self.plan.append((name, f"{prefix}{field.source}_id", None, None))
            elif (
                # A file field shows its file's name or URL, not the column's text.
                isinstance(
                    field,
                    serializers.BaseSerializer
                    | serializers.SerializerMethodField
                    | serializers.FileField,
                )
                or field.source == "*"
                or "." in field.source
            ):
                self.unknown.append(name)
            else:
                self.plan.append(
                    (
                        name,
                        f"{prefix}{field.source}",
                        field.to_representation,
                        _UNCHANGED.get(type(field)),
                    )
                )

    def columns(self) -> list[str]:
        columns = [column for _name, column, _convert, _unchanged in self.plan if column]
        for name, _column, _convert, _unchanged in self.plan:
            columns.extend(f"{self.prefix}{source}" for source in COMPUTED.get(name, ()))
        return columns


class _Layout:
    """What the serializers' classes say about their output, read once per process."""

    @cached_property
    def item(self) -> _Fields:
        return _Fields(StockItemSerializer())

    @cached_property
    def details(self) -> dict[str, _Fields]:
        fields = StockItemSerializer().fields
        return {name: _Fields(fields[name], prefix=f"{DETAILS[name]}__") for name in DETAILS}

    @cached_property
    def columns(self) -> tuple[str, ...]:
        columns = ["id", *self.item.columns()]
        for name, relation in DETAILS.items():
            columns.append(f"{relation}_id")
            columns.extend(self.details[name].columns())
        return tuple(dict.fromkeys(columns))

    @cached_property
    def details_shared(self) -> bool:
        """Whether a detail shows only its relation's columns, so that rows with the same
        relation show the same detail (``in_stock`` reads the item's own columns)."""
        return not any(name == "in_stock" for d in self.details.values() for name, *_rest in d.plan)

    @cached_property
    def covered(self) -> bool:
        if self.item.unknown or any(d.unknown for d in self.details.values()):
            return False
        try:  # a field whose source is not a column (a property) cannot be read as one
            StockItem.objects.values(*self.columns)
        except FieldError:
            return False
        return True


_layout = _Layout()


class StockItemReader:
    """``StockItemSerializer``'s output for a write's answer (every ``*_detail`` shown)."""

    @staticmethod
    def covers() -> bool:
        """Whether every field the serializer shows is one this reader writes."""
        return _layout.covered

    @staticmethod
    def rows(queryset: QuerySet[StockItem]) -> QuerySet:
        return queryset.values(*_layout.columns)

    def represent(self, rows) -> list[dict]:
        # Rows of one query that share a part, location or customer show the same detail:
        # it is worked out once and each row gets its own copy (the hundred items of a
        # receipt share one location, and often one part).
        details: dict[tuple[str, int], dict] | None = {} if _layout.details_shared else None
        return [self.represent_one(row, details) for row in rows]

    def represent_one(self, row: dict, details: dict | None = None) -> dict:
        out = self._fields(_layout.item, row)
        for name, relation in DETAILS.items():
            if name not in out:
                continue
            key = row[f"{relation}_id"]
            if key is None:
                out[name] = None
            elif details is None:
                out[name] = self._fields(_layout.details[name], row)
            else:
                shown = details.get((name, key))
                if shown is None:
                    shown = details[name, key] = self._fields(_layout.details[name], row)
                out[name] = dict(shown)
        return out

    @staticmethod
    def _fields(fields: _Fields, row: dict) -> dict:
        out = {}
        for name, column, convert, unchanged in fields.plan:
            if column is None:
                if name == "in_stock":
                    out[name] = stock_item_in_stock(
                        quantity=row["quantity"],
                        customer_id=row["customer_id"],
                        belongs_to_id=row["belongs_to_id"],
                        status=row["status"],
                    )
                elif name == "full_name":
                    out[name] = _full_name(row, fields.prefix)
                else:
                    out[name] = None  # a detail, filled in by represent_one
                continue
            value = row[column]
            if convert is None or value is None or type(value) is unchanged:
                out[name] = value
            else:
                out[name] = convert(value)
        return out


def stock_items_as_written(pks) -> list[dict]:
    """The items ``pks``, in key order, as a write's answer shows them: one query."""
    if not StockItemReader.covers():
        from stock.selectors import stock_item_list

        items = stock_item_list().filter(pk__in=list(pks)).order_by("pk")
        return StockItemSerializer(items, many=True).data
    rows = StockItemReader.rows(StockItem.objects.filter(pk__in=list(pks)).order_by("pk"))
    return StockItemReader().represent(rows)
