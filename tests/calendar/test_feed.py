"""The return-order calendar feed: content, filters, credentials, validators and cost."""

import base64
import datetime
import logging
import re

import pytest
import recurring_ical_events
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver
from django.utils.http import http_date, parse_http_date
from icalendar import Calendar
from rest_framework.test import APIClient

from common.log_filters import RedactTokenFilter
from returns import services
from returns.statuses import INVENTREE_STATUSES, ReturnOrderStatus
from tests.calendar.conftest import FEED, OrderFactory, add_line
from tests.factories import CustomerFactory, GroupFactory, UserFactory
from users import services as user_services
from users.models import Owner

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def parse(response) -> Calendar:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(response) -> dict[str, object]:
    """The feed's events by SUMMARY's first word (the order reference)."""
    return {str(e["summary"]).split()[0]: e for e in parse(response).walk("VEVENT")}


def owner_of(instance) -> Owner:
    from django.contrib.contenttypes.models import ContentType

    return Owner.objects.get(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    )


@pytest.fixture
def feed(viewer):
    """``feed(**params)``: the viewer's feed through their calendar key."""
    _token, key = user_services.calendar_token_regenerate(user=viewer)
    client = APIClient()

    def get(path=FEED, **params):
        return client.get(path, {"token": key, **params})

    get.key = key
    get.client = client
    return get


# -- the calendar --------------------------------------------------------------------------


def test_calendar_carries_rfc_5545_and_7986_properties(feed):
    response = feed()
    calendar = parse(response)
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Boomerang//")
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    name = f"{settings.BOOMERANG_INSTANCE_NAME} Return Orders"
    assert str(calendar["NAME"]) == name
    assert str(calendar["X-WR-CALNAME"]) == name
    assert str(calendar["X-WR-CALDESC"])
    lines = response.content.split(b"\r\n")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert b"X-PUBLISHED-TTL:PT1H" in lines


def test_calendar_name_follows_the_instance_name(feed, settings):
    settings.BOOMERANG_INSTANCE_NAME = "ACME Repairs"
    calendar = parse(feed())
    assert str(calendar["NAME"]) == "ACME Repairs Return Orders"
    assert str(calendar["X-WR-CALNAME"]) == "ACME Repairs Return Orders"


def test_event_carries_every_property(feed, settings, make_user):
    settings.BOOMERANG_BASE_URL = "https://rma.example.com"
    responsible = make_user("carol")
    order = OrderFactory(
        customer=CustomerFactory(name="ACME Corp"),
        description="Screens cracked in transit",
        customer_reference="PO-77",
        status=S.IN_PROGRESS,
        target_date=datetime.date(2026, 3, 20),
        responsible=owner_of(responsible),
    )
    add_line(order, received=True)
    add_line(order)
    add_line(order)
    order.refresh_from_db()

    (event,) = parse(feed()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime.date(2026, 3, 20)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("dtend") == datetime.date(2026, 3, 21)
    assert event["DTEND"].params["VALUE"] == "DATE"
    assert str(event["UID"]) == f"returnorder-{order.pk}@rma.example.com"
    assert order.reference not in str(event["UID"])
    stamp = order.updated_at.replace(microsecond=0)
    assert event.decoded("dtstamp") == stamp
    assert event.decoded("last-modified") == stamp
    assert event.decoded("sequence") == 0
    assert "RMA-" in str(event["SUMMARY"]) and order.reference in str(event["SUMMARY"])
    assert "ACME Corp" in str(event["SUMMARY"])
    description = str(event["DESCRIPTION"])
    for text in (
        "Customer: ACME Corp",
        "Status: In Progress",
        "Description: Screens cracked in transit",
        "Lines received: 1 / 3",
        "Responsible: carol",
        "Customer reference: PO-77",
    ):
        assert text in description
    assert str(event["URL"]) == f"https://rma.example.com/returns/{order.pk}/"
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "TRANSPARENT"


def test_cancelled_order_is_a_cancelled_event(feed):
    order = OrderFactory(status=S.CANCELLED)
    events_ = events(feed(include_completed="true"))
    assert events_[order.reference]["STATUS"] == "CANCELLED"


def test_order_without_a_customer_does_not_break_the_feed(feed):
    order = OrderFactory(customer=None)
    event = events(feed())[order.reference]
    assert "No customer" in str(event["SUMMARY"])
    assert "Customer: No customer" in str(event["DESCRIPTION"])


def test_uid_survives_a_new_reference_and_sequence_counts_target_date_changes(feed, viewer, clock):
    order = OrderFactory(target_date=datetime.date(2026, 3, 20))
    first = events(feed())[order.reference]

    services.return_order_update(order=order, user=viewer, data={"reference": "RMA-0999"})
    clock.advance()
    renamed = events(feed())["RMA-0999"]
    assert renamed["UID"] == first["UID"]
    assert renamed.decoded("sequence") == 0

    order.refresh_from_db()
    services.return_order_update(
        order=order, user=viewer, data={"target_date": datetime.date(2026, 3, 25)}
    )
    clock.advance()
    moved = events(feed())["RMA-0999"]
    assert moved["UID"] == first["UID"]
    assert moved.decoded("sequence") == 1
    assert moved.decoded("dtstart") == datetime.date(2026, 3, 25)
    assert moved.decoded("dtstamp") > first.decoded("dtstamp")


def test_text_is_escaped_and_folded_and_survives_a_round_trip(feed):
    text = "Cracked, chipped; dead.\nSecond line: «Prüfung» für 東京 — " + "long " * 30
    customer = CustomerFactory(name="Müller, Söhne; & Co")
    order = OrderFactory(customer=customer, description=text[:250])
    response = feed()
    body = response.content
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    event = events(response)[order.reference]
    assert f"Description: {text[:250]}" in str(event["DESCRIPTION"])
    assert "Müller, Söhne; & Co" in str(event["SUMMARY"])
    assert rb"Cracked\, chipped\; dead.\n" in body.replace(b"\r\n ", b"")


def test_same_data_gives_the_same_bytes(feed, clock):
    OrderFactory.create_batch(3)
    first = feed()
    clock.advance(3600)
    second = feed()
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_an_independent_consumer_sees_each_order_once_on_its_target_date(feed):
    inside = [OrderFactory(target_date=datetime.date(2026, 3, day)) for day in (1, 15, 31)]
    outside = OrderFactory(target_date=datetime.date(2026, 4, 1))
    calendar = parse(feed())
    occurrences = recurring_ical_events.of(calendar).between(
        datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
    )
    by_uid = {}
    for occurrence in occurrences:
        by_uid.setdefault(str(occurrence["UID"]), []).append(occurrence)
    assert set(by_uid) == {f"returnorder-{o.pk}@testserver" for o in inside}
    for order in inside:
        (occurrence,) = by_uid[f"returnorder-{order.pk}@testserver"]
        start = occurrence.decoded("dtstart")
        assert not isinstance(start, datetime.datetime)  # all-day
        assert start == order.target_date
        assert occurrence.decoded("dtend") == order.target_date + datetime.timedelta(days=1)
    assert f"returnorder-{outside.pk}@testserver" not in by_uid


# -- which orders --------------------------------------------------------------------------


@pytest.fixture
def one_of_each():
    """An order in every InvenTree status, and an open one without a target date (the
    authorization statuses: tests/returns/test_authorization.py)."""
    orders = {status: OrderFactory(status=status) for status in INVENTREE_STATUSES}
    OrderFactory(target_date=None)
    return orders


def test_default_lists_open_orders_with_a_target_date(feed, one_of_each):
    expected = {one_of_each[s].reference for s in (S.PENDING, S.IN_PROGRESS, S.ON_HOLD)}
    assert set(events(feed())) == expected


@pytest.mark.parametrize("value", ["true", "True", "1", "yes"])
def test_include_completed_adds_complete_and_cancelled_orders(feed, one_of_each, value):
    assert set(events(feed(include_completed=value))) == {
        order.reference for order in one_of_each.values()
    }


@pytest.mark.parametrize("value", ["false", "False", "0", "no", ""])
def test_include_completed_false_means_false(feed, one_of_each, value):
    assert len(events(feed(include_completed=value))) == 3


def test_include_completed_that_is_no_boolean_is_a_400(feed):
    response = feed(include_completed="perhaps")
    assert response.status_code == 400
    assert "include_completed" in response.json()


def test_assigned_to_me_keeps_orders_of_the_user_and_their_groups(feed, viewer):
    group = GroupFactory()
    viewer.groups.add(group)
    mine = OrderFactory(responsible=owner_of(viewer))
    my_groups = OrderFactory(responsible=owner_of(group))
    OrderFactory(responsible=owner_of(UserFactory()))
    OrderFactory(responsible=None)
    assert set(events(feed(assigned_to_me="true"))) == {mine.reference, my_groups.reference}
    assert len(events(feed(assigned_to_me="false"))) == 4


def test_customer_filter(feed):
    acme = CustomerFactory()
    ours = OrderFactory.create_batch(2, customer=acme)
    OrderFactory()
    assert set(events(feed(customer=acme.pk))) == {o.reference for o in ours}
    assert len(events(feed(customer=""))) == 3
    assert feed(customer="acme").status_code == 400


def test_status_filter_replaces_the_default(feed, one_of_each):
    assert set(events(feed(status=S.IN_PROGRESS))) == {one_of_each[S.IN_PROGRESS].reference}
    assert set(events(feed(status=S.COMPLETE))) == {one_of_each[S.COMPLETE].reference}
    pending_and_cancelled = {one_of_each[S.PENDING].reference, one_of_each[S.CANCELLED].reference}
    assert set(events(feed(status=[S.PENDING, S.CANCELLED]))) == pending_and_cancelled
    assert set(events(feed(status=f"{S.PENDING},{S.CANCELLED}"))) == pending_and_cancelled
    assert len(events(feed(status="open"))) == 3
    assert feed(status="99").status_code == 400
    # Unicode digits pass str.isdigit() but not int(): still a 400, not a 500.
    assert feed(status="\u00b3").status_code == 400
    assert feed(status="\u0663\u0660").status_code == 400


# -- credentials ---------------------------------------------------------------------------


def test_anonymous_is_challenged_for_basic_auth():
    response = APIClient().get(FEED)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="')
    assert response["Referrer-Policy"] == "no-referrer"


def test_session(client, viewer):
    client.force_login(viewer)
    assert client.get(FEED).status_code == 200


@pytest.mark.parametrize("password", ["plain-password", "with:colons:in:it"])
def test_basic_auth_creates_no_session(viewer, password):
    viewer.set_password(password)
    viewer.save()
    client = APIClient()
    response = client.get(FEED, HTTP_AUTHORIZATION=basic(viewer.username, password))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_basic_auth_with_a_wrong_password_is_challenged_again(viewer):
    response = APIClient().get(FEED, HTTP_AUTHORIZATION=basic(viewer.username, "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_api_token_header(viewer):
    _token, key = user_services.api_token_create(user=viewer, name="calendar")
    response = APIClient().get(FEED, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_calendar_key(feed):
    assert feed().status_code == 200


@pytest.mark.parametrize(
    "key",
    ["", "x", "bmc-", "bmc-" + "0" * 59, "bmc-zzzz" + "é" * 55, "Token abc", "bmr-" + "a" * 59],
)
def test_a_bad_calendar_key_is_a_401_never_a_500(db, key):
    response = APIClient().get(FEED, {"token": key})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_a_calendar_key_with_a_wrong_secret_is_a_401(feed):
    forged = feed.key[:-4] + ("AAAA" if not feed.key.endswith("AAAA") else "BBBB")
    assert APIClient().get(FEED, {"token": forged}).status_code == 401


def test_revoked_calendar_key_is_a_401(feed, viewer):
    user_services.calendar_token_revoke(user=viewer)
    assert feed().status_code == 401


def test_regenerating_the_key_stops_the_old_one_at_once(feed, viewer):
    _token, new_key = user_services.calendar_token_regenerate(user=viewer)
    assert feed().status_code == 401
    assert APIClient().get(FEED, {"token": new_key}).status_code == 200


def test_only_a_hash_of_the_key_is_stored(feed, viewer):
    token = viewer.calendar_token
    assert feed.key not in (token.selector, token.key_hash)
    assert feed.key[len("bmc-") :] not in token.key_hash


def test_calendar_key_of_an_inactive_user_is_a_401(feed, viewer):
    viewer.is_active = False
    viewer.save()
    assert feed().status_code == 401


def test_calendar_key_of_a_user_without_the_role_is_a_403(make_user):
    nobody = make_user(stock=["view"])
    _token, key = user_services.calendar_token_regenerate(user=nobody)
    assert APIClient().get(FEED, {"token": key}).status_code == 403


def _role_permissions():
    from users.roles import ROLES

    labels = [label for role in ROLES.values() for label in role["models"]]
    return [
        p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.content_type.model}" in labels
    ]


@pytest.mark.parametrize("credential", ["calendar key", "basic"])
def test_exactly_view_returnorder_is_needed(credential):
    """The permission matrix's four callers, with each kind of credential."""
    view = Permission.objects.get(content_type__app_label="returns", codename="view_returnorder")
    others = [p for p in _role_permissions() if p != view]
    expected = {
        "nothing": ([], 403),
        "every other role permission": (others, 403),
        "exactly view_returnorder": ([view], 200),
    }
    for who, (permissions, status) in expected.items():
        user = UserFactory()
        user.user_permissions.set(permissions)
        if credential == "basic":
            response = APIClient().get(FEED, HTTP_AUTHORIZATION=basic(user.username, "password"))
        else:
            _token, key = user_services.calendar_token_regenerate(user=user)
            response = APIClient().get(FEED, {"token": key})
        assert response.status_code == status, who
    superuser = UserFactory(is_superuser=True)
    _token, key = user_services.calendar_token_regenerate(user=superuser)
    assert APIClient().get(FEED, {"token": key}).status_code == 200


def _api_paths() -> list[str]:
    """A concrete GET path for every API route (and the media downloads)."""
    values = {"pk": "1", "model_type": "company", "path": "company/1/x.pdf"}
    paths = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif route.startswith(("api/", "media/")) and "^" not in route:
                paths.append(
                    "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m[1], "x"), route)
                )

    walk(get_resolver().url_patterns)
    # The schema and its UI are public and slow to build.
    return [p for p in paths if p not in ("/api/schema/", "/api/docs/", FEED)]


def test_the_calendar_key_opens_no_other_endpoint(feed):
    """With the key, every other endpoint answers exactly as it answers a stranger."""
    paths = _api_paths()
    assert "/api/order/ro/" in paths and "/api/user/me/" in paths
    for path in paths:
        anonymous = APIClient().get(path)
        with_key = APIClient().get(path, {"token": feed.key})
        assert with_key.status_code == anonymous.status_code, path
    for path in ("/api/order/ro/", "/api/user/me/"):
        for header in (f"Token {feed.key}", f"Bearer {feed.key}", basic("x", feed.key)):
            assert APIClient().get(path, HTTP_AUTHORIZATION=header).status_code == 401


@pytest.mark.parametrize("path", [FEED, "/api/order/ro/"])
def test_the_calendar_key_is_read_only(make_user, path):
    """Even a superuser's key authenticates no write, here or anywhere."""
    superuser = make_user(superuser=True)
    _token, key = user_services.calendar_token_regenerate(user=superuser)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(APIClient(), method)(f"{path}?token={key}", {}, format="json")
        assert response.status_code == 401, method


# -- HTTP ----------------------------------------------------------------------------------


def test_http_headers(feed, clock):
    OrderFactory()
    clock.advance()
    response = feed(HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert re.fullmatch(r'"[0-9a-f]{64}"', response["ETag"])
    assert parse_http_date(response["Last-Modified"])
    assert response["Cache-Control"].startswith("private")
    assert "no-transform" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.has_header("Content-Encoding")
    assert not [m for m in settings.MIDDLEWARE if "GZip" in m]


@pytest.mark.parametrize("accept", [None, "application/json", "text/html", "text/calendar"])
def test_the_accept_header_does_not_matter(feed, accept):
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    assert parse(feed.client.get(FEED, {"token": feed.key}, **extra))


def test_head_answers_like_get_without_a_body(feed, clock):
    OrderFactory()
    clock.advance()
    get = feed()
    head = feed.client.head(FEED, {"token": feed.key})
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
        assert head[header] == get[header]


def test_if_none_match_is_a_304(feed):
    OrderFactory()
    etag = feed()["ETag"]
    response = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("private")
    weak = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_NONE_MATCH=f"W/{etag}")
    assert weak.status_code == 304
    other = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_if_none_match_is_a_304_even_when_the_etag_was_forgotten(feed):
    from django.core.cache import cache

    OrderFactory()
    etag = feed()["ETag"]
    cache.clear()  # another worker, a restart
    response = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_if_modified_since_is_a_304(feed, clock):
    OrderFactory()
    clock.advance()
    modified = feed()["Last-Modified"]
    same = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_MODIFIED_SINCE=modified)
    assert same.status_code == 304
    assert same["Last-Modified"] == modified
    earlier = http_date(parse_http_date(modified) - 1)
    assert (
        feed.client.get(FEED, {"token": feed.key}, HTTP_IF_MODIFIED_SINCE=earlier).status_code
        == 200
    )
    bad = feed.client.get(FEED, {"token": feed.key}, HTTP_IF_MODIFIED_SINCE="yesterday")
    assert bad.status_code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(feed, clock):
    OrderFactory()
    clock.advance()
    first = feed()
    response = feed.client.get(
        FEED,
        {"token": feed.key},
        HTTP_IF_NONE_MATCH='"stale"',
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )
    assert response.status_code == 200


def _revalidate(feed, previous):
    return feed.client.get(
        FEED,
        {"token": feed.key},
        HTTP_IF_NONE_MATCH=previous["ETag"],
        HTTP_IF_MODIFIED_SINCE=previous["Last-Modified"],
    ), feed.client.get(FEED, {"token": feed.key}, HTTP_IF_MODIFIED_SINCE=previous["Last-Modified"])


def _assert_moved_forward(before, after):
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert parse_http_date(after["Last-Modified"]) > parse_http_date(before["Last-Modified"])


def test_deleting_an_order_moves_the_validators_forward(feed, viewer, clock):
    keep = OrderFactory()
    newest = OrderFactory()
    clock.advance()
    before = feed()
    services.return_order_delete(order=newest, user=viewer)
    clock.advance()
    by_etag, by_date = _revalidate(feed, before)
    _assert_moved_forward(before, by_etag)
    _assert_moved_forward(before, by_date)
    assert set(events(by_etag)) == {keep.reference}


def test_cancelling_an_order_moves_the_validators_forward(feed, viewer, clock):
    order = OrderFactory()
    clock.advance()
    before = feed()
    services.return_order_cancel(order=order, user=viewer)
    clock.advance()
    by_etag, by_date = _revalidate(feed, before)
    _assert_moved_forward(before, by_etag)
    _assert_moved_forward(before, by_date)
    assert events(by_etag) == {}


def test_renaming_the_customer_moves_the_validators_forward(feed, clock):
    order = OrderFactory()
    clock.advance()
    before = feed()
    order.customer.name = "Renamed Ltd"
    order.customer.save()
    clock.advance()
    by_etag, _by_date = _revalidate(feed, before)
    _assert_moved_forward(before, by_etag)
    assert "Renamed Ltd" in str(events(by_etag)[order.reference]["SUMMARY"])


def test_joining_a_group_moves_the_validators_of_only_mine(feed, viewer, clock):
    group = GroupFactory()
    OrderFactory(responsible=owner_of(group))
    clock.advance()
    before = feed(assigned_to_me="true")
    assert events(before) == {}
    viewer.groups.add(group)
    clock.advance()
    after = feed.client.get(
        FEED,
        {"token": feed.key, "assigned_to_me": "true"},
        HTTP_IF_NONE_MATCH=before["ETag"],
    )
    _assert_moved_forward(before, after)
    assert len(events(after)) == 1


def test_no_last_modified_during_the_second_of_a_change(feed, clock):
    """HTTP dates count seconds: a date that could still change within it is held back."""
    clock.advance(0.5)
    OrderFactory()
    response = feed()
    assert not response.has_header("Last-Modified")
    assert response.has_header("ETag")
    clock.advance(1)
    assert feed().has_header("Last-Modified")


# -- cost ----------------------------------------------------------------------------------


def _queries(get, **extra) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = get(**extra)
    assert response.status_code in (200, 304)
    return [q["sql"] for q in context.captured_queries]


@pytest.mark.parametrize("params", [{}, {"include_completed": "1", "assigned_to_me": "1"}])
def test_query_count_does_not_grow_with_the_orders(feed, viewer, params, clock):
    def make(count):
        for order in OrderFactory.create_batch(count, responsible=owner_of(viewer)):
            add_line(order, received=True)
            add_line(order)
        clock.advance()

    feed(**params)  # warm the content-type cache
    make(3)
    few = _queries(feed, **params)
    assert len(events(feed(**params))) == 3
    make(27)
    many = _queries(feed, **params)
    assert len(events(feed(**params))) == 30
    # The calendar key (and its permission), the validator, the orders.
    assert len(few) == len(many) == 3, "\n".join(many)


def test_query_count_with_basic_auth_does_not_grow_either(viewer, clock):
    def get():
        return APIClient().get(FEED, HTTP_AUTHORIZATION=basic(viewer.username, "password"))

    OrderFactory.create_batch(3)
    clock.advance()
    few = _queries(get)
    OrderFactory.create_batch(27)
    clock.advance()
    many = _queries(get)
    assert len(few) == len(many)


@pytest.mark.parametrize("validator", ["etag", "date"])
def test_a_304_costs_two_queries(feed, validator, clock):
    OrderFactory.create_batch(5)
    clock.advance()
    first = feed()
    header = (
        {"HTTP_IF_NONE_MATCH": first["ETag"]}
        if validator == "etag"
        else {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
    )

    def get():
        return feed.client.get(FEED, {"token": feed.key}, **header)

    queries = _queries(get)
    assert get().status_code == 304
    assert len(queries) == 2, "\n".join(queries)  # the key (with permission), the validator


# -- logs ----------------------------------------------------------------------------------


def test_tokens_in_urls_are_redacted_in_the_request_logs(feed):
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET {FEED}?include_completed=1&token={feed.key}&x=1 HTTP/1.1", "200", "512"),
        None,
    )
    assert RedactTokenFilter().filter(record)
    message = record.getMessage()
    assert feed.key not in message
    assert "token=[redacted]&x=1" in message
    for name in ("django.server", "django.request"):
        assert any(isinstance(f, RedactTokenFilter) for f in logging.getLogger(name).filters)
