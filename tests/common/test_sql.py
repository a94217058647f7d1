"""Queries compiled once and run again with new values (common.sql)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from common.sql import ReusedQuery, padded
from returns.models import ReturnOrder, ReturnOrderLineItem
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = pytest.mark.django_db


def _by_reference(reference):
    return ReturnOrder.objects.filter(reference=reference).values_list("pk", "creation_date")


def test_each_call_runs_the_compiled_sql_with_its_own_values():
    first, second = ReturnOrderFactory(), ReturnOrderFactory()
    query = ReusedQuery(_by_reference)

    with CaptureQueriesContext(connection) as queries:
        assert query.rows(reference=first.reference) == [(first.pk, first.creation_date)]
        assert query.rows(reference=second.reference) == [(second.pk, second.creation_date)]
        assert query.rows(reference="no such order") == []

    assert len(queries) == 3
    # One statement: the values are parameters, not part of the SQL.
    assert queries[0]["sql"].replace(first.reference, "?") == queries[1]["sql"].replace(
        second.reference, "?"
    )
    assert query._compiled.keys() == {("default", (("reference", None),))}


def test_rows_are_converted_as_the_orm_converts_them():
    # SQLite returns dates as text: the ORM's converters make them dates again.
    order = ReturnOrderFactory(creation_date=datetime.date(2026, 3, 1))
    (row,) = ReusedQuery(_by_reference).rows(reference=order.reference)
    assert row == (order.pk, datetime.date(2026, 3, 1))
    assert isinstance(row[1], datetime.date)


def test_a_list_value_compiles_once_per_length():
    orders = ReturnOrderFactory.create_batch(3)
    query = ReusedQuery(lambda keys: ReturnOrder.objects.filter(pk__in=keys).values_list("pk"))

    assert sorted(query.rows(keys=[o.pk for o in orders])) == sorted((o.pk,) for o in orders)
    assert query.rows(keys=[orders[0].pk, orders[0].pk, orders[0].pk]) == [(orders[0].pk,)]
    assert query.rows(keys=[orders[1].pk]) == [(orders[1].pk,)]
    assert len(query._compiled) == 2  # lengths 3 and 1


def test_a_32_bit_key_can_be_a_value():
    # auth_user.id is a 32-bit integer on PostgreSQL: a marker beyond its range would compile
    # to "matches nothing" and the query would never find anyone.
    from django.contrib.auth.models import User

    from tests.factories import UserFactory

    users = [UserFactory(), UserFactory()]
    query = ReusedQuery(lambda pk: User.objects.filter(pk=pk).values_list("username"))
    for user in users:
        assert query.rows(pk=user.pk) == [(user.username,)]


def test_padding_repeats_the_last_value_to_a_multiple_of_eight():
    assert padded([]) == []
    assert padded([1, 2, 3]) == [1, 2, 3, 3, 3, 3, 3, 3]
    assert padded(list(range(8))) == list(range(8))
    assert len(padded(list(range(9)))) == 16


def test_a_value_the_orm_would_change_is_refused_when_compiled():
    # icontains wraps the value in %...%: the marker never reaches the database as given.
    query = ReusedQuery(lambda text: ReturnOrder.objects.filter(reference__icontains=text))
    with pytest.raises(ImproperlyConfigured, match="unchanged"):
        query.rows(text="RMA")
    with pytest.raises(ImproperlyConfigured, match="integers and strings"):
        ReusedQuery(_by_reference).rows(reference=datetime.date(2026, 1, 1))


def test_grouped_counts_for_a_padded_page():
    line = ReturnOrderLineItemFactory()
    ReturnOrderLineItemFactory(order=line.order)
    query = ReusedQuery(
        lambda keys: (
            ReturnOrderLineItem.objects.filter(order_id__in=keys)
            .order_by()
            .values("order_id")
            .annotate(n=Count("pk"))
            .values_list("order_id", "n")
        )
    )
    assert query.rows(keys=padded([line.order_id])) == [(line.order_id, 2)]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's prepared statements")
def test_postgresql_prepares_the_reused_statements_and_no_others():
    order = ReturnOrderFactory()
    connection.ensure_connection()
    if not connection.features.uses_server_side_binding:
        pytest.skip("DATABASE_PREPARED_STATEMENTS is off")
    query = ReusedQuery(_by_reference)
    query.rows(reference=order.reference)
    list(ReturnOrder.objects.filter(reference=order.reference).values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("/* reused */") and "returns_returnorder" in s for s in prepared)
    assert not any(s.startswith("SELECT") and '"reference" = $1' in s for s in prepared)
