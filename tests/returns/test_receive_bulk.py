"""Receiving many lines at once: the writes stay a fixed size, and every row still gets its own
status, item and tracking entry."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns import services
from returns.models import ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import LocationFactory, StockItemFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db


def _order_with_lines(count):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    return order, [ReturnOrderLineItemFactory(order=order) for _ in range(count)]


def _writes(order, lines, location, user) -> list[str]:
    """The UPDATE statements ``return_order_receive`` sends for ``lines``."""
    with CaptureQueriesContext(connection) as captured:
        services.return_order_receive(order=order, lines=lines, location=location, user=user)
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]


def _whens(statements) -> int:
    return sum(sql.count(" WHEN ") for sql in statements)


def test_the_writes_do_not_grow_a_clause_per_line(user, location):
    # A WHEN per row and column is what made a hundred lines slow to build: the same status
    # for every item, the same date for every line, is one value each.
    one_order, one = _order_with_lines(1)
    many_order, many = _order_with_lines(30)
    one_sql = _writes(one_order, [(line.pk, None) for line in one], location, user)
    many_sql = _writes(many_order, [(line.pk, None) for line in many], location, user)
    assert len(many_sql) == len(one_sql)
    assert _whens(many_sql) == _whens(one_sql) == 0


def test_mixed_statuses_cost_one_clause_per_status_not_per_line(user, location):
    order, lines = _order_with_lines(30)
    choices = [StockStatus.DAMAGED, StockStatus.ATTENTION, None]
    requested = [(line.pk, choices[i % 3]) for i, line in enumerate(lines)]
    statements = _writes(order, requested, location, user)
    # DAMAGED, ATTENTION and QUARANTINED (the default): one each, nothing per line.
    assert _whens(statements) == 3


def test_each_item_gets_its_own_status_and_tracking_among_many_lines(user, location):
    order, lines = _order_with_lines(12)
    choices = [StockStatus.DAMAGED, StockStatus.ATTENTION, None, StockStatus.REJECTED]
    requested = [(line.pk, choices[i % 4]) for i, line in enumerate(lines)]
    untouched = StockItemFactory(status=StockStatus.OK)  # not on the order: keeps its status
    shelf = untouched.location_id

    moved = services.return_order_receive(
        order=order, lines=requested, location=location, user=user
    )

    assert [item.pk for item in moved] == [line.item_id for line in lines]
    stock = StockItem.objects.in_bulk([line.item_id for line in lines])
    tracking = {
        t.item_id: t
        for t in StockItemTracking.objects.filter(
            tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
        )
    }
    for (pk, status), line in zip(requested, lines, strict=True):
        expected = status if status is not None else StockStatus.QUARANTINED
        item = stock[line.item_id]
        assert (item.status, item.location_id, item.customer_id) == (expected, location.pk, None)
        assert tracking[item.pk].deltas == {
            "status": int(expected),
            "returnorder": order.pk,
            "location": location.pk,
            "customer": order.customer_id,
        }
        assert ReturnOrderLineItem.objects.get(pk=pk).received_date is not None
    untouched.refresh_from_db()
    assert (untouched.status, untouched.location_id) == (StockStatus.OK, shelf)
    assert len(tracking) == len(lines)


def test_split_lines_point_at_their_new_items_and_the_others_keep_theirs(user, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    whole = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    partial = [
        services.return_order_line_create(
            order=order,
            item=CustomerBulkStockItemFactory(customer=order.customer),
            quantity=Decimal(quantity),
            user=user,
        )
        for quantity in (2, 3)
    ]
    left_out = ReturnOrderLineItemFactory(order=order)  # on the order, not in the request
    before = {line.pk: line.item_id for line in [*whole, *partial, left_out]}
    lines = [whole[0], partial[0], whole[1], partial[1], whole[2]]

    services.return_order_receive(
        order=order, lines=[(line.pk, None) for line in lines], location=location, user=user
    )

    after = {line.pk: line for line in ReturnOrderLineItem.objects.filter(pk__in=list(before))}
    for line in whole:
        assert after[line.pk].item_id == before[line.pk]
    for line, quantity in zip(partial, (2, 3), strict=True):
        child = after[line.pk].item
        assert child.pk != before[line.pk]
        assert (child.parent_id, child.quantity) == (before[line.pk], quantity)
        assert (child.location_id, child.customer_id) == (location.pk, None)
        parent = StockItem.objects.get(pk=before[line.pk])
        assert (parent.quantity, parent.customer_id) == (10 - quantity, order.customer_id)
    assert after[left_out.pk].item_id == before[left_out.pk]
    assert after[left_out.pk].received_date is None
    assert StockItem.objects.get(pk=left_out.item_id).customer_id == order.customer_id


def test_a_hundred_lines_through_the_api_answer_in_todays_shape(make_user):
    from rest_framework.test import APIClient

    clerk = make_user(return_order=["view", "add"], stock=["view", "change"])
    client = APIClient()
    client.force_authenticate(clerk)
    order, lines = _order_with_lines(100)
    location = LocationFactory()
    items = [
        {"item": line.pk, "status": StockStatus.DAMAGED} if i % 2 else {"item": line.pk}
        for i, line in enumerate(lines)
    ]

    response = client.post(
        f"/api/order/ro/{order.pk}/receive/",
        {"items": items, "location": location.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"items", "location", "note", "stock_items"}
    assert body["items"] == [
        {"item": line.pk, "status": StockStatus.DAMAGED if i % 2 else None}
        for i, line in enumerate(lines)
    ]
    shown = {row["pk"]: row for row in body["stock_items"]}
    assert sorted(shown) == sorted(line.item_id for line in lines)
    for i, line in enumerate(lines):
        row = shown[line.item_id]
        expected = StockStatus.DAMAGED if i % 2 else StockStatus.QUARANTINED
        assert (row["status"], row["location"], row["customer"]) == (expected, location.pk, None)
