"""The customer portal end to end on a phone: a contact signs in from the e-mailed link (read
from the mail outbox), requests the return of two items with a photo, staff authorize, issue
and receive it, and the contact sees it resolved."""

import pytest
from playwright.sync_api import expect

from common import site_settings
from portal import services as portal_services
from returns import services
from returns.models import ReturnOrder
from tests.portal.conftest import last_link
from tests.portal.test_portal_pages import PNG

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_a_customer_requests_and_follows_a_return_on_a_phone(
    scenario, new_page, log_in, shoot, tmp_path
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    portal_services.portal_access_invite(contact=scenario.contact, user=scenario.user)
    photo = tmp_path / "scratch.png"
    photo.write_bytes(PNG)

    # The contact opens the e-mailed link on a phone and signs in.
    phone = new_page(viewport=PHONE)
    phone.goto(last_link(scenario.contact.email))
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="My returns")).to_be_visible()
    expect(phone.get_by_text("You have no returns yet.")).to_be_visible()

    # Two items, each with a fault; a photo; the address confirmed.
    phone.get_by_role("link", name="Request a return").click()
    for item, fault in ((scenario.item, "Motor grinds"), (scenario.decoy, "No power")):
        card = phone.locator(".card", has_text=item.serial)
        card.get_by_label("Return this item").check()
        card.get_by_label("What is wrong?").fill(fault)
    phone.get_by_label("Photos of the fault (optional)").set_input_files(str(photo))
    phone.get_by_label("My contact details above are right").check()
    shoot(phone, "portal-request-phone")
    phone.get_by_role("button", name="Send the request").click()
    expect(phone.get_by_text("we have your request")).to_be_visible()
    expect(phone.get_by_text("Waiting for approval")).to_be_visible()
    expect(phone.get_by_role("link", name="scratch.png")).to_be_visible()
    order = ReturnOrder.objects.get(from_portal=True)
    assert order.lines.count() == 2

    # Staff see the request with its photo, authorize, issue and receive it.
    desk = new_page()
    log_in(desk)
    desk.goto("/returns/?from_portal=true&outstanding=true")
    desk.get_by_role("link", name=order.reference).first.click()
    expect(desk.locator("#messages")).to_contain_text("scratch.png")
    desk.get_by_role("link", name="Authorize", exact=True).click()
    desk.get_by_role("button", name="Authorize", exact=True).click()
    desk.get_by_role("button", name="Issue order").click()
    desk.get_by_role("link", name="Receive items").click()
    desk.locator("#id_location").select_option(value=str(scenario.stores.pk))
    desk.get_by_role("button", name="Receive items").click()
    expect(desk.locator("#order-portal")).to_contain_text("Visible to the customer")
    for line in order.lines.all():
        services.line_resolve_return(line=line, user=scenario.user)

    # The contact sees each item resolved, in their words.
    phone.reload()
    expect(phone.get_by_text("Checked and shipped back to you")).to_have_count(2)
    expect(phone.locator(".portal-step.is-done", has_text="Resolved")).to_be_visible()
    expect(phone.locator(".portal-step.is-done", has_text="Authorized")).to_be_visible()
    shoot(phone, "portal-status-phone")
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
