"""Races between concurrent requests, on PostgreSQL (SQLite serialises every write anyway).

Each thread uses its own database connection, closed when the thread ends. A barrier releases
the threads together so their transactions overlap.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from rest_framework.test import APIClient

from returns import services
from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode
from tests.concurrency import run_concurrently, split
from tests.factories import CustomerFactory, LocationFactory, UserFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

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
RETURNED = StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER


def test_concurrent_receives_of_one_line_move_the_stock_once():
    user = UserFactory()
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)

    results = run_concurrently(
        THREADS,
        lambda _i: services.return_order_receive(
            order=ReturnOrder.objects.get(pk=order.pk),
            lines=[(line.pk, None)],
            location=location,
            user=user,
        ),
    )

    successes, failures = split(results)
    assert len(successes) == 1
    assert len(failures) == THREADS - 1
    for exc in failures:
        assert isinstance(exc, ValidationError), repr(exc)
        assert not isinstance(exc, IntegrityError)
        assert exc.message_dict == {
            "items": [
                f"Line item {line.pk} has already been received "
                f"(on {ReturnOrderLineItem.objects.get(pk=line.pk).received_date.isoformat()})"
            ]
        }
    item = StockItem.objects.get(pk=line.item_id)
    assert (item.location, item.customer) == (location, None)
    assert StockItemTracking.objects.filter(item=item, tracking_type=RETURNED).count() == 1
    assert ReturnOrderHistory.objects.filter(order=order, kind="received").count() == 1


def test_concurrent_receive_requests_get_one_201_and_clean_400s():
    user = UserFactory(is_superuser=True, is_staff=True)
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)

    def post(_index):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(
            f"/api/order/ro/{order.pk}/receive/",
            {"items": [{"item": line.pk}], "location": location.pk},
            format="json",
        )
        return response.status_code, response.json()

    answers = [value for _ok, value in run_concurrently(THREADS, post)]
    codes = sorted(code for code, _body in answers)
    assert codes == [201] + [400] * (THREADS - 1)
    for code, body in answers:
        if code == 400:
            assert "has already been received" in body["items"][0]
    assert StockItemTracking.objects.filter(tracking_type=RETURNED).count() == 1
    assert StockItemTracking.objects.get(tracking_type=RETURNED).item_id == line.item_id


def test_concurrent_receives_split_a_partial_line_once():
    user = UserFactory()
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    original = CustomerBulkStockItemFactory(customer=order.customer)  # quantity 10
    line = services.return_order_line_create(
        order=order, item=original, quantity=Decimal(4), user=user
    )

    results = run_concurrently(
        THREADS,
        lambda _i: services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        ),
    )

    successes, failures = split(results)
    assert len(successes) == 1
    assert all(isinstance(exc, ValidationError) for exc in failures), failures
    assert StockItem.objects.count() == 2
    original.refresh_from_db()
    assert (original.quantity, original.customer_id) == (6, order.customer_id)
    child = StockItem.objects.exclude(pk=original.pk).get()
    assert (child.quantity, child.location, child.parent_id) == (4, location, original.pk)
    assert ReturnOrderLineItem.objects.get(pk=line.pk).item_id == child.pk


def test_concurrent_creates_without_reference_all_get_distinct_references():
    user = UserFactory()
    customer = CustomerFactory()

    results = run_concurrently(
        THREADS, lambda _i: services.return_order_create(user=user, customer=customer).reference
    )

    successes, failures = split(results)
    assert failures == []
    assert sorted(successes) == [f"RMA-{n:04d}" for n in range(1, THREADS + 1)]
    assert ReturnOrder.objects.count() == THREADS
    assert sorted(ReturnOrder.objects.values_list("reference_int", flat=True)) == list(
        range(1, THREADS + 1)
    )


def test_concurrent_create_requests_all_succeed():
    user = UserFactory(is_superuser=True, is_staff=True)
    customer = CustomerFactory()
    ReturnOrderFactory(reference="RMA-0041", reference_int=41, customer=customer)

    def post(_index):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/order/ro/", {"customer": customer.pk}, format="json")
        return response.status_code, response.json().get("reference")

    answers = [value for _ok, value in run_concurrently(THREADS, post)]
    assert [code for code, _ref in answers] == [201] * THREADS
    assert sorted(ref for _code, ref in answers) == [f"RMA-{n:04d}" for n in range(42, 48)]


def test_one_item_cannot_land_on_two_open_orders_at_once():
    user = UserFactory()
    customer = CustomerFactory()
    item = CustomerStockItemFactory(customer=customer)
    orders = [ReturnOrderFactory(customer=customer) for _ in range(THREADS)]

    results = run_concurrently(
        THREADS,
        lambda i: services.return_order_line_create(order=orders[i], item=item, user=user),
    )

    successes, failures = split(results)
    assert len(successes) == 1
    for exc in failures:
        assert isinstance(exc, ValidationError), repr(exc)
        assert "is already on open return order" in exc.message_dict["item"][0]
    assert ReturnOrderLineItem.objects.filter(item=item).count() == 1


def test_concurrent_issue_and_cancel_leave_a_consistent_history():
    user = UserFactory()
    order = ReturnOrderFactory()
    actions = [services.return_order_issue, services.return_order_cancel] * (THREADS // 2)

    results = run_concurrently(THREADS, lambda i: actions[i](order=order, user=user).status)

    successes, failures = split(results)
    assert all(isinstance(exc, ValidationError) for exc in failures), failures
    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.CANCELLED or (
        order.status == ReturnOrderStatus.IN_PROGRESS and len(successes) == 1
    )
    # Every successful change left one history row, and the rows chain without gaps.
    rows = list(order.history.order_by("pk").values_list("from_status", "to_status"))
    assert len(rows) == len(successes)
    previous = ReturnOrderStatus.PENDING
    for from_status, to_status in rows:
        assert from_status == previous
        previous = to_status
    assert previous == order.status
