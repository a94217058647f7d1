"""Concurrent resolutions and undos, on PostgreSQL (SQLite serialises every write anyway).

The same thread-and-barrier pattern as ``test_concurrency.py``: each thread has its own
connection, closed when it ends, and a barrier releases them together.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from returns import services
from returns.models import ReturnOrderHistory, ReturnOrderLineResolution
from returns.services import PartUse
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.concurrency import run_concurrently, split
from tests.factories import BulkStockItemFactory, LocationFactory, StockItemFactory, UserFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) are only exercised on PostgreSQL; "
        "SQLite serialises all writers, so these races cannot happen there",
    ),
]

THREADS = 6


def received_line(user, location, order=None):
    order = order or ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=location, user=user
    )
    line.refresh_from_db()
    return line


def assert_clean_refusals(failures):
    for exc in failures:
        assert isinstance(exc, ValidationError), repr(exc)
        assert not isinstance(exc, IntegrityError)


def test_concurrent_resolves_of_one_line_let_exactly_one_win():
    user = UserFactory()
    location = LocationFactory()
    line = received_line(user, location)
    spares = [StockItemFactory(part=line.item.part, location=location) for _ in range(THREADS)]
    shelf = [BulkStockItemFactory(location=location, quantity=Decimal(100))]

    def work(index):
        kind = index % 3
        if kind == 0:
            return services.line_resolve_return(line=line.pk, user=user)
        if kind == 1:
            return services.line_resolve_replace(
                line=line.pk,
                user=user,
                replacement_item=spares[index].pk,
                unit_status=StockStatus.DAMAGED,
            )
        return services.line_resolve_repair(
            line=line.pk, user=user, parts=[PartUse(item=shelf[0].pk, quantity=Decimal(5))]
        )

    successes, failures = split(run_concurrently(THREADS, work))

    assert len(successes) == 1
    assert len(failures) == THREADS - 1
    assert_clean_refusals(failures)
    for exc in failures:
        assert "already resolved" in exc.messages[0], exc.messages
    resolution = ReturnOrderLineResolution.objects.get(line=line)
    assert ReturnOrderHistory.objects.filter(order=line.order, kind="resolved").count() == 1
    # Stock shows that one resolution and nothing of the losers.
    sent = StockItem.objects.filter(pk__in=[s.pk for s in spares], customer__isnull=False)
    assert sent.count() == (1 if resolution.kind == "replace" else 0)
    consumed = StockItem.objects.filter(parent=shelf[0]).count()
    assert consumed == (1 if resolution.kind == "repair" else 0)
    shelf[0].refresh_from_db()
    assert shelf[0].quantity == (95 if resolution.kind == "repair" else 100)


def test_concurrent_resolve_and_undo_of_one_line_end_consistent():
    user = UserFactory()
    location = LocationFactory()
    for _round in range(3):
        line = received_line(user, location)
        services.line_resolve_return(line=line, user=user)

        def work(index, line=line):
            if index % 2:
                return services.line_resolution_undo(line=line.pk, user=user)
            return services.line_resolve_reject(
                line=line.pk, user=user, reason="Misuse", disposition="scrap"
            )

        successes, failures = split(run_concurrently(THREADS, work))

        assert_clean_refusals(failures)
        assert successes, "at least the first undo gets through"
        line.refresh_from_db()
        unit = StockItem.objects.get(pk=line.item_id)
        standing = ReturnOrderLineResolution.objects.filter(line=line, reversed_at__isnull=True)
        undone = ReturnOrderLineResolution.objects.filter(line=line, reversed_at__isnull=False)
        assert standing.count() <= 1
        # Every resolution but the standing one was undone, each exactly once.
        history = ReturnOrderHistory.objects.filter(order=line.order)
        assert history.filter(kind="undone").count() == undone.count()
        assert history.filter(kind="resolved").count() == standing.count() + undone.count()
        if standing.exists():
            assert standing.get().kind == "reject"
            assert line.outcome == ReturnOrderLineStatus.REJECT
            assert (unit.status, unit.customer_id) == (StockStatus.REJECTED, None)
        else:
            assert line.outcome == ReturnOrderLineStatus.PENDING
            assert (unit.status, unit.customer_id) == (StockStatus.QUARANTINED, None)
        # Exactly the tracking of undone resolutions is reversed.
        reversed_entries = set(
            StockItemTracking.objects.filter(item=unit, reversed=True).values_list("pk", flat=True)
        )
        expected = {pk for r in undone for pk in r.tracking_entries}
        assert reversed_entries == expected


def test_two_repairs_on_different_lines_draw_on_one_bulk_spare_without_going_negative():
    user = UserFactory()
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [received_line(user, location, order=order) for _ in range(THREADS)]
    other_order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines += [received_line(user, location, order=other_order) for _ in range(THREADS)]
    spare = BulkStockItemFactory(location=location, quantity=Decimal(20))
    count = len(lines)

    results = run_concurrently(
        count,
        lambda i: services.line_resolve_repair(
            line=lines[i].pk,
            user=user,
            parts=[PartUse(part=spare.part_id, location=location.pk, quantity=Decimal(3))],
            finish=True,
        ),
    )

    successes, failures = split(results)
    assert len(successes) == 6  # 6 x 3 = 18 of 20; the 7th would need 21
    assert_clean_refusals(failures)
    for exc in failures:
        assert exc.message_dict.keys() == {"parts"}, exc
    spare.refresh_from_db()
    assert spare.quantity == 2
    consumed = StockItem.objects.filter(parent=spare)
    assert consumed.count() == 6
    assert all(item.quantity == 3 and item.belongs_to_id for item in consumed)
    assert spare.quantity + sum(item.quantity for item in consumed) == 20
    tracked = StockItemTracking.objects.filter(
        item=spare, tracking_type=StockHistoryCode.SPLIT_CHILD_ITEM
    )
    assert sorted(entry.deltas["quantity"] for entry in tracked) == [2, 5, 8, 11, 14, 17]
