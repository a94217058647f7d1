"""The returns desk's core job, counted as a clerk with a barcode scanner does it: create an
order, scan three serials, issue, receive everything, complete — in at most ten clicks.

Typing and scanning (a scanner types the serial and presses Enter) are not clicks; a click on a
button or link, a ticked box and a chosen option are.
"""

import pytest
from playwright.sync_api import expect

from common import site_settings
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from stock import services as stock_services
from stock.models import StockItem
from tests.e2e.clicks import Clicks
from tests.factories import StockItemFactory

pytestmark = pytest.mark.e2e

MAX_CLICKS = 10


def test_create_scan_three_issue_receive_complete_in_at_most_ten_clicks(
    scenario, new_page, log_in, shoot
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    third = StockItemFactory(part=scenario.part, serial="E2E-3003", location=scenario.stores)
    stock_services.stock_items_assign(items=[third], customer=scenario.customer, user=scenario.user)
    serials = [scenario.item.serial, scenario.decoy.serial, third.serial]

    page = new_page()
    log_in(page)
    page.goto("/returns/")
    clicks = Clicks(page)

    clicks.click(page.get_by_role("link", name="+ New Return Order"))
    customer = page.get_by_role("combobox", name="Customer", exact=True)
    customer.fill("Acme")
    customer.press("ArrowDown")
    customer.press("Enter")
    page.get_by_label("Description").fill("Three motors back from Acme")
    clicks.click(page.get_by_role("button", name="Submit"))

    scan = page.get_by_role("searchbox", name="Scan or type serial")
    for serial in serials:
        expect(scan).to_be_focused()
        scan.fill(serial)
        scan.press("Enter")
        expect(page.locator("#line-table")).to_contain_text(serial)
    order = ReturnOrder.objects.get(description="Three motors back from Acme")
    assert order.lines.count() == 3

    clicks.click(page.get_by_role("button", name="Issue order"))
    clicks.click(page.get_by_role("link", name="Receive items"))
    clicks.choose(page.get_by_label("Destination location"), value=str(scenario.quarantine.pk))
    clicks.click(page.get_by_role("button", name="Receive items"))
    expect(page.get_by_role("alert")).to_contain_text("3")
    clicks.click(page.get_by_role("button", name="Complete order"))
    # Outcomes are set later (or never): the confirmation says so, and completing is one click.
    clicks.click(page.get_by_role("button", name="Complete anyway"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Complete")
    shoot(page, "core-job-completed")

    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.COMPLETE
    assert order.lines.filter(received_date__isnull=False).count() == 3
    assert set(StockItem.objects.filter(serial__in=serials).values_list("location", flat=True)) == {
        scenario.quarantine.pk
    }
    assert clicks.count <= MAX_CLICKS, clicks.count
