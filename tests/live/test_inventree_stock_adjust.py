"""The ``inventree`` client's stock adjustments (count, add, remove, transfer) over real HTTP.

A returned unit is moved out of quarantine with the same calls an InvenTree integration makes.
"""

from decimal import Decimal

import pytest
import requests
from inventree.part import Part
from inventree.stock import StockItem, StockLocation

from stock.models import StockItem as StockItemModel
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.live.test_inventree_client import api, user  # noqa: F401 (fixtures)

pytestmark = pytest.mark.live


def test_client_counts_adds_removes_and_transfers_stock(api):  # noqa: F811
    part = Part.create(api, {"name": "Bolt", "description": "M4 bolt", "trackable": False})
    quarantine = StockLocation.create(api, {"name": "Quarantine"})
    stores = StockLocation.create(api, {"name": "Stores"})
    (item,) = StockItem.create(api, {"part": part.pk, "quantity": 10, "location": quarantine.pk})

    item.countStock(8, notes="stocktake")
    item.addStock(4)
    item.removeStock(2)
    item.reload()
    assert Decimal(str(item.quantity)) == 10

    # A partial transfer splits the item; the rest stays in quarantine.
    item.transferStock(stores, quantity=3, notes="released")
    item.reload()
    assert Decimal(str(item.quantity)) == 7 and item.location == quarantine.pk
    (moved,) = StockItem.list(api, location=stores.pk)
    assert Decimal(str(moved.quantity)) == 3

    # Without a quantity, the client moves the whole item.
    item.transferStock(stores.pk)
    item.reload()
    assert item.location == stores.pk

    codes = list(
        StockItemTracking.objects.filter(item_id=item.pk)
        .order_by("pk")
        .values_list("tracking_type", flat=True)
    )
    assert codes == [
        StockHistoryCode.CREATED,
        StockHistoryCode.STOCK_COUNT,
        StockHistoryCode.STOCK_ADD,
        StockHistoryCode.STOCK_REMOVE,
        StockHistoryCode.SPLIT_CHILD_ITEM,
        StockHistoryCode.STOCK_MOVE,
    ]
    assert StockItemModel.objects.get(pk=moved.pk).status == StockStatus.OK


def test_client_sees_a_refused_adjustment_as_an_http_error(api):  # noqa: F811
    part = Part.create(api, {"name": "Nut", "description": "M4 nut", "trackable": False})
    (item,) = StockItem.create(api, {"part": part.pk, "quantity": 1})
    with pytest.raises(requests.HTTPError) as excinfo:
        item.removeStock(5)
    detail = excinfo.value.args[0]
    assert detail["status_code"] == 400
    item.reload()
    assert Decimal(str(item.quantity)) == 1
