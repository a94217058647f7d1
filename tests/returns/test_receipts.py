"""Split receipts: a line received in parts, each split into good, damaged and missing
quantities; every good or damaged part its own stock item with its own tracking."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderReceipt
from returns.services import DispositionRequest, ReceiptRequest, receivable_limit
from returns.statuses import DispositionKind, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

GOOD, DAMAGED, MISSING = DispositionKind.GOOD, DispositionKind.DAMAGED, DispositionKind.MISSING


def _bulk_line(order, user, *, quantity=4, holding=10):
    item = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(holding))
    return services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=user
    )


def _order():
    return ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)


def _receive(order, user, line, *dispositions):
    return services.return_order_receive_split(
        order=order,
        receipts=[ReceiptRequest(line=line.pk, dispositions=list(dispositions))],
        user=user,
    )[0]


def test_a_bulk_line_splits_into_one_stock_item_per_disposition(user):
    order = _order()
    line = _bulk_line(order, user, quantity=4, holding=10)
    source = line.item_id
    shelf, bench = LocationFactory(name="Shelf"), LocationFactory(name="Bench")

    receipt = _receive(
        order,
        user,
        line,
        DispositionRequest(kind=GOOD, quantity=Decimal(2), location=shelf),
        DispositionRequest(
            kind=DAMAGED, quantity=Decimal(1), location=bench, status=StockStatus.QUARANTINED
        ),
        DispositionRequest(kind=MISSING, quantity=Decimal(1)),
    )

    dispositions = list(receipt.dispositions.order_by("pk"))
    assert [(d.kind, d.quantity) for d in dispositions] == [
        (GOOD, 2),
        (DAMAGED, 1),
        (MISSING, 1),
    ]
    good, damaged = (StockItem.objects.get(pk=d.stock_item_id) for d in dispositions[:2])
    assert dispositions[2].stock_item_id is None and dispositions[2].location_id is None
    assert (good.quantity, good.status, good.location_id, good.customer_id, good.parent_id) == (
        2,
        StockStatus.OK,
        shelf.pk,
        None,
        source,
    )
    assert (damaged.quantity, damaged.status, damaged.location_id, damaged.parent_id) == (
        1,
        StockStatus.QUARANTINED,
        bench.pk,
        source,
    )
    rest = StockItem.objects.get(pk=source)
    # The missing unit never arrived: it stays with the customer, on the original item.
    assert (rest.quantity, rest.customer_id) == (7, order.customer_id)
    for unit, status, where in ((good, StockStatus.OK, shelf), (damaged, 75, bench)):
        codes = list(unit.tracking_info.order_by("pk").values_list("tracking_type", "deltas"))
        assert codes[0][0] == StockHistoryCode.SPLIT_FROM_PARENT
        assert codes[-1] == (
            StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
            {
                "status": int(status),
                "returnorder": order.pk,
                "location": where.pk,
                "customer": order.customer_id,
            },
        )
    line.refresh_from_db()
    assert (line.received_quantity, line.missing_quantity, line.outstanding_quantity) == (3, 1, 0)
    # Fully accounted for: the line is received, and points at the first unit back.
    assert line.received_date is not None
    assert line.item_id == good.pk


def test_a_line_received_in_two_receipts_is_received_only_with_the_second(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=5, holding=5)
    source = line.item_id

    first = _receive(order, user, line, DispositionRequest(GOOD, Decimal(2), location))
    line.refresh_from_db()
    assert (line.received_quantity, line.outstanding_quantity, line.received_date) == (2, 3, None)
    assert line.item_id == source  # the rest still comes from the customer's item
    assert receivable_limit(line) == 3

    second = _receive(
        order,
        user,
        line,
        DispositionRequest(DAMAGED, Decimal(2), location),
        DispositionRequest(MISSING, Decimal(1)),
    )
    line.refresh_from_db()
    assert (line.received_quantity, line.missing_quantity, line.outstanding_quantity) == (4, 1, 0)
    assert line.received_date is not None
    assert first.pk != second.pk
    assert ReturnOrderReceipt.objects.filter(line=line).count() == 2
    # The second receipt's damaged units were split off too: one unit stays missing.
    assert StockItem.objects.get(pk=source).quantity == 1


def test_a_disposition_that_takes_the_whole_item_moves_it_and_splits_nothing(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=3, holding=3)
    receipt = _receive(order, user, line, DispositionRequest(GOOD, Decimal(3), location))
    unit = receipt.dispositions.get().stock_item
    assert unit.pk == line.item_id and unit.parent_id is None
    assert (unit.status, unit.customer_id) == (StockStatus.OK, None)
    assert receipt.stock_record["created"] == []


def test_a_serialized_unit_takes_one_disposition(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    receipt = _receive(
        order, user, line, DispositionRequest(DAMAGED, Decimal(1), location, StockStatus.DAMAGED)
    )
    unit = StockItem.objects.get(pk=line.item_id)
    assert receipt.dispositions.get().stock_item_id == unit.pk
    assert (unit.status, unit.location_id, unit.customer_id) == (
        StockStatus.DAMAGED,
        location.pk,
        None,
    )
    assert ReturnOrderLineItem.objects.get(pk=line.pk).received_date is not None


def test_a_missing_serialized_unit_stays_with_the_customer(user):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    _receive(order, user, line, DispositionRequest(MISSING, Decimal(1)))
    unit = StockItem.objects.get(pk=line.item_id)
    assert unit.customer_id == order.customer_id
    assert not StockItemTracking.objects.filter(
        item=unit, tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
    ).exists()
    line.refresh_from_db()
    assert (line.missing_quantity, line.received_quantity) == (1, 0)
    assert line.received_date is not None


@pytest.mark.parametrize(
    "dispositions, message",
    [
        ([(GOOD, 3, True, None), (MISSING, 2, False, None)], "more than the 4 still to receive"),
        ([(GOOD, 1, False, None)], "a location is required"),
        ([(MISSING, 1, True, None)], "missing units take no location"),
        ([(GOOD, 1, True, StockStatus.DAMAGED)], "good units take the status OK"),
        ([(DAMAGED, 1, True, StockStatus.OK)], "Damaged or Quarantined"),
        ([(GOOD, 0, True, None)], "greater than zero"),
        ([], "at least one disposition"),
    ],
)
def test_refused_receipts_name_the_line_and_change_nothing(user, location, dispositions, message):
    order = _order()
    line = _bulk_line(order, user, quantity=4)
    requests = [
        DispositionRequest(kind, Decimal(q), location if at else None, status)
        for kind, q, at, status in dispositions
    ]
    with pytest.raises(ValidationError) as caught:
        _receive(order, user, line, *requests)
    text = " ".join(caught.value.message_dict["receipts"])
    assert message in text and f"Line item {line.pk}" in text
    line.refresh_from_db()
    assert (line.received_quantity, line.missing_quantity) == (0, 0)
    assert not ReturnOrderReceipt.objects.exists()
    assert StockItem.objects.get(pk=line.item_id).quantity == 10


def test_one_refused_line_refuses_the_whole_request(user, location):
    order = _order()
    ok = _bulk_line(order, user, quantity=2)
    bad = _bulk_line(order, user, quantity=2)
    with pytest.raises(ValidationError):
        services.return_order_receive_split(
            order=order,
            receipts=[
                ReceiptRequest(ok.pk, [DispositionRequest(GOOD, Decimal(2), location)]),
                ReceiptRequest(bad.pk, [DispositionRequest(GOOD, Decimal(3), location)]),
            ],
            user=user,
        )
    assert not ReturnOrderReceipt.objects.exists()
    assert StockItem.objects.filter(parent__isnull=False).count() == 0


def test_receiving_needs_an_order_in_progress(user, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.PENDING)
    line = _bulk_line(order, user)
    with pytest.raises(ValidationError, match="in progress"):
        _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))


def test_inventree_receive_of_a_partly_received_line_takes_what_is_outstanding(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=5, holding=5)
    _receive(order, user, line, DispositionRequest(MISSING, Decimal(1)))
    _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))

    moved = services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=location, user=user
    )

    line.refresh_from_db()
    assert (line.received_quantity, line.missing_quantity, line.outstanding_quantity) == (4, 1, 0)
    assert [unit.quantity for unit in moved] == [3]
    receipt = ReturnOrderReceipt.objects.filter(line=line).order_by("-pk").first()
    disposition = receipt.dispositions.get()
    assert (receipt.quantity, disposition.kind, disposition.status) == (
        3,
        DAMAGED,
        StockStatus.QUARANTINED,
    )


def test_inventree_receive_writes_one_receipt_per_line(user, location):
    order = _order()
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    services.return_order_receive(
        order=order,
        lines=[(lines[0].pk, StockStatus.OK), (lines[1].pk, None), (lines[2].pk, 55)],
        location=location,
        user=user,
    )
    rows = {
        receipt.line_id: receipt.dispositions.get()
        for receipt in ReturnOrderReceipt.objects.filter(order=order)
    }
    assert [(rows[line.pk].kind, rows[line.pk].status) for line in lines] == [
        (GOOD, StockStatus.OK),
        (DAMAGED, StockStatus.QUARANTINED),
        (DAMAGED, StockStatus.DAMAGED),
    ]
    for line in lines:
        assert rows[line.pk].stock_item_id == line.item_id
        assert rows[line.pk].location_id == location.pk
        fresh = ReturnOrderLineItem.objects.get(pk=line.pk)
        assert (fresh.received_quantity, fresh.outstanding_quantity) == (1, 0)


def test_inventree_receive_refuses_a_line_already_received_in_receipts(user, location):
    order = _order()
    line = ReturnOrderLineItemFactory(order=order)
    _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    with pytest.raises(ValidationError, match="already been received"):
        services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )


def test_a_line_received_in_part_keeps_its_quantity_and_cannot_be_removed(user, location):
    order = _order()
    line = _bulk_line(order, user, quantity=4)
    _receive(order, user, line, DispositionRequest(GOOD, Decimal(1), location))
    line.refresh_from_db()
    with pytest.raises(ValidationError, match="its stock item and quantity cannot change"):
        services.return_order_line_update(line=line, user=user, data={"quantity": Decimal(2)})
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.return_order_line_delete(line=line, user=user)
    with pytest.raises(ValidationError, match="1 received line"):
        services.return_order_delete(order=order, user=user)
    assert ReturnOrderLineItem.objects.get(pk=line.pk).quantity == 4
