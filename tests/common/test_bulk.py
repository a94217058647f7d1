"""``common.bulk.insert_rows`` stores what ``bulk_create`` stores, and PostgreSQL connections
send lists of JSON values in binary."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from common.bulk import insert_rows
from returns.models import ReturnOrderReceipt
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import PartFactory, StockItemFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = pytest.mark.django_db

TRICKY = [
    {"quote": 'say "hi"', "back": "a\\b", "nested": {"list": [1, "two", None, True]}},
    {},
    {"unicode": "Ünïcödé 返品 🚚", "braces": "{a,b}", "null": None, "number": 1.5},
    [1, 2, 3],
    "just a string",
]


def _stored(model, pks, fields):
    rows = model.objects.filter(pk__in=pks).order_by("pk").values(*fields)
    return [dict(row) for row in rows]


def test_rows_store_what_bulk_create_stores(make_user):
    user = make_user()
    items = [StockItemFactory() for _ in TRICKY]
    when = timezone.now() - datetime.timedelta(days=3)
    rows = [
        {
            "item_id": item.pk,
            "tracking_type": int(StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER),
            "user_id": user.pk if n % 2 else None,
            "notes": [None, "", 'a "note", with {braces}', "x\\y", "ok"][n],
            "deltas": deltas,
            "date": when,
        }
        for n, (item, deltas) in enumerate(zip(items, TRICKY, strict=True))
    ]
    fast = insert_rows(StockItemTracking, rows)
    slow = StockItemTracking.objects.bulk_create([StockItemTracking(**row) for row in rows])
    fields = ["item_id", "tracking_type", "user_id", "notes", "deltas", "date", "reversed"]
    assert _stored(StockItemTracking, fast, fields) == _stored(
        StockItemTracking, [obj.pk for obj in slow], fields
    )
    # The keys come back in the order of the rows.
    assert [StockItemTracking.objects.get(pk=pk).item_id for pk in fast] == [
        item.pk for item in items
    ]


def test_left_out_fields_take_their_defaults_and_auto_now_the_time():
    part = PartFactory(trackable=False)
    before = timezone.now()
    [pk] = insert_rows(StockItem, [{"part_id": part.pk, "quantity": Decimal("2.5")}])
    item = StockItem.objects.get(pk=pk)
    assert item.quantity == Decimal("2.5")
    assert item.status == StockItem._meta.get_field("status").default
    assert item.batch == "" and item.serial is None and item.customer_id is None
    assert item.updated >= before


def test_decimals_json_and_keys_of_a_receipt(make_user):
    user = make_user()
    order = ReturnOrderFactory()
    line = ReturnOrderLineItemFactory(order=order)
    record = {"before": {"1": {"quantity": "1.00000"}}, "tracking": [3, 1]}
    [pk] = insert_rows(
        ReturnOrderReceipt,
        [
            {
                "order_id": order.pk,
                "line_id": line.pk,
                "quantity": Decimal("0.12345"),
                "created_by_id": user.pk,
                "stock_record": record,
            }
        ],
    )
    receipt = ReturnOrderReceipt.objects.get(pk=pk)
    assert (receipt.order_id, receipt.line_id, receipt.created_by_id) == (
        order.pk,
        line.pk,
        user.pk,
    )
    assert receipt.quantity == Decimal("0.12345")
    assert receipt.stock_record == record
    assert receipt.notes == "" and receipt.undone_at is None


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(StockItemTracking, []) == []


def test_rows_must_name_the_same_known_fields():
    with pytest.raises(ValueError, match="same fields"):
        insert_rows(StockItemTracking, [{"item_id": 1}, {"item_id": 2, "notes": "x"}])
    with pytest.raises(ValueError, match="no fields"):
        insert_rows(StockItemTracking, [{"item": 1}])


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's dumpers")
def test_lists_of_json_go_in_binary_and_other_lists_as_text():
    from psycopg.adapt import PyFormat, Transformer
    from psycopg.pq import Format
    from psycopg.types.json import Jsonb

    connection.ensure_connection()
    transformer = Transformer(connection.connection)
    as_json = transformer.get_dumper([Jsonb({"a": 1}), None], PyFormat.AUTO)
    as_json = as_json.upgrade([Jsonb({"a": 1}), None], PyFormat.AUTO)
    assert as_json.format == Format.BINARY
    words = transformer.get_dumper(["a", "b"], PyFormat.AUTO).upgrade(["a", "b"], PyFormat.AUTO)
    assert words.format == Format.TEXT
    # An explicit text placeholder keeps text.
    text = transformer.get_dumper([Jsonb({})], PyFormat.TEXT).upgrade([Jsonb({})], PyFormat.TEXT)
    assert text.format == Format.TEXT
