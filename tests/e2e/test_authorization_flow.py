"""A return that needs authorization, in headless Chromium: a clerk requests it, someone who may
authorize approves part of it, and the clerk receives one unit good and one damaged, then
completes it.

The clerk may add, issue and receive return orders but not authorize them (the return-order
role without its change flag); the authorizer holds the change flag, which brings the authorize
permission. The world before the browser opens (customer, held bulk stock, locations, the two
users, the site settings) is made with the ORM; every step after that goes through the pages,
and the end checks the database for what the pages said.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from common import site_settings
from returns import services
from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderReceipt
from returns.statuses import DispositionKind, ReturnOrderStatus
from stock import services as stock_services
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import GroupFactory, PartFactory, StockItemFactory, UserFactory
from users import services as user_services

pytestmark = pytest.mark.e2e

CLERK, AUTHORIZER = "e2e-clerk", "e2e-authorizer"
PASSWORD = "e2e-staple-battery-horse"


def _user(username: str, **roles) -> None:
    """A staff user in a group of their own holding ``roles`` (role -> actions)."""
    user = UserFactory(username=username, password=PASSWORD, is_staff=True)
    group = GroupFactory(name=f"{username}-group")
    for role, actions in roles.items():
        user_services.group_set_role(group=group, role=role, **dict.fromkeys(actions, True))
    user.groups.add(group)


@pytest.fixture
def requested_world(scenario):
    """Return orders on and needing authorization; Acme holds three brake pads (bulk)."""
    site_settings.set_value("RETURNORDER_ENABLED", True)
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    _user(
        CLERK,
        return_order=["view", "add"],
        stock=["view", "change"],
        stock_location=["view"],
        part=["view"],
    )
    _user(AUTHORIZER, return_order=["view", "change"], stock=["view"], part=["view"])
    part = PartFactory(name="Brake Pad Set", IPN="BP-20", trackable=False, salable=True)
    pads = StockItemFactory(part=part, serial=None, location=scenario.stores, quantity=Decimal(3))
    stock_services.stock_items_assign(
        items=[pads], customer=scenario.customer, user=scenario.user, notes="Sold"
    )
    scenario.part_bulk, scenario.pads = part, pads
    return scenario


def flash(page: Page):
    return page.get_by_role("alert")


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def log_in_as(page: Page, log_in, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username=username, password=PASSWORD)


def test_request_authorize_part_receive_good_and_damaged_then_complete(
    requested_world, new_page, log_in, shoot
):
    world = requested_world
    page = new_page()

    # The clerk creates the order: with authorization required it starts as Requested.
    log_in_as(page, log_in, CLERK)
    page.goto("/returns/new/")
    expect(page.get_by_role("heading", name="Create Return Order")).to_be_visible()
    page.wait_for_load_state()
    reference = page.locator("#id_reference").input_value()
    customer = page.get_by_role("combobox", name="Customer", exact=True)
    customer.fill("Acme Returns")
    customer.press("ArrowDown")
    customer.press("Enter")
    expect(page.locator("#id_customer")).to_have_value(str(world.customer.pk))
    page.locator("#id_description").fill("Pads squeal")
    page.get_by_role("button", name="Submit").click()
    expect(flash(page)).to_contain_text(f"Created return order {reference}.")
    expect(heading(page)).to_contain_text(reference)
    expect(heading(page)).to_contain_text("Requested")
    order_url = page.url

    # A line of all three pads, from the list of what Acme holds.
    page.get_by_role("link", name="+ Add line").click()
    expect(page.get_by_role("heading", name="Add returned items")).to_be_visible()
    row = page.locator(f"#pick-{world.pads.pk}")
    expect(row).to_contain_text("Bulk item: choose a quantity")
    row.get_by_role("checkbox").check()
    quantity = page.get_by_label("Return quantity of BP-20 | Brake Pad Set")
    expect(quantity).to_have_value("3")
    page.get_by_role("button", name="Add selected", exact=True).click()
    expect(flash(page)).to_contain_text("BP-20 | Brake Pad Set")
    lines = page.locator("#line-table tbody tr")
    expect(lines).to_have_count(1)
    line_row = lines.first
    expect(line_row.locator("td[data-label='Quantity']")).to_have_text("3")
    expect(heading(page)).to_contain_text("Requested")
    # The clerk may not authorize it, nor issue it yet.
    expect(page.locator("#next-step")).to_have_text(
        "This return awaits authorization by someone who may authorize return orders."
    )
    expect(page.get_by_role("link", name="Authorize", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Issue order")).to_have_count(0)
    shoot(page, "authorization-requested")

    # The authorizer approves two of the three.
    log_in_as(page, log_in, AUTHORIZER)
    page.goto(order_url)
    expect(page.locator("#next-step")).to_have_text(
        "Next: authorize the return (all of it or part of it), or decline it."
    )
    page.get_by_role("link", name="Authorize", exact=True).click()
    expect(page.get_by_role("heading", name=f"Authorize {reference}")).to_be_visible()
    approved = page.get_by_label(re.compile(r"^Approved quantity for "))
    expect(approved).to_have_value("3")
    # More than was requested is refused on the form.
    approved.fill("4")
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(page.get_by_role("heading", name=f"Authorize {reference}")).to_be_visible()
    expect(page.locator("#authorize-form")).to_contain_text("less than or equal to 3")
    page.get_by_label(re.compile(r"^Approved quantity for ")).fill("2")
    page.get_by_label("Note", exact=True).fill("Third pad is outside the return window")
    shoot(page, "authorization-authorize-form")
    page.get_by_role("button", name="Authorize", exact=True).click()
    expect(flash(page)).to_contain_text(
        f"Return order {reference} is partially authorized and now Pending."
    )
    expect(heading(page)).to_contain_text("Pending")
    expect(page.locator("#partially-authorized")).to_have_text("Partially authorized")
    expect(page.locator("#order-authorized")).to_contain_text(f"by {AUTHORIZER}")
    expect(line_row.locator(".line-authorized")).to_have_text("authorized 2")
    history = page.locator("#history")
    expect(history).to_contain_text("Partially authorized (1 line(s) for less) → Pending")
    expect(history).to_contain_text("Third pad is outside the return window")
    expect(page.get_by_role("link", name="Authorize", exact=True)).to_have_count(0)

    # Back to the clerk, who issues it.
    log_in_as(page, log_in, CLERK)
    page.goto(order_url)
    page.get_by_role("button", name="Issue order").click()
    expect(flash(page)).to_contain_text(f"Return order {reference} is now In Progress.")
    expect(heading(page)).to_contain_text("In Progress")
    expect(heading(page)).to_contain_text("Partially authorized")

    # The line cannot be received whole: only two of its three were authorized.
    page.get_by_role("link", name="Receive items").click()
    expect(page.get_by_role("heading", name=f"Receive items against {reference}")).to_be_visible()
    page.locator("#id_location").select_option(value=str(world.stores.pk))
    page.get_by_role("button", name="Receive items").click()
    expect(page.locator("#receive-form")).to_contain_text(
        "returns 3 but only 2 was authorized: it cannot be received whole"
    )

    # Split…: three units are more than the two authorized, refused on the form.
    page.get_by_role("link", name=re.compile(r"^Split…")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Receive "))).to_be_visible()
    expect(page.locator("#split-quantities")).to_contain_text("2 still to receive")
    good_quantity = page.get_by_label("Good", exact=True)
    expect(good_quantity).to_have_value("2")  # what was authorized, not the line's 3
    good_quantity.fill("2")
    page.locator("#id_good_location").select_option(value=str(world.stores.pk))
    page.get_by_label("Damaged", exact=True).fill("1")
    page.locator("#id_damaged_location").select_option(value=str(world.quarantine.pk))
    page.get_by_role("button", name="Record the receipt").click()
    form = page.locator("#receive-split-form")
    expect(form).to_contain_text("3 is more than the 2 still to receive")
    assert not ReturnOrderReceipt.objects.exists()

    # One good into Stores, one damaged into Quarantine.
    page.get_by_label("Good", exact=True).fill("1")
    page.locator("#id_good_location").select_option(value=str(world.stores.pk))
    page.get_by_label("Damaged", exact=True).fill("1")
    page.locator("#id_damaged_location").select_option(value=str(world.quarantine.pk))
    page.get_by_label("Status of damaged units").select_option(label="Damaged")
    page.get_by_label("Notes", exact=True).fill("One pad cracked")
    shoot(page, "authorization-split-form")
    page.get_by_role("button", name="Record the receipt").click()
    expect(flash(page)).to_contain_text("Receipt recorded for")
    expect(page).to_have_url(re.compile(r"#receipts$"))
    receipts = page.locator("#receipt-table tbody tr")
    expect(receipts).to_have_count(1)
    expect(receipts.first).to_contain_text("1 good into Stores (OK)")
    expect(receipts.first).to_contain_text("1 damaged into Returns/Quarantine (Damaged)")
    expect(receipts.first).to_contain_text("One pad cracked")
    received = page.locator("#line-table tbody tr").first.locator(".line-received")
    expect(received).to_contain_text("2 received")
    expect(received).to_contain_text(world.today.isoformat())
    expect(page.locator("#history")).to_contain_text(
        "Received 2 items into Returns/Quarantine, Stores"
    )
    expect(page.locator("#next-step")).to_have_text(
        "Next: set an outcome for the 1 unresolved line, then complete the order."
    )
    # Both authorized units are in: nothing is left to receive.
    expect(page.get_by_role("link", name="Receive items")).to_have_count(0)
    shoot(page, "authorization-received")

    # Complete, accepting its confirmation (the line has no outcome).
    page.get_by_role("button", name="Complete order").click()
    expect(page.get_by_role("heading", name=f"Complete {reference}?")).to_be_visible()
    expect(page.locator("#completion-gaps")).to_contain_text("1 line unresolved")
    page.get_by_role("button", name="Complete anyway").click()
    expect(flash(page)).to_contain_text(f"Return order {reference} is now Complete.")
    expect(heading(page)).to_contain_text("Complete")
    expect(heading(page)).to_contain_text("Locked")
    shoot(page, "authorization-complete")

    # What the pages said is what the database holds.
    order = ReturnOrder.objects.get(reference=reference)
    assert order.status == ReturnOrderStatus.COMPLETE
    assert order.partially_authorized is True
    assert order.authorized_by.username == AUTHORIZER
    line = order.lines.get()
    assert (line.quantity, line.authorized_quantity) == (Decimal(3), Decimal(2))
    assert (line.received_quantity, line.missing_quantity) == (Decimal(2), Decimal(0))
    assert line.received_date == world.today

    receipt = ReturnOrderReceipt.objects.get(line=line)
    assert receipt.quantity == Decimal(2)
    assert receipt.created_by.username == CLERK
    by_kind = {d.kind: d for d in receipt.dispositions.select_related("stock_item")}
    assert set(by_kind) == {DispositionKind.GOOD, DispositionKind.DAMAGED}
    good = by_kind[DispositionKind.GOOD].stock_item
    damaged = by_kind[DispositionKind.DAMAGED].stock_item
    # Two new stock items split off the customer's three; the third stays with the customer.
    assert {good.pk, damaged.pk}.isdisjoint({world.pads.pk})
    assert (good.quantity, good.status, good.location_id, good.customer_id) == (
        Decimal(1),
        StockStatus.OK,
        world.stores.pk,
        None,
    )
    assert (damaged.quantity, damaged.status, damaged.location_id, damaged.customer_id) == (
        Decimal(1),
        StockStatus.DAMAGED,
        world.quarantine.pk,
        None,
    )
    assert good.parent_id == damaged.parent_id == world.pads.pk
    world.pads.refresh_from_db()
    assert world.pads.quantity == Decimal(1)
    assert world.pads.customer_id == world.customer.pk
    assert StockItem.objects.filter(part=world.part_bulk).count() == 3
    for unit in (good, damaged):
        codes = set(
            StockItemTracking.objects.filter(item=unit).values_list("tracking_type", flat=True)
        )
        assert StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER in codes, codes
        assert StockHistoryCode.SPLIT_FROM_PARENT in codes, codes

    kinds = list(
        ReturnOrderHistory.objects.filter(order=order).order_by("pk").values_list("kind", flat=True)
    )
    for kind in ("authorized", "received"):
        assert kind in kinds, kinds
    assert kinds.index("authorized") < kinds.index("received")
    authorized = ReturnOrderHistory.objects.get(order=order, kind="authorized")
    assert authorized.user.username == AUTHORIZER
    assert authorized.data["partial"] is True


def test_a_line_received_up_to_its_authorized_quantity_shows_nothing_outstanding(
    requested_world, new_page, log_in
):
    world = requested_world
    order = services.return_order_create(
        user=world.user, customer=world.customer, description="Pads squeal"
    )
    line = services.return_order_line_create(
        order=order, item=world.pads, quantity=Decimal(3), user=world.user
    )
    services.return_order_authorize(order=order, user=world.user, lines=[(line.pk, Decimal(2))])
    services.return_order_issue(order=order, user=world.user)
    services.return_order_receive_split(
        order=order,
        receipts=[
            services.ReceiptRequest(
                line=line.pk,
                dispositions=[
                    services.DispositionRequest(DispositionKind.GOOD, Decimal(2), world.stores)
                ],
            )
        ],
        user=world.user,
    )
    page = new_page()
    log_in_as(page, log_in, CLERK)
    page.goto(order.get_absolute_url())
    received = page.locator(f"#line-{line.pk} .line-received")
    expect(received).to_contain_text("2 received")
    expect(received).not_to_contain_text("outstanding", timeout=1_000)
