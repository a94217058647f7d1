"""factory_boy factories for return orders, their lines and extra lines.

Orders are built straight through the ORM (with a consistent ``reference_int``) so a test can
put an order in any status; tests that exercise creation call the service instead.
"""

from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from djmoney.money import Money

from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderLineItem,
    ReturnReason,
)
from returns.statuses import ReturnOrderStatus
from tests.factories import BulkStockItemFactory, CustomerFactory, StockItemFactory
from users.models import Owner


class ReturnOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnOrder

    # Far above anything the tests type by hand, so generated references never clash.
    reference_int = factory.Sequence(lambda n: 5000 + n)
    reference = factory.LazyAttribute(lambda o: f"RMA-{o.reference_int:04d}")
    customer = factory.SubFactory(CustomerFactory)
    description = "Faulty units"
    status = ReturnOrderStatus.PENDING


class CustomerStockItemFactory(StockItemFactory):
    """A serialized item currently held by a customer."""

    customer = factory.SubFactory(CustomerFactory)
    location = None


class CustomerBulkStockItemFactory(BulkStockItemFactory):
    """A non-serialized item (quantity 10) held by a customer."""

    customer = factory.SubFactory(CustomerFactory)
    location = None


class ReturnOrderLineItemFactory(factory.django.DjangoModelFactory):
    """A line whose (serialized) item belongs to the order's customer."""

    class Meta:
        model = ReturnOrderLineItem

    order = factory.SubFactory(ReturnOrderFactory)
    item = factory.SubFactory(
        CustomerStockItemFactory, customer=factory.SelfAttribute("..order.customer")
    )
    quantity = Decimal(1)


class ReturnOrderExtraLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnOrderExtraLine

    order = factory.SubFactory(ReturnOrderFactory)
    reference = factory.Sequence(lambda n: f"Extra {n}")
    description = "Freight cost"
    quantity = Decimal(1)
    price = factory.LazyFunction(lambda: Money(Decimal("10"), "USD"))


def owner_of(instance) -> Owner:
    """The Owner row that the users app keeps for a user or a group."""
    return Owner.objects.get(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    )


class ProjectCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectCode

    code = factory.Sequence(lambda n: f"PRJ-{n:03d}")
    description = "Field returns"


class ReturnReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnReason

    code = factory.Sequence(lambda n: f"reason-{n}")
    label = factory.Sequence(lambda n: f"Reason {n}")


class ReturnConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnCondition

    code = factory.Sequence(lambda n: f"condition-{n}")
    label = factory.Sequence(lambda n: f"Condition {n}")
