"""The order list pages by keys: a deep page holds exactly the rows and order of the plain
slice, costs the same queries as the first page, and its orderings have indexes to walk.

The bare array (no ``limit``) is the reference: it is the whole filtered, ordered list, and
every page must be its slice.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.pagination import page_by_keys
from returns import selectors
from returns.statuses import ReturnOrderStatus
from tests.factories import CompanyFactory
from tests.returns.factories import (
    ProjectCodeFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)
from tests.returns.test_queries import PERMISSION_QUERIES

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL's plans and indexes"
)

LIMIT = 4
# The page's keys, picked in a subquery of the query that loads the rows.
KEYS = re.compile(r"(\bIN|= ANY\(ARRAY)\s*\(SELECT (.*?) LIMIT \d+(?: OFFSET \d+)?\)")
TODAY = datetime.date.today()


@pytest.fixture
def orders():
    """23 orders over three customers, with ties on every ordered column."""
    servo = CompanyFactory(name="Servo Works", is_customer=True)
    acme = CompanyFactory(name="Acme", is_customer=True)
    other = CompanyFactory(name="Acme", is_customer=True)  # the same name: ties on customer
    code = ProjectCodeFactory(code="SERVO-FLEET")
    statuses = list(ReturnOrderStatus)
    made = []
    for n in range(23):
        order = ReturnOrderFactory(
            customer=(servo, acme, other)[n % 3],
            status=statuses[n % len(statuses)],
            target_date=None if n % 5 == 0 else TODAY + datetime.timedelta(days=n % 4 - 2),
            description=("Noisy servo" if n % 4 == 0 else "Dead sensor") + f" lot {n % 3}",
            project_code=code if n % 7 == 0 else None,
        )
        for _ in range(n % 3):
            ReturnOrderLineItemFactory(order=order)
        made.append(order)
    return made


@pytest.fixture
def reader(client_for):
    return client_for(return_order=["view"])


def _get(client, params):
    response = client.get("/api/order/ro/", params)
    assert response.status_code == 200, response.content
    return response.json()


CASES = [
    {},
    {"ordering": "target_date"},
    {"ordering": "-target_date"},
    {"ordering": "creation_date"},
    {"ordering": "status"},
    {"ordering": "-customer"},
    {"ordering": "line_items"},
    {"ordering": "reference"},
    {"outstanding": "true", "ordering": "target_date"},
    {"overdue": "true"},
    {"search": "servo"},
    {"search": "acme lot", "ordering": "-target_date"},
    {"search": "fleet"},
]


@pytest.mark.parametrize("params", CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_every_page_is_the_slice_of_the_whole_list(params, orders, reader):
    whole = _get(reader, params)
    assert whole, "each case lists some orders"
    for offset in range(0, len(whole) + LIMIT, LIMIT):
        page = _get(reader, {**params, "limit": LIMIT, "offset": offset})
        assert page["count"] == len(whole)
        assert page["results"] == whole[offset : offset + LIMIT]


def test_a_customer_filter_pages_the_same_way(orders, reader):
    params = {"outstanding": "true", "customer": orders[1].customer_id}
    whole = _get(reader, params)
    last = (len(whole) - 1) // LIMIT * LIMIT
    page = _get(reader, {**params, "limit": LIMIT, "offset": last})
    assert page["results"] == whole[last:]


def test_search_matches_the_related_fields_as_contains_ignoring_case(orders, reader):
    found = {row["pk"] for row in _get(reader, {"search": "SERVO"})}
    expected = {
        order.pk
        for order in orders
        if "servo" in order.customer.name.lower()
        or "servo" in order.description.lower()
        or (order.project_code and "servo" in order.project_code.code.lower())
    }
    assert found == expected
    assert not _get(reader, {"search": "servo nothing-like-this"})


def test_the_last_page_costs_the_queries_of_the_first(orders, reader):
    def queries(offset):
        with CaptureQueriesContext(connection) as captured:
            _get(reader, {"limit": LIMIT, "offset": offset, "ordering": "target_date"})
        return len(captured)

    first = queries(0)  # the user's permissions are loaded and kept by the first request
    assert queries(len(orders) - 1) == queries(0) == first - PERMISSION_QUERIES


def test_the_page_reads_its_keys_in_a_subquery_and_joins_only_those_rows(orders):
    queryset = selectors.return_order_list().order_by("target_date", "pk")
    with CaptureQueriesContext(connection) as captured:
        rows = list(page_by_keys(queryset, 20, LIMIT))
    assert [row.pk for row in rows] == [row.pk for row in queryset[20 : 20 + LIMIT]]
    (sql,) = [q["sql"] for q in captured.captured_queries]
    found = KEYS.search(sql)
    assert found, sql
    # The slice is taken on the bare keys, not on the joined, annotated rows.
    keys = found.group(2)
    assert "OFFSET" in found.group(0)
    assert "JOIN" not in keys and "COUNT" not in keys
    assert "LIMIT" not in sql[: found.start()] + sql[found.end() :]


@pytest.mark.parametrize("offset", range(23))
def test_a_page_in_the_second_half_is_picked_from_the_other_end(offset, orders):
    queryset = selectors.return_order_list().order_by("-target_date", "pk")
    count = queryset.count()
    with CaptureQueriesContext(connection) as captured:
        rows = list(page_by_keys(queryset, offset, LIMIT, count=count))
    assert [row.pk for row in rows] == [row.pk for row in queryset[offset : offset + LIMIT]]
    keys = KEYS.search(captured.captured_queries[0]["sql"]).group(0)
    walked = int(re.search(r"OFFSET (\d+)", keys).group(1)) if "OFFSET" in keys else 0
    # Never more than half of the rows are skipped; the last page skips none.
    assert walked <= count // 2
    if offset + LIMIT >= count:
        assert walked == 0 and '"target_date" ASC' in keys


def _index_columns() -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "returns_returnorder")
    return [c["columns"] for c in constraints.values() if c["index"]]


@pytest.mark.parametrize(
    "columns",
    [
        ["target_date", "id"],
        ["creation_date", "id"],
        ["status", "id"],
        ["reference_int", "reference", "id"],
        ["customer_id", "target_date", "id"],
    ],
)
def test_each_list_ordering_has_an_index_ending_with_the_primary_key(columns):
    assert columns in _index_columns()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows would be scanned and sorted whatever the indexes: ask whether
        # the index can give the order, not whether it pays on a tiny table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@on_postgresql
@pytest.mark.parametrize("ordering", [("target_date", "pk"), ("-target_date", "-pk")])
def test_postgresql_walks_the_target_date_index_for_the_keys(ordering, orders):
    plan = _plan(page_by_keys(selectors.return_order_list().order_by(*ordering), 16, LIMIT))
    keys = plan.split("InitPlan")[1]
    assert "returnorder_target_idx" in keys
    # The line counts run for the page's rows only, not for the 16 skipped.
    loops = {int(n) for n in re.findall(r"SubPlan \d+\n.*?loops=(\d+)", plan, re.S)}
    assert loops == {LIMIT}


@on_postgresql
def test_postgresql_search_reads_trigram_indexes():
    from returns.filters import search_orders

    names = {
        row[0]
        for row in connection.cursor()
        .execute("SELECT indexname FROM pg_indexes WHERE tablename = 'returns_returnorder'")
        .fetchall()
    }
    assert {
        "returnorder_search_ref_trgm",
        "returnorder_search_desc_trgm",
        "returnorder_search_cref_trgm",
    } <= names
    queryset = search_orders(selectors.return_order_list(), "servo").order_by()
    plan = _plan(queryset.values("pk"))
    assert "BitmapOr" in plan and "returnorder_search_desc_trgm" in plan
    assert "Seq Scan on returns_returnorder" not in plan


def test_the_api_slices_the_bare_keys_not_the_joined_rows(orders, reader):
    with CaptureQueriesContext(connection) as captured:
        _get(reader, {"limit": LIMIT, "offset": 12, "ordering": "target_date"})
    sliced = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
    # One query slices: the keys, from the orders alone; the page's rows are read by key.
    assert len(sliced) == 1, sliced
    assert " JOIN " not in sliced[0] and 'SELECT "returns_returnorder"."id"' in sliced[0]
    (rows,) = [q["sql"] for q in captured.captured_queries if "total_price_note" in q["sql"]]
    assert "LIMIT" not in rows and "OFFSET" not in rows
