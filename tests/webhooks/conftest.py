"""A local receiver (an HTTP server thread on 127.0.0.1) and subscriptions pointed at it."""

import pytest

from tests.factories import UserFactory
from tests.webhooks.receiver import Receiver
from webhooks import services


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscribe(db, receiver):
    """``subscribe(events=[...])``: an active subscription to the receiver, and its secret."""

    def _subscribe(events=("return_order.created",), url=None, **fields):
        owner = fields.pop("owner", None) or UserFactory(email="owner@example.com")
        return services.subscription_create(
            user=owner, name="Receiver", url=url or receiver.url, events=list(events), **fields
        )

    return _subscribe


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...``: run what the block queues after commit, as a commit would
    (the deliveries it queues, and the ones those queue)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
