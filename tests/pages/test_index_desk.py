"""The index as a desk: bulk actions on ticked orders, clean filter URLs, numbered pages,
status colours, sort indicators, and a calendar that agrees with its filters."""

import csv
import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.paginator import Paginator

from returns.models import ReturnOrder, ReturnOrderHistory
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from returns.templatetags.returns_tags import order_status_class, outcome_class, page_links
from tests.factories import CustomerFactory
from tests.pages.factories import LineFactory, OrderFactory
from tests.pages.test_queries import INDEX_QUERIES

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "boomerang.css"


@pytest.fixture
def adder(page_client):
    """May view and add return orders: the status changes of an order's page."""
    return page_client(return_order=["view", "add"])


def bulk(client, action, orders, **extra):
    data = {"action": action, "orders": [str(o.pk) for o in orders], **extra}
    return client.post("/returns/selected/", data)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(order) -> int:
    return ReturnOrder.objects.get(pk=order.pk).status


# -- the checkboxes and the toolbar --------------------------------------------------------


def test_each_row_has_a_labelled_checkbox_and_the_bar_offers_the_actions(
    enabled, adder, django_assert_num_queries
):
    orders = [OrderFactory(status=S.PENDING) for _ in range(3)]
    with django_assert_num_queries(INDEX_QUERIES):
        response = adder.get("/returns/?status=10")
    content = response.content.decode()
    assert '<form method="post" action="/returns/selected/" id="bulk-form">' in content
    assert '<input type="hidden" name="query" value="status=10">' in content
    for order in orders:
        assert (
            f'<input class="form-check-input" type="checkbox" name="orders" value="{order.pk}" '
            f'id="select-{order.pk}" aria-label="Select {order.reference}">'
        ) in content
    for action in ("print", "export-csv", "export-xlsx", "export-json", "issue", "hold", "cancel"):
        assert f'name="action" value="{action}"' in content, action
    assert '<label for="bulk-reason"' in content


def test_viewers_get_print_and_export_but_no_status_changes(enabled, viewer):
    OrderFactory()
    content = viewer.get("/returns/").content.decode()
    assert 'value="print"' in content
    assert 'value="export-csv"' in content
    for action in ("issue", "hold", "cancel"):
        assert f'value="{action}"' not in content


# -- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["issue", "hold", "cancel"])
def test_status_changes_need_add_permission(enabled, viewer, action):
    order = OrderFactory(status=S.PENDING)
    LineFactory(order=order)
    response = bulk(viewer, action, [order], reason="Customer withdrew")
    assert response.status_code == 403
    assert status_of(order) == S.PENDING


def test_anonymous_is_sent_to_log_in(enabled, client):
    order = OrderFactory()
    response = client.post("/returns/selected/", {"action": "print", "orders": [order.pk]})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_printing_the_selection_needs_only_view_and_makes_one_pdf(enabled, viewer):
    first, second = OrderFactory(), OrderFactory()
    LineFactory(order=first)
    response = bulk(viewer, "print", [first, second])
    assert response.status_code == 200, texts(response)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="ReturnOrders.pdf"' in response["Content-Disposition"]


def test_printing_with_several_templates_asks_which_first(enabled, viewer):
    from reports.models import ReportTemplate

    default = ReportTemplate.objects.filter(model_type="returnorder", enabled=True).first()
    assert default is not None, "the migration installs a default template"
    ReportTemplate.objects.create(
        name="Packing slip", model_type="returnorder", source=default.source, enabled=True
    )
    first, second = OrderFactory(), OrderFactory()
    response = bulk(viewer, "print", [first, second], query="status=10")
    assert response.status_code == 200
    content = response.content.decode()
    assert "returns/bulk_print.html" in [t.name for t in response.templates]
    assert "Packing slip" in content
    assert content.count(f'name="orders" value="{first.pk}"') == 2  # one form per template
    chosen = viewer.post(
        "/returns/selected/",
        {"action": "print", "template": default.pk, "orders": [first.pk, second.pk]},
    )
    assert chosen["Content-Type"] == "application/pdf"


# -- export --------------------------------------------------------------------------------


def test_export_selected_holds_only_the_ticked_orders(enabled, viewer):
    ticked = [OrderFactory(description="ticked one"), OrderFactory(description="ticked two")]
    OrderFactory(description="left out")
    response = bulk(viewer, "export-csv", ticked)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    text = "\n".join(",".join(row) for row in rows)
    assert len(rows) == 3  # the header and the two ticked orders
    for order in ticked:
        assert order.reference in text
    assert "left out" not in text


def test_export_selected_as_json(enabled, viewer):
    order = OrderFactory()
    response = bulk(viewer, "export-json", [order])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


# -- status changes ------------------------------------------------------------------------


def test_issue_reports_what_was_done_and_what_was_refused_and_why(enabled, adder):
    ready = OrderFactory(status=S.PENDING)
    LineFactory(order=ready)
    empty = OrderFactory(status=S.PENDING)
    done = OrderFactory(status=S.COMPLETE)
    LineFactory(order=done)
    response = bulk(adder, "issue", [ready, empty, done], query="status=10&sort=customer")
    assert response.status_code == 302
    assert response["Location"] == "/returns/?status=10&sort=customer"
    assert status_of(ready) == S.IN_PROGRESS
    assert status_of(empty) == S.PENDING
    assert status_of(done) == S.COMPLETE
    success, refused = texts(response)
    assert success == f"Issued 1 order: {ready.reference}."
    assert refused.startswith("Not issued (2 orders): ")
    assert f"{empty.reference} has no lines yet" in refused
    assert f"Return order {done.reference} is Complete" in refused


def test_hold_moves_pending_and_in_progress_orders(enabled, adder):
    pending, running = OrderFactory(status=S.PENDING), OrderFactory(status=S.IN_PROGRESS)
    response = bulk(adder, "hold", [pending, running])
    assert status_of(pending) == S.ON_HOLD
    assert status_of(running) == S.ON_HOLD
    (message,) = texts(response)
    assert message.startswith("Placed on hold 2 orders: ")


def test_cancel_asks_a_reason_and_changes_nothing_without_one(enabled, adder):
    order = OrderFactory(status=S.PENDING)
    response = bulk(adder, "cancel", [order], reason="   ")
    assert status_of(order) == S.PENDING
    (message,) = texts(response)
    assert message.startswith("Say why the orders are cancelled")


def test_cancel_records_the_reason_in_each_history(enabled, adder):
    first, second = OrderFactory(status=S.PENDING), OrderFactory(status=S.ON_HOLD)
    closed = OrderFactory(status=S.CANCELLED)
    response = bulk(adder, "cancel", [first, second, closed], reason="Customer  withdrew")
    assert status_of(first) == S.CANCELLED
    assert status_of(second) == S.CANCELLED
    for order in (first, second):
        entry = ReturnOrderHistory.objects.filter(order=order, to_status=S.CANCELLED).get()
        assert entry.note == "Customer withdrew"
    success, refused = texts(response)
    assert success.startswith("Cancelled 2 orders: ")
    assert refused.startswith("Not cancelled (1 order): ")
    assert closed.reference in refused


def test_nothing_ticked_or_no_action_is_a_message(enabled, adder):
    response = adder.post("/returns/selected/", {"action": "issue", "query": "page=2"})
    assert response["Location"] == "/returns/?page=2"
    assert texts(response) == ["Select at least one order first: tick the boxes in the table."]
    order = OrderFactory()
    response = adder.post("/returns/selected/", {"action": "explode", "orders": [order.pk]})
    assert texts(response)[-1] == "Choose what to do with the selected orders."
    response = adder.post("/returns/selected/", {"action": "hold", "orders": ["abc", "-1"]})
    assert texts(response)[-1] == "Select at least one order first: tick the boxes in the table."


def test_the_bulk_url_takes_no_get(enabled, adder):
    assert adder.get("/returns/selected/").status_code == 405


# -- clean URLs ----------------------------------------------------------------------------


def test_a_filter_submit_with_empty_fields_ends_on_a_url_without_them(enabled, viewer):
    response = viewer.get(
        "/returns/?search=&status=20&outstanding=&customer=&assigned_to=&sort=customer"
        "&target_date_after=&target_date_before=",
        follow=True,
    )
    assert response.redirect_chain == [("/returns/?status=20&sort=customer", 302)]
    assert response.status_code == 200


def test_the_calendar_drops_empty_fields_too(enabled, viewer):
    response = viewer.get("/returns/?view=calendar&month=2031-05&search=&customer=")
    assert response.status_code == 302
    assert response["Location"] == "/returns/?view=calendar&month=2031-05"


def test_a_clean_url_is_not_redirected(enabled, viewer):
    assert viewer.get("/returns/?status=20").status_code == 200


def test_the_filter_form_drops_empty_fields_with_script_and_collapses(enabled, viewer):
    content = viewer.get("/returns/").content.decode()
    assert '<details class="card mb-3 filter-panel" id="filter-panel">' in content
    assert "data-drop-empty" in content
    assert '<script src="/static/js/index.js"></script>' in content
    active = viewer.get("/returns/?status=20&overdue=on").content.decode()
    assert '<span class="badge rounded-pill text-bg-primary">2 active</span>' in active


# -- numbered pagination -------------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("returns.views.orders.PAGE_SIZE", 2)


def page_nav(content: str) -> str:
    start = content.index('<nav aria-label="Pages"')
    return content[start : content.index("</nav>", start)]


def test_numbered_pages_with_first_previous_next_last(enabled, viewer, small_pages):
    for _ in range(7):  # four pages of two
        OrderFactory(status=S.PENDING)
    nav = html.unescape(page_nav(viewer.get("/returns/?status=10&page=2").content.decode()))
    links = re.findall(r'<a class="page-link" href="\?([^"]*)"[^>]*>([^<]+)</a>', nav)
    assert [label for _href, label in links] == [
        "« First",
        "Previous",
        "1",
        "2",
        "3",
        "4",
        "Next",
        "Last »",
    ]
    assert [href for href, _label in links] == [
        "status=10&page=1",
        "status=10&page=1",
        "status=10&page=1",
        "status=10&page=2",
        "status=10&page=3",
        "status=10&page=4",
        "status=10&page=3",
        "status=10&page=4",
    ]
    current = re.findall(r'<a class="page-link" href="[^"]*" aria-current="page"[^>]*>(\d+)', nav)
    assert current == ["2"]
    assert nav.count('aria-current="page"') == 1
    assert "Page 2 of 4" in nav


def test_the_first_page_has_no_first_or_previous(enabled, viewer, small_pages):
    for _ in range(3):
        OrderFactory()
    nav = page_nav(viewer.get("/returns/").content.decode())
    assert "First" not in nav
    assert "Previous" not in nav
    assert "Last »" in nav


def test_long_page_ranges_are_elided():
    page = Paginator(list(range(100)), 5).get_page(10)
    numbers = [link["number"] for link in page_links(page)]
    assert numbers == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert [link["number"] for link in page_links(page) if link["current"]] == [10]


# -- colours -------------------------------------------------------------------------------


def _background(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r" \{[^}]*background-color: (#[0-9a-f]{6})", css)
    assert match, selector
    return match.group(1)


def test_statuses_outcomes_and_the_customer_badge_share_no_class():
    statuses = {order_status_class(s) for s in S}
    outcomes = {outcome_class(o) for o in ReturnOrderLineStatus}
    assert len(statuses) == len(S)
    assert len(outcomes) == len(ReturnOrderLineStatus)
    assert not statuses & outcomes
    assert "badge text-bg-info" not in statuses | outcomes  # the Customer badge
    assert outcome_class(ReturnOrderLineStatus.REPAIR) == "badge text-bg-outcome-repair"
    assert order_status_class(S.ON_HOLD) == "badge text-bg-warning"


def test_every_outcome_has_its_own_colour_in_the_stylesheet():
    css = CSS.read_text()
    bootstrap = {"#6c757d", "#0d6efd", "#ffc107", "#198754", "#dc3545", "#0dcaf0"}
    colours = [
        _background(css, f".text-bg-outcome-{o.name.lower()}") for o in ReturnOrderLineStatus
    ]
    assert len(set(colours)) == len(colours)
    assert not set(colours) & bootstrap


def test_the_status_badge_partial_uses_the_status_classes(enabled, viewer):
    order = OrderFactory(status=S.ON_HOLD)
    content = viewer.get("/returns/").content.decode()
    assert '<span class="badge text-bg-warning">On Hold</span>' in content
    assert order.reference in content


# -- sort indicators, dates ----------------------------------------------------------------


def test_every_sortable_column_shows_it_and_only_the_active_one_has_aria_sort(enabled, viewer):
    OrderFactory()
    content = viewer.get("/returns/?sort=customer").content.decode()
    headers = re.findall(r'<th scope="col"([^>]*)>\s*<a ([^>]*)>([^<]+)<span([^>]*)>(.)', content)
    assert len(headers) == 9
    indicators = {label: mark for _th, _a, label, _span, mark in headers}
    assert indicators["Customer"] == "▲"
    assert {mark for label, mark in indicators.items() if label != "Customer"} == {"↕"}
    sorted_headers = [label for th, _a, label, _s, _m in headers if "aria-sort" in th]
    assert sorted_headers == ["Customer"]
    for th, anchor, label, span, _mark in headers:
        assert 'aria-hidden="true"' in span
        assert f'title="Sort by {label.lower()}, ' in anchor
        assert "sortable" in th


def test_target_dates_do_not_wrap(enabled, viewer):
    order = OrderFactory(target_date=datetime.date(2031, 5, 7))
    content = viewer.get("/returns/").content.decode()
    assert (
        f'<td data-label="Target date"><span class="text-nowrap">{order.target_date:%Y-%m-%d}'
        "</span></td>"
    ) in content


# -- the calendar --------------------------------------------------------------------------

MAY = "view=calendar&month=2031-05"


def test_calendar_has_a_legend_export_and_subscribe(enabled, viewer):
    response = viewer.get(f"/returns/?{MAY}&status=20")
    content = response.content.decode()
    legend = content[content.index('id="calendar-legend"') :]
    legend = legend[: legend.index("</ul>")]
    for status in S:
        assert f'<span class="{order_status_class(status)}">{status.label}</span>' in legend
    assert "Today" in legend
    assert (
        '<a class="btn btn-outline-secondary" id="calendar-export" '
        'href="/returns/calendar.ics?status=20" download>Export (.ics)</a>'
    ) in content
    assert (
        '<a class="btn btn-outline-secondary" href="#calendar-subscribe">Subscribe</a>' in content
    )
    assert 'id="calendar-subscribe"' in content


def test_calendar_legend_leaves_out_hidden_closed_statuses(enabled, viewer):
    content = viewer.get(f"/returns/?{MAY}").content.decode()
    legend = content[content.index('id="calendar-legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert "In Progress" in legend
    assert "Cancelled" not in legend


def test_calendar_agrees_with_a_closed_status_filter(enabled, viewer):
    """Filtering on Complete lists complete orders in the table: the calendar shows them too."""
    day = datetime.date(2031, 5, 9)
    done = OrderFactory(status=S.COMPLETE, target_date=day)
    OrderFactory(status=S.IN_PROGRESS, target_date=day)
    table = viewer.get("/returns/?status=30").content.decode()
    assert done.reference in table
    response = viewer.get(f"/returns/?{MAY}&status=30")
    entries = [
        o.reference for week in response.context["weeks"] for _d, os, _ls in week for o in os
    ]
    assert entries == [done.reference]
    assert "The status filters decide which orders show." in response.content.decode()
    closed = viewer.get(f"/returns/?{MAY}&outstanding=false")
    entries = [o.reference for week in closed.context["weeks"] for _d, os, _ls in week for o in os]
    assert entries == [done.reference]


def test_calendar_chips_use_the_status_classes(enabled, viewer):
    order = OrderFactory(status=S.ON_HOLD, target_date=datetime.date(2031, 5, 9))
    content = viewer.get(f"/returns/?{MAY}").content.decode()
    assert (
        f'<a class="d-block badge text-bg-warning text-start mb-1 calendar-entry" '
        f'href="/returns/{order.pk}/"'
    ) in content


def test_calendar_export_is_the_filtered_orders_as_icalendar(enabled, viewer):
    acme = CustomerFactory(name="Acme")
    mine = OrderFactory(customer=acme, status=S.PENDING, target_date=datetime.date(2031, 5, 9))
    later = OrderFactory(customer=acme, status=S.PENDING, target_date=datetime.date(2032, 1, 9))
    other = OrderFactory(status=S.PENDING, target_date=datetime.date(2031, 5, 9))
    done = OrderFactory(customer=acme, status=S.COMPLETE, target_date=datetime.date(2031, 5, 9))
    OrderFactory(customer=acme, status=S.PENDING, target_date=None)
    response = viewer.get(f"/returns/calendar.ics?customer={acme.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="return-orders.ics"'
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR")
    assert body.count("BEGIN:VEVENT") == 2
    assert f"returnorder-{mine.pk}@" in body
    assert f"returnorder-{later.pk}@" in body  # every month, not only the one shown
    assert f"returnorder-{other.pk}@" not in body
    assert f"returnorder-{done.pk}@" not in body
    with_closed = viewer.get(f"/returns/calendar.ics?customer={acme.pk}&include_completed=1")
    assert f"returnorder-{done.pk}@" in with_closed.content.decode()
    searched = viewer.get("/returns/calendar.ics?search=Acme&status=30").content.decode()
    assert searched.count("BEGIN:VEVENT") == 1
    assert f"returnorder-{done.pk}@" in searched


def test_calendar_export_needs_view(enabled, page_client):
    nobody = page_client(stock=["view"])
    assert nobody.get("/returns/calendar.ics").status_code == 403
