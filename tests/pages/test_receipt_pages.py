"""The receipt pages: receive one line split into good, damaged and missing units, see each
receipt on the order page, and undo one after a confirmation page."""

from decimal import Decimal

import pytest

from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderReceipt
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.returns.factories import CustomerBulkStockItemFactory, ReturnOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return LocationFactory(name="Returns")


def _bulk_line(quantity=4):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    item = CustomerBulkStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(
        order=order, item=item, quantity=Decimal(quantity), user=None
    )
    return order, line


def _split_url(order, line):
    return f"/returns/{order.pk}/receive/{line.pk}/split/"


def test_the_receive_page_offers_a_split_for_each_line(enabled, clerk):
    order, line = _bulk_line()
    content = clerk.get(f"/returns/{order.pk}/receive/").content.decode()
    assert f'href="{_split_url(order, line)}"' in content
    # The whole-line receive stays as it was.
    assert f'name="lines" value="{line.pk}"' in content


def test_the_split_page_records_good_damaged_and_missing_units(enabled, clerk):
    order, line = _bulk_line()
    shelf, bench = LocationFactory(name="Shelf"), LocationFactory(name="Bench")
    page = clerk.get(_split_url(order, line)).content.decode()
    assert "4 still to receive" in page

    response = clerk.post(
        _split_url(order, line),
        {
            "good_quantity": "2",
            "good_location": shelf.pk,
            "damaged_quantity": "1",
            "damaged_location": bench.pk,
            "damaged_status": StockStatus.QUARANTINED,
            "missing_quantity": "1",
            "notes": "one short",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/returns/{order.pk}/#receipts"
    receipt = ReturnOrderReceipt.objects.get(line=line)
    assert sorted((d.kind, d.quantity) for d in receipt.dispositions.all()) == [
        ("damaged", 1),
        ("good", 2),
        ("missing", 1),
    ]
    assert receipt.notes == "one short"
    detail = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert 'id="receipts"' in detail
    assert "2 good into Shelf" in detail and "1 missing" in detail
    assert f'href="/returns/{order.pk}/receipts/{receipt.pk}/undo/"' in detail
    assert "3 received, 1 missing" in detail


def test_a_part_receipt_leaves_the_rest_outstanding_on_both_pages(enabled, clerk, location):
    order, line = _bulk_line()
    clerk.post(_split_url(order, line), {"good_quantity": "1", "good_location": location.pk})
    line.refresh_from_db()
    assert (line.received_quantity, line.outstanding_quantity, line.received_date) == (1, 3, None)
    receive = clerk.get(f"/returns/{order.pk}/receive/").content.decode()
    assert "3 still to receive" in receive
    detail = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert "1 received, 3 outstanding" in detail


@pytest.mark.parametrize(
    "data, message",
    [
        ({"good_quantity": "5"}, "Choose where these units go."),
        ({"good_quantity": "0"}, "Enter a quantity for at least one of them."),
        ({"missing_quantity": "5"}, "more than the 4 still to receive"),
    ],
)
def test_refused_splits_rerender_the_form_with_the_reason(enabled, clerk, data, message):
    order, line = _bulk_line()
    response = clerk.post(_split_url(order, line), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content, content[content.find("error-summary") :][:600]
    assert not ReturnOrderReceipt.objects.exists()


def test_undo_asks_first_then_restores_the_stock(enabled, clerk, location):
    order, line = _bulk_line()
    source = StockItem.objects.get(pk=line.item_id)
    clerk.post(_split_url(order, line), {"good_quantity": "4", "good_location": location.pk})
    receipt = ReturnOrderReceipt.objects.get(line=line)
    url = f"/returns/{order.pk}/receipts/{receipt.pk}/undo/"

    confirm = clerk.get(url)
    assert confirm.status_code == 200
    assert "Undo the receipt" in confirm.content.decode()
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).undone_at is None

    response = clerk.post(url, {"note": "wrong box"})

    assert response.status_code == 302
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).undone_at is not None
    line = ReturnOrderLineItem.objects.get(pk=line.pk)
    assert (line.received_quantity, line.item_id) == (0, source.pk)
    assert StockItem.objects.get(pk=source.pk).quantity == source.quantity
    detail = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert "Undone" in detail and f'href="{url}"' not in detail


def test_undo_after_completion_is_refused_with_a_message(enabled, clerk, location):
    order, line = _bulk_line(quantity=1)
    clerk.post(_split_url(order, line), {"good_quantity": "1", "good_location": location.pk})
    receipt = ReturnOrderReceipt.objects.get(line=line)
    services.return_order_complete(order=order, user=None, accept_incomplete=True)
    url = f"/returns/{order.pk}/receipts/{receipt.pk}/undo/"
    assert "cannot be undone once the order is Complete" in clerk.get(url).content.decode()
    response = clerk.post(url, follow=True)
    assert "cannot be undone once the order is Complete" in response.content.decode()
    assert ReturnOrderReceipt.objects.get(pk=receipt.pk).undone_at is None


def test_a_viewer_sees_receipts_without_an_undo(enabled, viewer, location):
    order, line = _bulk_line(quantity=1)
    services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=location, user=None
    )
    receipt = ReturnOrderReceipt.objects.get(line=line)
    detail = viewer.get(f"/returns/{order.pk}/").content.decode()
    assert f'id="receipt-{receipt.pk}"' in detail
    assert f"/receipts/{receipt.pk}/undo/" not in detail
