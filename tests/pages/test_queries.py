"""Each page runs a fixed number of queries, whatever the number of rows it shows.

Every test renders a page at two data sizes with the same pinned count, so an N+1 (a template
following a relation its selector did not load) fails here with the SQL printed. When a page
legitimately needs one more query, change its constant and say which query in the comment.
"""

import datetime
import re
from decimal import Decimal

import pytest
from djmoney.money import Money

from common.models import Attachment, SiteSetting
from returns.models import (
    ProjectCode,
    ReturnOrderHistory,
    ReturnOrderMessage,
    ReturnOrderReceipt,
    ReturnOrderReceiptDisposition,
)
from returns.statuses import ReturnOrderStatus
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    GroupFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    UserFactory,
)
from tests.pages.factories import (
    ExtraLineFactory,
    HeldItemFactory,
    LineFactory,
    OrderFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
SIZES = [3, 12]
DAY = datetime.date(2031, 5, 14)
STATUSES = [S.PENDING, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETE, S.CANCELLED]

# Every page: the session, the user with its own and its groups' permissions (one query, see
# users.permission_names), and RETURNORDER_ENABLED. A request reads each site setting once
# (common.site_settings): the page's decorator and the navigation's context processor share
# that one read.
BASE = 3
# The index: the count, the page's orders (their keys picked in the same query), and the
# user's calendar token (the Subscribe panel), and the reason and condition filters' choices
# (one query for both lists). The customer and responsible pickers read nothing until a key or
# name arrives (tests/pages/test_index_pickers.py).
INDEX_QUERIES = BASE + 4
# The calendar: the month's orders, the user's calendar token (the Subscribe panel) and the
# filters' reasons and conditions.
CALENDAR_QUERIES = BASE + 3
# The order page: the order, its lines (with their reasons, conditions and standing
# resolutions joined), extra lines, receipts (with their dispositions), history, attachments,
# and the active reasons for the scan field (an open order the user may add lines to). (A
# complete order reads RETURNORDER_EDIT_COMPLETED_ORDERS too: is it locked? Repairs add their
# parts: one query, see tests/pages/test_resolution_pages.py.)
# Within the pages' bound of 10. The thread with the customer (its messages, their authors
# and their files) is one column of the order's row, so it costs no query of its own: an
# order with a long thread reads as much as one with a single message or none.
DETAIL_QUERIES = BASE + 7
# The company page: the company, contacts, addresses, stock held and its orders, plus the
# contacts' portal access, the company's portal sign-in domains and its customer e-mail choice.
COMPANY_QUERIES = BASE + 8
# The stock item page: the item, its tracking, the orders tracking names and its lines.
STOCK_ITEM_QUERIES = BASE + 4
# The home dashboard: every panel's count (one query), and each of the five panels' short list
# (with its customers joined).
HOME_QUERIES = BASE + 6
# The company list: the count, the page of companies (with their counts) and their primary
# addresses.
COMPANY_LIST_QUERIES = BASE + 3
# The stock list: the count, the page of items (part, location and customer joined) and the
# part categories to filter by.
STOCK_LIST_QUERIES = BASE + 3
# The assign page: the chosen customer, the customer choices and the assignable items.
STOCK_ASSIGN_QUERIES = BASE + 3
# The InvenTree import page (a superuser's): the count of runs, the page of runs (with their
# users and skipped-row counts) and their jobs.
IMPORT_QUERIES = BASE + 3


def order_with_everything(
    *, customer=None, status=S.IN_PROGRESS, target_date=DAY, n=0, responsible=None
):
    """An order whose page rows follow every relation the index and calendar can show."""
    customer = customer or CustomerFactory()
    responsible = responsible or owner_of(GroupFactory() if n % 2 else UserFactory())
    code = ProjectCode.objects.create(code=f"PC-{customer.pk}-{n}", responsible=responsible)
    order = OrderFactory(
        customer=customer,
        status=status,
        target_date=target_date,
        contact=ContactFactory(company=customer),
        address=AddressFactory(company=customer),
        responsible=responsible,
        project_code=code,
        created_by=UserFactory(),
        total_price=Money(Decimal("12.5"), "USD"),
    )
    LineFactory(order=order)
    LineFactory(order=order, received_date=DAY)
    return order


def page_rows(response, marker: str) -> int:
    assert response.status_code == 200, response.status_code
    return response.content.decode().count(marker)


@pytest.mark.parametrize("rows", SIZES)
def test_index_queries_are_fixed(enabled, viewer, django_assert_num_queries, rows):
    for n in range(rows):
        order_with_everything(status=STATUSES[n % len(STATUSES)], n=n)
    with django_assert_num_queries(INDEX_QUERIES):
        response = viewer.get("/returns/")
    assert page_rows(response, 'class="fw-semibold"') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_filtered_sorted_index_queries_are_fixed(enabled, viewer, django_assert_num_queries, rows):
    mine = owner_of(viewer.user.groups.get())
    for n in range(rows):
        order_with_everything(n=n, responsible=mine)
        order_with_everything(n=n, status=S.PENDING)  # filtered out
    with django_assert_num_queries(INDEX_QUERIES):
        response = viewer.get(
            "/returns/?status=20&outstanding=true&search=Faulty&sort=-responsible"
            "&target_date_after=2031-01-01&assigned_to_me=on"
        )
    assert page_rows(response, 'class="fw-semibold"') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_index_page_two_queries_are_fixed(enabled, viewer, django_assert_num_queries, rows):
    for n in range(25 + rows):
        OrderFactory(target_date=DAY, responsible=owner_of(UserFactory()) if n % 2 else None)
    with django_assert_num_queries(INDEX_QUERIES):
        response = viewer.get("/returns/?page=2&sort=customer")
    assert page_rows(response, 'class="fw-semibold"') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_calendar_queries_are_fixed(enabled, viewer, django_assert_num_queries, rows):
    for n in range(rows):
        order_with_everything(
            status=STATUSES[n % len(STATUSES)],
            target_date=DAY + datetime.timedelta(days=n % 10),
            n=n,
        )
    with django_assert_num_queries(CALENDAR_QUERIES):
        response = viewer.get("/returns/?view=calendar&month=2031-05&include_completed=1")
    assert page_rows(response, "calendar-entry") == rows


@pytest.mark.parametrize("rows", SIZES)
def test_detail_queries_are_fixed(enabled, clerk, django_assert_num_queries, rows):
    order = order_with_everything()
    bay = LocationFactory()
    for n in range(rows):
        part = PartFactory()
        line = LineFactory(
            order=order,
            item__part=part,
            item__location=bay if n % 2 else None,
            received_date=DAY if n % 2 else None,
            price=Money(Decimal("3"), "EUR"),
        )
        receipt = ReturnOrderReceipt.objects.create(
            order=order, line=line, quantity=1, created_by=UserFactory()
        )
        ReturnOrderReceiptDisposition.objects.create(receipt=receipt, kind="missing", quantity=1)
        ExtraLineFactory(order=order)
        ReturnOrderHistory.objects.create(
            order=order, kind="status", from_status=10, to_status=20, user=UserFactory()
        )
        ReturnOrderHistory.objects.create(
            order=order,
            kind="received",
            user=UserFactory(),
            data={"stock_items": [1, 2], "location_name": "Bay"},
        )
        attachment = Attachment.objects.create(
            model_type="returnorder",
            model_id=order.pk,
            link=f"https://example.com/{n}",
            upload_user=UserFactory(),
        )
        # The thread with the customer: a staff message with a file, and a customer's.
        ReturnOrderMessage.objects.create(
            order=order, body=f"Staff {n}", author_user=UserFactory()
        ).attachments.add(attachment)
        ReturnOrderMessage.objects.create(
            order=order,
            body=f"Customer {n}",
            from_customer=True,
            author_contact=ContactFactory(company=order.customer),
        )
    with django_assert_num_queries(DETAIL_QUERIES):
        response = clerk.get(f"/returns/{order.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('href="/stock/') == rows + 2  # each line links to its stock item
    assert content.count('href="https://example.com/') == rows
    assert content.count('<li class="card mb-2') == 2 * rows  # every message of the thread


def thread_of(order, *, messages: int, files: int):
    """``messages`` messages on the order, alternately from staff and the customer, each
    staff message with ``files`` files."""
    for n in range(messages):
        if n % 2:
            ReturnOrderMessage.objects.create(
                order=order,
                body=f"Customer {n}",
                from_customer=True,
                author_contact=ContactFactory(company=order.customer),
            )
            continue
        message = ReturnOrderMessage.objects.create(
            order=order, body=f"Staff {n}", author_user=UserFactory()
        )
        for f in range(files):
            message.attachments.add(
                Attachment.objects.create(
                    model_type="returnorder",
                    model_id=order.pk,
                    attachment=f"attachments/returnorder/{order.pk}/photo-{n}-{f}.jpg",
                )
            )


@pytest.mark.parametrize(
    ("messages", "files"), [(0, 0), (1, 0), (1, 1), (9, 4)], ids=["none", "one", "file", "long"]
)
def test_detail_thread_costs_no_query(enabled, clerk, django_assert_num_queries, messages, files):
    """No thread, one message, or nine messages with files: the page reads the same."""
    order = order_with_everything()
    thread_of(order, messages=messages, files=files)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = clerk.get(f"/returns/{order.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<li class="card mb-2') == messages
    thread_files = content.count('"list-inline-item"><a href="/media/attachments/returnorder/')
    assert thread_files == files * ((messages + 1) // 2)
    if not messages:
        assert "No messages yet." in content


@pytest.mark.parametrize("rows", SIZES)
def test_company_page_queries_are_fixed(enabled, clerk, django_assert_num_queries, rows):
    company = CustomerFactory()
    bay = LocationFactory()
    for n in range(rows):
        ContactFactory(company=company)
        AddressFactory(company=company, primary=n == 0)
        HeldItemFactory(customer=company, part=PartFactory(), location=bay if n % 2 else None)
        order_with_everything(customer=company, status=STATUSES[n % len(STATUSES)], n=n)
    with django_assert_num_queries(COMPANY_QUERIES):
        response = clerk.get(f"/companies/{company.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    # Held stock: the items created here plus the two line items of each order.
    assert len(re.findall(r'href="/stock/\d+/"', content)) == rows + 2 * rows
    assert len(re.findall(r'href="/returns/\d+/"', content)) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_stock_item_page_queries_are_fixed(enabled, clerk, django_assert_num_queries, rows):
    item = HeldItemFactory(location=LocationFactory())
    for _ in range(rows):
        order = OrderFactory(customer=item.customer, status=S.COMPLETE)
        LineFactory(order=order, item=item, received_date=DAY)
        StockItemTracking.objects.create(
            item=item,
            tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
            user=UserFactory(),
            deltas={"returnorder": order.pk, "location": 1},
        )
        StockItemTracking.objects.create(
            item=item, tracking_type=StockHistoryCode.SENT_TO_CUSTOMER, user=UserFactory()
        )
    with django_assert_num_queries(STOCK_ITEM_QUERIES):
        response = clerk.get(f"/stock/{item.pk}/")
    content = response.content.decode()
    assert response.status_code == 200
    # Each order is linked twice: from its tracking entry and from the list of returns.
    assert len(re.findall(r'href="/returns/\d+/"', content)) == 2 * rows


@pytest.mark.parametrize("rows", SIZES)
def test_home_dashboard_queries_are_fixed(enabled, clerk, django_assert_num_queries, rows):
    from django.utils import timezone

    mine = owner_of(clerk.user)
    past = timezone.localdate() - datetime.timedelta(days=2)
    for n in range(rows):
        late = order_with_everything(status=S.IN_PROGRESS, target_date=past, n=n, responsible=mine)
        LineFactory(order=late)  # awaiting receipt
        LineFactory(order=late, received_date=past)  # received, outcome to set
        ReturnOrderHistory.objects.create(order=late, kind="status", to_status=S.IN_PROGRESS)
    with django_assert_num_queries(HOME_QUERIES):
        response = clerk.get("/")
    content = response.content.decode()
    assert response.status_code == 200
    # Five panels, each listing at most five orders.
    assert len(re.findall(r'href="/returns/\d+/"', content)) == 5 * min(rows, 5)


@pytest.mark.parametrize("rows", SIZES)
def test_company_list_queries_are_fixed(clerk, django_assert_num_queries, rows):
    for _ in range(rows):
        company = CustomerFactory()
        ContactFactory(company=company)
        AddressFactory(company=company, primary=True)
        AddressFactory(company=company)
    with django_assert_num_queries(COMPANY_LIST_QUERIES):
        response = clerk.get("/companies/?search=customer")
    assert response.status_code == 200
    assert len(re.findall(r'href="/companies/\d+/"', response.content.decode())) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_stock_list_queries_are_fixed(clerk, django_assert_num_queries, rows):
    bay = LocationFactory()
    for n in range(rows):
        category = PartCategoryFactory()
        if n % 2:
            HeldItemFactory(part=PartFactory(category=category))
        else:
            HeldItemFactory(part=PartFactory(category=category), customer=None, location=bay)
    with django_assert_num_queries(STOCK_LIST_QUERIES):
        response = clerk.get("/stock/")
    assert response.status_code == 200
    assert len(re.findall(r'href="/stock/\d+/"', response.content.decode())) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_stock_assign_page_queries_are_fixed(clerk, django_assert_num_queries, rows):
    customer = CustomerFactory()
    bay = LocationFactory()
    for _ in range(rows):
        CustomerFactory()
        HeldItemFactory(part=PartFactory(), customer=None, location=bay)
    with django_assert_num_queries(STOCK_ASSIGN_QUERIES):
        response = clerk.get(f"/stock/assign/?customer={customer.pk}")
    assert response.status_code == 200
    assert response.content.decode().count('name="items"') == rows


@pytest.mark.parametrize("rows", SIZES)
def test_import_page_queries_are_fixed(django_assert_num_queries, rows):
    from django.test import Client

    from importer import services as import_services
    from importer.jobs import KIND
    from importer.models import ImportSkippedRow
    from jobs.models import Job

    admin = UserFactory(is_superuser=True, is_staff=True)
    for n in range(rows):
        run = import_services.create_run(
            url=f"https://inventree{n}.example.com",
            options=import_services.ImportOptions(),
            user=UserFactory(),
        )
        run.counts = {"companies.company": {"created": n, "updated": 0}}
        run.unmatched_owners = ["ghost"]
        run.save()
        ImportSkippedRow.objects.create(run=run, model="stock.stockitem", source_pk=n, reason="x")
        Job.objects.create(kind=KIND, user=admin, params={"run": run.pk})
    client = Client()
    client.force_login(admin)
    with django_assert_num_queries(IMPORT_QUERIES):
        response = client.get("/settings/import/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/jobs/') == min(rows, 10)


def test_a_request_sees_a_setting_changed_by_an_earlier_one(enabled, clerk, set_setting):
    """Settings are remembered for one request only: the next request reads them again."""
    assert clerk.get("/returns/").status_code == 200
    set_setting("RETURNORDER_ENABLED", False)
    assert clerk.get("/returns/").status_code == 404


def test_settings_read_in_a_failed_request_are_not_kept(enabled, clerk, monkeypatch):
    """A view that raises must not leave its values behind for code that runs afterwards."""
    from common import site_settings
    from returns.views import orders

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(orders, "subscribe_panel", explode)
    with pytest.raises(RuntimeError):
        clerk.get("/returns/")
    # Changed behind the settings module's back (another process, say).
    SiteSetting.objects.filter(key="RETURNORDER_ENABLED").update(value="False")
    assert site_settings.get_value("RETURNORDER_ENABLED") is False
