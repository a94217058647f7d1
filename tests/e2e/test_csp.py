"""Every kind of page runs in Chromium under the Content-Security-Policy without a violation.

The policy refuses inline script and inline styles; a page that still had any would lose them
silently, except for the browser's console message and a ``securitypolicyviolation`` event,
which this test collects on each page: Boomerang's own pages, the admin, DRF's browsable API
and Swagger UI (which must also draw its operations, so its script really ran).
"""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from common import site_settings
from returns import services

pytestmark = pytest.mark.e2e

# Playwright's init scripts are not subject to the page's policy, so this listener is always
# there before the page's own markup is parsed.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class ViolationLog:
    """The CSP complaints one page made: console messages and violation events."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def take(self, label: str) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        found = [f"{label}: {text}" for text in [*self.console, *events]]
        self.console.clear()
        return found


def test_pages_admin_browsable_api_and_docs_run_without_csp_violations(
    scenario, new_page, log_in, shoot
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = services.return_order_create(
        user=scenario.user,
        customer=scenario.customer,
        description="Checked under the CSP",
        contact=scenario.contact,
        target_date=scenario.today,
    )
    services.return_order_line_create(order=order, item=scenario.item, user=scenario.user)

    page = new_page()
    log = ViolationLog(page)
    violations = []

    page.goto("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_visible()
    violations += log.take("login page")
    log_in(page)

    pages = [
        ("return-order index", "/returns/", order.reference),
        ("order detail", f"/returns/{order.pk}/", order.reference),
        ("calendar", "/returns/?view=calendar", order.reference),
        ("settings", "/returns/settings/", "Enable return orders"),
        ("import from InvenTree", "/settings/import/", "Recent imports"),
        ("admin index", "/admin/", "Site administration"),
        ("admin change form", f"/admin/companies/company/{scenario.customer.pk}/change/", "Save"),
        ("browsable API", "/api/order/ro/", "Return Order List"),
    ]
    for label, url, text in pages:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        expect(page.get_by_text(text).first).to_be_visible()
        violations += log.take(label)
    shoot(page, "csp-browsable-api")

    page.goto("/api/docs/")
    # Swagger UI draws the operations only once its start-up script has run and the schema
    # has arrived; generating the schema takes several seconds.
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    # Swagger UI draws a long list of operations lazily, as it scrolls into view: what is drawn
    # proves the script ran, and that the schema arrived and parsed.
    assert page.locator(".opblock").count() >= 5
    expect(page.locator(".opblock-tag").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations += log.take("API docs")
    shoot(page, "csp-api-docs")

    assert violations == []
