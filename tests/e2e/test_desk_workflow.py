"""The order page's workflow in headless Chromium: outcomes for three lines in bulk in at most
four clicks, one outcome saved inline, and completing through its confirmation."""

import pytest
from playwright.sync_api import expect

from common import site_settings
from returns import services
from returns.models import ReturnOrderHistory
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock import services as stock_services
from tests.e2e.clicks import Clicks
from tests.factories import StockItemFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def three_lines(scenario):
    """An order in progress with three of the customer's motors received into quarantine."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    third = StockItemFactory(part=scenario.part, serial="E2E-3003", location=scenario.stores)
    stock_services.stock_items_assign(
        items=[third], customer=scenario.customer, user=scenario.user, notes="Sold"
    )
    order = services.return_order_create(
        user=scenario.user, customer=scenario.customer, description="Three motors"
    )
    lines = [
        services.return_order_line_create(order=order, item=item, user=scenario.user)
        for item in (scenario.item, scenario.decoy, third)
    ]
    services.return_order_issue(order=order, user=scenario.user)
    services.return_order_receive(
        order=order,
        lines=[(line.pk, None) for line in lines],
        location=scenario.quarantine,
        user=scenario.user,
    )
    return order, lines


def test_three_outcomes_in_bulk_in_at_most_four_clicks(
    three_lines, new_page, log_in, shoot, live_server
):
    order, lines = three_lines
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/")
    expect(page.get_by_text("Next: set an outcome for the 3 unresolved lines")).to_be_visible()
    shoot(page, "workflow-detail-desktop")

    clicks = Clicks(page)
    clicks.click(page.get_by_label("Select all lines"))
    expect(page.locator("#line-bulk-count")).to_have_text("3 lines selected:")
    clicks.choose(page.get_by_label("Outcome for the selected lines"), label="Repair")
    clicks.click(page.get_by_role("button", name="Set outcome"))
    expect(page.get_by_role("alert")).to_contain_text("Outcome set to Repair for 3 lines.")
    assert clicks.count <= 4, clicks.count

    for line in lines:
        line.refresh_from_db()
        assert line.outcome == ReturnOrderLineStatus.REPAIR
    assert ReturnOrderHistory.objects.filter(order=order, kind="outcome").count() == 3
    expect(page.locator("#history")).to_contain_text("Line outcome changed: Pending → Repair")
    shoot(page, "workflow-after-bulk-desktop")


def test_an_inline_outcome_saves_on_change(three_lines, new_page, log_in):
    order, lines = three_lines
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/")
    first = lines[0]
    # With scripts the Save button goes: the select saves itself.
    expect(page.locator(f"#line-{first.pk} [data-outcome-save]")).to_be_hidden()
    with page.expect_response(lambda r: r.url.endswith(f"/returns/{order.pk}/")):
        page.get_by_label(f"Outcome of {first.item}").select_option(label="Refund")
    expect(page.locator(f"#line-{first.pk}")).to_contain_text("Set by hand")
    first.refresh_from_db()
    assert first.outcome == ReturnOrderLineStatus.REFUND
    # The rest of the page stayed as it was (no reload): the others still pending.
    expect(page.get_by_label(f"Outcome of {lines[1].item}")).to_have_value(
        str(ReturnOrderLineStatus.PENDING.value)
    )


def test_complete_through_its_confirmation_and_on_a_phone(three_lines, new_page, log_in, shoot):
    order, lines = three_lines
    services.return_order_lines_set_outcome(
        order=order,
        line_pks=[line.pk for line in lines[:2]],
        outcome=ReturnOrderLineStatus.RETURN,
        user=None,
    )
    page = new_page(viewport=PHONE)
    log_in(page)
    page.goto(f"/returns/{order.pk}/")
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "workflow-detail-phone")
    page.get_by_role("button", name="Complete order").click()
    expect(page.get_by_role("heading", name=f"Complete {order.reference}?")).to_be_visible()
    expect(page.locator("#completion-gaps")).to_contain_text(
        f"1 line unresolved: SN {lines[2].item.serial}"
    )
    expect(page.get_by_text("Completing locks the order")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "workflow-confirm-complete-phone")
    page.get_by_role("button", name="Complete anyway").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"Return order {order.reference} is now Complete."
    )
    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.COMPLETE


def test_cancel_asks_for_a_reason(three_lines, new_page, log_in, shoot):
    order, _lines = three_lines
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_label("Reason for cancelling")).to_be_visible()
    shoot(page, "workflow-confirm-cancel-desktop")
    page.get_by_role("button", name="Cancel the order").click()
    expect(page.get_by_text("Say why the order is cancelled.", exact=True)).to_be_visible()
    page.get_by_label("Reason for cancelling").fill("Customer repaired it")
    page.get_by_role("button", name="Cancel the order").click()
    expect(page.locator("#history")).to_contain_text("Reason: Customer repaired it")
    expect(page.locator("h1")).to_contain_text("Locked")


def test_receive_selected_lines_and_see_where_they_went(scenario, new_page, log_in, shoot):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user, customer=scenario.customer, description="Two motors"
    )
    first, second = (
        services.return_order_line_create(order=order, item=item, user=scenario.user)
        for item in (scenario.item, scenario.decoy)
    )
    services.return_order_issue(order=order, user=scenario.user)
    for viewport, suffix in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(viewport=viewport) if viewport else new_page()
        log_in(page)
        page.goto(f"/returns/{order.pk}/")
        page.get_by_label(f"Select {second.item}").check()
        page.get_by_role("button", name="Receive selected").click()
        expect(page.locator(f"#id_lines_{second.pk}")).to_be_checked()
        expect(page.locator(f"#id_lines_{first.pk}")).not_to_be_checked()
        # Stores and Quarantine both take stock: nothing is chosen until one has been used.
        expect(page.get_by_label("Destination location")).to_have_value("")
        assert page.evaluate(OVERFLOW) <= 0
        shoot(page, f"workflow-receive-{suffix}")
    page.get_by_label("Destination location").select_option(label="\u2003Quarantine")
    page.get_by_label(f"Stock status of {second.item}").select_option(label="Damaged")
    page.get_by_role("button", name="Receive items").click()
    expect(page.get_by_role("alert")).to_contain_text("Received 1 item(s) into Returns/Quarantine.")
    row = page.locator(f"#line-{second.pk}")
    expect(row).to_contain_text("into Returns/Quarantine")
    expect(row).to_contain_text("Damaged")
    # The next receive form starts where this one went.
    page.get_by_role("link", name="Receive items").click()
    expect(page.get_by_label("Destination location")).to_have_value(str(scenario.quarantine.pk))
