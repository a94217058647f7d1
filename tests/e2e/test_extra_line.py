"""An extra line must say what it is for: the page refuses an empty one, says why beside both
fields and in the summary, and focuses the first of them."""

import re

import pytest
from playwright.sync_api import expect

from common import site_settings
from returns import services

pytestmark = pytest.mark.e2e


def test_an_empty_extra_line_is_refused_with_the_reason_beside_its_fields(
    scenario, new_page, log_in
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(user=scenario.user, customer=scenario.customer)
    page = new_page()
    log_in(page)
    page.goto(f"/returns/{order.pk}/extra/add/")
    page.get_by_label("Price").fill("12.50")
    page.locator("main form button[type=submit]").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(page.get_by_label("Reference")).to_be_focused()
    for field in ("Reference", "Description"):
        expect(page.get_by_label(field)).to_have_class(re.compile("is-invalid"))
    assert order.extra_lines.count() == 0

    page.get_by_label("Description").fill("Carriage")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("extra line")
    assert list(order.extra_lines.values_list("description", flat=True)) == ["Carriage"]
