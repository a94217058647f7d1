"""The index's customer and responsible pickers in headless Chromium: typing asks the server,
the matches show as a combobox driven by the keyboard, the choice filters by its key, and axe
finds nothing wrong with the list open."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from common import site_settings
from tests.factories import CustomerFactory, UserFactory
from tests.pages.factories import OrderFactory, owner_of

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
# Where the screenshots for review go besides the suite's own artifacts, when asked.
REVIEW_SHOTS = os.environ.get("REVIEW_SHOTS")


@pytest.fixture
def desk(scenario):
    """Orders of several customers whose names share a word, and one owned by Ann."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    names = ["Acme Robotics", "Acme Rail Services", "Globex", "Northern Acme Cooperative Ltd"]
    customers = {name: CustomerFactory(name=name, currency="USD") for name in names}
    for customer in customers.values():
        OrderFactory(customer=customer, description=f"Returned by {customer.name}")
    ann = owner_of(UserFactory(username="ann.archer"))
    OrderFactory(customer=customers["Globex"], responsible=ann, description="Ann's order")
    return {"customers": customers, "ann": ann}


def snap(page: Page, shoot, name: str) -> None:
    shoot(page, f"index-{name}")
    if REVIEW_SHOTS:
        Path(REVIEW_SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{REVIEW_SHOTS}/index-{name}.png", full_page=False)


def show_filters(page: Page) -> None:
    # A disclosure on a phone; always open from tablet width up (its summary is hidden there).
    summary = page.locator("#filter-panel > summary")
    if summary.is_visible() and page.locator("#filter-panel").get_attribute("open") is None:
        summary.click()


def open_filters(page: Page) -> None:
    page.goto("/returns/")
    show_filters(page)


def violations(page: Page) -> list[str]:
    return [
        f"{v['id']}: {'; '.join(' '.join(n['target']) for n in v['nodes'])}"
        for v in Axe().run(page).response["violations"]
    ]


@pytest.mark.parametrize(("size", "viewport"), [("1366", WIDE), ("390", PHONE)])
def test_typing_lists_matches_and_the_keyboard_chooses_one(
    new_page, log_in, desk, shoot, size, viewport
):
    page = new_page(viewport=viewport)
    log_in(page)
    open_filters(page)
    box = page.get_by_role("combobox", name="Customer")
    box.fill("acme")
    listbox = page.get_by_role("listbox", name="Customer")
    # By name, any case: the scenario's Acme Returns Ltd too, and not Globex.
    expect(listbox.get_by_role("option")).to_have_text(
        ["Acme Rail Services", "Acme Returns Ltd", "Acme Robotics", "Northern Acme Cooperative Ltd"]
    )
    expect(box).to_have_attribute("aria-expanded", "true")
    for _ in range(3):
        box.press("ArrowDown")
    active = page.locator("#" + box.get_attribute("aria-activedescendant"))
    expect(active).to_have_text("Acme Robotics")
    snap(page, shoot, f"picker-open-{size}")
    assert violations(page) == []
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Acme Robotics")
    chosen = desk["customers"]["Acme Robotics"]
    expect(page.locator("#id_customer")).to_have_value(str(chosen.pk))
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "customer=" in url)
    # The key alone travels: no redirect, no typed name in the address.
    assert parse_qs(urlsplit(page.url).query) == {"customer": [str(chosen.pk)]}
    show_filters(page)
    expect(page.get_by_role("combobox", name="Customer")).to_have_value("Acme Robotics")
    expect(page.get_by_text("Returned by Acme Robotics").first).to_be_visible()
    expect(page.get_by_text("Returned by Globex")).to_have_count(0)


def test_escape_closes_the_list_and_a_second_clears_the_box(new_page, log_in, desk):
    page = new_page(viewport=WIDE)
    log_in(page)
    open_filters(page)
    box = page.get_by_role("combobox", name="Responsible")
    box.fill("ann")
    option = page.get_by_role("option", name=str(desk["ann"]))
    expect(option).to_be_visible()
    box.press("Escape")
    expect(option).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("ann")
    box.press("Escape")
    expect(box).to_have_value("")


def test_a_name_typed_without_choosing_is_resolved_by_the_server(new_page, log_in, desk):
    page = new_page(viewport=WIDE)
    log_in(page)
    open_filters(page)
    box = page.get_by_role("combobox", name="Responsible")
    box.fill("ann")
    # The picker's own list: the page's other selects have options too.
    expect(page.get_by_role("listbox", name="Responsible").get_by_role("option")).to_have_count(1)
    box.press("Escape")  # close the list; Enter now submits the filters
    box.press("Enter")
    page.wait_for_url(lambda url: "assigned_to=" in url)
    assert parse_qs(urlsplit(page.url).query) == {"assigned_to": [str(desk["ann"].pk)]}
    expect(page.get_by_text("Ann's order")).to_be_visible()


def test_a_name_matching_several_offers_links_without_the_script(
    browser, live_server, desk, scenario, shoot
):
    context = browser.new_context(
        base_url=live_server.url, viewport=WIDE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(scenario.user.username)
        page.get_by_label("Password").fill("e2e-correct-horse-battery")
        page.get_by_role("button", name="Log in").click()
        page.goto("/returns/?customer_name=acme")
        expect(page.get_by_text("4 customers match “acme”: choose one below.")).to_be_visible()
        snap(page, shoot, "picker-several-nojs")
        page.get_by_role("link", name="Acme Rail Services").click()
        expect(page.get_by_label("Customer")).to_have_value("Acme Rail Services")
        expect(page.get_by_text("Returned by Acme Rail Services").first).to_be_visible()
    finally:
        context.close()


def test_the_list_of_several_matches_passes_axe(new_page, log_in, desk):
    # axe runs as a script, so it checks the server's list of matches in a page with scripts.
    page = new_page(viewport=WIDE)
    log_in(page)
    page.goto("/returns/?customer_name=acme")
    expect(page.get_by_text("4 customers match “acme”: choose one below.")).to_be_visible()
    assert violations(page) == []
