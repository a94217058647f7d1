"""Row counts kept by the database (common.row_counts): the order list's count without
counting the table, exact through every kind of write."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from common import site_settings
from common.models import RowCount
from common.row_counts import counted_tables, whole_table_count
from returns.models import ReturnOrder
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

TABLE = ReturnOrder._meta.db_table


def kept() -> int:
    return RowCount.objects.get(table=TABLE).rows


def test_the_return_order_table_keeps_its_count():
    assert TABLE in counted_tables()
    assert kept() == ReturnOrder.objects.count()


def test_the_count_follows_inserts_bulk_inserts_and_deletes():
    start = ReturnOrder.objects.count()
    first, second = ReturnOrderFactory(), ReturnOrderFactory()
    assert kept() == start + 2
    ReturnOrder.objects.bulk_create(
        [
            ReturnOrder(customer=first.customer, reference=f"RMA-BULK-{n}", reference_int=n)
            for n in range(5)
        ]
    )
    assert kept() == start + 7 == ReturnOrder.objects.count()
    first.delete()
    ReturnOrder.objects.filter(reference__startswith="RMA-BULK-").delete()
    assert kept() == start + 1 == ReturnOrder.objects.count()
    second.delete()
    assert kept() == start


def test_a_rolled_back_write_leaves_the_count_as_it_was():
    start = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        ReturnOrderFactory()
        assert kept() == start + 1
        raise RuntimeError
    assert kept() == start == ReturnOrder.objects.count()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # no insert's checks may be pending at TRUNCATE
def test_truncate_sets_the_count_to_zero():
    ReturnOrderFactory()
    with connection.cursor() as cursor:
        cursor.execute(f'TRUNCATE "{TABLE}" CASCADE')
    assert kept() == 0 == ReturnOrder.objects.count()


def test_only_a_query_over_the_whole_table_uses_it():
    ReturnOrderFactory.create_batch(3)
    whole = ReturnOrder.objects.select_related("customer").order_by("-pk")
    assert whole_table_count(whole) == 3
    assert whole_table_count(ReturnOrder.objects.filter(status=10)) is None
    assert whole_table_count(ReturnOrder.objects.distinct()) is None
    assert whole_table_count(ReturnOrder.objects.none()) is None
    assert whole_table_count(ReturnOrder.objects.all()[:2]) is None
    assert whole_table_count(RowCount.objects.all()) is None  # not a counted table


def test_the_unfiltered_list_reports_the_kept_count_without_counting(client_for):
    ReturnOrderFactory.create_batch(4)
    client = client_for(return_order=["view"])
    with CaptureQueriesContext(connection) as queries:
        data = client.get("/api/order/ro/", {"limit": 2}).json()
    assert data["count"] == 4 and len(data["results"]) == 2
    assert not any(f'"__count" FROM "{TABLE}"' in q["sql"] for q in queries)
    assert any('FROM "common_rowcount"' in q["sql"] for q in queries)


def test_a_filtered_list_still_counts_its_matches(client_for):
    ReturnOrderFactory.create_batch(3, status=10)
    ReturnOrderFactory(status=30)
    client = client_for(return_order=["view"])
    assert client.get("/api/order/ro/", {"limit": 1, "status": 30}).json()["count"] == 1
    assert client.get("/api/order/ro/", {"limit": 1}).json()["count"] == 4


def test_without_its_count_row_the_list_counts_and_recount_restores_it(client_for):
    ReturnOrderFactory.create_batch(2)
    client = client_for(return_order=["view"])
    RowCount.objects.filter(table=TABLE).delete()
    assert client.get("/api/order/ro/", {"limit": 1}).json()["count"] == 2
    RowCount.objects.create(table=TABLE, rows=999)  # as after a restore with triggers off
    assert client.get("/api/order/ro/", {"limit": 1}).json()["count"] == 999
    out = io.StringIO()
    call_command("recount_rows", stdout=out)
    assert f"{TABLE}: 2 rows" in out.getvalue()
    assert kept() == 2
    assert client.get("/api/order/ro/", {"limit": 1}).json()["count"] == 2


def test_the_unfiltered_index_page_reports_the_kept_count(client, make_user):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    ReturnOrderFactory.create_batch(3)
    client.force_login(make_user(return_order=["view"]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/returns/")
    assert response.status_code == 200
    assert not any(f'"__count" FROM "{TABLE}"' in q["sql"] for q in queries)
    assert response.context["page"].paginator.count == 3


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_count_is_restored():
    ReturnOrderFactory()
    call_command("flush", interactive=False, verbosity=0)
    assert kept() == 0 == ReturnOrder.objects.count()
    ReturnOrderFactory()
    assert kept() == 1
