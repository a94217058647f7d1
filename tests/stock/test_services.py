"""Stock services: serial number parsing, creating, splitting, assigning, editing, locations."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from stock import services
from stock.models import StockItem, StockItemTracking, StockLocation
from stock.services import parse_serial_numbers
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CompanyFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)


def counts():
    return StockItem.objects.count(), StockItemTracking.objects.count()


# --- parse_serial_numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-3", ["1", "2", "3"]),
        ("5-5", ["5"]),
        ("1-3,7,SN-9", ["1", "2", "3", "7", "SN-9"]),
        (" 1 2,\t3 ,, 4 ", ["1", "2", "3", "4"]),
        ("001-003", ["001", "002", "003"]),
        ("98-101", ["98", "99", "100", "101"]),
        ("A-B", ["A-B"]),
        ("SN-1", ["SN-1"]),
        ("1-2-3", ["1-2-3"]),
    ],
)
def test_parse_serial_numbers_expands_groups(text, expected):
    assert parse_serial_numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1-3,2", "Duplicate serial numbers: 2"),
        ("4,4", "Duplicate serial numbers: 4"),
        ("1-3,2-4", "Duplicate serial numbers: 2, 3"),
        ("5-1", "Invalid group range: 5-1"),
        ("", "Empty serial number string"),
        (" , ,", "Empty serial number string"),
        ("1-1001", "Too many serial numbers in range 1-1001"),
        ("1-1000,X", "Too many serial numbers"),
    ],
)
def test_parse_serial_numbers_rejects_bad_strings(text, message):
    with pytest.raises(ValidationError) as excinfo:
        parse_serial_numbers(text)
    assert excinfo.value.messages == [message]


def test_parse_serial_numbers_checks_the_expected_quantity():
    assert parse_serial_numbers("1-3", expected_quantity=Decimal("3.000")) == ["1", "2", "3"]
    assert parse_serial_numbers("1-3", expected_quantity=3) == ["1", "2", "3"]
    with pytest.raises(ValidationError) as excinfo:
        parse_serial_numbers("1-3", expected_quantity=Decimal("2"))
    assert excinfo.value.messages == ["Number of unique serial numbers (3) must match quantity (2)"]


# --- stock_item_create -------------------------------------------------------------------


@pytest.mark.django_db
def test_create_one_item_writes_a_created_entry():
    user, location = UserFactory(), LocationFactory()
    part = PartFactory(trackable=False)
    [item] = services.stock_item_create(
        part=part, quantity=Decimal("2.5"), user=user, location=location, batch="B-7"
    )
    assert (item.quantity, item.serial, item.batch, item.location) == (
        Decimal("2.5"),
        None,
        "B-7",
        location,
    )
    entry = item.tracking_info.get()
    assert (entry.tracking_type, entry.user) == (StockHistoryCode.CREATED, user)
    assert entry.deltas == {"status": StockStatus.OK, "quantity": 2.5, "location": location.pk}


@pytest.mark.django_db
def test_create_with_serials_makes_items_of_quantity_one():
    part = PartFactory()
    items = services.stock_item_create(part=part, quantity=Decimal(3), serial_numbers="10-12")
    assert [(i.serial, i.serial_int, i.quantity) for i in items] == [
        ("10", 10, 1),
        ("11", 11, 1),
        ("12", 12, 1),
    ]
    assert StockItemTracking.objects.filter(item__in=items).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": Decimal(3), "serial_numbers": "1-3"}, "serial_numbers"),
        ({"quantity": Decimal(2), "serial_numbers": "4,4"}, "serial_numbers"),
        ({"quantity": Decimal(2), "serial_numbers": "7"}, "serial_numbers"),
        ({"quantity": Decimal(0)}, "quantity"),
        ({"quantity": Decimal("1.5")}, "quantity"),
        ({"quantity": Decimal(1), "location": "STRUCTURAL"}, "location"),
    ],
)
def test_create_refuses_and_writes_nothing(kwargs, field):
    part = PartFactory(trackable=True)
    StockItemFactory(part=part, serial="2")
    if kwargs.get("location") == "STRUCTURAL":
        kwargs["location"] = LocationFactory(structural=True)
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        services.stock_item_create(part=part, **kwargs)
    assert field in excinfo.value.message_dict
    assert counts() == before


# --- stock_item_split --------------------------------------------------------------------


def _split(item, quantity, **kwargs):
    with transaction.atomic():
        locked = StockItem.objects.select_for_update().get(pk=item.pk)
        return services.stock_item_split(item=locked, quantity=quantity, **kwargs)


@pytest.mark.django_db
def test_split_moves_quantity_into_a_child_item():
    user = UserFactory()
    item = BulkStockItemFactory(quantity=Decimal(10), batch="LOT-1", status=StockStatus.ATTENTION)
    child = _split(item, Decimal(4), user=user, notes="for order")
    item.refresh_from_db()
    child.refresh_from_db()
    assert item.quantity == 6
    assert child.quantity == 4
    assert child.pk != item.pk
    assert (child.parent, child.part, child.location, child.batch, child.status) == (
        item,
        item.part,
        item.location,
        "LOT-1",
        StockStatus.ATTENTION,
    )
    from_parent = child.tracking_info.get()
    assert from_parent.tracking_type == StockHistoryCode.SPLIT_FROM_PARENT
    assert from_parent.deltas == {"stockitem": item.pk, "quantity": 4.0}
    assert (from_parent.user, from_parent.notes) == (user, "for order")
    to_child = item.tracking_info.get()
    assert to_child.tracking_type == StockHistoryCode.SPLIT_CHILD_ITEM
    assert to_child.deltas == {"removed": 4.0, "quantity": 6.0, "stockitem": child.pk}


@pytest.mark.django_db
def test_split_keeps_fractions():
    item = BulkStockItemFactory(quantity=Decimal("2.5"))
    child = _split(item, Decimal("0.25"))
    item.refresh_from_db()
    assert (item.quantity, child.quantity) == (Decimal("2.25"), Decimal("0.25"))


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [Decimal(0), Decimal(-1), Decimal(10), Decimal(11)])
def test_split_quantity_must_leave_something_on_both_sides(quantity):
    item = BulkStockItemFactory(quantity=Decimal(10))
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        _split(item, quantity)
    assert "quantity" in excinfo.value.message_dict
    item.refresh_from_db()
    assert item.quantity == 10
    assert counts() == before


@pytest.mark.django_db
def test_a_serialized_item_cannot_be_split():
    item = StockItemFactory()
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        _split(item, Decimal("0.5"))
    assert excinfo.value.message_dict == {"quantity": ["A serialized item cannot be split"]}
    assert counts() == before


# --- stock_items_assign ------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_returns_items_by_pk_and_records_history():
    customer, user = CustomerFactory(), UserFactory()
    second, first = StockItemFactory(), StockItemFactory()
    assigned = services.stock_items_assign(
        items=[first, second], customer=customer, user=user, notes="n"
    )
    assert [i.pk for i in assigned] == sorted([first.pk, second.pk])
    assert set(StockItem.objects.values_list("customer", flat=True)) == {customer.pk}
    assert (
        StockItemTracking.objects.filter(
            tracking_type=StockHistoryCode.SENT_TO_CUSTOMER, user=user, notes="n"
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_assign_is_all_or_nothing_and_names_every_problem():
    customer = CustomerFactory()
    good = StockItemFactory()
    unsalable = StockItemFactory(part=PartFactory(salable=False, name="Scrap"))
    taken = StockItemFactory(customer=CustomerFactory())
    lost = StockItemFactory(status=StockStatus.LOST)
    gone = StockItemFactory()
    gone_pk = gone.pk
    StockItem.objects.filter(pk=gone_pk).delete()
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        services.stock_items_assign(items=[good, unsalable, taken, lost, gone], customer=customer)

    messages = excinfo.value.message_dict["items"]
    assert len(messages) == 4
    assert f"Part Scrap is not salable (item {unsalable.pk})" in messages
    assert f"Item {taken.pk} is already assigned to a customer" in messages
    assert f"Item {lost.pk} is not available in stock" in messages
    assert f"Stock item {gone_pk} does not exist" in messages
    assert counts() == before
    good.refresh_from_db()
    assert good.customer is None


@pytest.mark.django_db
def test_assign_refuses_a_company_that_is_not_a_customer():
    item = StockItemFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.stock_items_assign(items=[item], customer=CompanyFactory(is_customer=False))
    assert excinfo.value.message_dict == {"customer": ["Selected company is not a customer"]}
    item.refresh_from_db()
    assert item.customer is None


@pytest.mark.django_db
def test_assign_refuses_an_empty_list():
    with pytest.raises(ValidationError) as excinfo:
        services.stock_items_assign(items=[], customer=CustomerFactory())
    assert "items" in excinfo.value.message_dict


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_assigns_of_one_item_let_exactly_one_win():
    item = StockItemFactory()
    customers = [CustomerFactory(), CustomerFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(customer):
        try:
            barrier.wait(timeout=10)
            services.stock_items_assign(items=[item], customer=customer)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["items"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [f"Item {item.pk} is already assigned to a customer", "ok"]
    item.refresh_from_db()
    assert item.customer in customers
    assert item.tracking_info.count() == 1


# --- stock_item_update -------------------------------------------------------------------


@pytest.mark.django_db
def test_update_applies_valid_changes():
    item = BulkStockItemFactory(quantity=Decimal(5))
    location = LocationFactory()
    updated = services.stock_item_update(
        item=item, data={"quantity": Decimal("4.5"), "location": location, "notes": "moved"}
    )
    item.refresh_from_db()
    assert (item.quantity, item.location, item.notes) == (Decimal("4.5"), location, "moved")
    assert updated.pk == item.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_item", "data", "field"),
    [
        (StockItemFactory, {"quantity": Decimal(2)}, "quantity"),
        (
            lambda: StockItemFactory(serial=None, quantity=3),
            {"quantity": Decimal("2.5")},
            "quantity",
        ),
        (StockItemFactory, {"location": "STRUCTURAL"}, "location"),
        (StockItemFactory, {"status": 1}, "status"),
    ],
)
def test_update_refuses_what_the_model_forbids_and_writes_nothing(make_item, data, field):
    item = make_item()
    if data.get("location") == "STRUCTURAL":
        data = {"location": LocationFactory(structural=True)}
    before = StockItem.objects.values().get(pk=item.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.stock_item_update(item=item, data=data)
    assert field in excinfo.value.message_dict
    assert StockItem.objects.values().get(pk=item.pk) == before


@pytest.mark.django_db
def test_update_is_not_blocked_by_a_customer_that_stopped_being_one():
    customer = CustomerFactory()
    item = StockItemFactory(customer=customer)
    customer.is_customer = False
    customer.save()
    services.stock_item_update(item=item, data={"notes": "still editable"})
    item.refresh_from_db()
    assert (item.notes, item.customer) == ("still editable", customer)


# --- location_save -----------------------------------------------------------------------


@pytest.mark.django_db
def test_location_save_rewrites_paths_all_the_way_down():
    root = LocationFactory(name="Root")
    level1 = LocationFactory(name="L1", parent=root)
    level2a = LocationFactory(name="L2a", parent=level1)
    level2b = LocationFactory(name="L2b", parent=level1)
    level3 = LocationFactory(name="L3", parent=level2b)
    root.name = "Top"
    services.location_save(location=root)
    assert dict(StockLocation.objects.values_list("pk", "pathstring")) == {
        root.pk: "Top",
        level1.pk: "Top/L1",
        level2a.pk: "Top/L1/L2a",
        level2b.pk: "Top/L1/L2b",
        level3.pk: "Top/L1/L2b/L3",
    }


@pytest.mark.django_db
def test_location_save_refuses_a_cycle_and_changes_nothing():
    root = LocationFactory(name="Root")
    child = LocationFactory(name="Child", parent=root)
    grandchild = LocationFactory(name="Grandchild", parent=child)
    before = list(StockLocation.objects.order_by("pk").values_list("pk", "parent", "pathstring"))
    root.parent = grandchild
    with pytest.raises(ValidationError) as excinfo:
        services.location_save(location=root)
    assert excinfo.value.message_dict == {"parent": ["A location cannot be placed inside itself."]}
    after = list(StockLocation.objects.order_by("pk").values_list("pk", "parent", "pathstring"))
    assert after == before


@pytest.mark.django_db
def test_location_name_cannot_contain_the_path_separator():
    with pytest.raises(ValidationError) as excinfo:
        services.location_save(location=StockLocation(name="A/B"))
    assert "name" in excinfo.value.message_dict
    assert not StockLocation.objects.exists()
