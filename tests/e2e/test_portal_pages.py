"""The customer portal in Chromium: every portal page has no axe violation, no sideways scroll
and no Content-Security-Policy violation, at desktop and phone width.

The pages are those of the portal page matrix (``tests/portal/test_portal_pages``), signed in
as a contact through the e-mailed link (read from the mail outbox), plus the states a visitor
meets: a form error, a used link, a page that is not found.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal import services as portal_services
from tests.e2e.test_axe import SIZES, _violations, _world
from tests.e2e.test_csp import ViolationLog
from tests.portal.conftest import last_link
from tests.portal.test_portal_pages import (
    PORTAL_DOWNLOADS,
    PORTAL_PAGES,
    portal_url,
    thread_file,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", SIZES, ids=[f"{s}px" for s in SIZES])
def test_every_portal_page_passes_axe_and_the_csp(scenario, new_page, size):
    order, *_rest = _world(scenario)
    page = new_page(viewport=SIZES[size])
    log = ViolationLog(page)
    found = []

    def check(label: str, url: str | None = None) -> None:
        if url is not None:
            page.goto(url)
        found.extend(_violations(page, label))
        found.extend(log.take(label))

    check("sign-in", reverse("portal:sign-in"))
    page.get_by_label("Your e-mail address").fill("not an address")
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    check("sign-in with an error")
    check("sign-in sent", reverse("portal:sign-in-sent"))
    check("link that does not work", portal_url("portal:link"))

    portal_services.portal_access_invite(contact=scenario.contact, user=None)
    link = last_link(scenario.contact.email)
    check("link confirmation", link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My returns")).to_be_visible()

    thread_file(order)  # the order page shows a thread with a photo
    listed = {"portal:sign-in", "portal:sign-in-sent", "portal:link", "portal:sign-out"}
    for entry in PORTAL_PAGES:
        if entry.name in listed or entry.name in PORTAL_DOWNLOADS or "GET" not in entry.methods:
            continue
        check(entry.name, portal_url(entry.name, order=order))
    check("items, searched", reverse("portal:items") + "?q=E2E-4242")
    page.goto(reverse("portal:request"))
    page.locator(".card", has_text="E2E-7777").get_by_label("Return this item").check()
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Describe the fault.")).to_be_visible()
    check("request form with errors")
    check("not found", reverse("portal:order", kwargs={"pk": 987654}))
    check("used link", link)
    page.goto(reverse("portal:orders"))
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    check("signed out")

    assert not found, f"{len(found)} problems at {size} px:\n" + "\n".join(found)
