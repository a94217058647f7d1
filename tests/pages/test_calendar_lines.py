"""The calendar page's line toggle: line target dates in the month, the export and the feed
links."""

import datetime
import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from icalendar import Calendar

from returns.models import ReturnOrderLineItem
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from tests.factories import StockItemFactory
from tests.pages.factories import OrderFactory
from tests.pages.test_queries import CALENDAR_QUERIES

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
DAY = datetime.date(2031, 5, 14)


def add_line(order, *, target=DAY, received=False, outcome=ReturnOrderLineStatus.PENDING):
    return ReturnOrderLineItem.objects.create(
        order=order,
        item=StockItemFactory(customer=order.customer, location=None),
        target_date=target,
        received_date=timezone.localdate() if received else None,
        outcome=outcome,
    )


def page(client, params=""):
    response = client.get(f"/returns/?view=calendar&month=2031-05{params}")
    assert response.status_code == 200
    return response


def cell_lines(response) -> dict:
    return {
        day: [line.pk for line in lines]
        for week in response.context["weeks"]
        for day, _orders, lines in week
        if lines
    }


def toggle_href(response) -> str:
    content = html.unescape(response.content.decode())
    start = content.index('id="calendar-lines-toggle"')
    segment = content[start : content.index("</p>", start)]
    return segment[segment.index('href="') + 6 :].split('"', 1)[0]


def test_lines_are_hidden_until_the_toggle_asks(enabled, viewer):
    order = OrderFactory(status=S.IN_PROGRESS, target_date=datetime.date(2031, 5, 20))
    line = add_line(order)
    off = page(viewer)
    assert cell_lines(off) == {}
    assert "calendar-line-entry" not in off.content.decode()
    href = toggle_href(off)
    assert parse_qs(urlsplit(href).query)["lines"] == ["1"]
    on = page(viewer, "&lines=1")
    assert cell_lines(on) == {DAY: [line.pk]}
    content = html.unescape(on.content.decode())
    assert f'href="/returns/{order.pk}/#line-{line.pk}"' in content
    assert f"▸ {order.reference}" in content
    # The toggle goes back, keeping the view and month.
    back = parse_qs(urlsplit(toggle_href(on)).query)
    assert "lines" not in back and back["view"] == ["calendar"] and back["month"] == ["2031-05"]


def test_only_open_lines_of_open_orders_are_shown(enabled, viewer):
    live = OrderFactory(status=S.IN_PROGRESS)
    waiting = add_line(live)
    add_line(live, received=True, outcome=ReturnOrderLineStatus.RETURN)
    done = OrderFactory(status=S.COMPLETE)
    add_line(done)
    response = page(viewer, "&lines=1&include_completed=1")
    assert cell_lines(response) == {DAY: [waiting.pk]}


def test_the_filters_apply_to_lines(enabled, viewer):
    kept = OrderFactory(status=S.IN_PROGRESS)
    other = OrderFactory(status=S.IN_PROGRESS)
    kept_line = add_line(kept)
    add_line(other)
    response = page(viewer, f"&lines=1&customer={kept.customer_id}")
    assert cell_lines(response) == {DAY: [kept_line.pk]}


def test_export_and_subscribe_links_carry_the_option(enabled, viewer):
    order = OrderFactory(status=S.IN_PROGRESS, target_date=datetime.date(2031, 5, 20))
    line = add_line(order)
    response = page(viewer, "&lines=1")
    content = html.unescape(response.content.decode())
    start = content.index('id="calendar-export"')
    export = content[start : content.index(">", start)]
    href = export[export.index('href="') + 6 :].split('"', 1)[0]
    assert parse_qs(urlsplit(href).query)["lines"] == ["1"]
    assert response.context["subscribe"]["plain_url"].endswith("?lines=true")
    body = viewer.get(href)
    assert body.status_code == 200
    uids = {str(e["uid"]).split("@")[0] for e in Calendar.from_ical(body.content).walk("VEVENT")}
    assert uids == {f"returnorder-{order.pk}", f"returnorderline-{line.pk}"}
    plain = viewer.get("/returns/calendar.ics")
    uids = {str(e["uid"]).split("@")[0] for e in Calendar.from_ical(plain.content).walk("VEVENT")}
    assert uids == {f"returnorder-{order.pk}"}


def test_the_subscribe_panel_offers_the_lines_option(enabled, viewer):
    response = page(viewer)
    variants = response.context["subscribe"]["plain_variants"]
    assert any(v["https"].endswith("?lines=true") for v in variants)
    assert not response.context["subscribe"]["plain_url"].endswith("lines=true")


@pytest.mark.parametrize("rows", [3, 12])
def test_the_calendar_with_lines_costs_one_query_more(
    enabled, viewer, django_assert_num_queries, rows
):
    for n in range(rows):
        order = OrderFactory(status=S.IN_PROGRESS, target_date=DAY)
        add_line(order, target=DAY + datetime.timedelta(days=n % 5))
    with django_assert_num_queries(CALENDAR_QUERIES + 1):
        response = page(viewer, "&lines=1")
    assert response.content.decode().count("calendar-line-entry") == 2 * rows
