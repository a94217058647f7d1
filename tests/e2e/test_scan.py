"""Scanning serials onto an order and the Go to box, in headless Chromium, keyboard only."""

from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from common import site_settings
from returns import services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from tests.factories import StockItemFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def desk(scenario):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    more = [
        StockItemFactory(
            part=scenario.part,
            serial=serial,
            customer=scenario.customer,
            location=None,
            quantity=Decimal(1),
        )
        for serial in ("E2E-2002", "E2E-3003")
    ]
    order = ReturnOrder.objects.create(
        reference="RMA-0006",
        reference_int=6,
        customer=scenario.customer,
        description="Three motors back",
        status=ReturnOrderStatus.PENDING,
    )
    scenario.order = order
    scenario.more = more
    return scenario


def test_three_serials_scanned_with_enter_become_three_lines(new_page, log_in, desk, shoot):
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{desk.order.pk}/")
    field = page.get_by_label("Scan or type serial")
    expect(field).to_be_focused()
    for serial in ("E2E-4242", "e2e-2002", "E2E-3003"):
        # A scanner types the serial and presses Enter; nothing is clicked.
        page.keyboard.type(serial)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("alert").first).to_contain_text("to the order.")
        expect(page.get_by_label("Scan or type serial")).to_be_focused()
    rows = page.locator("#line-table tbody tr")
    expect(rows).to_have_count(3)
    for serial in ("E2E-4242", "E2E-2002", "E2E-3003"):
        expect(page.locator("#line-table")).to_contain_text(serial)
    assert desk.order.lines.count() == 3
    shoot(page, "scan-detail")

    # Scanning one of them again says so, and adds nothing.
    page.keyboard.type("E2E-4242")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("is already on this order")
    expect(rows).to_have_count(3)

    page.keyboard.type("NOPE-1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text(
        "No stock held by Acme Returns Ltd matches “NOPE-1”."
    )


def test_the_go_to_box_opens_an_order_by_reference_or_number(new_page, log_in, desk):
    page = new_page()
    log_in(page)
    page.goto("/")
    box = page.get_by_label("Go to order")
    box.fill("rma-0006")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith(f"/returns/{desk.order.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RMA-0006")

    page.get_by_label("Go to order").fill("6")
    with page.expect_navigation():
        page.get_by_label("Go to order").press("Enter")
    assert page.url.endswith(f"/returns/{desk.order.pk}/")

    page.get_by_label("Go to order").fill("RMA-9999")
    with page.expect_navigation():
        page.get_by_label("Go to order").press("Enter")
    assert "/returns/?search=RMA-9999" in page.url
    expect(page.get_by_role("alert").first).to_contain_text("No return order has the reference")


def test_the_add_line_page_adds_several_at_once(new_page, log_in, desk, shoot):
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{desk.order.pk}/lines/add/")
    expect(page.get_by_label("Search by serial number or part")).to_be_focused()
    shoot(page, "scan-line-add")
    page.get_by_label("E-Bike Motor M400").first.check()
    page.locator(f"#pick-item-{desk.more[0].pk}").check()
    page.get_by_role("button", name="Add selected", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Added 2 lines to the order")
    expect(page.locator("#line-table tbody tr")).to_have_count(2)


@pytest.mark.parametrize("width", [1366, 390])
def test_scan_pages_fit_the_screen_and_pass_axe(new_page, log_in, desk, shoot, width):
    # One item already on the order, one waiting on another open order: both shown disabled.
    services.return_order_line_create(order=desk.order, item=desk.item, user=desk.user)
    other = services.return_order_create(user=desk.user, customer=desk.customer)
    services.return_order_line_create(order=other, item=desk.decoy, user=desk.user)
    page = new_page(viewport={"width": width, "height": 900 if width > 400 else 844})
    log_in(page)
    for path, name in (
        (f"/returns/{desk.order.pk}/", "detail"),
        (f"/returns/{desk.order.pk}/lines/add/", "line-add"),
    ):
        page.goto(path)
        assert page.evaluate(OVERFLOW) <= 0, (path, width)
        violations = [v["id"] for v in Axe().run(page).response["violations"]]
        assert violations == [], (path, width, violations)
        shoot(page, f"scan-{name}-{width}")
