"""The stock location tree, part categories, parts, stock items and their tracking."""

from collections.abc import Mapping
from decimal import Decimal

from importer.mapping.base import (
    Refs,
    Skip,
    decimal,
    flag,
    metadata,
    moment,
    pk_of,
    status,
    text,
)
from importer.mapping.companies import COMPANY
from stock.statuses import StockHistoryCode, StockStatus

LOCATION = "stock.stocklocation"
CATEGORY = "stock.partcategory"
PART = "stock.part"
STOCK_ITEM = "stock.stockitem"
TRACKING = "stock.stockitemtracking"
USER = "auth.user"
ORDER = "returns.returnorder"  # as importer.mapping.orders names it

# Deltas that name another row by its pk, and the model of that row. After an import they name
# the row imported from it; a row that was not imported is dropped from the deltas rather than
# left pointing at whatever row here has the source's pk.
DELTA_REFERENCES = {
    "location": LOCATION,
    "customer": COMPANY,
    "returnorder": ORDER,
    "stockitem": STOCK_ITEM,
    "replaces": STOCK_ITEM,
    "part": PART,
}
# Deltas naming rows of InvenTree models Boomerang does not have: nothing here they could name.
SOURCE_ONLY_REFERENCES = ("salesorder", "purchaseorder", "buildorder")


def delta_references(deltas) -> list[tuple[str, int]]:
    """(model label, source pk) of every row the deltas name, for loading them in one go."""
    if not isinstance(deltas, dict):
        return []
    named = []
    for key, model in DELTA_REFERENCES.items():
        source_pk = pk_of(deltas.get(key))
        if source_pk is not None:
            named.append((model, source_pk))
    return named


def map_deltas(deltas, refs: Refs) -> dict:
    if not isinstance(deltas, dict):
        return {}
    mapped = {}
    for key, value in deltas.items():
        if key in SOURCE_ONLY_REFERENCES:
            continue
        if key in DELTA_REFERENCES:
            target = refs.optional(DELTA_REFERENCES[key], pk_of(value))
            if target is None:
                continue
            value = target
        mapped[key] = value
    return mapped


def _tree_parent(row: Mapping, refs: Refs, model: str) -> int | None:
    parent = pk_of(row.get("parent"))
    if parent is None:
        return None
    return refs.required(model, parent, "parent")


def map_location(row: Mapping, refs: Refs) -> dict:
    return {
        "name": text(row, "name"),
        "description": text(row, "description"),
        "parent_id": _tree_parent(row, refs, LOCATION),
        "structural": flag(row, "structural"),
        "metadata": metadata(row),
    }


def map_category(row: Mapping, refs: Refs) -> dict:
    return {
        "name": text(row, "name"),
        "description": text(row, "description"),
        "parent_id": _tree_parent(row, refs, CATEGORY),
        "structural": flag(row, "structural"),
        "default_location_id": refs.optional(LOCATION, pk_of(row.get("default_location"))),
        "default_keywords": text(row, "default_keywords"),
        "icon": text(row, "icon"),
        "metadata": metadata(row),
    }


def map_part(row: Mapping, refs: Refs) -> dict:
    category = pk_of(row.get("category"))
    return {
        "name": text(row, "name"),
        "IPN": text(row, "IPN"),
        "description": text(row, "description"),
        "revision": text(row, "revision"),
        "category_id": None if category is None else refs.required(CATEGORY, category, "category"),
        "active": flag(row, "active", True),
        "virtual": flag(row, "virtual"),
        "purchaseable": flag(row, "purchaseable", True),
        "component": flag(row, "component"),
        "assembly": flag(row, "assembly"),
        "trackable": flag(row, "trackable"),
        "salable": flag(row, "salable"),
        "units": text(row, "units"),
        "notes": text(row, "notes", null=True),
        "metadata": metadata(row),
    }


def map_stock_item(row: Mapping, refs: Refs) -> dict:
    customer_source = pk_of(row.get("customer"))
    customer = None
    if customer_source is not None:
        customer = refs.required(COMPANY, customer_source, "customer")
        if customer not in refs.customers:
            raise Skip(f"customer: company {customer_source} is not a customer")
    return {
        "part_id": refs.required(PART, pk_of(row.get("part")), "part"),
        "quantity": decimal(row, "quantity", default=Decimal(1)),
        "serial": (text(row, "serial") or "").strip() or None,
        "batch": text(row, "batch"),
        "location_id": refs.optional(LOCATION, pk_of(row.get("location"))),
        "status": status(row, "status", StockStatus, "stock status"),
        "customer_id": customer,
        "parent_id": refs.optional(STOCK_ITEM, pk_of(row.get("parent"))),
        "belongs_to_id": refs.optional(STOCK_ITEM, pk_of(row.get("belongs_to"))),
        "notes": text(row, "notes", null=True),
        "link": text(row, "link"),
        "metadata": metadata(row),
    }


def _required_moment(row: Mapping):
    value = moment(row, "date")
    if value is None:
        raise Skip("date: missing")
    return value


def map_tracking(row: Mapping, refs: Refs) -> dict:
    code = row.get("tracking_type")
    try:
        code = int(code)
    except (TypeError, ValueError):
        raise Skip(f"tracking_type: {code!r} is not a code") from None
    if code not in StockHistoryCode.values:
        raise Skip(f"tracking_type: {code} has no Boomerang equivalent")
    return {
        "item_id": refs.required(STOCK_ITEM, pk_of(row.get("item")), "stock item"),
        "date": _required_moment(row),
        "tracking_type": code,
        "notes": text(row, "notes", null=True),
        "user_id": refs.optional(USER, pk_of(row.get("user"))),
        "deltas": map_deltas(row.get("deltas"), refs),
    }
