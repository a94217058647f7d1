"""Deliveries at a local receiver: signed (checked with Standard Webhooks' own verifier),
retried with backoff on timeouts, connection errors, 5xx and 429, not on other 4xx; a
subscription disabled after a run of failures; one order's events in order."""

import datetime
import json
import socket
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks import services
from webhooks.models import WebhookDelivery, WebhookSubscription

State = WebhookDelivery.State
pytestmark = pytest.mark.django_db


def emit(committed, key="return_order:1", data=None, event_type="return_order.created"):
    with committed():
        return services.event_emit(event_type=event_type, data=data or {"pk": 1}, ordering_key=key)


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def attempt(committed, delivery):
    with committed():
        services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_a_delivery_is_signed_and_verifies(receiver, subscribe, committed):
    _subscription, secret = subscribe()
    assert secret.startswith("whsec_")
    event = emit(committed, data={"pk": 7, "reference": "RMA-7"})
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hook"
    payload = Webhook(secret).verify(request["body"], request["headers"])
    assert payload["type"] == "return_order.created"
    assert payload["data"] == {"pk": 7, "reference": "RMA-7"}
    assert payload["timestamp"].endswith("Z")
    assert request["headers"]["webhook-id"] == event.message_id
    # Another secret does not verify it.
    with pytest.raises(WebhookVerificationError):
        Webhook(services.secret_generate()).verify(request["body"], request["headers"])
    delivery = event.deliveries.get()
    assert delivery.state == State.DELIVERED
    assert delivery.attempts == 1
    assert delivery.response_status == 200
    assert delivery.response_body == "answer 200"
    assert delivery.duration_ms is not None
    assert "webhook-signature" not in delivery.request_headers


def test_nothing_is_recorded_without_a_subscription_that_wants_the_event(subscribe, committed):
    subscribe(events=["return_order.issued"])
    assert emit(committed) is None
    subscribe(events=["return_order.created"], active=False)
    assert emit(committed) is None
    assert not WebhookDelivery.objects.exists()


def test_a_rotated_secret_signs_the_next_delivery(receiver, subscribe, committed):
    subscription, old = subscribe()
    _subscription, new = services.subscription_rotate_secret(subscription=subscription)
    assert new != old
    emit(committed)
    request = receiver.requests[0]
    Webhook(new).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_429_are_retried_with_doubling_delays(
    receiver, subscribe, committed, settings, status
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 35
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 0
    subscribe()
    receiver.answer(status, status, status, status)
    before = timezone.now()
    delivery = emit(committed).deliveries.get()
    delays = []
    for expected_attempts in (1, 2, 3):
        delivery.refresh_from_db()
        assert delivery.state == State.RETRYING
        assert delivery.attempts == expected_attempts
        assert delivery.response_status == status
        delays.append(round((delivery.next_attempt_at - before).total_seconds()))
        # Not due yet: queued early, it is not sent.
        sent = len(receiver.requests)
        attempt(committed, delivery)
        assert len(receiver.requests) == sent
        make_due(delivery)
        before = timezone.now()
        attempt(committed, delivery)
    assert delays == [10, 20, 35]  # doubling, capped by WEBHOOK_RETRY_MAX_SECONDS
    delivery.refresh_from_db()
    assert delivery.state == State.FAILED
    assert delivery.attempts == 4
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 4
    # The retries carry the same message id and verify.
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1


def test_the_backoff_schedule(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 21600
    assert [services.retry_delay(n) for n in range(1, 12)] == [
        30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600,
    ]  # fmt: skip


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_other_client_errors_are_not_retried(receiver, subscribe, committed, status):
    subscribe()
    receiver.answer(status)
    delivery = emit(committed).deliveries.get()
    assert delivery.state == State.FAILED
    assert delivery.attempts == 1
    assert delivery.response_status == status
    assert len(receiver.requests) == 1


def test_a_redirect_is_not_followed(receiver, subscribe, committed):
    subscribe()
    receiver.headers = {"Location": receiver.url + "/elsewhere"}
    receiver.answer(302)
    delivery = emit(committed).deliveries.get()
    assert delivery.state == State.FAILED
    assert delivery.response_status == 302
    assert [r["path"] for r in receiver.requests] == ["/hook"]


def test_a_timeout_is_retried(receiver, subscribe, committed, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe()
    receiver.delay = 1.0
    delivery = emit(committed).deliveries.get()
    assert delivery.state == State.RETRYING
    assert delivery.error == "Timed out"
    assert delivery.response_status is None


def test_a_connection_error_is_retried(receiver, subscribe, committed):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    subscribe(url=f"http://127.0.0.1:{port}/hook")
    delivery = emit(committed).deliveries.get()
    assert delivery.state == State.RETRYING
    assert delivery.error.startswith("Connection failed")


def test_a_run_of_failures_disables_the_subscription_and_mails_its_owner(
    receiver, subscribe, committed, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    subscription, _secret = subscribe()
    receiver.answer(400, 400)
    emit(committed, key="a")
    emit(committed, key="b")
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 2
    assert mail.outbox == []
    receiver.answer(200)  # a success resets the run
    emit(committed, key="c")
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    receiver.answer(410, 410, 410)
    for key in ("d", "e", "f"):
        emit(committed, key=key)
    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.disabled_at is not None
    assert "3 consecutive failed attempts" in subscription.disabled_reason
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "Receiver" in mail.outbox[0].subject
    # Disabled: nothing more is recorded for it.
    assert emit(committed, key="g") is None
    # Turned back on: the run starts again.
    services.subscription_update(subscription=subscription, data={"active": True})
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.disabled_at is None


def test_the_owner_is_mailed_only_after_commit(receiver, subscribe, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    subscription, _secret = subscribe()
    services.subscription_disable(subscription=subscription, reason="test")
    assert mail.outbox == []  # the test's transaction has not committed


def test_one_orders_events_arrive_in_order(receiver, subscribe, committed, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 0
    subscribe(events=["return_order.created", "return_order.issued"])
    receiver.answer(503)
    first = emit(committed, key="return_order:1", data={"n": 1}).deliveries.get()
    second = emit(
        committed, key="return_order:1", data={"n": 2}, event_type="return_order.issued"
    ).deliveries.get()
    other = emit(committed, key="return_order:2", data={"n": 3}).deliveries.get()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.RETRYING
    # The second waits behind the first; another order's event is not held up.
    assert second.state == State.PENDING and second.attempts == 0
    assert other.state == State.DELIVERED
    # Queued anyway (a sweep, a duplicate), it still waits.
    attempt(committed, second)
    assert second.attempts == 0
    make_due(first)
    attempt(committed, first)
    second.refresh_from_db()
    assert first.state == State.DELIVERED and second.state == State.DELIVERED
    sent = [json.loads(r["body"])["data"]["n"] for r in receiver.requests]
    assert sent == [1, 3, 1, 2]


def test_the_sweep_queues_due_retries_first_in_line(receiver, subscribe, committed, settings):
    subscribe()
    receiver.answer(503)
    delivery = emit(committed).deliveries.get()
    assert services.deliveries_due() == 0
    make_due(delivery)
    with committed():
        assert services.deliveries_due() == 1
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED


def test_with_a_worker_a_retry_is_queued_with_its_countdown(
    receiver, subscribe, committed, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOK_RETRY_BASE_SECONDS = 45
    subscribe()
    receiver.answer(503)
    with (
        mock.patch("webhooks.tasks.deliver.apply_async") as later,
        mock.patch("webhooks.tasks.deliver.delay", side_effect=services.delivery_attempt),
    ):
        delivery = emit(committed).deliveries.get()
    later.assert_called_once_with((delivery.pk,), countdown=45)


def test_a_disabled_subscriptions_waiting_deliveries_fail(receiver, subscribe, committed):
    subscription, _secret = subscribe()
    receiver.answer(503)
    delivery = emit(committed).deliveries.get()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
    make_due(delivery)
    attempt(committed, delivery)
    assert delivery.state == State.FAILED
    assert "disabled" in delivery.error
    assert len(receiver.requests) == 1


def test_redelivery_sends_the_same_message_again(receiver, subscribe, committed):
    _subscription, secret = subscribe()
    delivery = emit(committed).deliveries.get()
    with committed():
        again = services.delivery_redeliver(delivery=delivery)
    again.refresh_from_db()
    assert again.pk != delivery.pk and again.state == State.DELIVERED
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    Webhook(secret).verify(second["body"], second["headers"])


def test_the_sweep_command(receiver, subscribe, committed):
    from io import StringIO

    from django.core.management import call_command

    subscribe()
    receiver.answer(503)
    delivery = emit(committed).deliveries.get()
    make_due(delivery)
    out = StringIO()
    with committed():
        call_command("webhooks_deliver_due", stdout=out)
    assert out.getvalue().strip() == "1 webhook deliveries queued"
    delivery.refresh_from_db()
    assert delivery.state == State.DELIVERED
