"""Exact query counts for the return-order endpoints: the same with 3 rows as with 10.

Each request runs as a user holding the return_order role, re-read before the request so the
permission query (user and group permissions together) is part of every count. If a count
changes, pytest-django prints the SQL that ran.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from djmoney.money import Money

from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from tests.factories import AddressFactory, ContactFactory, LocationFactory, UserFactory
from tests.returns.factories import (
    ProjectCodeFactory,
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

PERMISSION_QUERIES = 1  # the user's own and its groups' permissions, in one query


def full_order(lines=2):
    """An order with every relation the serializers show, its lines and an extra line."""
    owner = owner_of(UserFactory())
    order = ReturnOrderFactory(
        status=ReturnOrderStatus.IN_PROGRESS,
        responsible=owner,
        project_code=ProjectCodeFactory(responsible=owner),
        created_by=UserFactory(),
        target_date=datetime.date.today() - datetime.timedelta(days=1),
    )
    order.contact = ContactFactory(company=order.customer)
    order.address = AddressFactory(company=order.customer)
    order.save()
    for n in range(lines):
        ReturnOrderLineItemFactory(
            order=order,
            item__location=LocationFactory(),
            price=Money(n + 1, "USD"),
            outcome=ReturnOrderLineStatus.REPAIR if n else ReturnOrderLineStatus.PENDING,
        )
    ReturnOrderExtraLineFactory(order=order)
    return order


@pytest.fixture
def reader(client_for):
    return client_for(return_order=["view"])


def get(client, url, params, num_queries, django_assert_num_queries):
    """GET ``url`` as a freshly loaded user and assert the exact number of queries."""
    client.force_authenticate(User.objects.get(pk=client.user.pk))
    with django_assert_num_queries(num_queries):
        response = client.get(url, params)
    assert response.status_code == 200
    return response.json()


def rows(data):
    return data["results"] if isinstance(data, dict) else data


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # The rows, then their line counts (one grouped query: returns.representation).
        ({}, 2),
        ({"customer_detail": "true"}, 2),
        ({"limit": 5, "ordering": "reference"}, 3),  # the count, then the page as above
        # A deep page too: its keys are a subquery of the page's query, not a query more.
        ({"limit": 5, "offset": 2, "ordering": "-target_date"}, 3),
        ({"outstanding": "true", "overdue": "true", "search": "Faulty"}, 2),
    ],
    ids=["plain", "customer_detail", "paginated", "deep_page", "filtered"],
)
def test_order_list(params, queries, reader, django_assert_num_queries):
    for _ in range(3):
        full_order()
    three = rows(
        get(
            reader,
            "/api/order/ro/",
            params,
            PERMISSION_QUERIES + queries,
            django_assert_num_queries,
        )
    )
    for _ in range(7):
        full_order()
    ten = rows(
        get(
            reader,
            "/api/order/ro/",
            params,
            PERMISSION_QUERIES + queries,
            django_assert_num_queries,
        )
    )
    assert len(three) == (1 if "offset" in params else 3)
    assert len(ten) == (5 if "limit" in params else 10)
    row = ten[0]
    assert row["responsible_detail"]["name"]
    assert row["contact_detail"]["company_name"]
    assert row["address_detail"]["line1"]
    assert row["project_code_detail"]["responsible_detail"]["label"] == "user"
    assert row["created_by"]["username"]
    assert (row["line_items"], row["completed_lines"], row["received_lines"]) == (2, 1, 0)


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # The lines, then their standing resolutions (none here: so no query for repair parts;
        # tests/returns/test_resolution_api.py pins the list with every kind of resolution).
        ({}, 2),
        ({"part_detail": "true"}, 2),
        ({"order_detail": "true"}, 3),  # ... and their annotated orders
    ],
    ids=["plain", "part_detail", "order_detail"],
)
def test_line_list(params, queries, reader, django_assert_num_queries):
    order = full_order(lines=3)
    three = get(
        reader,
        "/api/order/ro-line/",
        params,
        PERMISSION_QUERIES + queries,
        django_assert_num_queries,
    )
    for _ in range(7):
        ReturnOrderLineItemFactory(order=order, item__location=LocationFactory())
    ten = get(
        reader,
        "/api/order/ro-line/",
        params,
        PERMISSION_QUERIES + queries,
        django_assert_num_queries,
    )
    assert (len(three), len(ten)) == (3, 10)
    assert ten[-1]["item_detail"]["location_detail"]["name"]
    assert ten[-1]["item_detail"]["customer_detail"]["pk"] == order.customer_id
    if "order_detail" in params:
        assert ten[-1]["order_detail"]["line_items"] == 10


def test_extra_line_list(reader, django_assert_num_queries):
    order = full_order()
    for _ in range(2):
        ReturnOrderExtraLineFactory(order=order)
    three = get(
        reader, "/api/order/ro-extra-line/", {}, PERMISSION_QUERIES + 1, django_assert_num_queries
    )
    ReturnOrderExtraLineFactory.create_batch(7, order=order)
    ten = get(
        reader, "/api/order/ro-extra-line/", {}, PERMISSION_QUERIES + 1, django_assert_num_queries
    )
    assert (len(three), len(ten)) == (3, 10)


def test_order_detail(reader, django_assert_num_queries):
    order = full_order(lines=3)
    url = f"/api/order/ro/{order.pk}/"
    params = {"customer_detail": "true"}
    # The order's row, then its line counts.
    three = get(reader, url, params, PERMISSION_QUERIES + 2, django_assert_num_queries)
    for _ in range(7):
        ReturnOrderLineItemFactory(order=order)
    ten = get(reader, url, params, PERMISSION_QUERIES + 2, django_assert_num_queries)
    assert (three["line_items"], ten["line_items"]) == (3, 10)
    assert ten["customer_detail"]["pk"] == order.customer_id
    assert ten["overdue"] is True


def test_history_list(reader, django_assert_num_queries):
    from returns import services

    order = ReturnOrderFactory()
    user = UserFactory()
    for _ in range(3):
        services.return_order_hold(order=order, user=user)
        services.return_order_issue(order=order, user=user)
    url = f"/api/order/ro/{order.pk}/history/"
    # The order's existence check, then the rows with their users.
    six = get(reader, url, {}, PERMISSION_QUERIES + 2, django_assert_num_queries)
    for _ in range(2):
        services.return_order_hold(order=order, user=UserFactory())
        services.return_order_issue(order=order, user=UserFactory())
    ten = get(reader, url, {}, PERMISSION_QUERIES + 2, django_assert_num_queries)
    assert (len(six), len(ten)) == (6, 10)
    assert ten[0]["user_detail"]["username"]


def _receive_queries(lines) -> int:
    """The queries ``return_order_receive`` makes for ``lines`` serialized lines."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from returns import services

    user = UserFactory()
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(lines)]
    location = LocationFactory()
    with CaptureQueriesContext(connection) as captured:
        moved = services.return_order_receive(
            order=order, lines=[(pk, None) for pk in pks], location=location, user=user
        )
    assert len(moved) == lines
    return len(captured)


def test_receiving_costs_the_same_queries_for_one_line_and_for_twenty():
    # Items, tracking entries and lines are written in bulk, not once per line.
    one = _receive_queries(1)
    assert _receive_queries(20) == one
    assert one <= 15


def _api_receive_queries(make_user, lines) -> int:
    """The queries ``POST ro/<pk>/receive/`` makes for ``lines`` serialized lines, as an
    integration sends it: with an API token, whose lookup is counted. The savepoints that the
    test's own transaction adds around the service's are left out: in production the service's
    transaction is the outermost one.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from users.services import api_token_create

    clerk = make_user(return_order=["view", "add"], stock=["view", "change"])
    _token, key = api_token_create(user=clerk, name="integration")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/order/ro/", {"limit": 1})  # the token's last_seen is touched once a minute
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(lines)]
    body = {"items": [{"item": pk} for pk in pks], "location": LocationFactory().pk}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/order/ro/{order.pk}/receive/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["stock_items"]) == lines
    statements = [q["sql"] for q in captured.captured_queries]
    return sum(1 for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def test_receiving_through_the_api_costs_at_most_15_queries_for_one_line_or_a_hundred(
    make_user,
):
    # The token, the role check, the order, the body's lines (one query, not one per line),
    # the location; then the service's locks, reads and bulk writes; then the items shown.
    one = _api_receive_queries(make_user, 1)
    assert _api_receive_queries(make_user, 100) == one
    assert one <= 15
