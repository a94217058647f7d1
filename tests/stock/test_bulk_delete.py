"""``DELETE stock/``: InvenTree's bulk delete, by pks and/or the list's filters."""

import pytest

from common.models import Attachment
from stock.models import StockItem, StockItemTracking
from tests.factories import BulkStockItemFactory, LocationFactory, StockItemFactory
from tests.returns.factories import ReturnOrderLineItemFactory
from tests.stock.test_api import STOCK_URL, assert_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves():
    """Three items on shelf A, two on shelf B."""
    shelf_a, shelf_b = LocationFactory(name="A"), LocationFactory(name="B")
    items_a = [BulkStockItemFactory(location=shelf_a) for _ in range(3)]
    items_b = [BulkStockItemFactory(location=shelf_b) for _ in range(2)]
    return shelf_a, shelf_b, items_a, items_b


def delete(client, body):
    return client.delete(STOCK_URL, body, format="json")


def test_bulk_delete_by_pks(admin_client_api, shelves):
    _a, _b, items_a, items_b = shelves
    StockItemTracking.objects.create(item=items_a[0], tracking_type=1)
    response = delete(admin_client_api, {"items": [items_a[0].pk, items_b[0].pk, 999999]})
    assert response.status_code == 204, response.content
    assert set(StockItem.objects.values_list("pk", flat=True)) == {
        items_a[1].pk,
        items_a[2].pk,
        items_b[1].pk,
    }
    assert not StockItemTracking.objects.filter(item_id=items_a[0].pk).exists()


def test_bulk_delete_by_filters_uses_the_list_filters(admin_client_api, shelves):
    shelf_a, _b, _items_a, items_b = shelves
    response = delete(admin_client_api, {"filters": {"location": shelf_a.pk}})
    assert response.status_code == 204, response.content
    assert set(StockItem.objects.values_list("pk", flat=True)) == {i.pk for i in items_b}


def test_bulk_delete_combines_pks_and_filters(admin_client_api, shelves):
    shelf_a, _b, items_a, items_b = shelves
    body = {"items": [items_a[0].pk, items_b[0].pk], "filters": {"location": shelf_a.pk}}
    assert delete(admin_client_api, body).status_code == 204
    assert not StockItem.objects.filter(pk=items_a[0].pk).exists()
    assert StockItem.objects.filter(pk=items_b[0].pk).exists()
    assert StockItem.objects.count() == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),  # InvenTree refuses a delete of everything
        ({"items": []}, "non_field_errors"),
        ({"filters": {}}, "non_field_errors"),
        ({"items": ["x"]}, "items"),
        ({"items": [1.5]}, "items"),
        ({"filters": {"no_such_filter": 1}}, "filters"),
        ({"filters": {"status": 12345}}, "filters"),
        ({"filters": "location=1"}, "filters"),
    ],
)
def test_bulk_delete_refuses_bad_or_unfiltered_bodies(admin_client_api, shelves, body, field):
    body = assert_json(delete(admin_client_api, body), 400)
    assert body[field]
    assert StockItem.objects.count() == 5


def test_bulk_delete_needs_the_delete_permission(client_for, shelves):
    items_a = shelves[2]
    body = {"items": [items_a[0].pk]}
    assert delete(client_for(stock=["view", "change"]), body).status_code == 403
    assert delete(client_for(stock=["delete"]), body).status_code == 204
    assert StockItem.objects.count() == 4


def test_bulk_delete_is_all_or_nothing(admin_client_api, shelves):
    """An item on a return order line cannot go; then none of the others goes either."""
    line = ReturnOrderLineItemFactory()
    items_a = shelves[2]
    Attachment.objects.create(model_type="stockitem", model_id=items_a[0].pk, link="https://x.io")
    response = delete(admin_client_api, {"items": [items_a[0].pk, line.item_id]})
    assert response.status_code in (400, 409), response.content
    assert StockItem.objects.filter(pk__in=[items_a[0].pk, line.item_id]).count() == 2
    assert Attachment.objects.count() == 1


def test_bulk_delete_removes_the_items_attachments(admin_client_api):
    item = StockItemFactory()
    Attachment.objects.create(model_type="stockitem", model_id=item.pk, link="https://x.io")
    assert delete(admin_client_api, {"items": [item.pk]}).status_code == 204
    assert not Attachment.objects.exists()
