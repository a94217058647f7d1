"""The order page's workflow: one next step by state, confirmations before issuing an empty
order, completing and cancelling, the lock of completed and cancelled orders, bulk and
inline line actions, and the receive form's choices."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from common.models import Attachment
from returns import services
from returns.models import ReturnOrderHistory, ReturnOrderLineItem
from returns.statuses import ReturnOrderLineStatus as Outcome
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem
from stock.statuses import StockStatus
from tests.factories import LocationFactory
from tests.pages.factories import ExtraLineFactory, LineFactory, OrderFactory

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
TODAY = timezone.localdate


def text(response) -> str:
    return html.unescape(response.content.decode())


def page(client, order) -> str:
    response = client.get(f"/returns/{order.pk}/")
    assert response.status_code == 200
    return text(response)


def action_bar(content: str) -> str:
    start = content.index('id="order-actions"')
    return content[start : content.index("</div>", start)]


def primary_buttons(content: str) -> list[str]:
    """The labels of the filled (primary or success) buttons in the order's action bar."""
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(
            r'class="btn btn-(?:primary|success)"[^>]*>(.*?)</(?:button|a)>', action_bar(content)
        )
    ]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def serial(line) -> str:
    return f"SN {line.item.serial}"


def receive(line, location=None):
    services.return_order_receive(
        order=line.order, lines=[(line.pk, None)], location=location or LocationFactory(), user=None
    )
    line.refresh_from_db()
    return line


# -- one next step -------------------------------------------------------------------------


def test_a_pending_order_with_lines_offers_issue_as_its_one_next_step(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    LineFactory(order=order)
    content = page(clerk, order)
    assert primary_buttons(content) == ["Issue order"]
    assert "Next: issue the order" in content


def test_in_progress_with_unreceived_lines_offers_receive_and_complete_is_secondary(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    content = page(clerk, order)
    assert primary_buttons(content) == ["Receive items"]
    bar = action_bar(content)
    assert 'class="btn btn-outline-secondary">Complete order' in bar
    assert "btn-success" not in bar  # no two green buttons side by side
    assert "accept_incomplete" not in content
    assert "Next: receive the 1 item still to come back." in content


def test_all_received_but_unresolved_hints_at_outcomes(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    receive(LineFactory(order=order))
    content = page(clerk, order)
    assert primary_buttons(content) == []
    assert "Next: set an outcome for the 1 unresolved line, then complete the order." in content


def test_all_done_offers_complete(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    line = receive(LineFactory(order=order))
    services.line_resolve_return(line=line, user=None)
    content = page(clerk, order)
    assert primary_buttons(content) == ["Complete order"]
    assert "Next: every line is received and resolved." in content


def test_secondary_actions_are_outlined(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    LineFactory(order=order)
    bar = action_bar(page(clerk, order))
    assert 'class="btn btn-outline-secondary">Place on hold' in bar
    assert 'class="btn btn-outline-danger">Cancel order' in bar
    assert "btn-warning" not in bar


# -- issuing an empty order ----------------------------------------------------------------


def test_issuing_an_empty_order_asks_first(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    response = clerk.post(f"/returns/{order.pk}/issue/")
    assert response["Location"] == f"/returns/{order.pk}/issue/confirm/"
    order.refresh_from_db()
    assert order.status == S.PENDING
    confirm = clerk.get(response["Location"])
    assert "This order has no lines. Issue it anyway?" in text(confirm)
    issued = clerk.post(f"/returns/{order.pk}/issue/", {"confirm": "1"}, follow=True)
    assert messages_of(issued) == [f"Return order {order.reference} is now In Progress."]
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS


def test_an_order_with_lines_is_issued_at_once(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    LineFactory(order=order)
    response = clerk.post(f"/returns/{order.pk}/issue/")
    assert response["Location"] == f"/returns/{order.pk}/"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS


# -- completing ----------------------------------------------------------------------------


def test_complete_asks_for_confirmation_naming_what_is_missing(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    waiting = [LineFactory(order=order), LineFactory(order=order)]
    receive(LineFactory(order=order))
    response = clerk.post(f"/returns/{order.pk}/complete/")
    assert response["Location"] == f"/returns/{order.pk}/complete/confirm/"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS

    content = text(clerk.get(response["Location"]))
    names = ", ".join(serial(line) for line in waiting)
    assert f"2 lines not received: {names}" in content
    assert "3 lines unresolved:" in content
    assert "Completing locks the order" in content
    assert "accept_incomplete" not in re.sub(r"<input[^>]*>", "", content)

    done = clerk.post(
        f"/returns/{order.pk}/complete/", {"confirm": "1", "accept_incomplete": "1"}, follow=True
    )
    assert messages_of(done) == [f"Return order {order.reference} is now Complete."]
    order.refresh_from_db()
    assert order.status == S.COMPLETE


def test_a_stale_confirmation_explains_in_plain_words(enabled, clerk):
    """Confirmed when nothing was missing, but a line was added meanwhile."""
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    response = clerk.post(f"/returns/{order.pk}/complete/", {"confirm": "1"}, follow=True)
    (message,) = messages_of(response)
    assert message.startswith(f"Return order {order.reference} was not completed: 1 line")
    assert "accept_incomplete" not in message
    assert response.redirect_chain[-1][0] == f"/returns/{order.pk}/complete/confirm/"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS


def test_the_confirmation_pages_need_the_add_permission(enabled, page_client):
    viewer = page_client(return_order=["view"])
    order = OrderFactory(status=S.IN_PROGRESS)
    for action in ("issue", "complete", "cancel"):
        assert viewer.get(f"/returns/{order.pk}/{action}/confirm/").status_code == 403


def test_a_confirmation_for_a_transition_not_allowed_says_so(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    response = clerk.get(f"/returns/{order.pk}/complete/confirm/", follow=True)
    assert messages_of(response) == [
        f"Return order {order.reference} is Pending: it cannot be completed now."
    ]
    assert clerk.get(f"/returns/{order.pk}/hold/confirm/").status_code == 404


# -- cancelling ----------------------------------------------------------------------------


def test_cancelling_asks_for_a_reason_and_records_it(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    asked = clerk.post(f"/returns/{order.pk}/cancel/")
    assert asked["Location"] == f"/returns/{order.pk}/cancel/confirm/"
    assert "Reason for cancelling" in text(clerk.get(asked["Location"]))

    empty = clerk.post(f"/returns/{order.pk}/cancel/", {"confirm": "1", "note": "  "})
    assert empty.status_code == 400
    assert "Say why the order is cancelled." in text(empty)
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS

    done = clerk.post(
        f"/returns/{order.pk}/cancel/", {"confirm": "1", "note": "Customer kept it"}, follow=True
    )
    assert messages_of(done) == [f"Return order {order.reference} is now Cancelled."]
    entry = ReturnOrderHistory.objects.get(order=order, kind="status", to_status=S.CANCELLED)
    assert (entry.note, entry.user) == ("Customer kept it", clerk.user)
    history = text(done)[text(done).index('id="history"') :]
    assert "Reason: Customer kept it" in history


# -- the lock of completed and cancelled orders --------------------------------------------


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_a_closed_order_is_locked_on_its_pages(enabled, clerk, status):
    order = OrderFactory(status=status, description="Before")
    line = LineFactory(order=order)
    content = page(clerk, order)
    assert ">Locked</span>" in content
    assert "+ Add line" not in content and "+ Add extra line" not in content
    assert f'action="/returns/{order.pk}/attachments/"' not in content
    assert 'id="line-bulk"' not in content and f'id="outcome-{line.pk}"' not in content
    edit = clerk.get(f"/returns/{order.pk}/edit/", follow=True)
    assert messages_of(edit) == ["This order is locked and cannot be modified"]
    refused = clerk.post(f"/returns/{order.pk}/edit/", {"description": "After"})
    assert refused.status_code == 200
    order.refresh_from_db()
    assert order.description == "Before"


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_a_closed_order_takes_and_deletes_no_attachments(enabled, clerk, status):
    order = OrderFactory(status=status)
    kept = Attachment.objects.create(
        model_type="returnorder", model_id=order.pk, link="https://example.com/kept"
    )
    content = page(clerk, order)
    assert f"/attachments/{kept.pk}/delete/" not in content
    added = clerk.post(
        f"/returns/{order.pk}/attachments/", {"link": "https://example.com/new"}, follow=True
    )
    assert messages_of(added) == ["This order is locked and cannot be modified"]
    deleted = clerk.post(f"/returns/{order.pk}/attachments/{kept.pk}/delete/", follow=True)
    assert messages_of(deleted) == ["This order is locked and cannot be modified"]
    assert list(Attachment.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_setting_unlocks_a_cancelled_order(enabled, clerk, set_setting):
    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    order = OrderFactory(status=S.CANCELLED)
    content = page(clerk, order)
    assert ">Locked</span>" not in content
    added = clerk.post(
        f"/returns/{order.pk}/attachments/", {"link": "https://example.com/new"}, follow=True
    )
    assert messages_of(added) == ["Attachment added."]


# -- outcomes in bulk and inline -----------------------------------------------------------


def test_bulk_outcome_sets_every_selected_line_and_writes_history(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    lines = [LineFactory(order=order) for _ in range(3)]
    untouched = LineFactory(order=order)
    content = page(clerk, order)
    for line in lines:
        assert f'<label class="visually-hidden" for="select-line-{line.pk}">Select {line.item}' in (
            content
        )
    response = clerk.post(
        f"/returns/{order.pk}/lines/outcome/",
        {"lines": [line.pk for line in lines], "outcome": Outcome.REFUND},
        follow=True,
    )
    assert messages_of(response) == ["Outcome set to Refund for 3 lines."]
    assert set(ReturnOrderLineItem.objects.filter(order=order).values_list("pk", "outcome")) == {
        *((line.pk, Outcome.REFUND) for line in lines),
        (untouched.pk, Outcome.PENDING),
    }
    rows = ReturnOrderHistory.objects.filter(order=order, kind="outcome")
    assert sorted(row.data["line"] for row in rows) == [line.pk for line in lines]
    assert "Line outcome changed: Pending → Refund" in text(response)


def test_bulk_outcome_is_all_or_nothing_and_names_the_resolved_line(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    free = LineFactory(order=order)
    resolved = receive(LineFactory(order=order))
    services.line_resolve_return(line=resolved, user=None)
    response = clerk.post(
        f"/returns/{order.pk}/lines/outcome/",
        {"lines": [free.pk, resolved.pk], "outcome": Outcome.REJECT},
        follow=True,
    )
    errors = messages_of(response)
    assert errors[0] == "No outcome was changed."
    assert errors[1].startswith(f"{serial(resolved)}: This line is resolved (Return)")
    free.refresh_from_db()
    assert free.outcome == Outcome.PENDING
    assert not ReturnOrderHistory.objects.filter(order=order, kind="outcome").exists()


def test_bulk_outcome_refuses_lines_of_another_order_and_empty_selections(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    other = LineFactory()
    response = clerk.post(
        f"/returns/{order.pk}/lines/outcome/",
        {"lines": [other.pk], "outcome": Outcome.REPAIR},
        follow=True,
    )
    assert messages_of(response) == ["A selected line is not on this order."]
    response = clerk.post(
        f"/returns/{order.pk}/lines/outcome/", {"outcome": Outcome.REPAIR}, follow=True
    )
    assert messages_of(response) == ["Select at least one line."]
    other.refresh_from_db()
    assert other.outcome == Outcome.PENDING


def test_inline_outcome_has_a_select_and_a_button_and_saves_one_line(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    line = LineFactory(order=order)
    content = page(clerk, order)
    assert f'<label class="visually-hidden" for="outcome-{line.pk}">Outcome of {line.item}' in (
        content
    )
    assert f'hx-post="/returns/{order.pk}/lines/outcome/" hx-trigger="change"' in content
    assert "data-outcome-save>Save" in content
    response = clerk.post(
        f"/returns/{order.pk}/lines/outcome/", {"lines": [line.pk], "outcome": Outcome.REPAIR}
    )
    assert response["Location"] == f"/returns/{order.pk}/#line-{line.pk}"
    line.refresh_from_db()
    assert line.outcome == Outcome.REPAIR


def test_outcome_changes_need_the_line_change_permission(enabled, page_client):
    order = OrderFactory(status=S.IN_PROGRESS)
    line = LineFactory(order=order)
    viewer = page_client(return_order=["view"])
    content = page(viewer, order)
    assert 'id="line-bulk"' not in content and f'id="outcome-{line.pk}"' not in content
    response = viewer.post(
        f"/returns/{order.pk}/lines/outcome/", {"lines": [line.pk], "outcome": Outcome.REPAIR}
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.outcome == Outcome.PENDING


# -- removing and receiving the selected lines ---------------------------------------------


def test_remove_selected_confirms_then_removes_all(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    lines = [LineFactory(order=order), LineFactory(order=order)]
    asked = clerk.post(f"/returns/{order.pk}/lines/remove/", {"lines": [x.pk for x in lines]})
    assert asked.status_code == 200
    assert "Remove 2 lines from" in text(asked)
    assert ReturnOrderLineItem.objects.filter(order=order).count() == 2
    done = clerk.post(
        f"/returns/{order.pk}/lines/remove/",
        {"lines": [x.pk for x in lines], "confirm": "1"},
        follow=True,
    )
    assert messages_of(done) == ["Removed 2 lines."]
    assert not ReturnOrderLineItem.objects.filter(order=order).exists()


def test_remove_selected_keeps_everything_when_one_line_was_received(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    free = LineFactory(order=order)
    received = receive(LineFactory(order=order))
    done = clerk.post(
        f"/returns/{order.pk}/lines/remove/",
        {"lines": [free.pk, received.pk], "confirm": "1"},
        follow=True,
    )
    assert messages_of(done)[0] == "No line was removed."
    assert messages_of(done)[1].startswith(f"{serial(received)}: This line has been received")
    assert ReturnOrderLineItem.objects.filter(order=order).count() == 2


def test_remove_selected_needs_the_delete_permission(enabled, page_client):
    order = OrderFactory(status=S.PENDING)
    line = LineFactory(order=order)
    changer = page_client(return_order=["view", "add", "change"])
    assert changer.post(f"/returns/{order.pk}/lines/remove/", {"lines": [line.pk]}).status_code == (
        403
    )


def test_receive_selected_preselects_those_lines(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    chosen, other = LineFactory(order=order), LineFactory(order=order)
    response = clerk.post(f"/returns/{order.pk}/lines/receive/", {"lines": [chosen.pk]})
    assert response["Location"] == f"/returns/{order.pk}/receive/?line={chosen.pk}"
    content = text(clerk.get(response["Location"]))
    boxes = dict(re.findall(r'<input type="checkbox" name="lines" value="(\d+)"([^>]*)>', content))
    assert "checked" in boxes[str(chosen.pk)]
    assert "checked" not in boxes[str(other.pk)]


def test_receive_selected_needs_the_receive_permissions(enabled, page_client):
    order = OrderFactory(status=S.IN_PROGRESS)
    line = LineFactory(order=order)
    no_stock = page_client(return_order=["view", "add", "change", "delete"], stock=["view"])
    assert no_stock.post(
        f"/returns/{order.pk}/lines/receive/", {"lines": [line.pk]}
    ).status_code == (403)


# -- the receive form ----------------------------------------------------------------------


def selected_location(content: str) -> str | None:
    select = content[content.index('name="location"') :]
    select = select[: select.index("</select>")]
    match = re.search(r'<option value="(\d+)"[^>]* selected', select)
    return match.group(1) if match else None


def test_receive_form_starts_at_the_only_usable_location(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    hall = LocationFactory(name="Hall", structural=True)
    bay = LocationFactory(name="Bay", parent=hall)
    content = text(clerk.get(f"/returns/{order.pk}/receive/"))
    assert selected_location(content) == str(bay.pk)


def test_receive_form_remembers_the_last_location_and_takes_a_status_per_line(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    first, second = LineFactory(order=order), LineFactory(order=order)
    LocationFactory(name="Shelf")
    bay = LocationFactory(name="Bay")
    assert selected_location(text(clerk.get(f"/returns/{order.pk}/receive/"))) is None
    response = clerk.post(
        f"/returns/{order.pk}/receive/",
        {
            "lines": [first.pk, second.pk],
            "location": bay.pk,
            "status": StockStatus.QUARANTINED,
            f"status_{second.pk}": StockStatus.DAMAGED,
        },
        follow=True,
    )
    assert messages_of(response) == ["Received 2 item(s) into Bay."]
    statuses = dict(
        StockItem.objects.filter(pk__in=[first.item_id, second.item_id]).values_list("pk", "status")
    )
    assert statuses == {first.item_id: StockStatus.QUARANTINED, second.item_id: StockStatus.DAMAGED}
    # Each line shows where its item went.
    rows = text(response)
    row = rows[rows.index(f'id="line-{second.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "into Bay" in row and "Damaged" in row

    later = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=later)
    assert selected_location(text(clerk.get(f"/returns/{later.pk}/receive/"))) == str(bay.pk)


# -- numbers -------------------------------------------------------------------------------


def test_numbers_are_shown_in_the_locales_format(enabled, clerk):
    from tests.returns.factories import CustomerBulkStockItemFactory

    order = OrderFactory(status=S.PENDING)
    bulk = CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal("5000"))
    line = LineFactory(order=order, item=bulk, quantity=Decimal("1250.5"))
    ten = LineFactory(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal("10")),
        quantity=Decimal("10"),
        price=Money(Decimal("120"), "USD"),
    )
    ExtraLineFactory(order=order, quantity=Decimal("10"))
    content = page(clerk, order)
    assert '<td data-label="Quantity">1,250.5</td>' in content
    assert '<td data-label="Quantity">10</td>' in content
    assert "1E+1" not in content and "1250.50000" not in content
    form = text(clerk.get(f"/returns/{order.pk}/lines/{ten.pk}/edit/"))
    assert 'value="10"' in form and 'value="120"' in form
    assert "10.00000" not in form and "120.000000" not in form
    assert line.pk  # the bulk line is shown above


# -- queries -------------------------------------------------------------------------------


def _detail_queries(client, order) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/returns/{order.pk}/").status_code == 200
    return len(queries)


def test_the_order_page_runs_as_many_queries_for_many_lines_as_for_few(enabled, clerk):
    few, many = OrderFactory(status=S.IN_PROGRESS), OrderFactory(status=S.IN_PROGRESS)
    location = LocationFactory()
    for order, count in ((few, 2), (many, 14)):
        for n in range(count):
            line = LineFactory(order=order)
            if n % 2:
                receive(line, location)
    _detail_queries(clerk, few)  # warm the session and site-settings caches
    assert _detail_queries(clerk, many) == _detail_queries(clerk, few)
