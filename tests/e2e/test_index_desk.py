"""The index and calendar in headless Chromium: cards and no sideways scroll on a phone, the
filter panel collapsed there, calendar chips inside their day, and a bulk status change."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from common import site_settings
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from tests.factories import CustomerFactory
from tests.pages.factories import LineFactory, OrderFactory

pytestmark = pytest.mark.e2e

S = ReturnOrderStatus
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Where the screenshots for review go besides the suite's own artifacts, when asked.
REVIEW_SHOTS = os.environ.get("REVIEW_SHOTS")


@pytest.fixture
def desk(scenario):
    """A page and a half of orders this month, with long customer names and every status."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    today = scenario.today
    long_name = CustomerFactory(name="Northern Bicycle Cooperative Workshop Ltd", currency="USD")
    orders = []
    statuses = [S.PENDING, S.IN_PROGRESS, S.ON_HOLD, S.PENDING, S.COMPLETE, S.CANCELLED]
    for n in range(30):
        order = OrderFactory(
            customer=long_name if n % 2 else scenario.customer,
            status=statuses[n % len(statuses)],
            target_date=today.replace(day=1) + datetime.timedelta(days=n % 27),
            description="Motor grinds under load, customer reports intermittent cut-outs",
            customer_reference=f"PO-2031-{n:05d}",
        )
        LineFactory(order=order)
        orders.append(order)
    # Three orders on one day, to crowd a calendar cell.
    for _ in range(3):
        OrderFactory(customer=long_name, status=S.IN_PROGRESS, target_date=today)
    return orders


def snap(page: Page, shoot, name: str) -> None:
    shoot(page, f"index-{name}")
    if REVIEW_SHOTS:
        Path(REVIEW_SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{REVIEW_SHOTS}/index-{name}.png", full_page=True)


def test_phone_index_is_cards_without_sideways_scroll(new_page, log_in, desk, shoot):
    page = new_page(viewport=PHONE)
    log_in(page)
    page.goto("/returns/")
    assert page.evaluate(OVERFLOW) <= 0
    # The filter panel is a closed disclosure: its fields are hidden until opened.
    panel = page.locator("#filter-panel")
    expect(panel).not_to_have_attribute("open", "")
    expect(page.get_by_label("Search")).to_be_hidden()
    rows = page.locator("#order-table tbody tr")
    first = rows.first
    for label in ("Status", "Target date", "Total"):
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
    # A reference stays on one line: its box is one line high.
    link = first.locator("a.fw-semibold")
    line_height = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('#order-table a.fw-semibold'))"
        ".lineHeight)"
    )
    assert link.bounding_box()["height"] <= line_height * 1.2
    snap(page, shoot, "390")
    page.locator("#filter-panel > summary").click()
    expect(page.get_by_label("Search")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0


def test_phone_calendar_keeps_chips_inside_their_day(new_page, log_in, desk, shoot):
    page = new_page(viewport=PHONE)
    log_in(page)
    page.goto("/returns/?view=calendar&include_completed=1")
    assert page.evaluate(OVERFLOW) <= 0
    expect(page.locator("#calendar-legend")).to_be_visible()
    expect(page.locator("#calendar-export")).to_be_visible()
    # Days are too narrow for references: a dot per order stays inside its day, and the
    # orders are listed under the grid.
    expect(page.locator(".calendar-entry").first).to_be_hidden()
    expect(page.locator("#calendar-agenda")).to_be_visible()
    assert page.locator("#calendar-agenda a").count() >= 30
    chips = page.locator(".calendar-dot")
    assert chips.count() >= 30
    for index in range(chips.count()):
        chip = chips.nth(index)
        cell = chip.locator("xpath=ancestor::td[1]").bounding_box()
        box = chip.bounding_box()
        assert box["x"] >= cell["x"] - 0.5
        assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 0.5
    snap(page, shoot, "calendar-390")


def test_wide_index_and_calendar(new_page, log_in, desk, shoot):
    page = new_page(viewport=WIDE)
    log_in(page)
    page.goto("/returns/")
    assert page.evaluate(OVERFLOW) <= 0
    # Wide screens show the filters without a click.
    expect(page.get_by_label("Search")).to_be_visible()
    expect(page.locator('nav[aria-label="Pages"] [aria-current="page"]')).to_have_text("1")
    snap(page, shoot, "1366")
    page.get_by_role("link", name="Calendar").click()
    expect(page.locator("#calendar-legend")).to_be_visible()
    expect(page.locator("#calendar-agenda")).to_be_hidden()
    assert page.evaluate(OVERFLOW) <= 0
    chips = page.locator(".calendar-entry")
    assert chips.count() >= 20  # the open ones: closed orders are hidden by default
    for index in range(chips.count()):
        chip = chips.nth(index)
        cell = chip.locator("xpath=ancestor::td[1]").bounding_box()
        box = chip.bounding_box()
        assert cell["x"] - 0.5 <= box["x"]
        assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 0.5
    page.get_by_role("link", name="Subscribe").click()
    expect(page.locator("#calendar-subscribe")).to_have_attribute("open", "")
    page.goto("/returns/?view=calendar")
    snap(page, shoot, "calendar-1366")


def test_select_the_page_and_hold_it(new_page, log_in, desk):
    page = new_page(viewport=WIDE)
    log_in(page)
    page.goto("/returns/?status=10")  # the pending orders: one page
    pending = ReturnOrder.objects.filter(status=S.PENDING).count()
    page.get_by_label("Select every order on this page").check()
    expect(page.locator("#bulk-count")).to_have_text(f"{pending} selected:")
    page.get_by_role("button", name="Hold", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text(f"Placed on hold {pending} orders")
    assert page.url.endswith("/returns/?status=10")
    assert not ReturnOrder.objects.filter(status=S.PENDING).exists()


def test_cancel_the_selection_with_a_reason(new_page, log_in, desk):
    page = new_page(viewport=PHONE)
    log_in(page)
    target = desk[0]
    page.goto(f"/returns/?search={target.reference}")
    page.get_by_label(f"Select {target.reference}").check()
    page.locator(".bulk-cancel > summary").click()
    page.get_by_label("Reason for cancelling").fill("Customer withdrew")
    page.get_by_label("Reason for cancelling").press("Enter")
    expect(page.locator(".alert-success")).to_contain_text(f"Cancelled 1 order: {target.reference}")
    target.refresh_from_db()
    assert target.status == S.CANCELLED


def test_an_untouched_filter_submit_keeps_the_url_clean(new_page, log_in, desk):
    page = new_page(viewport=WIDE)
    log_in(page)
    page.goto("/returns/")
    page.get_by_label("Status").select_option(str(S.ON_HOLD))
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/returns/?status=25")
    assert page.url.endswith("/returns/?status=25")
