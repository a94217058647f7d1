"""Resolving lines on the pages: what the order page shows and offers, each outcome's form,
the repair page, undo, completing with unresolved lines, and the page's pinned query count."""

import html
import re
from decimal import Decimal

import pytest
from djmoney.money import Money

from returns import services
from returns.models import ReturnOrderHistory, ReturnOrderLineResolution
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem
from stock.statuses import StockStatus
from tests.factories import (
    BulkStockItemFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.pages.factories import HeldItemFactory, LineFactory, OrderFactory

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
KINDS = ["return", "repair", "replace", "refund", "reject"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def order_page(client, order) -> str:
    response = client.get(f"/returns/{order.pk}/")
    assert response.status_code == 200
    return text(response)


def row_of(content: str, line) -> str:
    start = content.index(f'<tr id="line-{line.pk}">')
    return content[start : content.index("</tr>", start)]


def offered(content: str, order, line) -> set[str]:
    """The resolve links a line's row offers."""
    found = re.findall(
        rf'href="/returns/{order.pk}/lines/{line.pk}/resolve/(\w+)/"', row_of(content, line)
    )
    return set(found)


def url(order, line, action: str) -> str:
    return f"/returns/{order.pk}/lines/{line.pk}/{action}/"


@pytest.fixture
def bay(db):
    return LocationFactory(name="Returns bay")


@pytest.fixture
def order(db):
    return OrderFactory(status=S.IN_PROGRESS, order_currency="USD")


def receive(order, line, bay, status=StockStatus.QUARANTINED):
    services.return_order_receive(
        order=order, lines=[(line.pk, status)], location=bay, user=UserFactory()
    )
    line.refresh_from_db()
    return line


@pytest.fixture
def received(order, bay):
    """A received line of the order: its serialized unit is in the returns bay, quarantined."""
    return receive(order, LineFactory(order=order), bay)


# -- what the order page offers ------------------------------------------------------------


def test_received_lines_offer_every_resolution_and_unreceived_ones_replace_and_refund(
    enabled, clerk, order, received
):
    waiting = LineFactory(order=order)
    content = order_page(clerk, order)
    assert offered(content, order, received) == set(KINDS)
    assert offered(content, order, waiting) == {"replace", "refund"}
    assert "Undo" not in row_of(content, received)


@pytest.mark.parametrize("status", [S.PENDING, S.ON_HOLD, S.COMPLETE, S.CANCELLED])
def test_orders_not_in_progress_offer_no_resolution(enabled, clerk, status):
    order = OrderFactory(status=status)
    line = LineFactory(order=order, received_date="2031-01-01")
    assert offered(order_page(clerk, order), order, line) == set()


@pytest.mark.parametrize(
    "roles",
    [
        {"return_order": ["view"], "stock": ["view"]},
        {"return_order": ["view", "add", "change", "delete"], "stock": ["view"]},
        {"return_order": ["view", "add"], "stock": ["view", "change"]},
    ],
    ids=["viewer", "no stock change", "no order change"],
)
def test_resolutions_need_order_change_and_stock_change(
    enabled, page_client, order, received, roles
):
    client = page_client(**roles)
    content = order_page(client, order)
    assert "Resolve" not in row_of(content, received)
    assert client.get(url(order, received, "resolve/return")).status_code == 403
    assert client.post(url(order, received, "resolve/return")).status_code == 403
    assert client.post(url(order, received, "undo")).status_code == 403
    received.refresh_from_db()
    assert received.outcome == ReturnOrderLineStatus.PENDING


def test_resolution_pages_are_404_while_return_orders_are_disabled(clerk, order, received):
    for action in ("resolve/return", "resolve/replace", "repair"):
        assert clerk.get(url(order, received, action)).status_code == 404
    assert clerk.post(url(order, received, "undo")).status_code == 404


def test_an_unknown_kind_or_line_is_a_404(enabled, clerk, order, received):
    assert clerk.get(url(order, received, "resolve/discard")).status_code == 404
    other = OrderFactory(status=S.IN_PROGRESS)
    assert clerk.get(url(other, received, "resolve/return")).status_code == 404


def test_a_resolution_the_line_does_not_allow_sends_back_with_the_reason(enabled, clerk, order):
    waiting = LineFactory(order=order)
    response = clerk.get(url(order, waiting, "resolve/repair"), follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/#line-{waiting.pk}", 302)]
    assert messages_of(response) == ["Repair needs the returned unit: receive this line first"]


def test_resolve_forms_only_post_with_a_csrf_token(enabled, page_client, order, received):
    client = page_client(csrf=True, return_order=["view", "change"], stock=["view", "change"])
    assert client.post(url(order, received, "resolve/return")).status_code == 403
    assert client.post(url(order, received, "undo")).status_code == 403
    received.refresh_from_db()
    assert received.outcome == ReturnOrderLineStatus.PENDING
    form = client.get(url(order, received, "resolve/return"))
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    assert '<form method="post"' in form.content.decode()


# -- return, reject, refund ----------------------------------------------------------------


def test_return_sends_the_unit_back_and_the_page_says_so(enabled, clerk, order, received):
    response = clerk.post(url(order, received, "resolve/return"), {"notes": "Fine"}, follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/#line-{received.pk}", 302)]
    assert messages_of(response) == [f"{received.item} goes back to the customer as it is."]
    unit = StockItem.objects.get(pk=received.item_id)
    assert unit.customer_id == order.customer_id and unit.status == StockStatus.OK
    row = row_of(text(response), received)
    assert "Sent back to the customer as it is" in row
    assert "Undo return" in row
    assert "/resolve/" not in row  # resolved: nothing more to resolve


def test_reject_and_scrap(enabled, clerk, order, received):
    form = text(clerk.get(url(order, received, "resolve/reject")))
    assert "Send back to the customer unchanged" in form
    assert '<option value="60">Destroyed</option>' in form
    missing = clerk.post(url(order, received, "resolve/reject"), {"disposition": "scrap"})
    assert missing.status_code == 200
    assert missing.context["form"].errors["reason"] == ["This field is required."]
    response = clerk.post(
        url(order, received, "resolve/reject"),
        {"reason": "Water damage", "disposition": "scrap", "scrap_status": "60"},
        follow=True,
    )
    unit = StockItem.objects.get(pk=received.item_id)
    assert unit.status == StockStatus.DESTROYED and unit.customer_id is None
    row = row_of(text(response), received)
    assert "Scrapped (Destroyed)" in row
    assert "Reason: Water damage" in row


def test_refund_before_receipt_with_free_text_method_and_the_order_total(enabled, clerk, order):
    waiting = LineFactory(order=order)
    form = text(clerk.get(url(order, waiting, "resolve/refund")))
    assert '<input type="text" name="method"' in form
    response = clerk.post(
        url(order, waiting, "resolve/refund"),
        {
            "amount": "25.50",
            "amount_currency": "USD",
            "method": "Wire",
            "reference": "CN-7",
            "date": "2031-02-03",
            "unit_status": str(StockStatus.DAMAGED),
        },
        follow=True,
    )
    assert messages_of(response) == [f"{waiting.item}: refund recorded."]
    order.refresh_from_db()
    assert order.total_refunded == Money(Decimal("25.5"), "USD")
    content = text(response)
    row = row_of(content, waiting)
    assert (
        "Refunded <strong>$25.50</strong>" in row
        and "Wire" in row
        and "CN-7" in row
        and "2031-02-03" in row
    )
    assert "Unit: Damaged on receipt" in row
    refunded = content[content.index('id="order-refunded"') :]
    assert refunded.startswith('id="order-refunded">$25.50')


def test_refund_methods_setting_makes_a_select_and_refuses_others(
    enabled, clerk, order, received, set_setting
):
    set_setting("RETURNORDER_REFUND_METHODS", "Bank transfer, Store credit")
    form = text(clerk.get(url(order, received, "resolve/refund")))
    assert '<select name="method"' in form
    assert '<option value="Store credit">Store credit</option>' in form
    refused = clerk.post(url(order, received, "resolve/refund"), {"amount": "5", "method": "Cash"})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.context["form"].errors["method"][0]
    bad_amount = clerk.post(
        url(order, received, "resolve/refund"), {"amount": "-1", "method": "Store credit"}
    )
    assert bad_amount.status_code == 200 and "amount" in bad_amount.context["form"].errors
    assert not ReturnOrderLineResolution.objects.exists()


def test_settings_page_stores_the_refund_methods(page_client):
    staff = page_client(staff=True)
    assert "Refund methods" in text(staff.get("/returns/settings/"))
    response = staff.post(
        "/returns/settings/",
        {
            "RETURNORDER_ENABLED": "on",
            "RETURNORDER_REFERENCE_PATTERN": "RMA-{ref:04d}",
            "RETURNORDER_REFUND_METHODS": "Card, Voucher",
        },
    )
    assert response.status_code == 302
    assert services.refund_methods() == ["Card", "Voucher"]


# -- replace -------------------------------------------------------------------------------


def test_the_replacement_picker_offers_only_eligible_items(enabled, clerk, order, bay):
    part = PartFactory(name="Controller")
    substitute = PartFactory(name="Controller Mk2")
    part.substitutes.add(substitute)
    line = receive(order, LineFactory(order=order, item__part=part), bay)
    spare = StockItemFactory(part=part, serial="OK-1")
    sub_spare = StockItemFactory(part=substitute, serial="SUB-1")
    StockItemFactory(part=PartFactory(name="Other"), serial="WRONG-PART")
    HeldItemFactory(part=part, serial="ASSIGNED")
    StockItemFactory(part=part, serial="BROKEN", status=StockStatus.QUARANTINED)
    StockItemFactory(part=part, serial="EMPTY", quantity=0)
    installed = StockItemFactory(part=part, serial="INSTALLED")
    installed.belongs_to = spare
    installed.save()
    elsewhere = StockItemFactory(part=part, serial="ON-ORDER")
    LineFactory(order=OrderFactory(status=S.PENDING), item=elsewhere)
    response = clerk.get(url(order, line, "resolve/replace"))
    choices = list(response.context["form"].fields["replacement_item"].queryset)
    assert choices == [spare, sub_spare]
    content = text(response)
    assert "SN OK-1" in content and "SN SUB-1" in content
    for serial in ("WRONG-PART", "ASSIGNED", "BROKEN", "EMPTY", "INSTALLED", "ON-ORDER"):
        assert serial not in content
    assert line.item.serial not in content.split('name="replacement_item"')[1]


def test_replace_assigns_the_replacement_and_the_page_shows_its_serial(
    enabled, clerk, order, received
):
    spare = StockItemFactory(part=received.item.part, serial="NEW-77")
    response = clerk.post(
        url(order, received, "resolve/replace"),
        {"replacement_item": spare.pk, "unit_status": str(StockStatus.DAMAGED)},
        follow=True,
    )
    spare.refresh_from_db()
    assert spare.customer_id == order.customer_id
    assert StockItem.objects.get(pk=received.item_id).status == StockStatus.DAMAGED
    row = row_of(text(response), received)
    assert "Replacement: " in row and "SN NEW-77" in row
    assert "Faulty unit: Damaged" in row
    assert "awaiting faulty unit" not in row


def test_advance_replacement_says_it_awaits_the_faulty_unit(enabled, clerk, order):
    waiting = LineFactory(order=order)
    spare = StockItemFactory(part=waiting.item.part, serial="ADV-1")
    form = text(clerk.get(url(order, waiting, "resolve/replace")))
    assert "advance replacement" in form
    response = clerk.post(
        url(order, waiting, "resolve/replace"), {"replacement_item": spare.pk}, follow=True
    )
    assert "Replacement sent, awaiting faulty unit" in row_of(text(response), waiting)


def test_an_ineligible_replacement_is_a_form_error_not_a_500(enabled, clerk, order, received):
    taken = HeldItemFactory(part=received.item.part, serial="TAKEN")
    wrong = StockItemFactory(serial="WRONG")
    for item, message in (
        (taken, f"Stock item {taken} is already assigned to a customer"),
        (wrong, f"Stock item {wrong} is not {received.item.part.full_name} or an allowed"),
    ):
        response = clerk.post(
            url(order, received, "resolve/replace"), {"replacement_item": item.pk}
        )
        assert response.status_code == 200
        (error,) = response.context["form"].errors["replacement_item"]
        assert error.startswith(message)
    nothing = clerk.post(url(order, received, "resolve/replace"), {"replacement_item": "999999"})
    assert nothing.status_code == 200
    assert "replacement_item" in nothing.context["form"].errors
    received.refresh_from_db()
    assert received.outcome == ReturnOrderLineStatus.PENDING


def test_resolving_a_line_twice_shows_the_services_refusal(enabled, clerk, order, received):
    services.line_resolve_return(line=received, user=clerk.user)
    response = clerk.post(
        url(order, received, "resolve/reject"), {"reason": "x", "disposition": "return"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This line is already resolved (Return); undo that first"
    ]


# -- repair --------------------------------------------------------------------------------


def test_the_parts_picker_shows_what_is_in_stock_where(enabled, clerk, order, received):
    shelf = LocationFactory(name="Shelf A")
    fans = BulkStockItemFactory(part=PartFactory(name="Fan 40mm", trackable=False), location=shelf)
    StockItemFactory(part=fans.part, serial=None, quantity=3, status=StockStatus.QUARANTINED)
    # Another returned unit, received as Damaged (an in-stock status): a return, not a spare.
    other = receive(order, LineFactory(order=order), shelf, status=StockStatus.DAMAGED)
    response = clerk.get(url(order, received, "resolve/repair"))
    content = text(response)
    rows = response.context["part_rows"]
    assert other.item_id not in {row["item"].pk for row in rows}
    assert [row["item"] for row in rows if row["item"].part_id == fans.part_id] == [fans]
    assert received.item_id not in {row["item"].pk for row in rows}
    table = content[content.index('id="parts-table"') :]
    assert "Fan 40mm" in table and "Shelf A" in table
    assert f'name="qty-{fans.pk}"' in table
    narrowed = clerk.get(url(order, received, "resolve/repair") + "?q=shelf a")
    assert [row["item"] for row in narrowed.context["part_rows"]] == [fans]


def test_repair_with_parts_then_finish_it(enabled, clerk, order, received):
    fans = BulkStockItemFactory(part=PartFactory(name="Fan 40mm", trackable=False))
    chip = StockItemFactory(part=PartFactory(name="Chip"), serial="CHIP-9")
    response = clerk.post(
        url(order, received, "resolve/repair"),
        {
            "fault": "Fan seized",
            "work_done": "New fan",
            "technician": clerk.user.pk,
            "labour_minutes": "30",
            "cost_amount": "12.5",
            "cost_currency": "USD",
            f"qty-{fans.pk}": "2",
            f"qty-{chip.pk}": "1",
        },
        follow=True,
    )
    assert messages_of(response) == [
        f"{received.item}: repair recorded. Finish it from the order page when the work is done."
    ]
    fans.refresh_from_db()
    assert fans.quantity == 8
    assert StockItem.objects.get(parent=fans).belongs_to_id == received.item_id
    assert StockItem.objects.get(pk=chip.pk).belongs_to_id == received.item_id
    content = text(response)
    row = row_of(content, received)
    assert "Repair open" in row
    assert f"2 \N{MULTIPLICATION SIGN} {fans.part.full_name}" in row
    assert f"from {fans.location.pathstring}" in row
    assert f"1 \N{MULTIPLICATION SIGN} {chip.part.full_name} (SN CHIP-9)" in row
    assert "Finish repair" in row
    # Open repairs are not resolved: completing says so and offers to accept them.
    assert "Next: set an outcome for the 1 unresolved line, then complete the order." in content
    confirm = text(clerk.get(f"/returns/{order.pk}/complete/confirm/"))
    assert f"1 line unresolved: SN {received.item.serial}" in confirm
    assert 'name="accept_incomplete" value="1"' in confirm
    assert ">Complete anyway</button>" in confirm

    finish_page = clerk.get(url(order, received, "repair"))
    assert finish_page.context["form"].initial["finish"] is True
    assert "Fan seized" in text(finish_page)
    done = clerk.post(
        url(order, received, "repair"),
        {"fault": "Fan seized", "labour_minutes": "45", "finish": "on"},
        follow=True,
    )
    assert messages_of(done) == [
        f"{received.item}: repair finished; the unit goes back to the customer."
    ]
    unit = StockItem.objects.get(pk=received.item_id)
    assert unit.status == StockStatus.OK and unit.customer_id == order.customer_id
    row = row_of(text(done), received)
    assert "Repaired" in row and "Finish repair" not in row and "45 min" in row
    # A finished repair resolves the line: nothing is left to accept.
    confirm = text(clerk.get(f"/returns/{order.pk}/complete/confirm/"))
    assert "Every line is received and has an outcome." in confirm
    assert "accept_incomplete" not in confirm


def test_repair_parts_errors_show_beside_the_parts(enabled, clerk, order, received):
    fans = BulkStockItemFactory(part=PartFactory(trackable=False), quantity=Decimal(2))
    too_many = clerk.post(
        url(order, received, "resolve/repair"), {"labour_minutes": "0", f"qty-{fans.pk}": "5"}
    )
    assert too_many.status_code == 200
    assert too_many.context["form"].part_errors == [f"Stock item {fans} holds 2, not 5"]
    assert "Check the parts below." in text(too_many)
    assert 'value="5"' in text(too_many)  # what was typed stays
    junk = clerk.post(
        url(order, received, "resolve/repair"), {"labour_minutes": "0", f"qty-{fans.pk}": "lots"}
    )
    assert junk.status_code == 200
    assert junk.context["form"].part_errors == ["lots is not a quantity"]
    fans.refresh_from_db()
    assert fans.quantity == 2
    assert not ReturnOrderLineResolution.objects.exists()


def test_the_repair_page_refuses_lines_without_an_open_repair(enabled, clerk, order, received):
    response = clerk.get(url(order, received, "repair"), follow=True)
    assert messages_of(response) == ["This line has no repair in progress."]
    posted = clerk.post(url(order, received, "repair"), {"labour_minutes": "1", "finish": "on"})
    assert posted.status_code == 200
    assert "This line has no repair in progress." in posted.context["form"].non_field_errors()


# -- undo and history ----------------------------------------------------------------------


def test_undo_restores_the_line_and_history_reads_well(enabled, clerk, order, received):
    spare = StockItemFactory(part=received.item.part, serial="NEW-5")
    clerk.post(url(order, received, "resolve/replace"), {"replacement_item": spare.pk})
    response = clerk.post(url(order, received, "undo"), follow=True)
    assert messages_of(response)[-1] == f"{received.item}: Replace undone; stock is back as it was."
    spare.refresh_from_db()
    assert spare.customer_id is None
    received.refresh_from_db()
    assert received.outcome == ReturnOrderLineStatus.PENDING
    content = text(response)
    assert offered(content, order, received) == set(KINDS)
    history = content[content.index('id="history"') :]
    assert f"Resolved SN {received.item.serial}: Replace → replacement NEW-5" in history
    assert "Undid the replace of a line" in history


def test_undo_without_a_resolution_says_so(enabled, clerk, order, received):
    response = clerk.post(url(order, received, "undo"), follow=True)
    assert messages_of(response) == ["This line has no resolution to undo"]


def test_undo_is_offered_while_the_order_is_open_but_not_once_complete(
    enabled, clerk, order, received
):
    services.line_resolve_return(line=received, user=clerk.user)
    order.status = S.ON_HOLD
    order.save()
    assert "Undo return" in row_of(order_page(clerk, order), received)
    order.status = S.COMPLETE
    order.save()
    assert "Undo" not in row_of(order_page(clerk, order), received)
    response = clerk.post(url(order, received, "undo"), follow=True)
    assert messages_of(response) == ["Resolutions cannot be undone once the order is Complete"]


def test_a_plain_outcome_change_reads_well_in_the_history(enabled, clerk, order, received):
    services.return_order_line_update(
        line=received, user=clerk.user, data={"outcome": ReturnOrderLineStatus.RETURN}
    )
    content = order_page(clerk, order)
    assert "Line outcome changed: Pending → Return" in content
    assert "Set by hand: nothing carried out" in row_of(content, received)


# -- completing with unresolved lines ------------------------------------------------------


def test_completing_with_unresolved_lines_says_why_and_offers_to_accept(
    enabled, clerk, order, received
):
    done = receive(order, LineFactory(order=order), LocationFactory())
    services.line_resolve_return(line=done, user=clerk.user)
    content = order_page(clerk, order)
    # No checkbox beside Complete: the confirmation page names the gap and accepts it.
    assert "Accept 1 unresolved line" not in content
    assert 'name="accept_incomplete"' not in content
    asked = clerk.post(f"/returns/{order.pk}/complete/")
    assert asked["Location"] == f"/returns/{order.pk}/complete/confirm/"
    confirm = text(clerk.get(asked["Location"]))
    assert f"1 line unresolved: SN {received.item.serial}" in confirm
    assert f"SN {done.item.serial}" not in confirm
    assert ">Complete anyway</button>" in confirm
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS
    # Confirmed without accepting the gap: refused, saying why, and asked again.
    refused = clerk.post(f"/returns/{order.pk}/complete/", {"confirm": "1"}, follow=True)
    assert messages_of(refused) == [
        f"Return order {order.reference} was not completed: 1 line unresolved: "
        f"SN {received.item.serial}."
    ]
    assert refused.redirect_chain[-1][0] == f"/returns/{order.pk}/complete/confirm/"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS
    clerk.post(f"/returns/{order.pk}/complete/", {"confirm": "1", "accept_incomplete": "1"})
    order.refresh_from_db()
    assert order.status == S.COMPLETE


def test_a_fully_resolved_order_completes_without_accepting_gaps(enabled, clerk, order, received):
    services.line_resolve_return(line=received, user=clerk.user)
    assert 'name="accept_incomplete"' not in order_page(clerk, order)
    asked = clerk.post(f"/returns/{order.pk}/complete/")
    assert asked["Location"] == f"/returns/{order.pk}/complete/confirm/"
    confirm = text(clerk.get(asked["Location"]))
    assert "Every line is received and has an outcome." in confirm
    assert "accept_incomplete" not in confirm
    assert ">Complete order</button>" in confirm
    clerk.post(f"/returns/{order.pk}/complete/", {"confirm": "1"})
    order.refresh_from_db()
    assert order.status == S.COMPLETE


# -- query count ---------------------------------------------------------------------------

# The order page with resolutions: the session, the user with its permissions (one query), the
# setting (read once for the decorator and the navigation), the order, its lines with their
# standing resolutions (replacement, repair, technician, refund joined) and the repairs' parts
# (one column of the lines' rows), extra lines, receipts with their dispositions, history,
# attachments and the active reasons (the scan field of an open order). The thread with the
# customer comes with the order (one column of its row), so it costs nothing either way.
RESOLVED_DETAIL_QUERIES = 10


def resolve_every_kind(order, bay, user):
    """Five received lines, one resolved each way (the repair with two parts), two waiting."""
    lines = [receive(order, LineFactory(order=order), bay) for _ in range(5)]
    services.line_resolve_return(line=lines[0], user=user)
    spares = BulkStockItemFactory(part=PartFactory(trackable=False), quantity=Decimal(10))
    chip = StockItemFactory()
    services.line_resolve_repair(
        line=lines[1],
        user=user,
        technician=UserFactory(),
        parts=[
            services.PartUse(item=spares.pk, quantity=Decimal(2)),
            services.PartUse(item=chip.pk, quantity=Decimal(1)),
        ],
    )
    spare = StockItemFactory(part=lines[2].item.part)
    services.line_resolve_replace(line=lines[2], user=user, replacement_item=spare)
    services.line_resolve_refund(line=lines[3], user=user, amount=Decimal(9), reference="CN")
    services.line_resolve_reject(
        line=lines[4], user=user, reason="Misuse", disposition="scrap", scrap_status=60
    )
    waiting = LineFactory(order=order)
    advance = StockItemFactory(part=waiting.item.part)
    services.line_resolve_replace(line=waiting, user=user, replacement_item=advance)
    services.line_resolution_undo(line=lines[0], user=user)
    services.line_resolve_return(line=lines[0], user=user)
    LineFactory(order=order)


@pytest.mark.parametrize("rounds", [1, 3])
def test_detail_queries_with_resolved_lines_are_fixed(
    enabled, clerk, django_assert_num_queries, bay, rounds
):
    order = OrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    for _ in range(rounds):
        resolve_every_kind(order, bay, clerk.user)
    with django_assert_num_queries(RESOLVED_DETAIL_QUERIES):
        response = clerk.get(f"/returns/{order.pk}/")
    content = text(response)
    for marker in ("return", "repair", "replace", "refund", "reject"):
        assert content.count(f'data-kind="{marker}"') == rounds * (2 if marker == "replace" else 1)
    assert content.count("Replacement sent, awaiting faulty unit") == rounds
    assert content.count("Repair open") == rounds
    assert ReturnOrderHistory.objects.filter(order=order, kind="undone").count() == rounds
