"""Exporting return orders and their lines as CSV, XLSX and JSON, from the API and the index page.

An export holds exactly the rows the same list shows (filters, search, ordering), all of them.
"""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from djmoney.money import Money
from openpyxl import load_workbook
from rest_framework.test import APIClient

from common import export as common_export
from returns import exports
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from tests.factories import CustomerFactory, PartFactory
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

ORDERS = "/api/order/ro/"
LINES = "/api/order/ro-line/"


@pytest.fixture
def orders(db):
    """Five orders: two customers, three statuses, searchable descriptions, priced lines."""
    acme = CustomerFactory(name="Acme Tools", currency="USD")
    zeta = CustomerFactory(name="Zeta Bikes", currency="EUR")
    rows = [
        (1, acme, ReturnOrderStatus.PENDING, "Broken widget", datetime.date(2025, 5, 1)),
        (2, zeta, ReturnOrderStatus.IN_PROGRESS, "Widget noise", datetime.date(2025, 4, 1)),
        (3, acme, ReturnOrderStatus.IN_PROGRESS, "Cracked frame", None),
        (4, zeta, ReturnOrderStatus.PENDING, "Widget rattles", datetime.date(2025, 6, 1)),
        (5, acme, ReturnOrderStatus.COMPLETE, "Widget swap", None),
    ]
    created = {}
    for number, customer, status, description, target in rows:
        created[number] = ReturnOrderFactory(
            reference=f"RMA-{number:04d}",
            reference_int=number,
            customer=customer,
            status=status,
            description=description,
            target_date=target,
            total_price=Money(Decimal("12.500000"), customer.currency),
        )
    part = PartFactory(name="Servo", IPN="SV-1")
    for serial, outcome in (("SN-1", ReturnOrderLineStatus.PENDING), ("SN-2", 30)):
        ReturnOrderLineItemFactory(
            order=created[2],
            item=CustomerStockItemFactory(customer=zeta, part=part, serial=serial),
            outcome=outcome,
            reference=f"L-{serial}",
            price=Money(Decimal("40.000000"), "EUR"),
        )
    ReturnOrderLineItemFactory(order=created[3], reference="L-other")
    return created


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


def _body(response) -> str:
    assert response.status_code == 200, response.content[:500]
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode()


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response))))


def _xlsx(response) -> list[tuple]:
    raw = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(raw), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def _references(client, url, params) -> list[str]:
    return [row["reference"] for row in client.get(url, params).json()]


# -- orders through the API -----------------------------------------------------------------


def test_csv_export_streams_every_order_with_inventree_headers(viewer, orders):
    response = viewer.get(ORDERS, {"export": "csv"})

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ReturnOrders-')
    rows = _csv(response)
    assert rows[0] == exports.ORDER_TABLE.headers
    assert rows[0][:4] == ["Reference", "Customer", "Customer Reference", "Description"]
    assert len(rows) == 1 + 5
    by_reference = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    second = by_reference["RMA-0002"]
    assert second["Customer"] == "Zeta Bikes"
    assert second["Status"] == "In Progress"
    assert second["Line Items"] == "2"
    assert second["Target Date"] == "2025-04-01"
    assert second["Total Price"] == "12.5"
    assert second["Currency"] == "EUR"
    assert second["ID"] == str(orders[2].pk)


@pytest.mark.parametrize(
    "params",
    [
        {"status": 10},
        {"search": "widget"},
        {"customer": "customer"},
        {"ordering": "target_date"},
        {"ordering": "-customer,reference"},
        {"search": "widget", "outstanding": "true", "ordering": "-reference"},
    ],
)
def test_export_rows_match_the_list_filters_search_and_ordering(viewer, orders, params):
    if params.get("customer") == "customer":
        params = {"customer": orders[2].customer_id}
    listed = _references(viewer, ORDERS, params)

    exported = [row[0] for row in _csv(viewer.get(ORDERS, {**params, "export": "csv"}))[1:]]

    assert exported == listed
    assert exported  # every case selects something


def test_export_ignores_pagination(viewer, orders):
    rows = _csv(viewer.get(ORDERS, {"export": "csv", "limit": 2, "offset": 1}))
    assert len(rows) == 1 + 5


def test_xlsx_export_reads_back_with_openpyxl(viewer, orders):
    response = viewer.get(
        ORDERS, {"export": "true", "export_format": "xlsx", "status": 20, "ordering": "reference"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="ReturnOrders-')
    rows = _xlsx(response)
    assert list(rows[0]) == exports.ORDER_TABLE.headers
    assert [row[0] for row in rows[1:]] == ["RMA-0002", "RMA-0003"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Line Items"] == 2
    assert record["Total Price"] == 12.5
    assert record["Target Date"] == datetime.datetime(2025, 4, 1)


def test_json_export_is_a_list_of_objects_keyed_by_header(viewer, orders):
    response = viewer.get(ORDERS, {"export": "true", "export_format": "json", "search": "widget"})

    assert response["Content-Type"] == "application/json"
    data = json.loads(_body(response))
    assert [row["Reference"] for row in data] == _references(viewer, ORDERS, {"search": "widget"})
    assert list(data[0]) == exports.ORDER_TABLE.headers
    assert data[0]["Total Price"] == "12.5"


def test_an_empty_export_still_has_its_headers(viewer, orders):
    assert _csv(viewer.get(ORDERS, {"export": "csv", "status": 40})) == [
        exports.ORDER_TABLE.headers
    ]
    assert json.loads(_body(viewer.get(ORDERS, {"export": "json", "status": 40}))) == []
    assert len(_xlsx(viewer.get(ORDERS, {"export": "xlsx", "status": 40}))) == 1


def test_exports_cross_chunk_boundaries_cleanly(viewer, orders, monkeypatch):
    monkeypatch.setattr(common_export, "CHUNK_SIZE", 2)

    rows = _csv(viewer.get(ORDERS, {"export": "csv", "ordering": "reference"}))
    data = json.loads(_body(viewer.get(ORDERS, {"export": "json", "ordering": "reference"})))

    assert rows.count(exports.ORDER_TABLE.headers) == 1
    assert [row[0] for row in rows[1:]] == [f"RMA-{n:04d}" for n in range(1, 6)]
    assert [row["Reference"] for row in data] == [f"RMA-{n:04d}" for n in range(1, 6)]


def test_an_unknown_export_format_is_a_400(viewer, orders):
    response = viewer.get(ORDERS, {"export": "true", "export_format": "pdf"})
    assert response.status_code == 400
    assert "export_format" in response.json()
    assert viewer.get(ORDERS, {"export": "yaml"}).status_code == 400


def test_export_false_is_the_ordinary_list(viewer, orders):
    response = viewer.get(ORDERS, {"export": "false"})
    assert response["Content-Type"] == "application/json"
    assert len(response.json()) == 5


def test_order_export_runs_a_fixed_number_of_queries(viewer, orders, django_assert_num_queries):
    ReturnOrderFactory.create_batch(5)
    # The role check (user and group permissions in one query), one reading at most one row
    # past EXPORT_JOB_THRESHOLD (is it a job?), one query for every order and column, and one
    # for the lines' reasons and conditions (per chunk of orders).
    with django_assert_num_queries(4):
        rows = _csv(viewer.get(ORDERS, {"export": "csv"}))
    assert len(rows) == 1 + 10


# -- lines through the API ------------------------------------------------------------------


def test_line_export_has_inventree_headers_and_the_filtered_lines(client_for, orders):
    client = client_for(return_order=["view"])

    rows = _csv(client.get(LINES, {"export": "csv", "order": orders[2].pk}))

    assert rows[0] == exports.LINE_TABLE.headers
    assert rows[0][:3] == ["Order", "Reference", "Target Date"]
    assert [row[1] for row in rows[1:]] == ["L-SN-1", "L-SN-2"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Order"] == "RMA-0002"
    assert record["Part"] == "Servo"
    assert record["IPN"] == "SV-1"
    assert record["Serial Number"] == "SN-1"
    assert record["Quantity"] == "1"
    assert record["Outcome"] == "Pending"
    assert record["Price"] == "40"
    assert record["Price Currency"] == "EUR"
    assert record["Customer"] == "Zeta Bikes"


@pytest.mark.parametrize(
    "params",
    [{"outcome": 30}, {"search": "SN-2"}, {"ordering": "-reference"}, {"received": "false"}],
)
def test_line_export_matches_the_line_list(viewer, orders, params):
    listed = [row["reference"] for row in viewer.get(LINES, params).json()]

    rows = _csv(viewer.get(LINES, {**params, "export": "csv"}))

    assert [row[1] for row in rows[1:]] == listed
    assert listed


def test_line_export_formats(viewer, orders):
    xlsx = _xlsx(viewer.get(LINES, {"export": "true", "export_format": "xlsx"}))
    data = json.loads(_body(viewer.get(LINES, {"export": "true", "export_format": "json"})))

    assert list(xlsx[0]) == exports.LINE_TABLE.headers
    assert len(xlsx) == 1 + 3
    assert len(data) == 3
    assert {row["Order"] for row in data} == {"RMA-0002", "RMA-0003"}


def test_line_export_runs_a_fixed_number_of_queries(viewer, orders, django_assert_num_queries):
    ReturnOrderLineItemFactory.create_batch(4)
    # The role check, the job-or-not probe, the lines.
    with django_assert_num_queries(3):
        rows = _csv(viewer.get(LINES, {"export": "csv"}))
    assert len(rows) == 1 + 7


# -- permissions ------------------------------------------------------------------------------


def test_exports_need_the_view_permission_on_what_they_list(client_for, orders):
    assert APIClient().get(ORDERS, {"export": "csv"}).status_code == 401
    no_role = client_for(stock=["view"])
    assert no_role.get(ORDERS, {"export": "csv"}).status_code == 403
    assert no_role.get(LINES, {"export": "csv"}).status_code == 403


# -- the index page -------------------------------------------------------------------------


@pytest.fixture
def page(make_user, set_setting):
    set_setting("RETURNORDER_ENABLED", True)

    def _client(**roles):
        client = Client()
        client.force_login(make_user(**roles))
        return client

    return _client


def test_index_export_links_carry_the_current_filters(page, orders):
    client = page(return_order=["view"])

    content = client.get("/returns/?search=widget&status=10&sort=-customer&page=1").content.decode()

    for fmt in ("csv", "xlsx", "json"):
        assert (
            f'href="/returns/export/?search=widget&amp;status=10&amp;sort=-customer&amp;'
            f'export={fmt}"' in content
        )
        assert (
            f'href="/returns/export/?search=widget&amp;status=10&amp;sort=-customer&amp;'
            f'rows=lines&amp;export={fmt}"' in content
        )


def test_index_export_links_without_filters(page, orders):
    content = page(return_order=["view"]).get("/returns/").content.decode()
    assert 'href="/returns/export/?export=csv"' in content


def test_page_export_matches_the_index_filters_search_and_sort(page, orders):
    client = page(return_order=["view"])

    rows = _csv(client.get("/returns/export/?search=widget&sort=-customer&export=csv"))

    # Widget orders, customer Z→A, then reference descending as the page's tie-breaker.
    assert [row[0] for row in rows[1:]] == ["RMA-0004", "RMA-0002", "RMA-0005", "RMA-0001"]
    assert rows[0] == exports.ORDER_TABLE.headers


def test_page_export_follows_the_status_filter_and_default_sort(page, orders):
    client = page(return_order=["view"])

    rows = _xlsx(client.get("/returns/export/?status=20&export=xlsx"))

    assert [row[0] for row in rows[1:]] == ["RMA-0003", "RMA-0002"]


def test_page_exports_the_lines_of_the_filtered_orders(page, orders):
    client = page(return_order=["view"])

    data = json.loads(_body(client.get("/returns/export/?status=20&rows=lines&export=json")))

    assert [(row["Order"], row["Reference"]) for row in data] == [
        ("RMA-0003", "L-other"),
        ("RMA-0002", "L-SN-1"),
        ("RMA-0002", "L-SN-2"),
    ]


def test_page_export_needs_view_permissions(page, orders):
    assert page(stock=["view"]).get("/returns/export/?export=csv").status_code == 403


def test_page_export_with_an_unknown_format_returns_to_the_index(page, orders):
    response = page(return_order=["view"]).get("/returns/export/?status=10&export=pdf", follow=True)
    assert response.redirect_chain == [("/returns/?status=10", 302)]
    assert "Unknown export format" in response.content.decode()
