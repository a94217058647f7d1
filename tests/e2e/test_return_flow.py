"""A return order from start to finish in headless Chromium, as staff would click through it.

The data the flow starts from (customers, held stock, a location tree) is made with the ORM
before the browser opens a page; everything after that goes through the pages, and the last
step checks the database for what the pages claimed.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from common import site_settings
from returns import services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.statuses import StockStatus

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# Text of the option a select would submit if it were submitted now, and the options a person
# can still pick (the page's script hides and disables the rest).
PICKABLE = """select => Array.from(select.options)
    .filter(o => o.value && !o.disabled && !o.hidden)
    .map(o => o.textContent.trim())"""
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main navigation")


def flash(page: Page):
    """The messages a redirect left on the page."""
    return page.get_by_role("alert")


def pickable(page: Page, selector: str) -> list[str]:
    return page.locator(selector).evaluate(PICKABLE)


def pick(box, text: str) -> None:
    """Choose in a combobox (boomerang.js's, over a hidden select): type, arrow down, Enter."""
    box.fill(text)
    box.press("ArrowDown")
    box.press("Enter")


def listed(page: Page, box) -> list[str]:
    """The options a combobox's open list shows."""
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox).to_be_visible()
    return [text.strip() for text in listbox.get_by_role("option").all_inner_texts()]


def tab_to(page: Page, name: str, limit: int = 60) -> list[str]:
    """Press Tab until the focused element's text is ``name``; the stops passed on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        stops.append(focused)
        if focused == name:
            return stops
    raise AssertionError(f"{name!r} is not reachable with Tab; stops were {stops}")


def order_with_line(scenario, **fields) -> ReturnOrder:
    """An order (made with the services) holding the customer's item, pages switched on."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user,
        customer=scenario.customer,
        description="Motor noise under load",
        contact=scenario.contact,
        target_date=scenario.today,
        **fields,
    )
    services.return_order_line_create(order=order, item=scenario.item, user=scenario.user)
    return order


def test_return_order_from_settings_to_calendar(scenario, new_page, log_in, shoot):
    # Another customer's open order due today: the filters and the calendar must tell them apart.
    decoy = services.return_order_create(
        user=scenario.user, customer=scenario.other, target_date=scenario.today
    )
    page = new_page()

    # Log in; return orders are off until staff turn them on.
    log_in(page)
    expect(main_nav(page)).to_contain_text(scenario.user.username)
    expect(main_nav(page).get_by_role("link", name="Return Orders")).to_have_count(0)
    assert page.goto("/returns/").status == 404

    # Settings: enable them, and the navigation gains the link.
    page.goto("/")
    main_nav(page).get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Return order settings")).to_be_visible()
    enable = page.get_by_label("Enable return orders in the user interface")
    expect(enable).not_to_be_checked()
    shoot(page, "settings")
    enable.check()
    page.get_by_role("button", name="Save settings").click()
    expect(flash(page)).to_contain_text("Return order settings saved.")
    expect(page.get_by_label("Enable return orders in the user interface")).to_be_checked()
    nav_link = main_nav(page).get_by_role("link", name="Return Orders", exact=True)
    expect(nav_link).to_be_visible()

    # Index, then the create form.
    nav_link.click()
    expect(page.get_by_role("heading", name="Return Orders", exact=True)).to_be_visible()
    expect(page.locator("#order-table")).to_contain_text(decoy.reference)
    page.get_by_role("link", name="+ New Return Order").click()
    expect(page.get_by_role("heading", name="Create Return Order")).to_be_visible()
    page.wait_for_load_state()  # boomerang.js wires the selects up on DOMContentLoaded
    reference = page.locator("#id_reference").input_value()
    assert reference == "RMA-0002", reference  # the decoy took RMA-0001

    # The customer, contact and address selects are comboboxes; the selects hide behind them.
    customer = page.get_by_role("combobox", name="Customer", exact=True)
    contact = page.get_by_role("combobox", name="Contact", exact=True)
    address = page.get_by_role("combobox", name="Address", exact=True)
    expect(page.locator("#id_customer")).to_be_hidden()
    # The script narrows contacts and addresses to the chosen customer.
    assert pickable(page, "#id_contact") == [
        "Acme Returns Ltd: Ada Acme",
        "Other Retail Co: Oscar Other",
    ]
    pick(customer, "Acme Returns Ltd")
    expect(page.locator("#id_customer")).to_have_value(str(scenario.customer.pk))
    assert pickable(page, "#id_contact") == ["Acme Returns Ltd: Ada Acme"]
    assert pickable(page, "#id_address") == [f"Acme Returns Ltd: {scenario.address}"]
    contact.press("ArrowDown")
    assert listed(page, contact) == ["Acme Returns Ltd: Ada Acme"]
    contact.press("Enter")
    expect(contact).to_have_value("Acme Returns Ltd: Ada Acme")
    pick(address, "Acme")
    expect(address).to_have_value(f"Acme Returns Ltd: {scenario.address}")
    # Switching customer drops a contact of the previous one and offers the new one's.
    pick(customer, "Other Retail")
    assert pickable(page, "#id_contact") == ["Other Retail Co: Oscar Other"]
    assert page.locator("#id_contact").input_value() == ""
    assert page.locator("#id_address").input_value() == ""
    expect(contact).to_have_value("")
    expect(address).to_have_value("")
    # Typing in the customer box lists only the customers that match.
    customer.fill("acme")
    assert listed(page, customer) == ["Acme Returns Ltd"]
    customer.press("ArrowDown")
    customer.press("Enter")
    expect(customer).to_have_value("Acme Returns Ltd")
    pick(contact, "Ada")
    pick(address, "Acme")
    page.locator("#id_description").fill("Motor noise under load")
    page.locator("#id_customer_reference").fill("ACME-77")
    page.locator("#id_target_date").fill(scenario.today.isoformat())
    shoot(page, "create_form")
    page.get_by_role("button", name="Submit").click()

    # The detail page of the new, pending order.
    expect(flash(page)).to_contain_text(f"Created return order {reference}.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(reference)
    expect(heading).to_contain_text("Pending")
    expect(page.get_by_text("No line items yet.")).to_be_visible()
    details = page.locator("dl").first
    expect(details).to_contain_text("Acme Returns Ltd")
    expect(details).to_contain_text("Ada Acme")
    expect(details).to_contain_text("ACME-77")
    expect(page.locator("dl").nth(1)).to_contain_text(scenario.today.isoformat())

    # Add the item the customer holds, found by its serial number.
    page.get_by_role("link", name="+ Add line").click()
    expect(page.get_by_role("heading", name="Add returned items")).to_be_visible()
    assert len(pickable(page, "#id_item")) == 2  # both items Acme holds
    page.get_by_label("Search by serial number or part").fill("E2E-4242")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=E2E-4242$"))
    page.wait_for_load_state()
    assert pickable(page, "#id_item") == ["MOT-400 | E-Bike Motor M400 · SN E2E-4242"]
    # The single match is chosen already; the item picker is a combobox over the select.
    item_box = page.get_by_role("combobox", name="Stock item", exact=True)
    expect(page.locator("#id_item")).to_be_hidden()
    pick(item_box, "E2E-4242")
    assert page.locator("#id_item").input_value() == str(scenario.item.pk)
    shoot(page, "line_add")
    page.get_by_role("button", name="Add line").click()
    expect(flash(page)).to_contain_text("Added MOT-400 | E-Bike Motor M400 # E2E-4242")
    lines = page.locator("#line-table tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("E2E-4242")
    expect(lines.first).to_contain_text("Not yet")

    # Issue it.
    page.get_by_role("button", name="Issue order").click()
    expect(flash(page)).to_contain_text(f"Return order {reference} is now In Progress.")
    expect(heading).to_contain_text("In Progress")

    # Receive the item into Quarantine; the structural Returns cannot be chosen.
    page.get_by_role("link", name="Receive items").click()
    expect(page.get_by_role("heading", name=f"Receive items against {reference}")).to_be_visible()
    expect(page.get_by_label("MOT-400 | E-Bike Motor M400 # E2E-4242", exact=True)).to_be_checked()
    location = page.locator("#id_location")
    expect(location.locator("option", has_text="Returns (structural)")).to_be_disabled()
    expect(location.locator(f"option[value='{scenario.quarantine.pk}']")).to_be_enabled()
    expect(page.locator("#id_status")).to_have_value(str(StockStatus.QUARANTINED))
    location.select_option(value=str(scenario.quarantine.pk))
    shoot(page, "receive_form")
    page.get_by_role("button", name="Receive items").click()
    expect(flash(page)).to_contain_text("Received 1 item(s) into Returns/Quarantine.")
    expect(lines.first).to_contain_text(scenario.today.isoformat())
    expect(page.locator("#history")).to_contain_text("Received 1 item into Returns/Quarantine")

    # The outcome: repair.
    page.locator("#line-table").get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(page.get_by_text(f"Received on {scenario.today.isoformat()}.")).to_be_visible()
    page.locator("#id_outcome").select_option(label="Repair")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("Saved line")
    # The unresolved line shows its outcome in its own select.
    outcome = lines.first.get_by_role("combobox", name=re.compile(r"^Outcome of"))
    expect(outcome).to_have_value(str(ReturnOrderLineStatus.REPAIR))
    shoot(page, "detail")

    # Complete, after its confirmation page: the order locks.
    page.get_by_role("button", name="Complete order").click()
    expect(page.get_by_role("heading", name=f"Complete {reference}?")).to_be_visible()
    expect(page.get_by_text("Every line is received and has an outcome.")).to_be_visible()
    page.get_by_role("button", name="Complete order").click()
    expect(flash(page)).to_contain_text(f"Return order {reference} is now Complete.")
    expect(heading).to_contain_text("Complete")
    expect(heading).to_contain_text("Locked")
    expect(page.get_by_role("link", name="+ Add line")).to_have_count(0)

    # Find it on the index with the filters.
    main_nav(page).get_by_role("link", name="Return Orders", exact=True).click()
    expect(page.locator("#order-table tbody tr")).to_have_count(2)
    page.locator("#id_status").select_option(label="Complete")
    page.locator("#id_search").fill(reference)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("1 order matches these filters.")).to_be_visible()
    rows = page.locator("#order-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reference)
    expect(rows.first).to_contain_text("Acme Returns Ltd")
    expect(rows.first).to_contain_text("Complete")
    expect(rows.first).to_contain_text("1 / 1")
    shoot(page, "index")

    # And on the calendar: the Complete status filter carried over shows the order at once.
    page.get_by_role("link", name="Calendar", exact=True).click()
    expect(page.locator("#calendar-month")).to_have_text(scenario.today.strftime("%B %Y"))
    expect(page.locator("#id_search")).to_have_value(reference)  # the filters carry over
    expect(page.locator("#id_status")).to_have_value(str(ReturnOrderStatus.COMPLETE))
    entries = page.locator("a.calendar-entry")
    expect(page.get_by_text("The status filters decide which orders show.")).to_be_visible()
    expect(page.get_by_role("link", name="Show them")).to_have_count(0)
    expect(entries).to_have_count(1)
    entry = entries.first
    expect(entry).to_have_text(f"{reference} · Acme Returns Ltd")
    today_cell = page.locator("td.calendar-today")
    expect(today_cell.locator("a.calendar-entry")).to_have_text(f"{reference} · Acme Returns Ltd")
    shoot(page, "calendar")
    entry.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)

    # What the pages said happened is what the database holds.
    order = ReturnOrder.objects.get(reference=reference)
    assert order.status == ReturnOrderStatus.COMPLETE
    assert order.customer_id == scenario.customer.pk
    assert order.contact_id == scenario.contact.pk
    assert order.address_id == scenario.address.pk
    assert order.target_date == scenario.today
    line = order.lines.get()
    assert line.item_id == scenario.item.pk
    assert line.outcome == ReturnOrderLineStatus.REPAIR
    assert line.received_date is not None
    item = scenario.item
    item.refresh_from_db()
    assert item.location_id == scenario.quarantine.pk
    assert item.status == StockStatus.QUARANTINED == 75
    assert item.customer_id is None
    scenario.decoy.refresh_from_db()
    assert scenario.decoy.customer_id == scenario.customer.pk  # the other item stays out there


def test_navigation_and_order_actions_work_from_the_keyboard(scenario, new_page, log_in):
    order = order_with_line(scenario)
    page = new_page()
    log_in(page)

    # Every main navigation link is a Tab stop and follows on Enter.
    for name, url in (
        ("Return Orders", "/returns/"),
        ("Settings", "/returns/settings/"),
        ("Home", "/"),
        ("Admin", "/admin/"),
    ):
        page.goto(order.get_absolute_url())
        tab_to(page, name)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(re.escape(url) + "$"))

    # The order's actions, in the order they sit on the page, each operated with Enter.
    page.goto(order.get_absolute_url())
    heading = page.get_by_role("heading", level=1)
    stops = tab_to(page, "Delete")
    actions = [s for s in stops if s in {"Edit", "Issue order", "Cancel order", "Delete"}]
    assert actions == ["Edit", "Issue order", "Cancel order", "Delete"], stops

    page.goto(order.get_absolute_url())
    tab_to(page, "Issue order")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("is now In Progress")
    expect(heading).to_contain_text("In Progress")

    tab_to(page, "Place on hold")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("is now On Hold")

    tab_to(page, "Resume (issue)")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("is now In Progress")

    tab_to(page, "Receive items")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/receive/$"))

    page.goto(order.get_absolute_url())  # not go_back(): a restored page may keep its focus
    tab_to(page, "Edit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Edit {order.reference}")).to_be_visible()
    page.goto(order.get_absolute_url())

    # Cancelling asks first, on its own page, for a reason; giving one cancels.
    tab_to(page, "Cancel order")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Cancel {order.reference}?")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "id_note":
            break
    else:
        raise AssertionError("the reason for cancelling is not reachable with Tab")
    page.keyboard.type("Customer withdrew")
    tab_to(page, "Cancel the order")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("is now Cancelled")
    expect(page.locator("#history")).to_contain_text("Reason: Customer withdrew")

    # The log-out button in the navigation too.
    tab_to(page, "Log out")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.CANCELLED


def test_index_and_detail_fit_a_phone_screen(scenario, new_page, log_in):
    order = order_with_line(scenario, customer_reference="ACME-77")
    services.return_order_issue(order=order, user=scenario.user)
    page = new_page(viewport=PHONE)
    log_in(page)
    for url in ("/returns/", order.get_absolute_url()):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "Return Orders" if url == "/returns/" else order.reference
        )
        overflow = page.evaluate(OVERFLOW)
        assert overflow <= 0, f"{url} is {overflow}px wider than a {PHONE['width']}px screen"
    # The navigation collapses behind its toggler and opens from it.
    nav_link = main_nav(page).get_by_role("link", name="Return Orders", exact=True)
    expect(nav_link).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(nav_link).to_be_visible()
