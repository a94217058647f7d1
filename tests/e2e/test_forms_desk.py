"""The desk's forms in Chromium: every mistake in one pass with a summary that leads to each
field, focus on the first bad field, comboboxes instead of "filter above a select", Enter in a
filter box that never submits, error pages in the layout, and nothing scrolling sideways at
390 px. The same forms without JavaScript still work with plain selects."""

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from common import site_settings
from returns.models import ReturnOrder
from tests.e2e.conftest import PASSWORD, TIMEOUT_MS, USERNAME

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
FOCUSED_ID = "() => document.activeElement && document.activeElement.id"


def open_create_form(page: Page) -> None:
    page.goto("/returns/new/")
    expect(page.get_by_role("heading", name="Create Return Order")).to_be_visible()
    page.wait_for_load_state()


def combo(page: Page, name: str):
    return page.get_by_role("combobox", name=name, exact=True)


def test_customer_combobox_works_by_keyboard_and_enter_never_submits(
    scenario, new_page, log_in, shoot
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    page = new_page()
    log_in(page)
    open_create_form(page)
    # The old filter box over the select is gone; one combobox per picker instead.
    expect(page.get_by_label("Filter Customer")).to_have_count(0)
    for name in ("Customer", "Contact", "Address", "Responsible"):
        expect(combo(page, name)).to_be_visible()
    expect(page.locator("#id_customer")).to_be_hidden()

    customer = combo(page, "Customer")
    customer.click()
    customer.fill("acme")
    listbox = page.get_by_role("listbox", name="Customer")
    expect(listbox.get_by_role("option")).to_have_text(["Acme Returns Ltd"])
    expect(customer).to_have_attribute("aria-expanded", "true")
    shoot(page, "forms-combobox-open")
    # Enter with nothing highlighted and several matches, or after choosing: no submit.
    customer.press("ArrowDown")
    active = customer.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_text("Acme Returns Ltd")
    customer.press("Enter")
    expect(customer).to_have_value("Acme Returns Ltd")
    expect(customer).to_have_attribute("aria-expanded", "false")
    assert page.locator("#id_customer").input_value() == str(scenario.customer.pk)
    customer.press("Enter")
    expect(page.get_by_role("heading", name="Create Return Order")).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    assert ReturnOrder.objects.count() == 0

    # The contact list offers only the chosen customer's contacts.
    contact = combo(page, "Contact")
    contact.press("ArrowDown")
    options = page.get_by_role("listbox", name="Contact").get_by_role("option")
    expect(options).to_have_text(["Acme Returns Ltd: Ada Acme"])
    contact.press("Enter")
    assert page.locator("#id_contact").input_value() == str(scenario.contact.pk)
    # Switching the customer empties the contact of the previous one.
    customer.fill("other")
    customer.press("ArrowDown")
    customer.press("Enter")
    expect(contact).to_have_value("")
    assert page.locator("#id_contact").input_value() == ""
    # Escape closes the list and keeps the choice; typed text that matches nothing reverts.
    customer.fill("zzz")
    expect(listbox).to_be_hidden()
    customer.press("Escape")
    expect(customer).to_have_value("Other Retail Co")
    customer.fill("acme returns ltd")
    page.locator("#id_description").click()  # leaving the box with an exact name picks it
    expect(customer).to_have_value("Acme Returns Ltd")
    assert page.locator("#id_customer").input_value() == str(scenario.customer.pk)

    page.locator("#id_description").fill("Picked by keyboard")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert").first).to_contain_text("Created return order")
    order = ReturnOrder.objects.get()
    assert order.customer == scenario.customer
    assert order.description == "Picked by keyboard"


def test_every_mistake_shows_at_once_with_focus_on_the_first(scenario, new_page, log_in, shoot):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    page = new_page()
    log_in(page)
    open_create_form(page)
    combo(page, "Customer").fill("acme")
    combo(page, "Customer").press("ArrowDown")
    combo(page, "Customer").press("Enter")
    page.locator("#id_reference").fill("WRONG-1")
    page.locator("#id_start_date").fill("2030-05-10")
    page.locator("#id_target_date").fill("2030-05-01")
    page.locator("#id_link").fill("not a link at all")
    page.get_by_role("button", name="Submit").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    # One submit: the form's own checks and the ones the service would make, together.
    expect(links).to_have_count(4)
    expect(summary).to_contain_text("Reference: Reference must match required pattern")
    expect(summary).to_contain_text("Start date: Start date must be before target date")
    expect(summary).to_contain_text("Target date: Target date must be after start date")
    expect(summary).to_contain_text("Link: Enter a valid URL.")
    # Focus is on the first bad field, which says what is wrong with it.
    assert page.evaluate(FOCUSED_ID) == "id_reference"
    reference = page.locator("#id_reference")
    expect(reference).to_have_attribute("aria-invalid", "true")
    expect(reference).to_have_class("form-control is-invalid")
    described = reference.get_attribute("aria-describedby").split()
    assert "id_reference_error" in described
    expect(page.locator("#id_reference_error")).to_contain_text("must match required pattern")
    shoot(page, "forms-error-summary")
    # Each summary entry leads to its field.
    summary.get_by_role("link", name="Link: Enter a valid URL.").click()
    assert page.evaluate(FOCUSED_ID) == "id_link"
    # The customer chosen before is still chosen in its combobox.
    expect(combo(page, "Customer")).to_have_value("Acme Returns Ltd")
    assert ReturnOrder.objects.count() == 0


def test_a_required_combobox_error_focuses_the_combobox(scenario, new_page, log_in):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    page = new_page()
    log_in(page)
    open_create_form(page)
    page.get_by_role("button", name="Submit").click()
    customer = combo(page, "Customer")
    expect(customer).to_be_focused()
    expect(customer).to_have_attribute("aria-invalid", "true")
    page.locator("[data-error-summary]").get_by_role("link", name="Customer:").click()
    expect(customer).to_be_focused()


def test_the_order_form_works_without_javascript(scenario, browser, live_server):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/returns/new/")
        expect(page.get_by_role("combobox", name="Customer")).to_have_count(1)
        customer = page.locator("select#id_customer")
        expect(customer).to_be_visible()
        customer.select_option(label="Acme Returns Ltd")
        page.locator("select#id_contact").select_option(label="Acme Returns Ltd: Ada Acme")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("alert").first).to_contain_text("Created return order")
    finally:
        context.close()
    order = ReturnOrder.objects.get()
    assert order.contact == scenario.contact


def test_without_javascript_every_server_side_mistake_comes_in_one_pass(scenario):
    """A contact of another customer and a taken reference: both in the first answer."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client = Client()
    client.force_login(scenario.user)
    taken = client.post("/returns/new/", {"customer": scenario.customer.pk})
    assert taken.status_code == 302
    existing = ReturnOrder.objects.get()
    response = client.post(
        "/returns/new/",
        {
            "customer": scenario.customer.pk,
            "contact": scenario.other_contact.pk,
            "address": scenario.other_address.pk,
            "reference": existing.reference,
            "start_date": "2030-05-10",
            "target_date": "2030-05-01",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"contact", "address", "reference", "start_date", "target_date"}
    assert "already exists" in errors["reference"][0]
    body = response.content.decode()
    assert body.count("data-error-link") == 5
    assert 'href="#id_contact"' in body
    assert ReturnOrder.objects.count() == 1


def test_changing_the_customer_of_an_order_with_lines_is_refused_with_other_mistakes(scenario):
    from returns import services

    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(user=scenario.user, customer=scenario.customer)
    services.return_order_line_create(order=order, item=scenario.item, user=scenario.user)
    client = Client()
    client.force_login(scenario.user)
    response = client.post(
        f"/returns/{order.pk}/edit/",
        {"customer": scenario.other.pk, "reference": order.reference, "link": "nope nope"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"customer", "link"}


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 900}], ids=["390", "1366"])
def test_error_pages_are_in_the_layout_and_fit(scenario, new_page, log_in, shoot, viewport):
    page = new_page(viewport=viewport)
    log_in(page)
    width = viewport["width"]
    # Return orders are off: staff are offered the setting.
    response = page.goto("/returns/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Return orders are not enabled")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"forms-404-disabled-{width}")
    page.get_by_role("link", name="Turn on return orders in Settings").click()
    expect(page.get_by_role("heading", name="Return order settings")).to_be_visible()
    site_settings.set_value("RETURNORDER_ENABLED", True)
    response = page.goto("/returns/987654/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))


def test_403_page_has_landmarks_and_a_way_back(scenario, new_page, log_in, shoot):
    from tests.factories import UserFactory

    site_settings.set_value("RETURNORDER_ENABLED", True)
    UserFactory(username="plain", password="plain-password-123")
    page = new_page(viewport=PHONE)
    log_in(page, "plain", "plain-password-123")
    response = page.goto("/returns/settings/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You are not allowed to do that")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_attached()
    expect(page.get_by_role("main")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "forms-403-390")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/returns/new/", "/returns/settings/", "/returns/{pk}/edit/"],
)
def test_forms_never_scroll_sideways_on_a_phone(scenario, new_page, log_in, shoot, path):
    from returns import services

    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user,
        customer=scenario.customer,
        description="A-very-long-unbroken-description-" * 4,
        link="https://example.com/" + "x" * 120,
    )
    page = new_page(viewport=PHONE)
    if path != "/accounts/login/":
        log_in(page)
    page.goto(path.format(pk=order.pk))
    page.wait_for_load_state()
    if path != "/accounts/login/":
        # With every error showing, too.
        bad = "#id_RETURNORDER_REFERENCE_PATTERN" if "settings" in path else "#id_link"
        page.locator(bad).fill("x" * 300)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways at 390 px"
    shoot(page, "forms-phone" + path.replace("/", "-").replace("{pk}", "order").rstrip("-"))
