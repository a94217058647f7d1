"""Stock items read as rows answer exactly what StockItemSerializer answers in a write.

Receiving lines answers with the stock items it moved, built from ``values()`` rows
(``stock.representation``). These tests render both answers with the API's renderer and
compare the bytes: same keys in the same order, same values, same types.
"""

import json
from decimal import Decimal

import pytest
from rest_framework import serializers

from common.renderers import JSONRenderer
from returns.statuses import ReturnOrderStatus
from stock import representation
from stock.models import StockItem
from stock.representation import StockItemReader, stock_items_as_written
from stock.selectors import stock_item_list
from stock.serializers import StockItemSerializer
from stock.statuses import StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
)
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = pytest.mark.django_db

TEXT = 'Ünïcödé "quoted" \\ back ✓ 返品 🚚'


def _rendered(data) -> bytes:
    return JSONRenderer().render(data)


def _through_serializer(pks) -> list:
    items = stock_item_list().filter(pk__in=pks).order_by("pk")
    return StockItemSerializer(items, many=True).data


@pytest.fixture
def items():
    """Items of every shape: with and without location, customer, serial, IPN and notes."""
    parent = LocationFactory(name="Warehouse")
    shelf = LocationFactory(name=TEXT[:40], parent=parent, structural=False)
    customer = CustomerFactory(name=TEXT[:50], currency="EUR", description=TEXT)
    odd = CustomerFactory(name="Odd", currency="xyz", active=False)
    plain_part = PartFactory(IPN="", name="No IPN", units="pcs", active=False)
    made = [
        StockItemFactory(location=shelf, notes=TEXT, batch="B-1", link="https://example.com/x"),
        StockItemFactory(location=None, customer=customer, status=StockStatus.DAMAGED),
        StockItemFactory(part=plain_part, location=shelf, customer=odd, notes=None),
        BulkStockItemFactory(quantity=Decimal("12.50000"), location=shelf),
        BulkStockItemFactory(quantity=Decimal("0.00001"), location=None, status=StockStatus.LOST),
        StockItemFactory(location=shelf, status=StockStatus.QUARANTINED),
    ]
    made.append(StockItemFactory(location=shelf, parent=made[0], belongs_to=made[1]))
    return made


def test_the_reader_covers_every_field_the_serializer_shows():
    assert StockItemReader.covers()


def test_rows_give_the_serializers_bytes_for_items_of_every_shape(items):
    pks = [item.pk for item in items]
    read = stock_items_as_written(pks)
    assert _rendered(read) == _rendered(_through_serializer(pks))
    # Every detail is shown in a write's answer, and a missing relation is null.
    shown = {item["pk"]: item for item in json.loads(_rendered(read))}
    assert shown[items[1].pk]["location_detail"] is None
    assert shown[items[1].pk]["customer_detail"]["currency"] == "EUR"
    assert shown[items[0].pk]["part_detail"]["full_name"].endswith(items[0].part.name)


def test_rows_come_in_key_order_in_one_query(items, django_assert_num_queries):
    pks = [item.pk for item in reversed(items)]
    with django_assert_num_queries(1):
        read = stock_items_as_written(pks)
    assert [row["pk"] for row in read] == sorted(pks)


def test_a_field_the_reader_does_not_know_falls_back_to_the_serializer(items, monkeypatch):
    class Extended(StockItemSerializer):
        extra = serializers.SerializerMethodField()

        class Meta(StockItemSerializer.Meta):
            fields = [*StockItemSerializer.Meta.fields, "extra"]

        def get_extra(self, obj) -> str:
            return "computed"

    monkeypatch.setattr(representation, "StockItemSerializer", Extended)
    monkeypatch.setattr(representation, "_layout", representation._Layout())
    assert not StockItemReader.covers()
    read = stock_items_as_written([items[0].pk])
    assert read[0]["extra"] == "computed"


def test_a_property_source_is_not_read_as_a_column(items, monkeypatch):
    class WithProperty(StockItemSerializer):
        shown = serializers.CharField(source="__str__", read_only=True)

        class Meta(StockItemSerializer.Meta):
            fields = [*StockItemSerializer.Meta.fields, "shown"]

    monkeypatch.setattr(representation, "StockItemSerializer", WithProperty)
    monkeypatch.setattr(representation, "_layout", representation._Layout())
    assert not StockItemReader.covers()
    assert stock_items_as_written([items[0].pk])[0]["shown"] == str(items[0])


def test_the_receive_answer_is_the_serializers(admin_client_api):
    location = LocationFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    response = admin_client_api.post(
        f"/api/order/ro/{order.pk}/receive/",
        {"items": [{"item": line.pk} for line in lines], "location": location.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    pks = sorted(line.item_id for line in lines)
    answered = json.loads(response.content)["stock_items"]
    assert answered == json.loads(_rendered(_through_serializer(pks)))
    assert {row["location"] for row in response.json()["stock_items"]} == {location.pk}
    assert StockItem.objects.filter(pk__in=pks, customer__isnull=True).count() == 3


def test_a_file_field_falls_back_to_the_serializer(items, monkeypatch):
    from common.serializers import MediaImageField

    class WithImage(StockItemSerializer):
        # On a column of its own model, as an image field of the item would be.
        image = MediaImageField(source="notes", read_only=True)

        class Meta(StockItemSerializer.Meta):
            fields = [*StockItemSerializer.Meta.fields, "image"]

    monkeypatch.setattr(representation, "StockItemSerializer", WithImage)
    monkeypatch.setattr(representation, "_layout", representation._Layout())
    assert not StockItemReader.covers()
    assert stock_items_as_written([items[2].pk])[0]["image"] is None  # no notes: no file


def test_items_sharing_a_relation_show_equal_but_separate_details(items):
    """The detail of a location (or part) several items share is worked out once, and each
    item still gets its own copy."""
    shelf_items = [item.pk for item in items if item.location_id == items[0].location_id]
    assert len(shelf_items) >= 3
    read = stock_items_as_written(shelf_items)
    details = [row["location_detail"] for row in read]
    assert all(detail == details[0] for detail in details)
    assert len({id(detail) for detail in details}) == len(details)
    details[0]["name"] = "changed"
    assert read[1]["location_detail"]["name"] == items[0].location.name
