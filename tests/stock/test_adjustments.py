"""InvenTree's stock adjustments: stock/count/, stock/add/, stock/remove/ and stock/transfer/."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from stock import services
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import (
    BulkStockItemFactory,
    CustomerFactory,
    LocationFactory,
    StockItemFactory,
)

pytestmark = pytest.mark.django_db

COUNT, ADD, REMOVE, TRANSFER = (
    "/api/stock/count/",
    "/api/stock/add/",
    "/api/stock/remove/",
    "/api/stock/transfer/",
)


def tracking(item, code):
    return list(StockItemTracking.objects.filter(item=item, tracking_type=code))


def snapshot(*items):
    return [
        (i.pk, i.quantity, i.location_id, i.parent_id, i.customer_id)
        for i in StockItem.objects.filter(pk__in=[i.pk for i in items]).order_by("pk")
    ]


# --- effects -----------------------------------------------------------------------------------


def test_count_sets_the_quantity_and_tracks_stock_count(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(10))
    response = admin_client_api.post(
        COUNT, {"items": [{"pk": item.pk, "quantity": "7.5"}], "notes": "stocktake"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.json() == {"items": [{"pk": item.pk, "quantity": 7.5}], "notes": "stocktake"}
    item.refresh_from_db()
    assert item.quantity == Decimal("7.5")
    (entry,) = tracking(item, StockHistoryCode.STOCK_COUNT)
    assert entry.tracking_type == 10
    assert entry.deltas == {"quantity": 7.5}
    assert entry.notes == "stocktake"
    assert entry.user == admin_client_api.user


def test_count_to_zero_is_allowed(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(3))
    response = admin_client_api.post(
        COUNT, {"items": [{"pk": item.pk, "quantity": 0}]}, format="json"
    )
    assert response.status_code == 201, response.data
    item.refresh_from_db()
    assert item.quantity == 0


def test_add_increases_the_quantity_and_tracks_stock_add(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(10))
    response = admin_client_api.post(
        ADD, {"items": [{"pk": item.pk, "quantity": 5}]}, format="json"
    )
    assert response.status_code == 201, response.data
    item.refresh_from_db()
    assert item.quantity == 15
    (entry,) = tracking(item, StockHistoryCode.STOCK_ADD)
    assert entry.tracking_type == 11
    assert entry.deltas == {"added": 5.0, "quantity": 15.0}


def test_remove_decreases_the_quantity_and_tracks_stock_remove(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(10))
    response = admin_client_api.post(
        REMOVE, {"items": [{"pk": item.pk, "quantity": 10}]}, format="json"
    )
    assert response.status_code == 201, response.data
    item.refresh_from_db()
    assert item.quantity == 0  # kept, with its history
    (entry,) = tracking(item, StockHistoryCode.STOCK_REMOVE)
    assert entry.tracking_type == 12
    assert entry.deltas == {"removed": 10.0, "quantity": 0.0}


def test_transfer_of_a_whole_item_moves_it_and_tracks_stock_move(admin_client_api):
    item = StockItemFactory()
    target = LocationFactory()
    response = admin_client_api.post(
        TRANSFER,
        {"items": [{"pk": item.pk, "quantity": 1}], "location": target.pk, "notes": "out"},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.json()["location"] == target.pk
    item.refresh_from_db()
    assert item.location == target
    (entry,) = tracking(item, StockHistoryCode.STOCK_MOVE)
    assert entry.tracking_type == 20
    assert entry.deltas == {"location": target.pk}
    assert entry.notes == "out"


def test_partial_transfer_of_a_bulk_item_splits_it(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(10))
    source = item.location
    target = LocationFactory()
    response = admin_client_api.post(
        TRANSFER, {"items": [{"pk": item.pk, "quantity": 4}], "location": target.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    item.refresh_from_db()
    assert (item.quantity, item.location) == (6, source)
    child = StockItem.objects.get(parent=item)
    assert (child.quantity, child.location) == (4, target)
    assert tracking(child, StockHistoryCode.SPLIT_FROM_PARENT)
    assert tracking(child, StockHistoryCode.STOCK_MOVE)[0].deltas == {"location": target.pk}
    assert tracking(item, StockHistoryCode.SPLIT_CHILD_ITEM)
    assert not tracking(item, StockHistoryCode.STOCK_MOVE)


def test_several_items_are_adjusted_together(admin_client_api):
    first, second = BulkStockItemFactory(quantity=Decimal(5)), BulkStockItemFactory()
    response = admin_client_api.post(
        ADD,
        {"items": [{"pk": second.pk, "quantity": 1}, {"pk": first.pk, "quantity": 2}]},
        format="json",
    )
    assert response.status_code == 201, response.data
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.quantity, second.quantity) == (7, 11)


# --- all or nothing ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [COUNT, ADD, REMOVE, TRANSFER])
def test_one_bad_entry_changes_nothing(admin_client_api, url):
    good = BulkStockItemFactory(quantity=Decimal(10))
    bad = BulkStockItemFactory(quantity=Decimal(2), customer=CustomerFactory())
    target = LocationFactory()
    before = snapshot(good, bad)
    tracked = StockItemTracking.objects.count()
    response = admin_client_api.post(
        url,
        {
            "items": [{"pk": good.pk, "quantity": 1}, {"pk": bad.pk, "quantity": 1}],
            "location": target.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["items"]) == ["1"]
    assert "pk" in response.json()["items"]["1"]
    assert snapshot(good, bad) == before
    assert StockItemTracking.objects.count() == tracked
    assert StockItem.objects.count() == 2


def test_every_refused_entry_is_reported_by_index(admin_client_api):
    first, second = BulkStockItemFactory(quantity=Decimal(1)), BulkStockItemFactory()
    response = admin_client_api.post(
        REMOVE,
        {"items": [{"pk": first.pk, "quantity": 2}, {"pk": second.pk, "quantity": 11}]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["items"]
    assert set(errors) == {"0", "1"}
    assert "quantity" in errors["0"] and "quantity" in errors["1"]


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ADD, REMOVE, TRANSFER])
@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(admin_client_api, url, quantity):
    item = BulkStockItemFactory()
    response = admin_client_api.post(
        url,
        {"items": [{"pk": item.pk, "quantity": quantity}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]
    item.refresh_from_db()
    assert item.quantity == 10


def test_count_refuses_a_negative_quantity(admin_client_api):
    item = BulkStockItemFactory()
    response = admin_client_api.post(
        COUNT, {"items": [{"pk": item.pk, "quantity": -1}]}, format="json"
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]


def test_remove_cannot_take_more_than_the_item_holds(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(3))
    response = admin_client_api.post(
        REMOVE, {"items": [{"pk": item.pk, "quantity": "3.00001"}]}, format="json"
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]
    item.refresh_from_db()
    assert item.quantity == 3


def test_transfer_cannot_move_more_than_the_item_holds(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal(3))
    response = admin_client_api.post(
        TRANSFER,
        {"items": [{"pk": item.pk, "quantity": 4}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]


def test_stock_cannot_be_added_to_a_serialized_item(admin_client_api):
    item = StockItemFactory()
    response = admin_client_api.post(
        ADD, {"items": [{"pk": item.pk, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]
    item.refresh_from_db()
    assert item.quantity == 1


@pytest.mark.parametrize(("quantity", "code"), [(2, 400), (1, 201), (0, 201)])
def test_a_serialized_item_is_counted_at_most_one(admin_client_api, quantity, code):
    item = StockItemFactory()
    response = admin_client_api.post(
        COUNT, {"items": [{"pk": item.pk, "quantity": quantity}]}, format="json"
    )
    assert response.status_code == code
    item.refresh_from_db()
    assert item.quantity == min(quantity, 1)


def test_a_trackable_part_refuses_fractions(admin_client_api):
    item = BulkStockItemFactory(part__trackable=True)
    response = admin_client_api.post(
        ADD, {"items": [{"pk": item.pk, "quantity": "0.5"}]}, format="json"
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]


def test_a_serialized_item_cannot_be_partly_transferred(admin_client_api):
    item = StockItemFactory(part__trackable=False)
    response = admin_client_api.post(
        TRANSFER,
        {"items": [{"pk": item.pk, "quantity": "0.5"}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]
    assert StockItem.objects.count() == 1


def test_transfer_to_a_structural_location_is_refused(admin_client_api):
    item = StockItemFactory()
    structural = LocationFactory(structural=True)
    response = admin_client_api.post(
        TRANSFER,
        {"items": [{"pk": item.pk, "quantity": 1}], "location": structural.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "location" in response.json()
    item.refresh_from_db()
    assert item.location != structural


@pytest.mark.parametrize("body", [{"items": []}, {"items": [{"pk": 1, "quantity": 1}]}])
def test_transfer_requires_a_location(admin_client_api, body):
    response = admin_client_api.post(TRANSFER, body, format="json")
    assert response.status_code == 400
    assert "location" in response.json()


@pytest.mark.parametrize("url", [COUNT, ADD, REMOVE, TRANSFER])
def test_an_item_assigned_to_a_customer_cannot_be_adjusted(admin_client_api, url):
    item = BulkStockItemFactory(customer=CustomerFactory())
    response = admin_client_api.post(
        url,
        {"items": [{"pk": item.pk, "quantity": 1}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "pk" in response.json()["items"]["0"]


def test_an_unknown_item_is_refused(admin_client_api):
    response = admin_client_api.post(ADD, {"items": [{"pk": 999999, "quantity": 1}]}, format="json")
    assert response.status_code == 400
    assert "pk" in response.json()["items"]["0"]


def test_the_same_item_twice_is_refused(admin_client_api):
    item = BulkStockItemFactory()
    entry = {"pk": item.pk, "quantity": 1}
    response = admin_client_api.post(ADD, {"items": [entry, entry]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["items"]) == ["1"]
    item.refresh_from_db()
    assert item.quantity == 10


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": "x"},
        {"items": [{"pk": "x", "quantity": 1}]},
        {"items": [{"pk": 1}]},
        {"items": [{"pk": True, "quantity": 1}]},
        {"items": [{"pk": 1, "quantity": "1e30"}]},
    ],
)
def test_malformed_bodies_are_a_400(admin_client_api, body):
    response = admin_client_api.post(ADD, body, format="json")
    assert response.status_code == 400
    assert "items" in response.json()


def test_field_errors_of_an_entry_are_keyed_by_its_index(admin_client_api):
    item = BulkStockItemFactory()
    response = admin_client_api.post(
        ADD,
        {"items": [{"pk": item.pk, "quantity": 1}, {"pk": item.pk, "quantity": "abc"}]},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["items"]) == ["1"]
    assert "quantity" in response.json()["items"]["1"]


def test_a_sum_beyond_the_quantity_column_is_refused(admin_client_api):
    item = BulkStockItemFactory(quantity=Decimal("9999999999"))
    response = admin_client_api.post(
        ADD, {"items": [{"pk": item.pk, "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert "quantity" in response.json()["items"]["0"]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [COUNT, ADD, REMOVE, TRANSFER])
def test_adjustments_need_stock_change(client_for, url):
    item = BulkStockItemFactory()
    body = {"items": [{"pk": item.pk, "quantity": 1}], "location": LocationFactory().pk}
    viewer = client_for(stock=["view", "add", "delete"])
    assert viewer.post(url, body, format="json").status_code == 403
    item.refresh_from_db()
    assert item.quantity == 10 and item.location_id != body["location"]
    changer = client_for(stock=["view", "change"])
    assert changer.post(url, body, format="json").status_code == 201


@pytest.mark.parametrize("url", [COUNT, ADD, REMOVE, TRANSFER])
def test_adjustments_need_authentication(api_client, url):
    response = api_client.post(url, {"items": []}, format="json")
    assert response.status_code in (401, 403)


# --- services ----------------------------------------------------------------------------------


def test_service_error_is_a_validation_error_naming_the_entries():
    item = BulkStockItemFactory(quantity=Decimal(1))
    with pytest.raises(ValidationError) as excinfo:
        services.stock_items_remove(items=[services.StockAdjustment(pk=item.pk, quantity=2)])
    assert excinfo.value.item_errors == {
        0: {"quantity": ["Quantity must not exceed available stock quantity (1)"]}
    }
    assert "items" in excinfo.value.message_dict


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_removals_cannot_take_more_than_the_item_holds():
    item = BulkStockItemFactory(quantity=Decimal(10))
    barrier = threading.Barrier(2)
    outcomes = []

    def remove():
        try:
            barrier.wait(timeout=10)
            services.stock_items_remove(items=[services.StockAdjustment(pk=item.pk, quantity=6)])
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=remove) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["ok", "refused"]
    item.refresh_from_db()
    assert item.quantity == 4
    assert len(tracking(item, StockHistoryCode.STOCK_REMOVE)) == 1
