"""``?lines=true``: open lines with their own target date as events of their own."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from returns import calendar, services
from returns.models import ReturnOrderLineItem
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from tests.calendar.conftest import FEED, OrderFactory
from tests.factories import BulkStockItemFactory, PartFactory, StockItemFactory
from users import services as user_services
from users.models import Owner

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus


@pytest.fixture
def feed(viewer):
    """``feed(**params)``: the viewer's feed through their calendar key."""
    _token, key = user_services.calendar_token_regenerate(user=viewer)
    client = APIClient()

    def get(headers=None, **params):
        return client.get(FEED, {"token": key, **params}, **(headers or {}))

    return get


def parse(response) -> Calendar:
    assert response.status_code == 200, response.content[:300]
    return Calendar.from_ical(response.content)


def by_uid(response) -> dict[str, object]:
    return {str(event["uid"]): event for event in parse(response).walk("VEVENT")}


def line(order, *, target=None, serial="SN-1", received=False, outcome=None, part=None, qty=1):
    extra = {"part": part} if part is not None else {}
    if serial:
        item = StockItemFactory(customer=order.customer, location=None, serial=serial, **extra)
    else:
        item = BulkStockItemFactory(customer=order.customer, location=None, **extra)
    return ReturnOrderLineItem.objects.create(
        order=order,
        item=item,
        quantity=Decimal(qty),
        target_date=target,
        received_date=timezone.localdate() if received else None,
        outcome=outcome if outcome is not None else ReturnOrderLineStatus.PENDING,
    )


def counted(call):
    with CaptureQueriesContext(connection) as context:
        response = call()
    return response, [q["sql"] for q in context.captured_queries]


class _Host:
    def __format__(self, spec):
        return calendar.uid_host()


HOST = _Host()


def test_without_lines_the_feed_holds_orders_only(feed, clock):
    order = OrderFactory()
    line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    assert list(by_uid(feed())) == [f"returnorder-{order.pk}@{HOST}"]
    assert list(by_uid(feed(lines="false"))) == [f"returnorder-{order.pk}@{HOST}"]


def test_open_lines_with_a_target_date_become_events(feed, clock):
    part = PartFactory(name="Drive unit", IPN="DU-7")
    order = OrderFactory(reference="RMA-0042", target_date=datetime.date(2026, 3, 30))
    serialized = line(order, target=datetime.date(2026, 3, 20), serial="A-17", part=part)
    bulk = line(order, target=datetime.date(2026, 3, 21), serial=None, qty=3, part=part)
    line(order, target=None, serial="B-1")  # follows the order's date: no event of its own
    clock.advance()
    events = by_uid(feed(lines="true"))
    assert set(events) == {
        f"returnorder-{order.pk}@{HOST}",
        f"returnorderline-{serialized.pk}@{HOST}",
        f"returnorderline-{bulk.pk}@{HOST}",
    }
    unit = events[f"returnorderline-{serialized.pk}@{HOST}"]
    assert str(unit["summary"]) == "RMA-0042 — DU-7 | Drive unit #A-17"
    assert unit.decoded("dtstart") == datetime.date(2026, 3, 20)
    assert unit.decoded("dtend") == datetime.date(2026, 3, 21)
    assert str(unit["url"]).endswith(f"/returns/{order.pk}/#line-{serialized.pk}")
    assert "Line quantity: 1" in str(unit["description"])
    assert str(unit["categories"].cats[0]) == "Return order line"
    many = events[f"returnorderline-{bulk.pk}@{HOST}"]
    assert str(many["summary"]) == "RMA-0042 — 3 x DU-7 | Drive unit"
    assert many.decoded("dtstart") == datetime.date(2026, 3, 21)


def test_line_events_keep_their_uid_across_requests_and_reference_changes(feed, viewer, clock):
    order = OrderFactory()
    first_line = line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    before = by_uid(feed(lines="true"))
    services.return_order_update(order=order, user=viewer, data={"reference": "RMA-9000"})
    clock.advance()
    cache.clear()
    after = by_uid(feed(lines="true"))
    uid = f"returnorderline-{first_line.pk}@{HOST}"
    assert set(before) == set(after)
    assert str(after[uid]["summary"]).startswith("RMA-9000 — ")
    # Every UID is unique in the feed: an order's and its lines' never collide.
    assert len(parse(feed(lines="true")).walk("VEVENT")) == len(after)


def test_only_open_lines_of_open_orders_show(feed, clock):
    target = datetime.date(2026, 3, 20)
    open_order = OrderFactory(status=S.IN_PROGRESS)
    waiting = line(open_order, target=target, serial="W-1")
    received_unset = line(open_order, target=target, serial="W-2", received=True)
    line(
        open_order, target=target, serial="W-3", received=True, outcome=ReturnOrderLineStatus.REPAIR
    )
    done = OrderFactory(status=S.COMPLETE)
    line(done, target=target, serial="W-4")
    clock.advance()
    lines = {
        uid for uid in by_uid(feed(lines="true", include_completed="true")) if "orderline" in uid
    }
    assert lines == {
        f"returnorderline-{waiting.pk}@{HOST}",
        f"returnorderline-{received_unset.pk}@{HOST}",
    }


def test_lines_of_orders_without_a_target_date_show(feed, clock):
    order = OrderFactory(target_date=None)
    mine = line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    assert list(by_uid(feed(lines="true"))) == [f"returnorderline-{mine.pk}@{HOST}"]


def test_the_order_filters_apply_to_lines(feed, viewer, clock):
    target = datetime.date(2026, 3, 20)
    kept = OrderFactory()
    other = OrderFactory()
    kept_line = line(kept, target=target, serial="K-1")
    line(other, target=target, serial="K-2")
    clock.advance()
    uids = by_uid(feed(lines="true", customer=kept.customer_id))
    assert set(uids) == {
        f"returnorder-{kept.pk}@{HOST}",
        f"returnorderline-{kept_line.pk}@{HOST}",
    }


def test_the_events_come_in_date_order_order_first(feed, clock):
    order = OrderFactory(target_date=datetime.date(2026, 3, 20))
    late = line(order, target=datetime.date(2026, 3, 25), serial="L-1")
    same_day = line(order, target=datetime.date(2026, 3, 20), serial="L-2")
    clock.advance()
    uids = [str(e["uid"]) for e in parse(feed(lines="true")).walk("VEVENT")]
    assert uids == [
        f"returnorder-{order.pk}@{HOST}",
        f"returnorderline-{same_day.pk}@{HOST}",
        f"returnorderline-{late.pk}@{HOST}",
    ]


def test_the_same_data_gives_the_same_bytes(feed, clock):
    order = OrderFactory()
    line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    first = feed(lines="true")
    cache.clear()
    clock.advance(3600)
    second = feed(lines="true")
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_lines_true_has_its_own_etag(feed, clock):
    order = OrderFactory()
    line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    assert feed()["ETag"] != feed(lines="true")["ETag"]


def test_a_new_line_target_date_moves_the_validator_and_the_sequence(feed, viewer, clock):
    order = OrderFactory()
    moved = line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    first = feed(lines="true")
    assert feed(headers={"HTTP_IF_NONE_MATCH": first["ETag"]}, lines="true").status_code == 304
    services.return_order_line_update(
        line=moved, user=viewer, data={"target_date": datetime.date(2026, 3, 27)}
    )
    clock.advance()
    second = feed(headers={"HTTP_IF_NONE_MATCH": first["ETag"]}, lines="true")
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    event = by_uid(second)[f"returnorderline-{moved.pk}@{HOST}"]
    assert event.decoded("dtstart") == datetime.date(2026, 3, 27)
    assert int(event["sequence"]) == 1


def test_renaming_a_part_moves_the_validator(feed, clock):
    part = PartFactory(name="Old name")
    order = OrderFactory()
    line(order, target=datetime.date(2026, 3, 20), part=part)
    clock.advance()
    first = feed(lines="true")
    part.name = "New name"
    part.save()
    clock.advance()
    second = feed(headers={"HTTP_IF_NONE_MATCH": first["ETag"]}, lines="true")
    assert second.status_code == 200
    assert b"New name" in second.content


def _owner(user) -> Owner:
    return Owner.objects.get(
        owner_type=ContentType.objects.get_for_model(type(user)), owner_id=user.pk
    )


@pytest.mark.parametrize("params", [{"lines": "true"}, {"lines": "1", "assigned_to_me": "1"}])
def test_a_full_render_with_lines_takes_three_queries(feed, viewer, clock, params):
    ContentType.objects.get_for_model(Owner)  # warm on a live worker
    for order in OrderFactory.create_batch(3, responsible=_owner(viewer)):
        line(order, target=datetime.date(2026, 3, 20), serial=f"Q-{order.pk}")
    clock.advance()
    cache.clear()
    few, queries_few = counted(lambda: feed(**params))
    for order in OrderFactory.create_batch(12, responsible=_owner(viewer)):
        line(order, target=datetime.date(2026, 3, 20), serial=f"Q-{order.pk}-a")
        line(order, target=datetime.date(2026, 3, 21), serial=f"Q-{order.pk}-b")
    clock.advance()
    cache.clear()
    many, queries_many = counted(lambda: feed(**params))
    assert few.content.count(b"BEGIN:VEVENT") == 6
    assert many.content.count(b"BEGIN:VEVENT") == 6 + 36
    # The calendar key with its permission, the validator, orders and lines in one UNION.
    assert len(queries_few) == len(queries_many) == 3, "\n".join(queries_many)


@pytest.mark.parametrize("cold", [True, False], ids=["cold", "warm"])
def test_a_304_with_lines_takes_two_queries(feed, clock, cold):
    order = OrderFactory()
    line(order, target=datetime.date(2026, 3, 20))
    clock.advance()
    first = feed(lines="true")
    if cold:
        cache.clear()
    response, queries = counted(
        lambda: feed(headers={"HTTP_IF_NONE_MATCH": first["ETag"]}, lines="true")
    )
    assert response.status_code == 304
    assert len(queries) == 2, "\n".join(queries)


def test_line_rows_render_like_the_reference_parser_reads_them():
    """The renderer's own line writer: folded, escaped text survives a round trip."""
    context = calendar.FeedContext()
    stamp = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    long_name = "Gear; box, with a very long name that needs folding " * 3
    row = (
        5,
        "RMA-0005",
        "",
        "PO, 7",
        S.PENDING,
        datetime.date(2026, 4, 1),
        datetime.date(2026, 3, 1),
        stamp,
        2,
        "Ünïcode GmbH",
        None,
        0,
        0,
        11,
        long_name,
        "",
        "",
        Decimal("2.50000"),
    )
    body = calendar.calendar_body([row], context)
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["uid"]).startswith("returnorderline-11@")
    assert str(event["summary"]) == f"RMA-0005 — 2.5 x {long_name}"
    assert int(event["sequence"]) == 2
    assert "Customer: Ünïcode GmbH" in str(event["description"])
    assert "Customer reference: PO, 7" in str(event["description"])
    assert all(len(physical) <= 75 for physical in body.split(b"\r\n"))
