"""Return-order events: emitted after commit, in the API's representation as it was then."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from common import site_settings
from returns import services as return_services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from tests import factories
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory
from tests.webhooks.test_delivery import attempt, make_due
from webhooks.models import EVENT_TYPE_NAMES, WebhookEvent

pytestmark = pytest.mark.django_db


def received(receiver, secret):
    return [Webhook(secret).verify(r["body"], r["headers"]) for r in receiver.requests]


def test_the_order_workflow_sends_its_events_in_order(receiver, subscribe, committed):
    _subscription, secret = subscribe(events=sorted(EVENT_TYPE_NAMES))
    customer = factories.CustomerFactory()
    with committed():
        order = return_services.return_order_create(user=None, customer=customer)
    line = ReturnOrderLineItemFactory(order=order)
    with committed():
        return_services.return_order_update(order=order, user=None, data={"description": "New"})
    with committed():
        return_services.return_order_hold(order=order, user=None)
    with committed():
        return_services.return_order_issue(order=order, user=None)
    location = factories.LocationFactory()
    with committed():
        return_services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=None
        )
    with committed():
        return_services.line_resolve_return(line=line, user=None)
    with committed():
        return_services.line_resolution_undo(line=line, user=None)
    with committed():
        return_services.return_order_cancel(order=order, user=None)
    payloads = received(receiver, secret)
    assert [p["type"] for p in payloads] == [
        "return_order.created",
        "return_order.updated",
        "return_order.held",
        "return_order.issued",
        "return_order_line.received",
        "stock_item.returned",
        "return_order_line.resolved",
        "return_order_line.unresolved",
        "return_order.cancelled",
    ]
    assert payloads[0]["data"]["pk"] == order.pk
    assert payloads[0]["data"]["reference"] == order.reference
    assert payloads[1]["data"]["description"] == "New"
    assert payloads[2]["data"]["status"] == ReturnOrderStatus.ON_HOLD
    assert payloads[4]["data"]["pk"] == line.pk
    assert payloads[4]["data"]["received_date"] is not None
    assert payloads[5]["data"]["pk"] == line.item_id
    assert payloads[8]["data"]["status"] == ReturnOrderStatus.CANCELLED
    keys = set(WebhookEvent.objects.values_list("ordering_key", flat=True))
    assert keys == {f"return_order:{order.pk}"}


def test_completed_authorized_and_declined(receiver, subscribe, committed):
    _subscription, secret = subscribe(events=sorted(EVENT_TYPE_NAMES))
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    with committed():
        return_services.return_order_complete(order=order, user=None, accept_incomplete=True)
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    first = ReturnOrderFactory(status=ReturnOrderStatus.REQUESTED)
    second = ReturnOrderFactory(status=ReturnOrderStatus.REQUESTED)
    with committed():
        return_services.return_order_authorize(order=first, user=None)
    with committed():
        return_services.return_order_decline(order=second, user=None, reason="Too late")
    payloads = received(receiver, secret)
    assert [(p["type"], p["data"]["pk"]) for p in payloads] == [
        ("return_order.completed", order.pk),
        ("return_order.authorized", first.pk),
        ("return_order.declined", second.pk),
    ]
    assert payloads[2]["data"]["decline_reason"] == "Too late"


def test_the_payload_is_the_api_representation(receiver, subscribe, committed, admin_client_api):
    _subscription, secret = subscribe(events=["return_order.issued"])
    order = ReturnOrderFactory()
    with committed():
        return_services.return_order_issue(order=order, user=None)
    sent = received(receiver, secret)[0]["data"]
    api = admin_client_api.get(
        f"/api/order/ro/{order.pk}/",
        {"customer_detail": "true", "responsible_detail": "true", "project_code_detail": "true"},
    ).json()
    assert set(api) <= set(sent)
    assert {k: sent[k] for k in api if k not in ("notes",)} == {
        k: v for k, v in api.items() if k not in ("notes",)
    }


def test_a_later_change_does_not_alter_what_is_delivered(receiver, subscribe, committed):
    """The event keeps the order as it was: a retry after a change sends the old one."""
    _subscription, secret = subscribe(events=["return_order.updated"])
    receiver.answer(503)
    order = ReturnOrderFactory(description="Before")
    with committed():
        return_services.return_order_update(order=order, user=None, data={"description": "One"})
    ReturnOrder.objects.filter(pk=order.pk).update(description="Two")
    delivery = WebhookEvent.objects.get().deliveries.get()
    make_due(delivery)
    attempt(committed, delivery)
    bodies = [json.loads(r["body"])["data"]["description"] for r in receiver.requests]
    assert bodies == ["One", "One"]
    Webhook(secret).verify(receiver.requests[1]["body"], receiver.requests[1]["headers"])


def test_nothing_is_sent_before_the_commit_nor_for_a_rolled_back_change(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(events=["return_order.updated"])
    order = ReturnOrderFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        return_services.return_order_update(order=order, user=None, data={"description": "x"})
    assert callbacks and receiver.requests == [] and not WebhookEvent.objects.exists()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        return_services.return_order_update(order=order, user=None, data={"description": "y"})
        raise RuntimeError
    assert receiver.requests == [] and not WebhookEvent.objects.exists()


def test_a_refused_change_sends_nothing(receiver, subscribe, committed):
    subscribe(events=["return_order.issued"])
    order = ReturnOrderFactory(status=ReturnOrderStatus.COMPLETE)
    with committed(), pytest.raises(ValidationError):
        return_services.return_order_issue(order=order, user=None)
    assert receiver.requests == []


def test_an_event_that_cannot_be_made_does_not_undo_the_change(
    receiver, subscribe, committed, monkeypatch
):
    subscribe(events=["return_order.updated"])
    order = ReturnOrderFactory(description="Before")

    def broken(pk):
        raise RuntimeError("no payload")

    monkeypatch.setattr("returns.webhook_events.order_data", broken)
    monkeypatch.setattr("returns.webhook_events.READERS", {"order": broken})
    with committed():
        return_services.return_order_update(order=order, user=None, data={"description": "After"})
    order.refresh_from_db()
    assert order.description == "After"
    assert receiver.requests == [] and not WebhookEvent.objects.exists()


def _receive_queries(lines: int, committed) -> int:
    """Queries of receiving ``lines`` lines, the work after commit included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = factories.UserFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(lines)]
    location = factories.LocationFactory()
    with CaptureQueriesContext(connection) as captured, committed():
        return_services.return_order_receive(
            order=order, lines=[(pk, None) for pk in pks], location=location, user=user
        )
    return len(captured)


@pytest.mark.parametrize("subscribed", [False, True], ids=["nobody", "other-events"])
def test_receiving_many_lines_costs_no_more_queries_when_nobody_wants_line_events(
    subscribe, committed, subscribed
):
    # Each received line has two events; with nobody wanting them, the subscriptions are read
    # once for the receipt, not twice per line.
    if subscribed:
        subscribe(events=["return_order.created"])
    assert _receive_queries(20, committed) == _receive_queries(1, committed)
