"""One order's deliveries on two workers at once (PostgreSQL: real concurrent transactions).

A delivery queued while an earlier one of its order is being sent is turned away (it waits its
turn); the earlier one, once finished, queues it. The lookup of "the next in line" must see
that delivery, however the two transactions interleave: otherwise it waits for the sweep,
minutes later.
"""

import threading

import pytest
from django.db import connection

from webhooks import sender, services
from webhooks.models import WebhookDelivery

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two transactions at once need PostgreSQL; SQLite serialises all writers",
    ),
]

State = WebhookDelivery.State
WAIT = 30


def test_a_delivery_turned_away_while_the_one_before_finishes_is_queued_by_it(
    subscribe, monkeypatch
):
    subscribe(events=["return_order.created", "return_order.issued"])
    queued: list[int] = []
    monkeypatch.setattr(services, "queue_delivery", lambda pk, countdown=None: queued.append(pk))
    first = services.event_emit(
        event_type="return_order.created", data={"n": 1}, ordering_key="return_order:1"
    ).deliveries.get()
    monkeypatch.setattr(
        sender, "post", lambda *args, **kwargs: sender.Answer(200, "ok", 1)
    )  # the receiver answers at once

    # The first delivery's worker has looked for the next in line (there is none yet) and is
    # about to commit when the next event is recorded and its worker runs.
    looked = threading.Event()
    go_on = threading.Event()
    original = services._queue_next

    def queue_next_then_pause(delivery):
        original(delivery)
        looked.set()
        assert go_on.wait(WAIT)

    monkeypatch.setattr(services, "_queue_next", queue_next_then_pause)
    errors = []

    def first_worker():
        try:
            services.delivery_attempt(first.pk)
        except Exception as exc:  # asserted on below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert looked.wait(WAIT)
        second = services.event_emit(
            event_type="return_order.issued", data={"n": 2}, ordering_key="return_order:1"
        ).deliveries.get()
        queued.clear()  # its own queueing, after its commit: its worker runs now
        services.delivery_attempt(second.pk)
        second.refresh_from_db()
        assert second.state == State.PENDING  # the first is not committed yet: it waits
    finally:
        go_on.set()
        thread.join(WAIT)

    assert not errors and not thread.is_alive()
    first.refresh_from_db()
    assert first.state == State.DELIVERED
    assert queued == [second.pk]  # the first, once committed, queued it
