"""The warranty on the pages: the line table's badge, the line form, the resolve pages."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from returns import services
from returns.models import ReturnOrderLineItem, ReturnOrderRepair
from returns.statuses import ReturnOrderStatus, WarrantyStatus
from stock import services as stock_services
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import LocationFactory, PartFactory, StockItemFactory, UserFactory
from tests.pages.factories import OrderFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    moment = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def text(response) -> str:
    return html.unescape(response.content.decode())


def line_for(order, delivered, months=12):
    item = StockItemFactory(part=PartFactory(warranty_months=months))
    stock_services.stock_items_assign(items=[item], customer=order.customer)
    StockItemTracking.objects.filter(
        item=item, tracking_type=StockHistoryCode.SENT_TO_CUSTOMER
    ).update(date=datetime.datetime.combine(delivered, datetime.time(9), tzinfo=datetime.UTC))
    return services.return_order_line_create(order=order, item=item, user=UserFactory())


def row_of(content: str, line) -> str:
    start = content.index(f'<tr id="line-{line.pk}">')
    return content[start : content.index("</tr>", start)]


def test_the_line_table_shows_the_answer_and_expiry(enabled, clerk):
    order = OrderFactory()
    inside = line_for(order, datetime.date(2026, 1, 10))
    outside = line_for(order, datetime.date(2020, 1, 10))
    unknown = line_for(order, datetime.date(2026, 1, 10), months=None)
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert '<th scope="col">Warranty</th>' in content
    row = row_of(content, inside)
    assert 'data-warranty="in_warranty"' in row and "In warranty" in row
    assert "until 2027-01-10" in row
    assert "from 2026-01-10 (delivered)" in row
    row = row_of(content, outside)
    assert 'data-warranty="out_of_warranty"' in row and "ended 2021-01-10" in row
    assert 'data-warranty="unknown"' in row_of(content, unknown)


def test_the_line_form_enters_a_start_and_recomputes(enabled, clerk):
    order = OrderFactory()
    line = line_for(order, datetime.date(2020, 1, 10))
    url = f"/returns/{order.pk}/lines/{line.pk}/edit/"
    form = text(clerk.get(url))
    assert 'id="line-warranty"' in form
    # The tracking date is shown, not put in the field (it would then count as entered).
    assert re.search(r'name="warranty_start"(?![^>]*value="2020)', form)
    data = {
        "outcome": line.outcome,
        "quantity": "1",
        "warranty_start": "2026-02-01",
        "warranty_override": "",
        "warranty_override_reason": "",
    }
    response = clerk.post(url, data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.warranty, line.warranty_start_source, line.warranty_expiry) == (
        WarrantyStatus.IN_WARRANTY,
        "entered",
        datetime.date(2027, 2, 1),
    )
    assert 'value="2026-02-01"' in text(clerk.get(url))


def test_the_line_form_needs_a_reason_to_override(enabled, clerk):
    order = OrderFactory()
    line = line_for(order, datetime.date(2020, 1, 10))
    url = f"/returns/{order.pk}/lines/{line.pk}/edit/"
    data = {"outcome": line.outcome, "quantity": "1", "warranty_override": "in_warranty"}
    response = clerk.post(url, data)
    assert response.status_code == 200
    assert "Say why the warranty answer is overridden" in text(response)
    line.refresh_from_db()
    assert line.warranty == WarrantyStatus.OUT_OF_WARRANTY
    response = clerk.post(url, {**data, "warranty_override_reason": "Known batch fault"})
    assert response.status_code == 302
    content = text(clerk.get(f"/returns/{order.pk}/"))
    row = row_of(content, ReturnOrderLineItem.objects.get(pk=line.pk))
    assert 'data-warranty="in_warranty"' in row
    assert "Set by hand: Known batch fault" in row


def _received(order, delivered):
    line = line_for(order, delivered)
    services.return_order_issue(order=order, user=UserFactory())
    services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=LocationFactory(), user=UserFactory()
    )
    return line


@pytest.mark.parametrize(
    ("delivered", "checked"),
    [(datetime.date(2026, 1, 1), True), (datetime.date(2020, 1, 1), False)],
)
def test_the_repair_form_shows_the_answer_and_defaults_under_warranty(
    enabled, clerk, delivered, checked
):
    order = OrderFactory(status=ReturnOrderStatus.PENDING)
    line = _received(order, delivered)
    url = f"/returns/{order.pk}/lines/{line.pk}/resolve/repair/"
    content = text(clerk.get(url))
    assert 'id="resolve-warranty"' in content
    box = re.search(r'<input[^>]*name="under_warranty"[^>]*>', content).group(0)
    assert ("checked" in box) is checked
    response = clerk.post(url, {"fault": "Noisy", **({"under_warranty": "on"} if checked else {})})
    assert response.status_code == 302
    assert ReturnOrderRepair.objects.get(resolution__line=line).under_warranty is checked


def test_the_refund_form_shows_the_answer(enabled, clerk):
    order = OrderFactory(status=ReturnOrderStatus.PENDING)
    line = _received(order, datetime.date(2020, 1, 1))
    content = text(clerk.get(f"/returns/{order.pk}/lines/{line.pk}/resolve/refund/"))
    start = content.index('id="resolve-warranty"')
    assert "Out of warranty" in content[start : start + 600]
