"""In the browser: the home dashboard, the company and stock lists, assigning sold stock, and
Markdown notes; nothing scrolls sideways at 390 px."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from common import site_settings
from returns import services
from stock.models import StockItem
from tests.factories import CustomerFactory, StockItemFactory, UserFactory

pytestmark = pytest.mark.e2e

SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _check(page: Page, label: str) -> list[str]:
    """Nothing scrolls sideways and axe finds no violation."""
    page.wait_for_load_state("networkidle")
    found = [f"{label}: scrolls sideways"] if page.evaluate(OVERFLOW) > 0 else []
    for violation in Axe().run(page).response["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        found.append(f"{label}: {violation['id']} ({violation['impact']}) at {targets}")
    return found


def _desk(scenario):
    """An overdue order awaiting receipt, assigned to the user, with Markdown notes."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user,
        customer=scenario.customer,
        description="Motor noise",
        target_date=scenario.today - datetime.timedelta(days=2),
        notes="**Call first.** See [the manual](https://example.com/manual).\n"
        "<script>document.title='hacked'</script>",
    )
    services.return_order_line_create(order=order, item=scenario.item, user=scenario.user)
    services.return_order_issue(order=order, user=scenario.user)
    for n in range(4):
        CustomerFactory(name=f"Browse Customer {n}")
    for n in range(3):
        StockItemFactory(
            part=scenario.part, serial=f"E2E-50{n}", location=scenario.stores, quantity=Decimal(1)
        )
    return order


@pytest.mark.parametrize("size", SIZES, ids=[f"{s}px" for s in SIZES])
def test_dashboard_and_lists_fit_and_link_to_the_filtered_index(
    scenario, new_page, log_in, shoot, size
):
    order = _desk(scenario)
    page = new_page(viewport=SIZES[size])
    log_in(page)
    page.goto("/")
    expect(page.get_by_role("heading", name="Returns desk")).to_be_visible()
    overdue = page.locator("#panel-overdue")
    expect(overdue.locator(".dashboard-count")).to_contain_text("1")
    expect(overdue.get_by_role("link", name=order.reference)).to_be_visible()
    expect(page.locator("#panel-awaiting_receipt")).to_contain_text(order.reference)
    assert page.locator('a[href="#"]').count() == 0
    found = _check(page, "home")
    shoot(page, f"home-dashboard-{size}")

    page.locator("#panel-awaiting_receipt").get_by_role("link", name="Awaiting receipt").click()
    page.wait_for_url("**/returns/?awaiting_receipt=true")
    expect(page.locator("main")).to_contain_text(order.reference)

    for url, name in (
        ("/companies/", "companies-list"),
        ("/stock/", "stock-list"),
        (f"/stock/assign/?customer={scenario.other.pk}", "stock-assign"),
        (f"/companies/{scenario.customer.pk}/", "company"),
        (f"/stock/{scenario.item.pk}/", "stock-item"),
        (f"/returns/{order.pk}/", "order-notes"),
    ):
        page.goto(url)
        found += _check(page, url)
        shoot(page, f"home-{name}-{size}")
    assert not found, "\n".join(found)


def test_a_clerk_assigns_sold_stock_in_the_browser(scenario, new_page, log_in):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    item = StockItemFactory(part=scenario.part, serial="E2E-9001", location=scenario.stores)
    page = new_page()
    log_in(page)
    page.goto("/stock/")
    page.get_by_role("link", name="Assign stock to a customer").click()
    page.wait_for_url("**/stock/assign/")
    page.wait_for_load_state("networkidle")
    page.get_by_role("combobox", name="Customer").fill("Other")
    page.get_by_role("option", name="Other Retail Co").click()
    page.get_by_role("searchbox", name="Find items").fill("E2E-9001")
    page.get_by_role("searchbox", name="Find items").press("Enter")
    page.get_by_label(scenario.part.full_name).check()
    page.get_by_role("button", name="Assign to Other Retail Co").click()
    expect(page.get_by_role("alert")).to_contain_text("Assigned 1 item to Other Retail Co.")
    item.refresh_from_db()
    assert item.customer_id == scenario.other.pk
    assert not StockItem.objects.filter(pk=item.pk, customer__isnull=True).exists()


def test_notes_show_as_markdown_and_scripts_do_not_run(scenario, new_page, log_in):
    order = _desk(scenario)
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/")
    notes = page.locator(".notes-markdown")
    expect(notes.locator("strong")).to_have_text("Call first.")
    link = notes.get_by_role("link", name="the manual")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert page.title() != "hacked"
    assert notes.locator("script").count() == 0


def test_return_orders_off_the_staff_home_links_to_the_setting(scenario, new_page, log_in):
    page = new_page()
    log_in(page)
    page.goto("/")
    expect(page.locator("#returns-off")).to_contain_text("Return orders are turned off.")
    assert not _check(page, "home, return orders off")
    page.get_by_role("link", name="return order settings").click()
    page.wait_for_url("**/returns/settings/")

    UserFactory(username="e2e-plain", password="e2e-plain-password-1")
    plain = new_page()
    log_in(plain, "e2e-plain", "e2e-plain-password-1")
    expect(plain.get_by_role("heading", name="Welcome, e2e-plain")).to_be_visible()
    assert plain.locator("#panel-overdue").count() == 0
    assert not _check(plain, "home, no roles")
