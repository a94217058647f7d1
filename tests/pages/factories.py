"""Factories for the page tests: orders in any status, their lines, and stock customers hold.

Orders are written straight through the ORM (with a ``reference_int`` that matches their
reference) so a test can put an order in any status; the pages under test call the services.
"""

from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from djmoney.money import Money

from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from tests.factories import CustomerFactory, StockItemFactory
from users.models import Owner


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnOrder

    # Far above the references a test types, so generated ones never clash with them.
    reference_int = factory.Sequence(lambda n: 7000 + n)
    reference = factory.LazyAttribute(lambda o: f"RMA-{o.reference_int:04d}")
    customer = factory.SubFactory(CustomerFactory)
    description = "Faulty units"
    status = ReturnOrderStatus.PENDING


class HeldItemFactory(StockItemFactory):
    """A serialized stock item currently held by a customer (sold to them)."""

    customer = factory.SubFactory(CustomerFactory)
    location = None


class LineFactory(factory.django.DjangoModelFactory):
    """A line whose serialized item is held by the order's customer."""

    class Meta:
        model = ReturnOrderLineItem

    order = factory.SubFactory(OrderFactory)
    item = factory.SubFactory(HeldItemFactory, customer=factory.SelfAttribute("..order.customer"))
    quantity = Decimal(1)


class ExtraLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnOrderExtraLine

    order = factory.SubFactory(OrderFactory)
    reference = factory.Sequence(lambda n: f"Extra {n}")
    description = "Freight cost"
    quantity = Decimal(1)
    price = factory.LazyFunction(lambda: Money(Decimal("10"), "USD"))


def owner_of(instance) -> Owner:
    """The Owner row the users app keeps for every user and group."""
    return Owner.objects.get(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    )
