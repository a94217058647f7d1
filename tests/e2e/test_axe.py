"""axe-core finds no accessibility violation on any of Boomerang's pages, at desktop
(1366 x 900) and phone (390 x 844) width.

The pages are the GET pages of the page permission matrix (``tests/pages/test_permission_pages``
lists every page of the site, and fails when one is missing), each with data that makes it show
what a clerk sees; plus the login page, the calendar and the error pages. The admin, the
browsable API and Swagger UI are third-party pages and are not checked here.

axe is injected with ``axe_playwright_python``: ``page.evaluate`` runs through the DevTools
protocol, which the page's Content-Security-Policy does not govern, so no CSP bypass is needed
(``test_axe_runs_under_the_site_csp`` proves that the page's policy is in force meanwhile).
"""

from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import NoReverseMatch, reverse
from djmoney.money import Money
from playwright.sync_api import Page, expect

from common import site_settings
from jobs.models import Job
from returns import services
from returns.models import ReturnOrder, ReturnReason
from returns.statuses import ReturnOrderStatus
from stock import services as stock_services
from tests.factories import StockItemFactory, UserFactory
from tests.pages.test_permission_pages import PAGES
from tests.webhooks.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.e2e

SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
# Pages that answer with a file, not HTML.
DOWNLOADS = {"returns:export", "importer:skipped-csv"}


def _world(scenario):
    """An order in progress with a received line, an unreceived line and an extra line."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    third = StockItemFactory(
        part=scenario.part, serial="E2E-7777", location=scenario.stores, quantity=Decimal(1)
    )
    stock_services.stock_items_assign(
        items=[third], customer=scenario.customer, user=scenario.user, notes="Sold"
    )
    order = services.return_order_create(
        user=scenario.user,
        customer=scenario.customer,
        description="Checked with axe",
        contact=scenario.contact,
        address=scenario.address,
        target_date=scenario.today,
        notes="Some **notes** with a [link](https://example.com).",
    )
    received = services.return_order_line_create(
        order=order, item=scenario.item, user=scenario.user, price=Money(120, "USD")
    )
    faulty = services.choice_entry_create(
        model=ReturnReason, user=scenario.user, data={"code": "faulty", "label": "Faulty"}
    )
    waiting = services.return_order_line_create(
        order=order, item=scenario.decoy, user=scenario.user, reason=faulty
    )
    extra = services.return_order_extra_line_create(
        order=order, user=scenario.user, description="Shipping", price=Money(-5, "USD")
    )
    services.return_order_issue(order=order, user=scenario.user)
    services.return_order_receive(
        order=order,
        lines=[(received.pk, None)],
        location=scenario.quarantine,
        user=scenario.user,
    )
    # An overdue order of the other customer, so the index shows an overdue row.
    overdue = services.return_order_create(
        user=scenario.user,
        customer=scenario.other,
        target_date=scenario.today.replace(year=scenario.today.year - 1),
    )
    services.return_order_issue(order=overdue, user=scenario.user)
    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.IN_PROGRESS
    return order, received, waiting, extra


def _requested_order(scenario):
    """A return awaiting authorization, for the authorize and decline forms."""
    requested = services.return_order_create(
        user=scenario.user, customer=scenario.other, description="Awaiting authorization"
    )
    ReturnOrder.objects.filter(pk=requested.pk).update(status=ReturnOrderStatus.REQUESTED)
    return requested


def _import_run(scenario) -> None:
    """A finished InvenTree import with counts, an unmatched owner and skipped rows, so the
    import page shows its run list at its fullest."""
    from importer import services as import_services
    from importer.jobs import KIND
    from importer.models import ImportRun, ImportSkippedRow

    run = import_services.create_run(
        url="https://inventree.example.com",
        options=import_services.ImportOptions(tracking=True),
        user=scenario.user,
    )
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.SUCCEEDED,
        counts={
            "companies.company": {"created": 12, "updated": 0, "unchanged": 0, "skipped": 1},
            "returns.returnorderlineitem": {
                "created": 240,
                "updated": 3,
                "unchanged": 1,
                "skipped": 2,
            },
        },
        unmatched_owners=["ghost"],
    )
    ImportSkippedRow.objects.create(run=run, model="stock.stockitem", source_pk=4, reason="x")
    Job.objects.create(
        kind=KIND, user=scenario.user, params={"run": run.pk}, state=Job.State.SUCCEEDED
    )


def _page_urls(scenario, order, received, waiting, extra) -> list[tuple[str, str]]:
    requested = _requested_order(scenario)
    _import_run(scenario)
    # A subscription with a delivery, so its page shows the log and its Redeliver button.
    hook = WebhookDeliveryFactory(response_status=503, state="retrying").subscription
    special = {
        "returns:authorize": {"pk": requested.pk},
        "returns:decline": {"pk": requested.pk},
        "company-detail": {"pk": scenario.customer.pk},
        "stock-item-detail": {"pk": scenario.item.pk},
        "returns:line-edit": {"pk": order.pk, "line_pk": waiting.pk},
        "returns:line-resolve": {"pk": order.pk, "line_pk": received.pk, "kind": "repair"},
        "returns:repair-edit": {"pk": order.pk, "line_pk": received.pk},
        "returns:receive-split": {"pk": order.pk, "line_pk": waiting.pk},
        "returns:receipt-undo": {"pk": order.pk, "receipt_pk": received.receipts.get().pk},
        "returns:extra-edit": {"pk": order.pk, "extra_pk": extra.pk},
        "returns:transition-confirm": {"pk": order.pk, "action": "cancel"},
        "returns:picker": {"name": "customer"},  # JSON for the filter panel: not a page
        "returns:choice-edit": {"kind": "reasons", "entry_pk": ReturnReason.objects.get().pk},
        **{
            name: {"pk": hook.pk}
            for name in ("webhooks:detail", "webhooks:edit", "webhooks:delete")
        },
        # A print in progress, the job page's busiest state.
        "jobs:detail": {
            "pk": Job.objects.create(
                kind="report.print",
                user=scenario.user,
                state=Job.State.RUNNING,
                progress=40,
                message="Rendered 4 of 10",
            ).pk
        },
    }
    urls, unknown = [], []
    for page in PAGES:
        if "GET" not in page.methods or page.name in DOWNLOADS:
            continue
        if page.name == "returns:print":
            continue  # a PDF report, not a page
        kwargs = special.get(page.name)
        candidates = [kwargs] if kwargs is not None else [{"pk": order.pk}, {}]
        for candidate in candidates:
            try:
                urls.append((page.name, reverse(page.name, kwargs=candidate) + page.query))
                break
            except NoReverseMatch:
                continue
        else:
            unknown.append(page.name)
    assert not unknown, f"add URL arguments for these pages to _page_urls(): {unknown}"
    urls += [
        ("calendar", reverse("returns:index") + "?view=calendar"),
        # The other confirmation: completing, naming the unreceived and unresolved lines.
        (
            "returns:transition-confirm, complete",
            reverse("returns:transition-confirm", kwargs={"pk": order.pk, "action": "complete"}),
        ),
        ("index, filtered to nothing", reverse("returns:index") + "?search=no-such-order"),
        ("404", "/no/such/page/"),
        ("404 of an unknown order", reverse("returns:detail", kwargs={"pk": 987654})),
    ]
    return urls


def _violations(page: Page, label: str) -> list[str]:
    results = Axe().run(page)
    found = []
    # No page may scroll sideways, at either width (the phone is the one that catches it).
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        found.append(f"{label}: scrolls sideways by {overflow}px")
    for violation in results.response["violations"]:
        targets = "; ".join(
            f"{' '.join(node['target'])} {node['html'][:140]}" for node in violation["nodes"]
        )
        found.append(f"{label}: {violation['id']} ({violation['impact']}) at {targets}")
    return found


def _check(page: Page, label: str, url: str) -> list[str]:
    head = page.request.get(url)
    if not head.headers.get("content-type", "").startswith("text/html"):
        return []  # a download (CSV, iCalendar, PDF): not a page
    page.goto(url)  # waits for the load event: the pages fetch nothing until someone types
    return _violations(page, label)


@pytest.mark.parametrize("size", SIZES, ids=[f"{s}px" for s in SIZES])
def test_every_page_has_no_axe_violation_and_no_sideways_scroll(scenario, new_page, log_in, size):
    world = _world(scenario)
    urls = _page_urls(scenario, *world)
    viewport = SIZES[size]
    found = []

    anonymous = new_page(viewport=viewport)
    found += _check(anonymous, "login page", "/accounts/login/")
    found += _check(anonymous, "404, anonymous", "/no/such/page/")

    page = new_page(viewport=viewport)
    log_in(page)
    for name, url in urls:
        found += _check(page, f"{name} ({url})", url)
    # The subscribe panel, opened, before and after a calendar link is made.
    for view in ("?view=calendar", ""):
        page.goto(reverse("returns:index") + view)
        page.locator("#calendar-subscribe > summary").click()
        found += _violations(page, f"subscribe panel open ({view or 'index'})")
    page.get_by_role("button", name="Create my calendar link").click()
    page.wait_for_load_state("networkidle")
    found += _violations(page, "subscribe panel with a fresh calendar link")
    # The order form with every error showing: the summary and the marked fields.
    page.goto(reverse("returns:create"))
    page.locator("#id_link").fill("not a link")
    page.locator("#id_start_date").fill("2030-05-10")
    page.locator("#id_target_date").fill("2030-05-01")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    found += _violations(page, "order form with errors")
    # An open combobox.
    page.get_by_role("combobox", name="Customer", exact=True).fill("a")
    found += _violations(page, "order form, combobox open")
    # Cancelling without a reason: the confirmation page with its error.
    order = world[0]
    page.goto(reverse("returns:transition-confirm", kwargs={"pk": order.pk, "action": "cancel"}))
    page.get_by_role("button", name="Cancel the order").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-error-summary]")).to_contain_text("Say why the order is cancelled.")
    found += _violations(page, "cancel confirmation with errors")
    # Issuing an order without lines: its confirmation page.
    empty = services.return_order_create(user=scenario.user, customer=scenario.customer)
    found += _check(
        page,
        "issue confirmation",
        reverse("returns:transition-confirm", kwargs={"pk": empty.pk, "action": "issue"}),
    )
    expect(page.get_by_role("button", name="Issue without lines")).to_be_visible()

    # The 403 page and the "return orders are off" 404, as a user without permissions.
    UserFactory(username="axe-plain", password="axe-plain-password-1")
    plain = new_page(viewport=viewport)
    log_in(plain, "axe-plain", "axe-plain-password-1")
    found += _check(plain, "403", reverse("returns:settings"))
    site_settings.set_value("RETURNORDER_ENABLED", False)
    found += _check(plain, "404, return orders off", reverse("returns:index"))
    found += _check(page, "404, return orders off, staff", reverse("returns:index"))

    assert not found, f"{len(found)} axe violations at {size} px:\n" + "\n".join(found)


def test_axe_runs_under_the_site_csp(scenario, new_page):
    """The policy stays in force: a page script may not eval, yet axe ran and reported."""
    page = new_page()
    response = page.goto("/accounts/login/")
    assert "script-src" in response.headers["content-security-policy"]
    blocked = page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent =
        "window.__inline = 1"; document.head.appendChild(s); return window.__inline === 1; }"""
    )
    assert blocked is False  # an inline script did not run: the CSP is in force
    results = Axe().run(page)
    assert "violations" in results.response
    assert results.response["testEngine"]["name"] == "axe-core"
