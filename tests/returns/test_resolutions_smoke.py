"""A first pass over every outcome and its undo (the detailed suites live beside this one)."""

from decimal import Decimal

import pytest
from djmoney.money import Money

from returns import services
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockStatus
from tests.factories import BulkStockItemFactory, StockItemFactory, LocationFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = pytest.mark.django_db


def received_line(user, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    services.return_order_receive(order=order, lines=[(line.pk, None)], location=location, user=user)
    line.refresh_from_db()
    return order, line


def rows(*pks):
    return list(StockItem.objects.filter(pk__in=pks).order_by("pk").values())


def test_every_outcome_then_undo(user, location):
    for kind in ("return", "reject"):
        order, line = received_line(user, location)
        before = rows(line.item_id)
        if kind == "return":
            services.line_resolve_return(line=line, user=user)
        else:
            services.line_resolve_reject(line=line, user=user, reason="Water damage")
        line.refresh_from_db()
        item = StockItem.objects.get(pk=line.item_id)
        assert item.customer_id == order.customer_id
        services.line_resolution_undo(line=line, user=user)
        after = rows(line.item_id)
        for row in (*before, *after):
            row.pop("updated")
        assert before == after
        line.refresh_from_db()
        assert line.outcome == ReturnOrderLineStatus.PENDING
        assert not StockItemTracking.objects.filter(item=item, reversed=False, tracking_type=100)


def test_repair_with_bulk_parts_then_undo(user, location):
    order, line = received_line(user, location)
    spares = BulkStockItemFactory(location=LocationFactory(), quantity=Decimal(10))
    before = rows(line.item_id, spares.pk)
    services.line_resolve_repair(
        line=line,
        user=user,
        fault="Broken fan",
        parts=[services.PartUse(item=spares.pk, quantity=Decimal(3))],
        cost_amount=Decimal("12.50"),
        cost_currency="EUR",
    )
    spares.refresh_from_db()
    assert spares.quantity == 7
    consumed = StockItem.objects.get(parent=spares)
    assert consumed.belongs_to_id == line.item_id and consumed.quantity == 3
    resolution = line.resolutions.get()
    services.repair_update(repair=resolution.repair, user=user, data={}, finish=True)
    unit = StockItem.objects.get(pk=line.item_id)
    assert unit.status == StockStatus.OK and unit.customer_id == order.customer_id
    services.line_resolution_undo(line=line, user=user)
    assert not StockItem.objects.filter(pk=consumed.pk).exists()
    after = rows(line.item_id, spares.pk)
    for row in (*before, *after):
        row.pop("updated")
    assert before == after


def test_advance_replacement_then_receipt_and_refund_totals(user, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS, order_currency="USD")
    line = ReturnOrderLineItemFactory(order=order)
    spare = StockItemFactory(part=line.item.part, location=location)
    services.line_resolve_replace(
        line=line, user=user, replacement_item=spare, unit_status=StockStatus.DAMAGED
    )
    spare.refresh_from_db()
    assert spare.customer_id == order.customer_id
    services.return_order_receive(order=order, lines=[(line.pk, None)], location=location, user=user)
    assert StockItem.objects.get(pk=line.item_id).status == StockStatus.DAMAGED

    other = ReturnOrderLineItemFactory(order=order)
    services.line_resolve_refund(
        line=other, user=user, amount=Decimal("20"), currency="USD", reference="CN-1"
    )
    order.refresh_from_db()
    assert order.total_refunded == Money(Decimal(20), "USD")
    services.line_resolution_undo(line=other, user=user)
    order.refresh_from_db()
    assert order.total_refunded == Money(Decimal(0), "USD")
