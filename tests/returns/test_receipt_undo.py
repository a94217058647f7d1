"""Undoing a receipt puts the stock back exactly: every stock row and every tracking entry
that still stands is as it was before the receipt."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from returns import services
from returns.models import ReturnOrderHistory, ReturnOrderLineItem, ReturnOrderReceipt
from returns.services import DispositionRequest, ReceiptRequest
from returns.statuses import DispositionKind, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

GOOD, DAMAGED, MISSING = DispositionKind.GOOD, DispositionKind.DAMAGED, DispositionKind.MISSING
LINE_FIELDS = ("item_id", "quantity", "received_date", "received_quantity", "missing_quantity")


def snapshot():
    """Every stock item (all columns but the timestamp), the tracking entries that stand, and
    every line."""
    items = {
        row.pop("id"): row
        for row in StockItem.objects.values().order_by("pk")
        if row.pop("updated") or True
    }
    tracking = list(
        StockItemTracking.objects.filter(reversed=False)
        .order_by("pk")
        .values("pk", "item_id", "tracking_type", "deltas", "notes", "user_id")
    )
    lines = list(ReturnOrderLineItem.objects.order_by("pk").values("pk", *LINE_FIELDS))
    return items, tracking, lines


def _order():
    return ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)


def _bulk_line(order, user, *, quantity, holding):
    item = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(holding))
    return services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=user
    )


def _receive(order, user, line, *dispositions):
    return services.return_order_receive_split(
        order=order,
        receipts=[ReceiptRequest(line=line.pk, dispositions=list(dispositions))],
        user=user,
    )[0]


def _split(location, other):
    return (
        DispositionRequest(GOOD, Decimal(2), location),
        DispositionRequest(DAMAGED, Decimal(1), other, StockStatus.QUARANTINED),
        DispositionRequest(MISSING, Decimal(1)),
    )


@pytest.mark.parametrize("holding", [10, 4], ids=["part-of-the-item", "all-of-the-item"])
def test_undo_of_a_split_bulk_receipt_restores_every_row(user, location, holding):
    order = _order()
    line = _bulk_line(order, user, quantity=4, holding=holding)
    before = snapshot()
    receipt = _receive(order, user, line, *_split(location, LocationFactory()))
    assert snapshot() != before

    services.return_order_receipt_undo(receipt=receipt, user=user)

    assert snapshot() == before
    receipt.refresh_from_db()
    assert receipt.undone_at is not None and receipt.undone_by == user
    # The tracking it wrote stays as history, marked reversed.
    assert StockItemTracking.objects.filter(pk__in=receipt.stock_record["tracking"]).exists()
    assert not StockItemTracking.objects.filter(
        pk__in=receipt.stock_record["tracking"], reversed=False
    ).exists()
    assert ReturnOrderHistory.objects.filter(
        order=order, kind=ReturnOrderHistory.Kind.RECEIPT_UNDONE, data__receipt=receipt.pk
    ).exists()


def test_undo_of_a_serialized_receipt_restores_the_unit(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    before = snapshot()
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    services.return_order_receipt_undo(receipt=receipt, user=user)
    assert snapshot() == before


@pytest.mark.parametrize("holding", [10, 2], ids=["split", "whole"])
def test_undo_of_an_inventree_receipt_restores_every_row(user, location, holding):
    order = _order()
    lines = [
        ReturnOrderLineItemFactory(order=order),
        _bulk_line(order, user, quantity=2, holding=holding),
    ]
    before = snapshot()
    services.return_order_receive(
        order=order, lines=[(line.pk, None) for line in lines], location=location, user=user
    )
    receipts = list(ReturnOrderReceipt.objects.filter(order=order))
    assert len(receipts) == 2
    for receipt in receipts:
        services.return_order_receipt_undo(receipt=receipt, user=user)
    assert snapshot() == before


def test_receipts_of_one_line_are_undone_newest_first(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=5, holding=5)
    start = snapshot()
    first = _receive(order, user, line, DispositionRequest(GOOD, Decimal(2), location))
    middle = snapshot()
    second = _receive(order, user, line, DispositionRequest(DAMAGED, Decimal(3), location))
    with pytest.raises(ValidationError, match="undo it first"):
        services.return_order_receipt_undo(receipt=first, user=user)
    services.return_order_receipt_undo(receipt=second, user=user)
    assert snapshot() == middle
    services.return_order_receipt_undo(receipt=first, user=user)
    assert snapshot() == start


def test_an_undone_receipt_cannot_be_undone_again(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    services.return_order_receipt_undo(receipt=receipt, user=user)
    with pytest.raises(ValidationError, match="already been undone"):
        services.return_order_receipt_undo(receipt=receipt, user=user)


@pytest.mark.parametrize("status", [ReturnOrderStatus.COMPLETE, ReturnOrderStatus.CANCELLED])
def test_receipts_cannot_be_undone_once_the_order_is_closed(user, location, status):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    order.status = status
    order.save(update_fields=["status"])
    before = snapshot()
    with pytest.raises(ValidationError, match="cannot be undone once the order"):
        services.return_order_receipt_undo(receipt=receipt, user=user)
    assert snapshot() == before


def test_undo_is_allowed_while_the_order_is_on_hold(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    order.status = ReturnOrderStatus.ON_HOLD
    order.save(update_fields=["status"])
    services.return_order_receipt_undo(receipt=receipt, user=user)
    assert ReturnOrderLineItem.objects.get(pk=line.pk).received_date is None


def test_undo_is_refused_when_the_stock_has_changed_since(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=4, holding=10)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(4), location))
    unit = receipt.dispositions.get().stock_item
    StockItem.objects.filter(pk=unit.pk).update(location=LocationFactory())
    with pytest.raises(ValidationError, match="have changed since"):
        services.return_order_receipt_undo(receipt=receipt, user=user)
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).undone_at is None


def test_undo_is_refused_while_the_line_is_resolved(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    services.line_resolve_return(line=line, user=user)
    with pytest.raises(ValidationError, match="undo the resolution first"):
        services.return_order_receipt_undo(receipt=receipt, user=user)
