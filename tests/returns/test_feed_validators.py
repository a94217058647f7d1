"""The calendar feed's validators come from the database: any worker, cold or warm, answers
a revalidation from them alone, and they move with every change that the body shows."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from returns import calendar, services
from returns.statuses import ReturnOrderStatus
from tests.calendar.conftest import FEED, Clock, OrderFactory, add_line
from tests.factories import GroupFactory, LocationFactory
from users import services as user_services
from users.models import Owner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    fake = Clock(datetime.datetime(2026, 3, 2, 9, 30, 0, 250000, tzinfo=datetime.UTC))
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture
def viewer(make_user):
    return make_user(return_order=["view"])


class Feed:
    """The viewer's feed through their calendar key, as a calendar client polls it."""

    def __init__(self, user):
        _token, self.key = user_services.calendar_token_regenerate(user=user)
        self.client = APIClient()

    def get(self, *, headers=None, **params):
        return self.client.get(FEED, {"token": self.key, **params}, **(headers or {}))

    def revalidate(self, previous, **params):
        return self.get(headers={"HTTP_IF_NONE_MATCH": previous["ETag"]}, **params)


@pytest.fixture
def feed(viewer):
    return Feed(viewer)


def owner_of(instance) -> Owner:
    return Owner.objects.get(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    )


def unfolded(response) -> bytes:
    return response.content.replace(b"\r\n ", b"")


def counted(call):
    with CaptureQueriesContext(connection) as context:
        response = call()
    return response, [q["sql"] for q in context.captured_queries]


# -- cost ----------------------------------------------------------------------------------

# The calendar key with its permission, and the feed's timestamp.
REVALIDATION_QUERIES = 2
# The same, and the orders with everything an event shows.
RENDER_QUERIES = 3


def _no_process_cache(monkeypatch):
    """Make any use of the process's cache fail: a worker that never served this feed."""

    def refuse(*args, **kwargs):
        raise AssertionError("the feed must not depend on a per-process cache")

    cache.clear()
    for name in ("get", "set", "add", "get_many", "set_many", "get_or_set", "touch"):
        monkeypatch.setattr(cache, name, refuse)


@pytest.mark.parametrize("cold", [True, False], ids=["cold", "warm"])
@pytest.mark.parametrize("validator", ["etag", "date"])
def test_a_304_takes_two_queries_on_any_worker(feed, clock, validator, cold, monkeypatch):
    for order in OrderFactory.create_batch(4):
        add_line(order, received=True)
    clock.advance()
    first = feed.get()
    if cold:
        _no_process_cache(monkeypatch)  # another worker, or this one restarted
    header = (
        {"HTTP_IF_NONE_MATCH": first["ETag"]}
        if validator == "etag"
        else {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
    )
    response, queries = counted(lambda: feed.get(headers=header))
    assert response.status_code == 304
    assert response["ETag"] == first["ETag"]
    assert len(queries) == REVALIDATION_QUERIES, "\n".join(queries)


def test_a_304_for_only_mine_needs_no_query_for_the_owners(feed, viewer, clock):
    OrderFactory(responsible=owner_of(viewer))
    clock.advance()
    first = feed.get(assigned_to_me="true")
    cache.clear()
    response, queries = counted(lambda: feed.revalidate(first, assigned_to_me="true"))
    assert response.status_code == 304
    assert len(queries) == REVALIDATION_QUERIES, "\n".join(queries)


@pytest.mark.parametrize("params", [{}, {"include_completed": "1", "assigned_to_me": "1"}])
def test_a_full_render_takes_three_queries_however_many_orders(feed, viewer, clock, params):
    ContentType.objects.get_for_model(Owner)  # the content-type cache, warm on a live worker
    OrderFactory.create_batch(25, responsible=owner_of(viewer))
    clock.advance()
    cache.clear()
    response, queries = counted(lambda: feed.get(**params))
    assert response.status_code == 200
    assert response.content.count(b"BEGIN:VEVENT") == 25
    assert len(queries) == RENDER_QUERIES, "\n".join(queries)


def test_a_stale_etag_gets_the_body_in_three_queries(feed, clock):
    OrderFactory()
    clock.advance()
    response, queries = counted(lambda: feed.get(headers={"HTTP_IF_NONE_MATCH": '"old"'}))
    assert response.status_code == 200
    assert len(queries) == RENDER_QUERIES, "\n".join(queries)


# -- the ETag is the body's ----------------------------------------------------------------


def test_the_same_state_gives_the_same_etag_and_the_same_bytes_on_any_worker(feed, clock):
    OrderFactory.create_batch(3)
    clock.advance()
    first = feed.get()
    cache.clear()
    clock.advance(3600)
    second = feed.get()
    assert second["ETag"] == first["ETag"]
    assert second.content == first.content


def test_users_without_only_mine_share_the_etag_of_their_identical_feed(feed, make_user, clock):
    OrderFactory.create_batch(2)
    clock.advance()
    other = Feed(make_user(return_order=["view"]))
    mine, theirs = feed.get(), other.get()
    assert mine.content == theirs.content
    assert mine["ETag"] == theirs["ETag"]


def test_only_mine_etags_differ_between_users(feed, viewer, make_user, clock):
    OrderFactory(responsible=owner_of(viewer))
    clock.advance()
    other = Feed(make_user(return_order=["view"]))
    mine, theirs = feed.get(assigned_to_me="1"), other.get(assigned_to_me="1")
    assert mine.content != theirs.content
    assert mine["ETag"] != theirs["ETag"]


@pytest.fixture
def varied(viewer):
    """Orders that every filter below selects differently from the default feed."""
    return [
        OrderFactory(status=ReturnOrderStatus.PENDING),
        OrderFactory(status=ReturnOrderStatus.IN_PROGRESS, responsible=owner_of(viewer)),
        OrderFactory(status=ReturnOrderStatus.COMPLETE),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"include_completed": "1"},
        {"assigned_to_me": "1"},
        {"status": "10"},
        {"status": "20,30"},
        {"customer": "first"},
    ],
)
def test_each_filter_has_its_own_etag(feed, clock, varied, params):
    if params.get("customer") == "first":
        params = {"customer": str(varied[0].customer_id)}
    clock.advance()
    default, filtered = feed.get(), feed.get(**params)
    assert filtered.content != default.content
    assert filtered["ETag"] != default["ETag"]
    assert feed.revalidate(default, **params).status_code == 200


# -- every change moves it -----------------------------------------------------------------


def _moved(feed, clock, change, **params):
    """Apply ``change``; the old ETag must now get a 200 whose body differs."""
    before = feed.get(**params)
    change()
    clock.advance()
    after = feed.revalidate(before, **params)
    assert after.status_code == 200, "the old ETag still matched"
    assert after["ETag"] != before["ETag"]
    return before, after


def test_editing_a_shown_order_moves_the_etag(feed, viewer, clock):
    order = OrderFactory()
    clock.advance()
    before, after = _moved(
        feed,
        clock,
        lambda: services.return_order_update(
            order=order, user=viewer, data={"description": "Now with a scratch"}
        ),
    )
    assert b"Now with a scratch" in unfolded(after)
    assert b"Now with a scratch" not in unfolded(before)


def test_deleting_an_order_moves_the_etag(feed, viewer, clock):
    OrderFactory()
    newest = OrderFactory()
    clock.advance()
    _before, after = _moved(
        feed, clock, lambda: services.return_order_delete(order=newest, user=viewer)
    )
    assert after.content.count(b"BEGIN:VEVENT") == 1


def test_receiving_a_line_moves_the_etag(feed, viewer, clock):
    order = OrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    line = add_line(order)
    clock.advance()
    _before, after = _moved(
        feed,
        clock,
        lambda: services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=LocationFactory(), user=viewer
        ),
    )
    assert b"Lines received: 1 / 1" in unfolded(after)


def test_a_new_responsible_moves_the_etag_of_only_mine(feed, viewer, clock):
    order = OrderFactory()
    clock.advance()
    _before, after = _moved(
        feed,
        clock,
        lambda: services.return_order_update(
            order=order, user=viewer, data={"responsible": owner_of(viewer)}
        ),
        assigned_to_me="true",
    )
    assert after.content.count(b"BEGIN:VEVENT") == 1


def test_joining_a_group_moves_the_etag_of_only_mine(feed, viewer, clock):
    group = GroupFactory()
    OrderFactory(responsible=owner_of(group))
    clock.advance()
    _before, after = _moved(feed, clock, lambda: viewer.groups.add(group), assigned_to_me="1")
    assert after.content.count(b"BEGIN:VEVENT") == 1


def test_leaving_a_group_moves_the_etag_of_only_mine(feed, viewer, clock):
    group = GroupFactory()
    viewer.groups.add(group)
    OrderFactory(responsible=owner_of(group))
    clock.advance()
    _before, after = _moved(feed, clock, lambda: viewer.groups.remove(group), assigned_to_me="1")
    assert after.content.count(b"BEGIN:VEVENT") == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOMERANG_INSTANCE_NAME", "Another desk"),
        ("BOOMERANG_BASE_URL", "https://rma.example.org"),
    ],
)
def test_a_setting_shown_in_the_body_moves_the_etag(feed, clock, settings, name, value):
    OrderFactory()
    clock.advance()
    before = feed.get()
    setattr(settings, name, value)
    after = feed.revalidate(before)
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert value.encode() in unfolded(after)


def test_another_language_moves_the_etag(feed, clock, monkeypatch):
    OrderFactory()
    clock.advance()
    before = feed.get()
    # What a translation does to the words the body carries.
    original = calendar._Labels.__init__

    def translated(self):
        original(self)
        self.nobody = "personne"

    monkeypatch.setattr(calendar._Labels, "__init__", translated)
    after = feed.revalidate(before)
    assert after.status_code == 200
    assert b"personne" in unfolded(after)


def test_a_new_feed_format_moves_the_etag(feed, clock, monkeypatch):
    OrderFactory()
    clock.advance()
    before = feed.get()
    monkeypatch.setattr(calendar, "FEED_FORMAT", calendar.FEED_FORMAT + 1)
    assert feed.revalidate(before).status_code == 200


def test_last_modified_still_answers_if_modified_since(feed, clock):
    OrderFactory()
    clock.advance()
    first = feed.get()
    cache.clear()
    response = feed.get(headers={"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]})
    assert response.status_code == 304
    assert response["Last-Modified"] == first["Last-Modified"]
    assert response["ETag"] == first["ETag"]


def test_head_carries_the_etag_of_get(feed, clock):
    OrderFactory()
    clock.advance()
    get = feed.get()
    head = feed.client.head(FEED, {"token": feed.key})
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))
