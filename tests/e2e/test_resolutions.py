"""Resolving returned lines in headless Chromium: a Replace and a Repair with parts consumed.

The order is made and received with the services before the browser opens a page; the
resolutions go through the pages, and the database is checked for what the pages claimed.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from common import site_settings
from returns import services
from returns.statuses import ReturnOrderLineStatus
from stock.models import StockItem
from stock.statuses import StockStatus
from tests.factories import BulkStockItemFactory, PartFactory, StockItemFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def received_order(scenario):
    """Both of the customer's motors returned and received into quarantine; spares in stock."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user, customer=scenario.customer, description="Two noisy motors"
    )
    replace_line = services.return_order_line_create(
        order=order, item=scenario.item, user=scenario.user
    )
    repair_line = services.return_order_line_create(
        order=order, item=scenario.decoy, user=scenario.user
    )
    services.return_order_issue(order=order, user=scenario.user)
    services.return_order_receive(
        order=order,
        lines=[(replace_line.pk, None), (repair_line.pk, None)],
        location=scenario.quarantine,
        user=scenario.user,
    )
    spare = StockItemFactory(part=scenario.part, serial="E2E-5000", location=scenario.stores)
    brushes = BulkStockItemFactory(
        part=PartFactory(name="Carbon brush set", IPN="BRU-2", trackable=False),
        location=scenario.stores,
        quantity=Decimal(10),
    )
    return order, replace_line, repair_line, spare, brushes


def line_row(page: Page, line):
    return page.locator(f"#line-{line.pk}")


def open_resolution(page: Page, line, kind: str, shoot=None) -> None:
    row = line_row(page, line)
    row.locator("summary", has_text="Resolve").click()
    expect(row.get_by_role("link", name=kind)).to_be_visible()
    if shoot:
        shoot(page, "resolutions_menu")
    row.get_by_role("link", name=kind).click()
    # The form opens in place, in a row under the line; the order page stays.
    panel = page.locator("tr.resolve-inline")
    expect(panel.get_by_role("heading", level=2)).to_contain_text(f"{kind}: ")
    assert f"/returns/{line.order_id}/" in page.url and "/resolve/" not in page.url


def test_replace_and_repair_with_parts_on_the_order_page(
    scenario, received_order, new_page, log_in, shoot
):
    order, replace_line, repair_line, spare, brushes = received_order
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/")

    # Replace: the picker offers the spare only (the other motor is on this order, held).
    open_resolution(page, replace_line, "Replace", shoot)
    picker = page.get_by_label("Replacement")
    offered = picker.locator("option").all_text_contents()
    assert [o for o in offered if "SN" in o] == [
        f"{scenario.part.full_name} · SN E2E-5000 · {scenario.stores.pathstring}"
    ]
    picker.select_option(label=offered[1])
    page.get_by_label("Status of the faulty unit").select_option(label="Damaged")
    page.get_by_role("button", name="Send the replacement").click()
    page.wait_for_url(f"**/returns/{order.pk}/**")
    expect(page.get_by_role("alert").first).to_contain_text("replacement")
    expect(line_row(page, replace_line)).to_contain_text("Replacement: SN E2E-5000")
    expect(line_row(page, replace_line)).to_contain_text("Faulty unit: Damaged")

    # Repair: fault found, and three brushes from the stores row of the parts table.
    open_resolution(page, repair_line, "Repair")
    page.get_by_label("Fault found").fill("Worn brushes")
    page.get_by_label("Labour (minutes)").fill("40")
    parts = page.locator("#parts-table")
    brush_row = parts.locator("tr", has_text="Carbon brush set")
    expect(brush_row).to_contain_text(scenario.stores.pathstring)
    expect(brush_row).to_contain_text("10")
    brush_row.get_by_role("spinbutton").fill("3")
    shoot(page, "resolutions_repair_form")
    page.get_by_role("button", name="Record the repair").click()
    page.wait_for_url(f"**/returns/{order.pk}/**")
    repair_row = line_row(page, repair_line)
    expect(repair_row).to_contain_text("Repair open")
    expect(repair_row).to_contain_text("3 \N{MULTIPLICATION SIGN} BRU-2 | Carbon brush set")
    expect(repair_row).to_contain_text(f"from {scenario.stores.pathstring}")
    expect(repair_row.get_by_role("link", name="Finish repair")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Resolved SN E2E-4242: Replace")

    shoot(page, "resolutions_desktop")
    phone = new_page(viewport=PHONE)
    log_in(phone)
    phone.goto(f"/returns/{order.pk}/")
    expect(line_row(phone, repair_line)).to_contain_text("Repair open")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "resolutions_phone")

    # What the pages claimed, in the database.
    spare.refresh_from_db()
    assert spare.customer_id == scenario.customer.pk
    faulty = StockItem.objects.get(pk=scenario.item.pk)
    assert faulty.status == StockStatus.DAMAGED and faulty.customer_id is None
    brushes.refresh_from_db()
    assert brushes.quantity == Decimal(7)
    consumed = StockItem.objects.get(parent=brushes)
    assert consumed.quantity == Decimal(3) and consumed.belongs_to_id == scenario.decoy.pk
    replace_line.refresh_from_db()
    repair_line.refresh_from_db()
    assert replace_line.outcome == ReturnOrderLineStatus.REPLACE
    assert repair_line.outcome == ReturnOrderLineStatus.REPAIR
