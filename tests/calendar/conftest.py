"""Fixtures for the calendar feed: a clock the tests move, orders, and users by credential."""

import datetime

import factory
import pytest
from django.core.cache import cache
from django.utils import timezone

from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from tests.factories import CustomerFactory, StockItemFactory

FEED = "/api/order/calendar/return-order/calendar.ics"


class Clock:
    """``timezone.now`` for the test: still until ``advance`` moves it."""

    def __init__(self, start: datetime.datetime):
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float = 10) -> datetime.datetime:
        self.now += datetime.timedelta(seconds=seconds)
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Every timestamp (``updated_at``, the feed's stamp, sessions) comes from this clock.

    HTTP dates count whole seconds and the feed holds back a Last-Modified from the current
    second, so tests move the clock on between a change and a request.
    """
    fake = Clock(datetime.datetime(2026, 3, 2, 9, 30, 0, 250000, tzinfo=datetime.UTC))
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture(autouse=True)
def fresh_cache():
    """The remembered ETags are keyed by the feed's timestamp, which the clock repeats."""
    cache.clear()
    yield
    cache.clear()


class OrderFactory(factory.django.DjangoModelFactory):
    """A return order straight through the ORM, in any status, due in a week by default."""

    class Meta:
        model = ReturnOrder

    reference_int = factory.Sequence(lambda n: 7000 + n)
    reference = factory.LazyAttribute(lambda o: f"RMA-{o.reference_int:04d}")
    customer = factory.SubFactory(CustomerFactory)
    description = "Faulty units"
    status = ReturnOrderStatus.PENDING
    target_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


def add_line(order: ReturnOrder, *, received: bool = False) -> ReturnOrderLineItem:
    item = StockItemFactory(customer=order.customer, location=None)
    return ReturnOrderLineItem.objects.create(
        order=order,
        item=item,
        received_date=timezone.localdate() if received else None,
    )


@pytest.fixture
def viewer(make_user):
    """A user whose group holds the return-order role's view permission."""
    return make_user(return_order=["view"])
