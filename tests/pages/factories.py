"""The page tests use the return-order factories under shorter names."""

from tests.returns.factories import CustomerStockItemFactory as HeldItemFactory
from tests.returns.factories import ReturnOrderExtraLineFactory as ExtraLineFactory
from tests.returns.factories import ReturnOrderFactory as OrderFactory
from tests.returns.factories import ReturnOrderLineItemFactory as LineFactory
from tests.returns.factories import owner_of

__all__ = ["ExtraLineFactory", "HeldItemFactory", "LineFactory", "OrderFactory", "owner_of"]
