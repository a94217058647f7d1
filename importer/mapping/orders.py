"""Project codes, return orders, their line items and extra lines."""

from collections.abc import Mapping
from decimal import Decimal

from importer.mapping.base import (
    Refs,
    Skip,
    date,
    decimal,
    metadata,
    money,
    pk_of,
    status,
    text,
)
from importer.mapping.companies import ADDRESS, COMPANY, CONTACT
from importer.mapping.stock import STOCK_ITEM
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus

PROJECT_CODE = "returns.projectcode"
ORDER = "returns.returnorder"
LINE = "returns.returnorderlineitem"
EXTRA_LINE = "returns.returnorderextraline"


def map_project_code(row: Mapping, refs: Refs) -> dict:
    code = text(row, "code").strip()
    if not code:
        raise Skip("code: this field cannot be blank")
    return {
        "code": code,
        "description": text(row, "description"),
        "responsible_id": refs.owner(pk_of(row.get("responsible"))),
        "metadata": metadata(row),
    }


def map_order(row: Mapping, refs: Refs, *, currencies) -> dict:
    """An order's fields. Its reference is kept verbatim, whatever the local pattern."""
    reference = text(row, "reference").strip()
    if not reference:
        raise Skip("reference: this field cannot be blank")
    customer_source = pk_of(row.get("customer"))
    if customer_source is None:
        raise Skip("customer: the order has no customer")
    customer = refs.required(COMPANY, customer_source, "customer")
    if customer not in refs.customers:
        raise Skip(f"customer: company {customer_source} is not a customer")
    start, target = date(row, "start_date"), date(row, "target_date")
    if start and target and start > target:
        raise Skip("target_date: the start date is after the target date")
    currency = (row.get("order_currency") or "").upper() or None
    if currency and currency not in currencies:
        raise Skip(f"order_currency: {currency} is not a currency this site accepts")
    values = {
        "reference": reference,
        "customer_id": customer,
        "description": text(row, "description"),
        "customer_reference": text(row, "customer_reference"),
        "status": status(row, "status", ReturnOrderStatus, "order status"),
        "responsible_id": refs.owner(pk_of(row.get("responsible"))),
        "contact_id": refs.optional(CONTACT, pk_of(row.get("contact"))),
        "address_id": refs.optional(ADDRESS, pk_of(row.get("address"))),
        "link": text(row, "link"),
        "project_code_id": refs.optional(PROJECT_CODE, pk_of(row.get("project_code"))),
        "start_date": start,
        "target_date": target,
        "issue_date": date(row, "issue_date"),
        "complete_date": date(row, "complete_date"),
        "notes": text(row, "notes", null=True),
        "metadata": metadata(row),
        "order_currency": currency,
    }
    creation_date = date(row, "creation_date")
    if creation_date is not None:
        values["creation_date"] = creation_date
    return values


def map_line(row: Mapping, refs: Refs, *, currencies, default_currency: str) -> dict:
    item_source = pk_of(row.get("item"))
    if item_source is None:
        raise Skip("item: the line has no stock item")
    return {
        "item_id": refs.required(STOCK_ITEM, item_source, "stock item"),
        "quantity": decimal(row, "quantity", default=Decimal(1)),
        "received_date": date(row, "received_date"),
        "outcome": status(row, "outcome", ReturnOrderLineStatus, "line outcome"),
        **money(row, "price", currencies=currencies, default_currency=default_currency),
        "reference": text(row, "reference"),
        "notes": text(row, "notes"),
        "link": text(row, "link"),
        "target_date": date(row, "target_date"),
        "metadata": metadata(row),
    }


def map_extra_line(row: Mapping, refs: Refs, *, currencies, default_currency: str) -> dict:
    context = row.get("context")
    return {
        "reference": text(row, "reference"),
        "description": text(row, "description"),
        "quantity": decimal(row, "quantity", default=Decimal(1)),
        **money(row, "price", currencies=currencies, default_currency=default_currency),
        "notes": text(row, "notes"),
        "link": text(row, "link"),
        "context": context if isinstance(context, dict) else None,
        "metadata": metadata(row),
    }


ATTACHMENT = "common.attachment"


def map_attachment(row: Mapping) -> dict:
    """An attachment's link or file (its URL on the source, read by the engine) and comment.

    InvenTree answers ``attachment`` as the file's URL (null for a link) and ``filename``.
    """
    link = text(row, "link").strip()
    file_url = text(row, "attachment").strip()
    if not link and not file_url:
        raise Skip("attachment: neither a file nor a link")
    name = text(row, "filename") or file_url.rsplit("/", 1)[-1]
    return {
        "link": "" if file_url else link,
        "comment": text(row, "comment")[:250],
        "file_url": file_url,
        "filename": name,
    }
