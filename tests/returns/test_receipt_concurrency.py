"""Races between receipts, on PostgreSQL: concurrent receipts of one line never take more
than it holds, and a receipt is undone once."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderReceipt
from returns.services import DispositionRequest, ReceiptRequest
from returns.statuses import DispositionKind, ReturnOrderStatus
from stock.models import StockItem
from tests.concurrency import run_concurrently, split
from tests.factories import LocationFactory, UserFactory
from tests.returns.factories import CustomerBulkStockItemFactory, ReturnOrderFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) are only exercised on PostgreSQL",
    ),
]

THREADS = 6


def _bulk_line(quantity):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    item = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(10))
    line = services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=None
    )
    return order, line


def test_concurrent_receipts_of_one_line_never_take_more_than_it_holds():
    user, location = UserFactory(), LocationFactory()
    order, line = _bulk_line(4)
    source = line.item_id

    def receive(_index):
        return services.return_order_receive_split(
            order=order.pk,
            receipts=[
                ReceiptRequest(
                    line.pk,
                    [DispositionRequest(DispositionKind.GOOD, Decimal(3), location)],
                )
            ],
            user=user,
        )

    successes, failures = split(run_concurrently(THREADS, receive))
    assert len(successes) == 1
    assert len(failures) == THREADS - 1
    for exc in failures:
        assert isinstance(exc, ValidationError), repr(exc)
        assert "more than the 1 still to receive" in " ".join(exc.message_dict["receipts"])
    fresh = ReturnOrderLineItem.objects.get(pk=line.pk)
    assert (fresh.received_quantity, fresh.outstanding_quantity) == (3, 1)
    assert StockItem.objects.get(pk=source).quantity == 7
    assert ReturnOrderReceipt.objects.filter(line=line).count() == 1


def test_concurrent_undos_of_one_receipt_restore_the_stock_once():
    user, location = UserFactory(), LocationFactory()
    order, line = _bulk_line(4)
    [receipt] = services.return_order_receive_split(
        order=order,
        receipts=[
            ReceiptRequest(
                line.pk, [DispositionRequest(DispositionKind.GOOD, Decimal(4), location)]
            )
        ],
        user=user,
    )

    successes, failures = split(
        run_concurrently(
            THREADS, lambda _i: services.return_order_receipt_undo(receipt=receipt.pk, user=user)
        )
    )
    assert len(successes) == 1
    for exc in failures:
        assert isinstance(exc, ValidationError), repr(exc)
        assert "already been undone" in " ".join(exc.messages)
    assert StockItem.objects.get(pk=line.item_id).quantity == 10
    assert StockItem.objects.count() == 1
