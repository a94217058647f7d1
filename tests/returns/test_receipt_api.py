"""The receipts over the API: the richer receive body, the receipt list, and undo."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderReceipt
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client_for):
    return client_for(return_order=["view", "add"], stock=["view", "change"])


def _bulk_line(order, *, quantity=4, holding=10):
    item = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(holding))
    return services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=None
    )


def _split_body(line, shelf, bench):
    return {
        "receipts": [
            {
                "line": line.pk,
                "notes": "box dented",
                "dispositions": [
                    {"kind": "good", "quantity": 2, "location": shelf.pk},
                    {
                        "kind": "damaged",
                        "quantity": 1,
                        "location": bench.pk,
                        "status": StockStatus.QUARANTINED,
                    },
                    {"kind": "missing", "quantity": 1},
                ],
            }
        ]
    }


def test_the_richer_body_records_a_receipt_with_its_dispositions(clerk):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = _bulk_line(order)
    shelf, bench = LocationFactory(), LocationFactory()

    response = clerk.post(
        f"/api/order/ro/{order.pk}/receive/", _split_body(line, shelf, bench), format="json"
    )

    assert response.status_code == 201, response.content
    [receipt] = response.json()["receipts"]
    assert (receipt["line"], receipt["order"], receipt["quantity"], receipt["notes"]) == (
        line.pk,
        order.pk,
        4,
        "box dented",
    )
    assert receipt["undone"] is False
    kinds = [
        (d["kind"], d["quantity"], d["location"], d["status"]) for d in receipt["dispositions"]
    ]
    assert kinds == [
        ("good", 2, shelf.pk, StockStatus.OK),
        ("damaged", 1, bench.pk, StockStatus.QUARANTINED),
        ("missing", 1, None, None),
    ]
    assert receipt["dispositions"][2]["stock_item"] is None
    assert receipt["dispositions"][0]["kind_text"] == "Good"
    row = clerk.get(f"/api/order/ro-line/{line.pk}/").json()
    assert (row["received_quantity"], row["missing_quantity"], row["outstanding_quantity"]) == (
        3,
        1,
        0,
    )
    assert row["received"] is True and row["received_date"]


def test_receiving_more_than_outstanding_is_a_400_naming_the_line(clerk, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = _bulk_line(order, quantity=2)
    body = {
        "receipts": [
            {
                "line": line.pk,
                "dispositions": [{"kind": "good", "quantity": 3, "location": location.pk}],
            }
        ]
    }
    response = clerk.post(f"/api/order/ro/{order.pk}/receive/", body, format="json")
    assert response.status_code == 400
    [message] = response.json()["receipts"]
    assert f"Line item {line.pk}" in message and "still to receive" in message
    assert not ReturnOrderReceipt.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"receipts": []},
        {"receipts": [{"line": 1}]},
        {"receipts": [{"line": "x", "dispositions": []}]},
        {"receipts": [{"line": 1, "dispositions": [{"kind": "lost", "quantity": 1}]}]},
        {"receipts": [{"line": 1, "dispositions": [{"kind": "good", "quantity": -1}]}]},
        {"receipts": "nope"},
    ],
)
def test_malformed_richer_bodies_are_400s_with_field_messages(clerk, body):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    ReturnOrderLineItemFactory(order=order)
    response = clerk.post(f"/api/order/ro/{order.pk}/receive/", body, format="json")
    assert response.status_code == 400
    assert "receipts" in response.json()


def test_a_bad_body_for_a_missing_order_is_still_a_404(clerk):
    assert clerk.post("/api/order/ro/999999/receive/", {}, format="json").status_code == 404
    body = {"items": [], "location": LocationFactory().pk}
    assert clerk.post("/api/order/ro/999999/receive/", body, format="json").status_code == 404


def test_inventree_body_for_a_missing_order_is_a_404(clerk, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    body = {"items": [{"item": line.pk}], "location": location.pk}
    assert clerk.post("/api/order/ro/999999/receive/", body, format="json").status_code == 404


def test_undo_through_the_api_restores_the_line_and_the_stock(clerk, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = _bulk_line(order)
    source = StockItem.objects.get(pk=line.item_id)
    response = clerk.post(
        f"/api/order/ro/{order.pk}/receive/",
        _split_body(line, location, LocationFactory()),
        format="json",
    )
    pk = response.json()["receipts"][0]["pk"]

    undone = clerk.post(f"/api/order/ro-receipt/{pk}/undo/", {}, format="json")

    assert undone.status_code == 200, undone.content
    assert undone.json()["undone"] is True and undone.json()["undone_by"] == clerk.user.pk
    line.refresh_from_db()
    assert (line.received_quantity, line.missing_quantity, line.received_date) == (0, 0, None)
    assert line.item_id == source.pk
    assert StockItem.objects.get(pk=source.pk).quantity == source.quantity
    assert StockItem.objects.count() == 1
    again = clerk.post(f"/api/order/ro-receipt/{pk}/undo/", {}, format="json")
    assert again.status_code == 400


def test_undo_after_completion_is_a_400(clerk, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    clerk.post(
        f"/api/order/ro/{order.pk}/receive/",
        {"items": [{"item": line.pk}], "location": location.pk},
        format="json",
    )
    receipt = ReturnOrderReceipt.objects.get(line=line)
    services.return_order_complete(order=order, user=None, accept_incomplete=True)
    response = clerk.post(f"/api/order/ro-receipt/{receipt.pk}/undo/", {}, format="json")
    assert response.status_code == 400
    assert "Complete" in str(response.json())
    assert ReturnOrderLineItem.objects.get(pk=line.pk).received_date is not None


def test_the_list_filters_by_order_and_line_and_shows_undone_ones(clerk, location):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    other = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(2)]
    foreign = ReturnOrderLineItemFactory(order=other)
    for target, line in ((order, lines[0]), (order, lines[1]), (other, foreign)):
        services.return_order_receive(
            order=target, lines=[(line.pk, None)], location=location, user=None
        )
    services.return_order_receipt_undo(
        receipt=ReturnOrderReceipt.objects.get(line=lines[1]), user=None
    )

    listed = clerk.get("/api/order/ro-receipt/", {"order": order.pk}).json()
    assert sorted(row["line"] for row in listed) == sorted(line.pk for line in lines)
    by_line = clerk.get("/api/order/ro-receipt/", {"line": lines[1].pk}).json()
    assert [row["undone"] for row in by_line] == [True]
    standing = clerk.get("/api/order/ro-receipt/", {"order": order.pk, "undone": "false"}).json()
    assert [row["line"] for row in standing] == [lines[0].pk]
    page = clerk.get("/api/order/ro-receipt/", {"order": order.pk, "limit": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1
    detail = clerk.get(f"/api/order/ro-receipt/{listed[0]['pk']}/").json()
    assert detail == listed[0]


@pytest.mark.parametrize("count", [3, 10])
def test_the_receipt_list_costs_the_same_queries_for_3_or_10(
    client_for, location, count, django_assert_num_queries
):
    reader = client_for(return_order=["view"])
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(count)]
    services.return_order_receive(
        order=order, lines=[(line.pk, None) for line in lines], location=location, user=None
    )
    reader.force_authenticate(User.objects.get(pk=reader.user.pk))
    # The permissions, the receipts, their dispositions.
    with django_assert_num_queries(3):
        response = reader.get("/api/order/ro-receipt/", {"order": order.pk})
    assert len(response.json()) == count
    # With a page: its count too.
    reader.force_authenticate(User.objects.get(pk=reader.user.pk))
    with django_assert_num_queries(4):
        reader.get("/api/order/ro-receipt/", {"order": order.pk, "limit": 2})


def test_the_line_list_shows_its_quantities(client_for, location):
    reader = client_for(return_order=["view"])
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    rows = reader.get("/api/order/ro-line/", {"order": order.pk}).json()
    assert (rows[0]["received_quantity"], rows[0]["outstanding_quantity"]) == (0, 1)
    assert rows[0]["pk"] == line.pk
