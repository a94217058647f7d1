"""Single-item stock effects other workflows build on: assign, status, scrap, consume, and the
snapshots that let a workflow undo them exactly."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from stock import services
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CompanyFactory,
    CustomerFactory,
    StockItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def row(item) -> dict:
    values = StockItem.objects.filter(pk=item.pk).values().get()
    values.pop("updated")
    return values


def locked(item) -> StockItem:
    return services.stock_items_lock([item.pk])[item.pk]


def entries(item, code):
    return list(StockItemTracking.objects.filter(item=item, tracking_type=code).order_by("pk"))


def test_stock_items_lock_answers_the_items_by_pk():
    a, b = StockItemFactory(), StockItemFactory()
    found = services.stock_items_lock([b.pk, a.pk, b.pk, 999999])
    assert set(found) == {a.pk, b.pk}
    assert found[a.pk].part.pk == a.part_id


def test_send_to_customer_assigns_sets_the_status_and_tracks_it():
    user, customer = UserFactory(), CustomerFactory()
    item = StockItemFactory(status=StockStatus.QUARANTINED)

    services.stock_item_send_to_customer(
        item=locked(item),
        customer=customer,
        status=StockStatus.OK,
        user=user,
        notes="Repaired",
        deltas={"returnorder": 7},
    )

    item.refresh_from_db()
    assert (item.customer_id, item.status) == (customer.pk, StockStatus.OK)
    [entry] = entries(item, StockHistoryCode.SENT_TO_CUSTOMER)
    assert entry.deltas == {
        "customer": customer.pk,
        "customer_name": customer.name,
        "status": StockStatus.OK,
        "returnorder": 7,
    }
    assert (entry.notes, entry.user) == ("Repaired", user)


def test_send_to_customer_keeps_the_status_when_none_is_given():
    item = StockItemFactory(status=StockStatus.QUARANTINED)
    services.stock_item_send_to_customer(item=locked(item), customer=CustomerFactory())
    item.refresh_from_db()
    assert item.status == StockStatus.QUARANTINED
    assert "status" not in entries(item, StockHistoryCode.SENT_TO_CUSTOMER)[0].deltas


def test_send_to_customer_refuses_a_non_customer_and_an_installed_item():
    item = StockItemFactory()
    before = row(item)
    with pytest.raises(ValidationError) as exc:
        services.stock_item_send_to_customer(item=locked(item), customer=CompanyFactory())
    assert exc.value.message_dict == {"customer": ["Selected company is not a customer"]}
    installed = StockItemFactory(belongs_to=StockItemFactory())
    with pytest.raises(ValidationError) as exc:
        services.stock_item_send_to_customer(item=locked(installed), customer=CustomerFactory())
    assert exc.value.message_dict == {"item": [f"Item {installed.pk} is installed in another item"]}
    assert row(item) == before


def test_set_status_tracks_the_new_status():
    item = StockItemFactory()
    services.stock_item_set_status(
        item=locked(item), status=StockStatus.DAMAGED, deltas={"returnorder": 3}
    )
    item.refresh_from_db()
    assert item.status == StockStatus.DAMAGED
    assert entries(item, StockHistoryCode.STOCK_UPDATE)[0].deltas == {
        "status": StockStatus.DAMAGED,
        "returnorder": 3,
    }
    with pytest.raises(ValidationError):
        services.stock_item_set_status(item=locked(item), status=1)


@pytest.mark.parametrize("status", [StockStatus.REJECTED, StockStatus.DESTROYED])
def test_scrap_takes_the_item_out_of_stock(status):
    item = StockItemFactory()
    services.stock_item_scrap(item=locked(item), status=status)
    item.refresh_from_db()
    assert item.status == status and not item.in_stock
    assert not StockItem.objects.in_stock().filter(pk=item.pk).exists()


def test_scrap_refuses_a_status_that_is_not_scrap():
    item = StockItemFactory()
    with pytest.raises(ValidationError) as exc:
        services.stock_item_scrap(item=locked(item), status=StockStatus.DAMAGED)
    assert exc.value.message_dict == {"status": ["A scrapped item must be Rejected or Destroyed"]}


def test_consume_part_of_a_bulk_item_splits_and_installs_the_child():
    unit = StockItemFactory(status=StockStatus.QUARANTINED)
    bulk = BulkStockItemFactory(quantity=Decimal(10))

    consumed = services.stock_item_consume(
        item=locked(bulk), quantity=Decimal(4), into=locked(unit), notes="Repair"
    )

    bulk.refresh_from_db()
    assert bulk.quantity == 6 and bulk.belongs_to_id is None
    consumed.refresh_from_db()
    assert (consumed.parent_id, consumed.quantity, consumed.belongs_to_id) == (bulk.pk, 4, unit.pk)
    assert not consumed.in_stock
    assert list(unit.installed_parts.all()) == [consumed]
    assert entries(consumed, StockHistoryCode.INSTALLED_INTO_ASSEMBLY)[0].deltas == {
        "stockitem": unit.pk,
        "quantity": 4.0,
    }
    assert entries(unit, StockHistoryCode.INSTALLED_CHILD_ITEM)[0].deltas == {
        "stockitem": consumed.pk,
        "quantity": 4.0,
    }
    assert entries(bulk, StockHistoryCode.SPLIT_CHILD_ITEM)[0].deltas["quantity"] == 6.0


def test_consume_all_of_an_item_installs_it_whole():
    unit = StockItemFactory()
    spare = StockItemFactory()
    consumed = services.stock_item_consume(item=locked(spare), quantity=1, into=locked(unit))
    assert consumed.pk == spare.pk
    spare.refresh_from_db()
    assert spare.belongs_to_id == unit.pk
    assert not StockItem.objects.filter(parent=spare).exists()


@pytest.mark.parametrize(
    ("make", "quantity", "field", "message"),
    [
        (lambda: BulkStockItemFactory(quantity=Decimal(2)), 3, "quantity", "must not exceed"),
        (lambda: BulkStockItemFactory(), 0, "quantity", "greater than zero"),
        (lambda: BulkStockItemFactory(customer=CustomerFactory()), 1, "item", "not available"),
        (lambda: BulkStockItemFactory(status=StockStatus.LOST), 1, "item", "not available"),
        (
            lambda: BulkStockItemFactory(part__trackable=True),
            Decimal("0.5"),
            "quantity",
            "integer",
        ),
    ],
)
def test_consume_refusals(make, quantity, field, message):
    unit = StockItemFactory()
    item = make()
    before = row(item)
    with pytest.raises(ValidationError) as exc:
        services.stock_item_consume(item=locked(item), quantity=quantity, into=locked(unit))
    assert list(exc.value.message_dict) == [field]
    assert message in exc.value.message_dict[field][0]
    assert row(item) == before


def test_consume_refuses_installing_an_item_into_itself():
    unit = StockItemFactory()
    with pytest.raises(ValidationError, match="cannot be installed into itself"):
        services.stock_item_consume(item=locked(unit), quantity=1, into=locked(unit))


def _effects():
    """A unit sent out with a new status and part of a bulk item consumed into it."""
    unit = StockItemFactory(status=StockStatus.QUARANTINED)
    bulk = BulkStockItemFactory(quantity=Decimal(10))
    before_rows = {unit.pk: row(unit), bulk.pk: row(bulk)}
    floor = services.stock_tracking_floor()
    snapshot = services.stock_items_snapshot([unit.pk, bulk.pk])
    items = services.stock_items_lock([unit.pk, bulk.pk])
    child = services.stock_item_consume(item=items[bulk.pk], quantity=3, into=items[unit.pk])
    services.stock_item_send_to_customer(
        item=items[unit.pk], customer=CustomerFactory(), status=StockStatus.OK
    )
    pks = [unit.pk, bulk.pk, child.pk]
    return {
        "unit": unit,
        "bulk": bulk,
        "child": child,
        "rows": before_rows,
        "before": snapshot,
        "after": services.stock_items_snapshot(pks),
        "created": [child.pk],
        "tracking": services.stock_tracking_after(pks=pks, floor=floor),
    }


def test_snapshot_holds_the_stock_fields_as_json_safe_values():
    item = BulkStockItemFactory(quantity=Decimal("2.5"), status=StockStatus.DAMAGED)
    snapshot = services.stock_items_snapshot([item.pk])
    assert json.loads(json.dumps(snapshot)) == snapshot
    [(key, fields)] = snapshot.items()
    assert key == str(item.pk)
    assert Decimal(fields.pop("quantity")) == Decimal("2.5")
    assert fields == {
        "status": StockStatus.DAMAGED,
        "location_id": item.location_id,
        "customer_id": None,
        "belongs_to_id": None,
    }


def test_restore_puts_every_row_back_and_marks_the_tracking_reversed():
    done = _effects()
    assert len(done["tracking"]) == 5  # split x2, installed x2, sent

    services.stock_items_restore(
        before=done["before"],
        after=done["after"],
        created=done["created"],
        tracking=done["tracking"],
    )

    for item in (done["unit"], done["bulk"]):
        assert row(item) == done["rows"][item.pk]
    assert not StockItem.objects.filter(pk=done["child"].pk).exists()
    kept = StockItemTracking.objects.filter(pk__in=done["tracking"])
    assert kept.count() == 3  # the child's two entries went with it
    assert all(entry.reversed for entry in kept)


def test_restore_refuses_when_a_row_changed_since_and_changes_nothing():
    done = _effects()
    services.stock_items_count(
        items=[services.StockAdjustment(pk=done["bulk"].pk, quantity=Decimal(5))]
    )
    bulk_now = row(done["bulk"])

    with pytest.raises(ValidationError, match=rf"Stock item\(s\) {done['bulk'].pk} have changed"):
        services.stock_items_restore(
            before=done["before"],
            after=done["after"],
            created=done["created"],
            tracking=done["tracking"],
        )

    assert row(done["bulk"]) == bulk_now
    assert StockItem.objects.filter(pk=done["child"].pk).exists()
    assert not StockItemTracking.objects.filter(pk__in=done["tracking"], reversed=True).exists()
