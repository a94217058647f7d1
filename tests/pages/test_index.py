"""The return-order index: columns, filters kept in the URL, sorting, pages, calendar view."""

import datetime
import html
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from djmoney.money import Money

from returns.statuses import ReturnOrderStatus
from tests.factories import CompanyFactory, CustomerFactory, GroupFactory, UserFactory
from tests.pages.factories import LineFactory, OrderFactory, owner_of

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
ROW = re.compile(r'<td><a href="/returns/(\d+)/" class="fw-semibold">([^<]+)</a></td>')
TODAY = timezone.localdate


def refs(response) -> list[str]:
    """The references of the table's rows, top to bottom, as the page shows them."""
    assert response.status_code == 200
    return [ref for _pk, ref in ROW.findall(response.content.decode())]


def row_html(response, order) -> str:
    """The ``<tr>`` of one order in the table."""
    content = response.content.decode()
    anchor = content.index(f'<a href="/returns/{order.pk}/" class="fw-semibold">')
    start = content.rindex("<tr", 0, anchor)
    return content[start : content.index("</tr>", anchor)]


def hrefs(response, text: str) -> list[str]:
    """Query strings of the links whose text starts with ``text``."""
    content = response.content.decode()
    return [
        html.unescape(href)
        for href, label in re.findall(r'href="\?([^"]*)"[^>]*>\s*([^<]*)', content)
        if label.strip().startswith(text)
    ]


def query(qs: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit("?" + qs).query)


# -- the table -----------------------------------------------------------------------------


def test_table_has_the_columns_in_order(enabled, viewer):
    OrderFactory()
    response = viewer.get("/returns/")
    headings = re.findall(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<▲▼]+)', response.content.decode())
    assert [h.strip() for h in headings] == [
        "Reference",
        "Customer",
        "Customer ref.",
        "Description",
        "Lines",
        "Status",
        "Responsible",
        "Target date",
        "Total",
    ]


def test_a_row_shows_the_order(enabled, viewer):
    customer = CustomerFactory(name="Acme Robotics")
    group = GroupFactory(name="Returns desk")
    order = OrderFactory(
        customer=customer,
        customer_reference="PO-77",
        description="Two dead controllers",
        status=S.IN_PROGRESS,
        responsible=owner_of(group),
        target_date=TODAY() + datetime.timedelta(days=10),
        total_price=Money(Decimal("42.5"), "USD"),
    )
    LineFactory(order=order, received_date=TODAY())
    LineFactory(order=order)
    response = viewer.get("/returns/")
    row = row_html(response, order)
    assert order.reference in row
    assert f'<a href="/companies/{customer.pk}/">Acme Robotics</a>' in row
    assert "PO-77" in row
    assert "Two dead controllers" in row
    assert '<span title="received / total">1 / 2</span>' in row
    assert '<span class="badge text-bg-primary">In Progress</span>' in row
    assert "Returns desk" in row
    assert (TODAY() + datetime.timedelta(days=10)).isoformat() in row
    assert "$42.50" in row
    assert "table-warning" not in row
    assert "Overdue" not in row


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (S.PENDING, '<span class="badge text-bg-secondary">Pending</span>'),
        (S.IN_PROGRESS, '<span class="badge text-bg-primary">In Progress</span>'),
        (S.ON_HOLD, '<span class="badge text-bg-warning">On Hold</span>'),
        (S.COMPLETE, '<span class="badge text-bg-success">Complete</span>'),
        (S.CANCELLED, '<span class="badge text-bg-danger">Cancelled</span>'),
    ],
)
def test_status_badge(enabled, viewer, status, badge):
    order = OrderFactory(status=status)
    assert badge in row_html(viewer.get("/returns/"), order)


def test_overdue_open_orders_are_highlighted(enabled, viewer):
    yesterday = TODAY() - datetime.timedelta(days=1)
    late = OrderFactory(status=S.IN_PROGRESS, target_date=yesterday)
    due_today = OrderFactory(status=S.IN_PROGRESS, target_date=TODAY())
    closed_late = OrderFactory(status=S.COMPLETE, target_date=yesterday)
    response = viewer.get("/returns/")
    late_row = row_html(response, late)
    assert late_row.startswith('<tr class="table-warning">')
    assert '<span class="badge text-bg-danger">Overdue</span>' in late_row
    for order in (due_today, closed_late):
        row = row_html(response, order)
        assert "table-warning" not in row
        assert "Overdue" not in row


def test_customerless_order_is_shown_without_a_link(enabled, viewer):
    order = OrderFactory(customer=None)
    assert "No customer" in row_html(viewer.get("/returns/"), order)


# -- filters -------------------------------------------------------------------------------


@pytest.fixture
def spread(db):
    """Orders spread over customers, statuses, dates and owners."""
    today = TODAY()
    acme, globex = CustomerFactory(name="Acme"), CustomerFactory(name="Globex")
    return {
        "pending": OrderFactory(
            reference="RMA-0001",
            reference_int=1,
            customer=acme,
            status=S.PENDING,
            target_date=today + datetime.timedelta(days=5),
            description="Broken hinge",
        ),
        "late": OrderFactory(
            reference="RMA-0002",
            reference_int=2,
            customer=acme,
            status=S.IN_PROGRESS,
            target_date=today - datetime.timedelta(days=3),
            description="Scratched case",
        ),
        "held": OrderFactory(
            reference="RMA-0003",
            reference_int=3,
            customer=globex,
            status=S.ON_HOLD,
            target_date=today + datetime.timedelta(days=20),
            customer_reference="GX-55",
        ),
        "done": OrderFactory(
            reference="RMA-0004",
            reference_int=4,
            customer=globex,
            status=S.COMPLETE,
            target_date=today - datetime.timedelta(days=30),
        ),
        "cancelled": OrderFactory(
            reference="RMA-0005", reference_int=5, customer=acme, status=S.CANCELLED
        ),
    }


def selected(response, spread) -> set[str]:
    names = {order.reference: name for name, order in spread.items()}
    return {names[ref] for ref in refs(response)}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("", {"pending", "late", "held", "done", "cancelled"}),
        ("status=20", {"late"}),
        ("status=25", {"held"}),
        ("outstanding=true", {"pending", "late", "held"}),
        ("outstanding=false", {"done", "cancelled"}),
        ("overdue=on", {"late"}),
        ("search=hinge", {"pending"}),
        ("search=GX-55", {"held"}),
        ("search=acme", {"pending", "late", "cancelled"}),
        ("search=acme+scratched", {"late"}),
        ("search=RMA-0004", {"done"}),
        ("outstanding=true&search=globex", {"held"}),
    ],
)
def test_filters(enabled, viewer, spread, params, expected):
    assert selected(viewer.get(f"/returns/?{params}"), spread) == expected


def test_customer_filter(enabled, viewer, spread):
    globex = spread["held"].customer
    assert selected(viewer.get(f"/returns/?customer={globex.pk}"), spread) == {"held", "done"}


def test_target_date_range_filter(enabled, viewer, spread):
    today = TODAY()
    after = (today - datetime.timedelta(days=10)).isoformat()
    before = (today + datetime.timedelta(days=10)).isoformat()
    response = viewer.get(f"/returns/?target_date_after={after}&target_date_before={before}")
    assert selected(response, spread) == {"pending", "late"}


def test_responsible_filter(enabled, viewer, spread):
    someone = UserFactory()
    spread["held"].responsible = owner_of(someone)
    spread["held"].save()
    response = viewer.get(f"/returns/?assigned_to={owner_of(someone).pk}")
    assert selected(response, spread) == {"held"}


def test_assigned_to_me_takes_my_own_orders_and_my_groups(enabled, viewer, spread):
    mine, my_group = spread["pending"], spread["held"]
    mine.responsible = owner_of(viewer.user)
    mine.save()
    my_group.responsible = owner_of(viewer.user.groups.get())
    my_group.save()
    spread["late"].responsible = owner_of(UserFactory())
    spread["late"].save()
    response = viewer.get("/returns/?assigned_to_me=on")
    assert selected(response, spread) == {"pending", "held"}


def test_customer_choices_are_customers_only(enabled, viewer):
    CustomerFactory(name="Acme")
    CompanyFactory(name="Parts Supplier Ltd")
    offered = viewer.get("/returns/pickers/customer/?q=").json()["results"]
    assert [row["label"] for row in offered] == ["Acme"]


def test_an_invalid_filter_value_shows_no_orders_and_says_why(enabled, viewer, spread):
    """A stale or mistyped filter must not silently fall back to every order."""
    response = viewer.get("/returns/?status=20&customer=999999")
    assert refs(response) == []
    assert "No return orders match these filters." in response.content.decode()
    assert "Select a valid choice" in html.unescape(response.content.decode())


def test_filters_are_kept_in_the_url(enabled, viewer, spread):
    for n in range(30):
        OrderFactory(status=S.IN_PROGRESS, description=f"bulk {n}")
    response = viewer.get("/returns/?status=20&search=bulk&sort=customer")
    content = response.content.decode()
    # The form shows what is applied.
    assert '<option value="20" selected>In Progress</option>' in content
    assert 'name="search" value="bulk"' in content
    assert '<input type="hidden" name="sort" value="customer">' in content
    # Sorting, paging and switching to the calendar keep the filters.
    for label in ("Reference", "Target date", "Next", "Calendar"):
        (qs,) = hrefs(response, label)
        params = query(qs)
        assert params["status"] == ["20"], label
        assert params["search"] == ["bulk"], label
    assert query(hrefs(response, "Next")[0])["page"] == ["2"]
    assert query(hrefs(response, "Next")[0])["sort"] == ["customer"]
    assert query(hrefs(response, "Calendar")[0])["view"] == ["calendar"]
    assert "page" not in query(hrefs(response, "Target date")[0])


# -- sorting -------------------------------------------------------------------------------


def test_default_sort_is_newest_reference_first_and_numeric(enabled, viewer, set_setting):
    set_setting("RETURNORDER_REFERENCE_PATTERN", "RMA-{ref}")
    for n in (9, 10, 2, 100):
        OrderFactory(reference=f"RMA-{n}", reference_int=n)
    assert refs(viewer.get("/returns/")) == ["RMA-100", "RMA-10", "RMA-9", "RMA-2"]


def test_reference_sorts_numerically_not_as_text(enabled, viewer, set_setting):
    set_setting("RETURNORDER_REFERENCE_PATTERN", "RMA-{ref}")
    for n in (10, 9, 1, 100):
        OrderFactory(reference=f"RMA-{n}", reference_int=n)
    assert refs(viewer.get("/returns/?sort=reference")) == ["RMA-1", "RMA-9", "RMA-10", "RMA-100"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("customer", ["RMA-0001", "RMA-0002", "RMA-0005", "RMA-0003", "RMA-0004"]),
        ("-customer", ["RMA-0004", "RMA-0003", "RMA-0005", "RMA-0002", "RMA-0001"]),
        ("status", ["RMA-0001", "RMA-0002", "RMA-0003", "RMA-0004", "RMA-0005"]),
        ("-status", ["RMA-0005", "RMA-0004", "RMA-0003", "RMA-0002", "RMA-0001"]),
        ("description", ["RMA-0003", "RMA-0004", "RMA-0005", "RMA-0001", "RMA-0002"]),
    ],
)
def test_sort_by_column(enabled, viewer, spread, sort, expected):
    for name in ("held", "done", "cancelled"):
        spread[name].description = ""
        spread[name].save()
    assert refs(viewer.get(f"/returns/?sort={sort}")) == expected


def test_sort_by_target_date_puts_the_soonest_first(enabled, viewer, spread):
    ordered = refs(viewer.get("/returns/?sort=target_date"))
    dated = [ref for ref in ordered if ref != "RMA-0005"]
    assert dated == ["RMA-0004", "RMA-0002", "RMA-0001", "RMA-0003"]


def test_sort_by_lines_and_total(enabled, viewer):
    few = OrderFactory(total_price=Money(Decimal("300"), "USD"))
    many = OrderFactory(total_price=Money(Decimal("5"), "USD"))
    none = OrderFactory(total_price=Money(Decimal("20"), "USD"))
    LineFactory(order=few)
    for _ in range(3):
        LineFactory(order=many)
    assert refs(viewer.get("/returns/?sort=lines")) == [
        none.reference,
        few.reference,
        many.reference,
    ]
    assert refs(viewer.get("/returns/?sort=-total_price")) == [
        few.reference,
        none.reference,
        many.reference,
    ]


def test_active_column_shows_its_direction_and_flips_on_click(enabled, viewer, spread):
    response = viewer.get("/returns/?sort=target_date&status=20")
    content = response.content.decode()
    assert re.search(
        r'<th scope="col" aria-sort="ascending" class="sortable sorted">\s*<a [^>]*>Target date'
        r'<span class="sort-indicator" aria-hidden="true">▲</span>',
        content,
    )
    assert query(hrefs(response, "Target date")[0])["sort"] == ["-target_date"]
    # Another column starts ascending.
    assert query(hrefs(response, "Customer")[0])["sort"] == ["customer"]

    flipped = viewer.get("/returns/?sort=-target_date")
    assert 'aria-sort="descending"' in flipped.content.decode()
    assert query(hrefs(flipped, "Target date")[0])["sort"] == ["target_date"]


def test_an_unknown_sort_falls_back_to_the_default(enabled, viewer, spread):
    response = viewer.get("/returns/?sort=password")
    assert refs(response) == ["RMA-0005", "RMA-0004", "RMA-0003", "RMA-0002", "RMA-0001"]


# -- pages and empty states ----------------------------------------------------------------


def test_pages_of_25_with_the_total_count(enabled, viewer):
    for n in range(1, 31):
        OrderFactory(reference=f"RMA-{n:04d}", reference_int=n)
    first = viewer.get("/returns/")
    content = first.content.decode()
    assert "30 orders." in content
    assert len(refs(first)) == 25
    assert refs(first)[0] == "RMA-0030"
    assert "Page 1 of 2" in content
    assert hrefs(first, "Previous") == []

    second = viewer.get("/returns/?page=2")
    assert refs(second) == [f"RMA-{n:04d}" for n in range(5, 0, -1)]
    assert "Page 2 of 2" in second.content.decode()
    assert "30 orders." in second.content.decode()
    assert query(hrefs(second, "Previous")[0])["page"] == ["1"]
    assert hrefs(second, "Next") == []


def test_a_later_page_keeps_the_sort_and_the_filters(enabled, viewer):
    """Page 2 is the 26th to 30th order of the same filtered, sorted list as page 1."""
    start = datetime.date(2031, 1, 1)
    expected = []
    for n in range(32):
        order = OrderFactory(
            status=S.IN_PROGRESS if n < 30 else S.PENDING,
            target_date=start + datetime.timedelta(days=(n * 7) % 32),
        )
        if n < 30:
            expected.append(order)
    expected.sort(key=lambda o: (o.target_date, o.pk), reverse=True)
    first = refs(viewer.get("/returns/?status=20&sort=-target_date"))
    second = refs(viewer.get("/returns/?status=20&sort=-target_date&page=2"))
    assert first + second == [o.reference for o in expected]
    assert len(second) == 5


def test_a_page_past_the_end_shows_the_last_page(enabled, viewer):
    for _ in range(27):
        OrderFactory()
    assert len(refs(viewer.get("/returns/?page=99"))) == 2
    assert len(refs(viewer.get("/returns/?page=abc"))) == 25


def test_filtered_count_says_it_is_filtered(enabled, viewer, spread):
    content = viewer.get("/returns/?outstanding=true").content.decode()
    assert "3 orders match these filters." in content


def test_one_page_has_no_pagination(enabled, viewer, spread):
    content = viewer.get("/returns/").content.decode()
    assert "5 orders." in content
    assert 'aria-label="Pages"' not in content


def test_empty_state_when_there_are_no_orders(enabled, page_client):
    adder = page_client(return_order=["view", "add"])
    content = adder.get("/returns/").content.decode()
    assert "No return orders yet" in content
    assert '<a class="btn btn-primary" href="/returns/new/">Create the first return order</a>' in (
        content
    )
    assert "No return orders match" not in content
    assert 'id="order-table"' not in content


def test_empty_state_for_viewers_does_not_offer_to_create(enabled, viewer):
    content = viewer.get("/returns/").content.decode()
    assert "No return orders yet" in content
    assert "Ask someone with permission to add return orders" in content
    assert "/returns/new/" not in content


def test_a_different_empty_state_when_nothing_matches(enabled, viewer, spread):
    response = viewer.get("/returns/?search=nothing-like-this")
    content = response.content.decode()
    assert "No return orders match these filters." in content
    assert "No return orders yet" not in content
    assert refs(response) == []


def test_empty_filter_fields_are_not_filters(enabled, viewer):
    """Submitting the filter form untouched sends every field empty: still "no orders yet"."""
    response = viewer.get(
        "/returns/?search=&status=&outstanding=&customer=&assigned_to="
        "&target_date_after=&target_date_before=",
        follow=True,
    )
    assert response.redirect_chain == [("/returns/", 302)]
    assert "No return orders yet" in response.content.decode()


def test_new_order_button_needs_add_permission(enabled, viewer, page_client):
    OrderFactory()
    assert "+ New Return Order" not in viewer.get("/returns/").content.decode()
    adder = page_client(return_order=["view", "add"])
    assert "+ New Return Order" in adder.get("/returns/").content.decode()


# -- calendar ------------------------------------------------------------------------------

MONTH = datetime.date(2031, 5, 1)


def calendar(client, params="") -> tuple:
    response = client.get(f"/returns/?view=calendar&month=2031-05{params}")
    assert response.status_code == 200
    assert "returns/calendar.html" in [t.name for t in response.templates]
    entries = {
        day: [order.reference for order in orders]
        for week in response.context["weeks"]
        for day, orders, _lines in week
        if orders
    }
    return response, entries


def test_calendar_shows_orders_on_their_target_date(enabled, viewer):
    first = OrderFactory(status=S.IN_PROGRESS, target_date=datetime.date(2031, 5, 7))
    second = OrderFactory(status=S.PENDING, target_date=datetime.date(2031, 5, 7))
    later = OrderFactory(status=S.ON_HOLD, target_date=datetime.date(2031, 5, 30))
    OrderFactory(status=S.PENDING, target_date=datetime.date(2031, 8, 1))
    OrderFactory(status=S.PENDING, target_date=None)
    response, entries = calendar(viewer)
    assert entries == {
        datetime.date(2031, 5, 7): [first.reference, second.reference],
        datetime.date(2031, 5, 30): [later.reference],
    }
    content = response.content.decode()
    assert '<h2 class="h5 mb-0" id="calendar-month">May 2031</h2>' in content
    # Each entry links to its order and names the customer.
    entry = re.search(
        rf'<a class="[^"]*calendar-entry" href="/returns/{first.pk}/"[^>]*>(.+?)</a>', content
    )
    assert entry is not None
    assert re.sub(r"<[^>]+>", "", entry.group(1)) == f"{first.reference} · {first.customer.name}"
    # The 7th's cell holds both entries, before the next day's cell starts.
    cell_start = content.index('<div class="small fw-semibold">7</div>')
    cell_end = content.index("</td>", cell_start)
    cell = content[cell_start:cell_end]
    assert f'href="/returns/{first.pk}/"' in cell
    assert f'href="/returns/{second.pk}/"' in cell


def test_calendar_hides_completed_and_cancelled_unless_asked(enabled, viewer):
    day = datetime.date(2031, 5, 12)
    open_order = OrderFactory(status=S.IN_PROGRESS, target_date=day)
    done = OrderFactory(status=S.COMPLETE, target_date=day)
    cancelled = OrderFactory(status=S.CANCELLED, target_date=day)
    response, entries = calendar(viewer)
    assert entries == {day: [open_order.reference]}
    assert "Completed and cancelled orders are hidden." in response.content.decode()
    (show,) = hrefs(response, "Show them")
    assert query(show)["include_completed"] == ["1"]

    response, entries = calendar(viewer, "&include_completed=1")
    assert entries == {day: [open_order.reference, done.reference, cancelled.reference]}
    (hide,) = hrefs(response, "Hide them")
    assert "include_completed" not in query(hide)


def test_calendar_months_link_back_and_forth_keeping_filters(enabled, viewer):
    response = viewer.get("/returns/?view=calendar&month=2031-01&status=20")
    (previous,) = hrefs(response, "← Previous month")
    (following,) = hrefs(response, "Next month")
    assert query(previous)["month"] == ["2030-12"]
    assert query(following)["month"] == ["2031-02"]
    for qs in (previous, following):
        assert query(qs)["status"] == ["20"]
        assert query(qs)["view"] == ["calendar"]
    (table,) = hrefs(response, "Table")
    assert query(table) == {"status": ["20"]}


def test_calendar_shows_days_of_the_neighbouring_weeks(enabled, viewer):
    """May 2031 starts on a Thursday: the grid starts on Monday 28 April and shows its orders."""
    edge = OrderFactory(status=S.PENDING, target_date=datetime.date(2031, 4, 28))
    _response, entries = calendar(viewer)
    assert entries == {datetime.date(2031, 4, 28): [edge.reference]}


def test_calendar_applies_the_filters(enabled, viewer):
    acme = CustomerFactory(name="Acme")
    day = datetime.date(2031, 5, 20)
    mine = OrderFactory(customer=acme, status=S.PENDING, target_date=day)
    OrderFactory(status=S.PENDING, target_date=day)
    _response, entries = calendar(viewer, f"&customer={acme.pk}")
    assert entries == {day: [mine.reference]}


def test_calendar_defaults_to_this_month(enabled, viewer):
    today = TODAY()
    order = OrderFactory(status=S.PENDING, target_date=today)
    response = viewer.get("/returns/?view=calendar")
    assert response.context["month"] == today.replace(day=1)
    assert f'href="/returns/{order.pk}/"' in response.content.decode()
    assert "calendar-today" in response.content.decode()


@pytest.mark.parametrize("month", ["nonsense", "2031", "2031-13", "0-1", "9999-12", "0001-01"])
def test_calendar_with_a_bad_month_shows_this_month(enabled, viewer, month):
    response = viewer.get(f"/returns/?view=calendar&month={month}")
    assert response.status_code == 200
    assert response.context["month"] == TODAY().replace(day=1)


def test_calendar_link_from_the_table(enabled, viewer):
    response = viewer.get("/returns/?status=20&sort=customer&page=2")
    (link,) = hrefs(response, "Calendar")
    assert query(link) == {"status": ["20"], "view": ["calendar"]}
