"""Exact query counts for the return-order endpoints: the same with 3 rows as with 10.

Each request runs as a user holding the return_order role, re-read before the request so the
two permission queries (user and group permissions) are part of every count. If a count
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

PERMISSION_QUERIES = 2  # the user's own permissions, then its groups' permissions


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
        ({}, 1),
        ({"customer_detail": "true"}, 1),
        ({"limit": 5, "ordering": "reference"}, 2),  # the count, then the page
        ({"outstanding": "true", "overdue": "true", "search": "Faulty"}, 1),
    ],
    ids=["plain", "customer_detail", "paginated", "filtered"],
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
    assert len(three) == 3
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
    three = get(reader, url, params, PERMISSION_QUERIES + 1, django_assert_num_queries)
    for _ in range(7):
        ReturnOrderLineItemFactory(order=order)
    ten = get(reader, url, params, PERMISSION_QUERIES + 1, django_assert_num_queries)
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


def _api_receive_queries(client_for, lines) -> int:
    """The queries ``POST ro/<pk>/receive/`` makes for ``lines`` serialized lines."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk = client_for(return_order=["view", "add"], stock=["view", "change"])
    clerk.force_authenticate(User.objects.get(pk=clerk.user.pk))
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(lines)]
    body = {"items": [{"item": pk} for pk in pks], "location": LocationFactory().pk}
    with CaptureQueriesContext(connection) as captured:
        response = clerk.post(f"/api/order/ro/{order.pk}/receive/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["stock_items"]) == lines
    return len(captured)


def test_receiving_through_the_api_costs_the_same_queries_for_one_line_and_for_twenty(
    client_for,
):
    # The body's lines are read in one query, not one lookup per line.
    one = _api_receive_queries(client_for, 1)
    assert _api_receive_queries(client_for, 20) == one
    assert one <= 15 + PERMISSION_QUERIES
