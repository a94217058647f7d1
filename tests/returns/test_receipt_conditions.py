"""The condition on arrival, recorded at receipt: split receipts and InvenTree's whole-line
receive store it on the receipt and give it to the line; undo gives the line its earlier one
back. Over the API, the services and the pages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import site_settings
from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderReceipt
from returns.services import DispositionRequest, ReceiptRequest
from returns.statuses import DispositionKind, ReturnOrderStatus
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnConditionFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

GOOD, MISSING = DispositionKind.GOOD, DispositionKind.MISSING
ALL = ("view", "add", "change", "delete")


@pytest.fixture
def api(client_for):
    return client_for(return_order=["view", "add"], stock=["view", "change"])


@pytest.fixture
def shelf(db):
    return LocationFactory(name="Shelf")


@pytest.fixture
def opened(db):
    return ReturnConditionFactory(code="opened-box", label="Opened box")


@pytest.fixture
def dented(db):
    return ReturnConditionFactory(code="dented", label="Dented")


@pytest.fixture
def retired(db):
    return ReturnConditionFactory(code="retired", label="Retired condition", active=False)


def _order():
    return ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)


def _bulk_line(order, *, quantity=4, condition=None):
    item = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(10))
    line = services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=None
    )
    if condition is not None:
        ReturnOrderLineItem.objects.filter(pk=line.pk).update(condition=condition)
        line.refresh_from_db()
    return line


def _receive(order, line, shelf, user, *, quantity=1, condition=None, kind=GOOD):
    [receipt] = services.return_order_receive_split(
        order=order,
        receipts=[
            ReceiptRequest(
                line=line.pk,
                dispositions=[
                    DispositionRequest(kind, Decimal(quantity), shelf if kind != MISSING else None)
                ],
                condition=condition,
            )
        ],
        user=user,
    )
    return receipt


def _line_condition(line) -> int | None:
    return ReturnOrderLineItem.objects.values_list("condition", flat=True).get(pk=line.pk)


# -- services -------------------------------------------------------------------------------


def test_a_split_receipt_stores_its_condition_and_gives_it_to_the_line(user, shelf, opened):
    order = _order()
    line = _bulk_line(order)

    receipt = _receive(order, line, shelf, user, condition=opened)

    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).condition == opened
    assert _line_condition(line) == opened.pk


def test_a_receipt_without_a_condition_leaves_the_lines_alone(user, shelf, opened):
    order = _order()
    line = _bulk_line(order, condition=opened)

    receipt = _receive(order, line, shelf, user)

    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).condition is None
    assert _line_condition(line) == opened.pk
    assert "previous_condition" not in receipt.stock_record


def test_an_inactive_condition_is_refused_naming_the_line(user, shelf, retired):
    order = _order()
    line = _bulk_line(order)

    with pytest.raises(ValidationError) as caught:
        _receive(order, line, shelf, user, condition=retired)

    [message] = caught.value.message_dict["receipts"]
    assert f"Line item {line.pk}" in message and "inactive" in message
    assert not ReturnOrderReceipt.objects.exists()
    assert _line_condition(line) is None


def test_undo_gives_the_line_the_condition_it_had_before_each_receipt(user, shelf, opened, dented):
    order = _order()
    first_condition = ReturnConditionFactory(label="Unopened here")
    line = _bulk_line(order, condition=first_condition)
    first = _receive(order, line, shelf, user, condition=opened)
    second = _receive(order, line, shelf, user, condition=dented)
    plain = _receive(order, line, shelf, user)  # records none: undoing it changes nothing
    assert _line_condition(line) == dented.pk

    services.return_order_receipt_undo(receipt=plain, user=user)
    assert _line_condition(line) == dented.pk
    services.return_order_receipt_undo(receipt=second, user=user)
    assert _line_condition(line) == opened.pk
    services.return_order_receipt_undo(receipt=first, user=user)
    assert _line_condition(line) == first_condition.pk


def test_undo_of_the_first_recorded_condition_clears_it_again(user, shelf, opened):
    order = _order()
    line = _bulk_line(order)
    receipt = _receive(order, line, shelf, user, quantity=4, condition=opened)
    line.refresh_from_db()
    assert (line.condition_id, line.received_date is not None) == (opened.pk, True)

    services.return_order_receipt_undo(receipt=receipt, user=user)

    line.refresh_from_db()
    assert (line.condition_id, line.received_date) == (None, None)
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).condition == opened  # kept, as history


def test_missing_units_can_carry_a_condition_too(user, shelf, dented):
    order = _order()
    line = _bulk_line(order)
    receipt = _receive(order, line, shelf, user, kind=MISSING, condition=dented)
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).condition == dented
    assert _line_condition(line) == dented.pk


def test_the_whole_line_receive_stores_the_conditions_on_its_receipts(user, shelf, opened):
    order = _order()
    earlier = ReturnConditionFactory(label="Before")
    with_one = ReturnOrderLineItemFactory(order=order, condition=earlier)
    without = ReturnOrderLineItemFactory(order=order, condition=earlier)

    services.return_order_receive(
        order=order,
        lines=[(with_one.pk, None), (without.pk, StockStatus.OK)],
        location=shelf,
        user=user,
        conditions={with_one.pk: opened.pk},
    )

    receipts = {r.line_id: r for r in ReturnOrderReceipt.objects.all()}
    assert receipts[with_one.pk].condition == opened
    assert receipts[without.pk].condition is None
    assert _line_condition(with_one) == opened.pk
    assert _line_condition(without) == earlier.pk

    services.return_order_receipt_undo(receipt=receipts[with_one.pk], user=user)
    services.return_order_receipt_undo(receipt=receipts[without.pk], user=user)
    assert _line_condition(with_one) == earlier.pk
    assert _line_condition(without) == earlier.pk


def _receipt_inserts(lines, condition, user, shelf) -> int:
    order = _order()
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(lines)]
    table = ReturnOrderReceipt._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        services.return_order_receive(
            order=order,
            lines=[(pk, None) for pk in pks],
            location=shelf,
            user=user,
            conditions=dict.fromkeys(pks, condition.pk),
        )
    assert ReturnOrderReceipt.objects.filter(line__in=pks, condition=condition).count() == lines
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith(f'INSERT INTO "{table}"')
    )


def test_a_hundred_whole_line_receipts_with_conditions_take_one_insert(user, shelf, opened):
    # Ten columns a receipt: past SQLite's assumed 999 parameters for a hundred of them.
    assert _receipt_inserts(1, opened, user, shelf) == 1
    assert _receipt_inserts(100, opened, user, shelf) == 1
    assert connection.features.max_query_params == type(connection.features).max_query_params


# -- API ------------------------------------------------------------------------------------


def _body(line, shelf, **receipt):
    return {
        "receipts": [
            {
                "line": line.pk,
                "dispositions": [{"kind": "good", "quantity": 1, "location": shelf.pk}],
                **receipt,
            }
        ]
    }


def test_the_receipts_body_takes_a_condition_and_shows_it(api, shelf, opened):
    order = _order()
    line = _bulk_line(order)

    response = api.post(
        f"/api/order/ro/{order.pk}/receive/",
        _body(line, shelf, condition=opened.pk),
        format="json",
    )

    assert response.status_code == 201, response.content
    [receipt] = response.json()["receipts"]
    detail = {"pk": opened.pk, "code": "opened-box", "label": "Opened box", "active": True}
    assert (receipt["condition"], receipt["condition_detail"]) == (opened.pk, detail)
    assert _line_condition(line) == opened.pk
    listed = api.get("/api/order/ro-receipt/", {"order": order.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["condition"], r["condition_detail"]) for r in rows] == [(opened.pk, detail)]
    line_json = api.get(f"/api/order/ro-line/{line.pk}/").json()
    assert line_json["condition_detail"] == detail


def test_a_receipt_without_a_condition_shows_none(api, shelf):
    order = _order()
    line = _bulk_line(order)
    response = api.post(f"/api/order/ro/{order.pk}/receive/", _body(line, shelf), format="json")
    assert response.status_code == 201, response.content
    [receipt] = response.json()["receipts"]
    assert (receipt["condition"], receipt["condition_detail"]) == (None, None)


@pytest.mark.parametrize("which", ["inactive", "unknown"])
def test_an_inactive_or_unknown_condition_is_a_400_on_the_field(api, shelf, retired, which):
    order = _order()
    line = _bulk_line(order)
    pk = retired.pk if which == "inactive" else retired.pk + 1000

    response = api.post(
        f"/api/order/ro/{order.pk}/receive/", _body(line, shelf, condition=pk), format="json"
    )

    assert response.status_code == 400, response.content
    [message] = response.json()["receipts"]["0"]["condition"]
    assert ("inactive" if which == "inactive" else "does not exist") in message
    assert not ReturnOrderReceipt.objects.exists()
    assert _line_condition(line) is None


def test_undo_over_the_api_restores_the_lines_condition(api, shelf, opened, dented):
    order = _order()
    line = _bulk_line(order, condition=opened)
    response = api.post(
        f"/api/order/ro/{order.pk}/receive/", _body(line, shelf, condition=dented.pk), format="json"
    )
    [receipt] = response.json()["receipts"]

    undone = api.post(f"/api/order/ro-receipt/{receipt['pk']}/undo/", {}, format="json")

    assert undone.status_code == 200, undone.content
    assert (undone.json()["undone"], undone.json()["condition"]) == (True, dented.pk)
    assert _line_condition(line) == opened.pk


def test_the_receipt_list_reads_the_conditions_in_the_same_queries(api, shelf, opened, dented):
    order = _order()
    lines = [_bulk_line(order, quantity=1) for _ in range(3)]

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/order/ro-receipt/", {"order": order.pk})
        assert response.status_code == 200
        return len(captured)

    api.post(
        f"/api/order/ro/{order.pk}/receive/",
        _body(lines[0], shelf, condition=opened.pk),
        format="json",
    )
    one = count()
    for line, condition in zip(lines[1:], (dented, opened), strict=True):
        api.post(
            f"/api/order/ro/{order.pk}/receive/",
            _body(line, shelf, condition=condition.pk),
            format="json",
        )
    assert count() == one


# -- pages ----------------------------------------------------------------------------------


@pytest.fixture
def clerk(make_user):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client = Client()
    client.force_login(
        make_user(return_order=ALL, stock=ALL, stock_location=["view"], part=["view"])
    )
    return client


def _split_url(order, line):
    return f"/returns/{order.pk}/receive/{line.pk}/split/"


def test_the_split_page_offers_the_active_conditions(clerk, opened, retired):
    order = _order()
    line = _bulk_line(order)
    page = clerk.get(_split_url(order, line)).content.decode()
    assert 'name="condition"' in page
    assert f'<option value="{opened.pk}">Opened box</option>' in page
    assert "Retired condition" not in page


def test_the_split_page_records_the_condition_and_the_order_page_shows_it(clerk, shelf, opened):
    order = _order()
    line = _bulk_line(order)

    response = clerk.post(
        _split_url(order, line),
        {"good_quantity": "1", "good_location": shelf.pk, "condition": opened.pk},
    )

    assert response.status_code == 302
    receipt = ReturnOrderReceipt.objects.get(line=line)
    assert receipt.condition == opened
    assert _line_condition(line) == opened.pk
    detail = clerk.get(f"/returns/{order.pk}/").content.decode()
    table = detail[detail.find('id="receipt-table"') :]
    table = table[: table.find("</table>")]
    assert '<th scope="col">Condition</th>' in table
    assert '<td data-label="Condition">Opened box</td>' in table


def test_the_split_page_preselects_the_lines_condition_and_may_record_none(clerk, shelf, opened):
    order = _order()
    line = _bulk_line(order, condition=opened)
    page = clerk.get(_split_url(order, line)).content.decode()
    assert f'<option value="{opened.pk}" selected>Opened box</option>' in page

    clerk.post(_split_url(order, line), {"good_quantity": "1", "good_location": shelf.pk})

    assert ReturnOrderReceipt.objects.get(line=line).condition is None
    assert _line_condition(line) == opened.pk
    detail = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert '<td data-label="Condition">—</td>' in detail


def test_the_split_page_refuses_an_inactive_condition(clerk, shelf, retired):
    order = _order()
    line = _bulk_line(order)

    response = clerk.post(
        _split_url(order, line),
        {"good_quantity": "1", "good_location": shelf.pk, "condition": retired.pk},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ReturnOrderReceipt.objects.exists()
