"""The order page: header, the actions offered by state and permission, and transitions."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from returns.models import ReturnOrderHistory
from returns.statuses import ReturnOrderStatus
from tests.factories import AddressFactory, ContactFactory, CustomerFactory, GroupFactory
from tests.pages.factories import ExtraLineFactory, LineFactory, OrderFactory, owner_of

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
TODAY = timezone.localdate
BUTTONS = {
    "edit": ">Edit</a>",
    "issue": ">Issue order</button>",
    "resume": ">Resume (issue)</button>",
    "receive": ">Receive items</a>",
    "complete": ">Complete order</button>",
    "hold": ">Place on hold</button>",
    "cancel": ">Cancel order</button>",
    "delete": ">Delete</a>",
}


def page(client, order) -> str:
    response = client.get(f"/returns/{order.pk}/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def actions(content: str) -> set[str]:
    """The buttons in the order's action bar."""
    start = content.index('id="order-actions"')
    bar = content[start : content.index('<div class="row g-3 mb-4">', start)]
    return {name for name, marker in BUTTONS.items() if marker in bar}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- header --------------------------------------------------------------------------------


def test_header_shows_the_order(enabled, viewer):
    customer = CustomerFactory(name="Acme Robotics", currency="EUR")
    contact = ContactFactory(company=customer, name="Dana Scully", email="dana@acme.test")
    address = AddressFactory(company=customer, line1="1 Dock Road", postal_city="Bristol")
    order = OrderFactory(
        customer=customer,
        reference="RMA-0042",
        reference_int=42,
        description="Two dead controllers",
        customer_reference="PO-77",
        contact=contact,
        address=address,
        responsible=owner_of(GroupFactory(name="Returns desk")),
        status=S.IN_PROGRESS,
        start_date=datetime.date(2031, 1, 5),
        target_date=datetime.date(2031, 1, 20),
        issue_date=datetime.date(2031, 1, 6),
        link="https://tickets.example.com/77",
        total_price=Money(Decimal("120.5"), "EUR"),
    )
    LineFactory(order=order, received_date=TODAY())
    LineFactory(order=order)
    content = page(viewer, order)
    assert "<title>RMA-0042 · Boomerang</title>" in content
    assert '<span class="badge text-bg-primary">In Progress</span>' in content
    assert "Two dead controllers" in content
    assert f'<a href="/companies/{customer.pk}/">Acme Robotics</a>' in content
    assert "PO-77" in content
    assert "Dana Scully" in content
    assert '<a href="mailto:dana@acme.test">dana@acme.test</a>' in content
    assert "1 Dock Road, Bristol" in content
    assert "Returns desk" in content
    assert "(group)" in content
    assert "2031-01-05" in content
    assert "2031-01-20" in content
    assert "2031-01-06" in content
    assert 'href="https://tickets.example.com/77"' in content
    assert "€120.50" in content
    assert '<dt class="col-6">Lines received</dt><dd class="col-6">1 / 2</dd>' in content
    assert "Locked" not in content


def test_overdue_order_says_so(enabled, viewer):
    order = OrderFactory(status=S.IN_PROGRESS, target_date=TODAY() - datetime.timedelta(days=1))
    assert '<span class="badge text-bg-danger">Overdue</span>' in page(viewer, order)


def test_unknown_order_is_a_404(enabled, viewer):
    assert viewer.get("/returns/999999/").status_code == 404


def test_history_lists_who_changed_what(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    LineFactory(order=order)  # an order with lines issues without a confirmation step
    clerk.post(f"/returns/{order.pk}/issue/")
    content = page(clerk, order)
    history = content[content.index('id="history"') :]
    assert "Pending → <strong>In Progress</strong>" in history
    assert clerk.user.username in history


# -- actions by state and permission -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "received", "expected"),
    [
        (S.PENDING, False, {"edit", "issue", "hold", "cancel", "delete"}),
        (S.IN_PROGRESS, False, {"edit", "receive", "complete", "hold", "cancel", "delete"}),
        # Received lines are stock history: the order can no longer be deleted.
        (S.IN_PROGRESS, True, {"edit", "complete", "hold", "cancel"}),
        (S.ON_HOLD, False, {"edit", "resume", "cancel", "delete"}),
        (S.COMPLETE, True, set()),
        # Cancelled orders are locked like completed ones: no edit.
        (S.CANCELLED, False, {"delete"}),
    ],
)
def test_actions_follow_the_state(enabled, clerk, status, received, expected):
    order = OrderFactory(status=status)
    LineFactory(order=order, received_date=TODAY() if received else None)
    assert actions(page(clerk, order)) == expected


def test_complete_order_is_locked(enabled, clerk):
    order = OrderFactory(status=S.COMPLETE)
    LineFactory(order=order, received_date=TODAY())
    content = page(clerk, order)
    assert ">Locked</span>" in content
    assert "+ Add line" not in content
    assert "+ Add extra line" not in content
    assert f'action="/returns/{order.pk}/notes/"' not in content


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_complete_order_is_editable_when_the_setting_allows(enabled, clerk, set_setting, status):
    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    order = OrderFactory(status=status)
    content = page(clerk, order)
    assert "edit" in actions(content)
    assert ">Locked</span>" not in content


def test_viewers_are_offered_no_actions(enabled, viewer):
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    ExtraLineFactory(order=order)
    content = page(viewer, order)
    assert actions(content) == set()
    assert "+ Add line" not in content
    assert "+ Add extra line" not in content
    assert ">Remove<" not in content
    assert f'action="/returns/{order.pk}/attachments/"' not in content
    assert f'action="/returns/{order.pk}/notes/"' not in content


def test_no_delete_without_delete_permission(enabled, page_client):
    adder = page_client(return_order=["view", "add"], stock=["view", "change"])
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    # ``add`` works the order (as in InvenTree) but does not imply ``change``: no edit.
    assert actions(page(adder, order)) == {"receive", "complete", "hold", "cancel"}


def test_no_receive_without_changing_stock(enabled, page_client):
    no_stock = page_client(return_order=["view", "add", "change", "delete"], stock=["view"])
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order)
    assert "receive" not in actions(page(no_stock, order))
    assert "complete" in actions(page(no_stock, order))


def test_delete_only_permission_offers_delete_but_no_workflow(enabled, page_client):
    deleter = page_client(return_order=["view", "delete"])
    order = OrderFactory(status=S.PENDING)
    # ``delete`` implies neither ``change`` nor ``add``.
    assert actions(page(deleter, order)) == {"delete"}


def test_delete_is_not_offered_once_lines_are_received(enabled, page_client):
    """The service refuses to delete received stock history, so the page does not offer it."""
    deleter = page_client(return_order=["view", "delete"])
    order = OrderFactory(status=S.IN_PROGRESS)
    line = LineFactory(order=order)
    assert "delete" in actions(page(deleter, order))
    line.received_date = TODAY()
    line.save(update_fields=["received_date"])
    assert "delete" not in actions(page(deleter, order))


# -- transitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (S.PENDING, "issue", S.IN_PROGRESS),
        (S.ON_HOLD, "issue", S.IN_PROGRESS),
        (S.PENDING, "hold", S.ON_HOLD),
        (S.IN_PROGRESS, "hold", S.ON_HOLD),
        (S.PENDING, "cancel", S.CANCELLED),
        (S.IN_PROGRESS, "cancel", S.CANCELLED),
        (S.ON_HOLD, "cancel", S.CANCELLED),
        (S.IN_PROGRESS, "complete", S.COMPLETE),
    ],
)
def test_transition_by_post(enabled, clerk, start, action, end):
    order = OrderFactory(status=start)
    # What the confirmation page posts: issuing an empty order, completing and cancelling
    # are confirmed there, and cancelling takes a reason (tests/pages/test_workflow_desk.py).
    confirmation = {
        "issue": {"confirm": "1"},
        "complete": {"confirm": "1"},
        "cancel": {"confirm": "1", "note": "No longer needed"},
    }.get(action, {})
    response = clerk.post(f"/returns/{order.pk}/{action}/", confirmation, follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    order.refresh_from_db()
    assert order.status == end
    assert messages_of(response) == [f"Return order {order.reference} is now {end.label}."]
    assert ReturnOrderHistory.objects.filter(
        order=order,
        kind="status",
        from_status=start,
        to_status=end,
        user=clerk.user,
        note=confirmation.get("note", ""),
    ).exists()


@pytest.mark.parametrize("action", ["issue", "hold", "cancel", "complete"])
def test_transitions_refuse_get(enabled, clerk, action):
    order = OrderFactory(status=S.IN_PROGRESS if action == "complete" else S.PENDING)
    response = clerk.get(f"/returns/{order.pk}/{action}/")
    assert response.status_code == 405
    order.refresh_from_db()
    assert order.status == (S.IN_PROGRESS if action == "complete" else S.PENDING)


def test_an_unknown_transition_is_a_404(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    assert clerk.post(f"/returns/{order.pk}/reopen/").status_code == 404


def test_transition_on_an_unknown_order_is_a_404(enabled, clerk):
    assert clerk.post("/returns/999999/issue/").status_code == 404


def test_refused_transition_shows_the_services_message(enabled, clerk):
    order = OrderFactory(status=S.PENDING, reference="RMA-0100", reference_int=100)
    response = clerk.post(f"/returns/{order.pk}/complete/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    expected = (
        "Return order RMA-0100 is Pending and cannot move to Complete: only orders that are "
        "In Progress can be completed."
    )
    assert messages_of(response) == [expected]
    assert expected in html.unescape(response.content.decode())
    assert 'class="alert alert-danger alert-dismissible"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.PENDING


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.IN_PROGRESS, "issue"),
        (S.ON_HOLD, "hold"),
        (S.COMPLETE, "cancel"),
        (S.CANCELLED, "cancel"),
        (S.ON_HOLD, "complete"),
    ],
)
def test_every_refused_transition_redirects_with_an_error(enabled, clerk, status, action):
    order = OrderFactory(status=status)
    response = clerk.post(f"/returns/{order.pk}/{action}/", follow=True)
    assert response.status_code == 200
    (message,) = messages_of(response)
    assert message.startswith(f"Return order {order.reference} is {status.label} and cannot")
    order.refresh_from_db()
    assert order.status == status


def test_complete_with_unreceived_lines_needs_accepting_them(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    waiting = LineFactory(order=order)
    LineFactory(order=order, received_date=TODAY())
    content = page(clerk, order)
    # No "Accept N unreceived line(s)" checkbox beside Complete: the confirmation page asks.
    assert "Accept 1 unreceived line" not in content
    assert 'name="accept_incomplete"' not in content

    asked = clerk.post(f"/returns/{order.pk}/complete/")
    assert asked["Location"] == f"/returns/{order.pk}/complete/confirm/"
    confirm = html.unescape(clerk.get(asked["Location"]).content.decode())
    assert f"1 line not received: SN {waiting.item.serial}" in confirm
    assert ">Complete anyway</button>" in confirm
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS

    # Confirmed without accepting the gap (say, a stale page): refused, and asked again.
    refused = clerk.post(f"/returns/{order.pk}/complete/", {"confirm": "1"}, follow=True)
    (message,) = messages_of(refused)
    assert "was not completed: 1 line not received" in message
    assert refused.redirect_chain[-1][0] == f"/returns/{order.pk}/complete/confirm/"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS

    accepted = clerk.post(
        f"/returns/{order.pk}/complete/", {"confirm": "1", "accept_incomplete": "1"}
    )
    assert accepted.status_code == 302
    order.refresh_from_db()
    assert order.status == S.COMPLETE
    assert order.complete_date == TODAY()


def test_transition_needs_add_permission(enabled, page_client):
    viewer = page_client(return_order=["view"])
    order = OrderFactory(status=S.PENDING)
    assert viewer.post(f"/returns/{order.pk}/issue/").status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_transition_forms_post_to_their_own_endpoint(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    content = page(clerk, order)
    for action in ("issue", "hold", "cancel"):
        assert re.search(rf'<form method="post" action="/returns/{order.pk}/{action}/"', content)
