"""The calendar feed's own serializer gives exactly the bytes icalendar would give.

The feed escapes TEXT and folds lines itself, for speed; these tests hold it to icalendar's
encoding for awkward text and to a reference event built with icalendar's value types, as
the feed was built before.
"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, vDate, vDatetime, vText, vUri
from icalendar.parser import Contentline, Contentlines

from returns import calendar, selectors
from returns.models import ReturnOrder
from returns.selectors import with_line_counts
from returns.statuses import INVENTREE_STATUSES, ReturnOrderStatus
from tests.calendar.conftest import OrderFactory, add_line
from tests.factories import CustomerFactory, GroupFactory
from users.models import Owner

TRICKY = [
    "",
    "plain",
    "a, b; c\\d",
    "ends with a backslash\\",
    "literal \\N and \\n and \\,",
    "line one\nline two\r\nline three\rfour",
    'caret ^ and quote " and colon : stay',
    "é" * 80,
    "日本語のテキスト" * 20,
    "emoji 🎉🚚📦 " * 15,
    "x" * 73 + "\\" + "y" * 200,
    "x" * 72 + ";" + "y" * 200,
    "x" * 73 + "^" + "y" * 200,
    ("x" * 72 + "é") * 5,
    ("x" * 71 + "🎉") * 5,
    ",;\\" * 60,
]


def icalendar_line(name: str, text: str) -> bytes:
    """How icalendar writes ``NAME:text`` as a folded content line."""
    return Contentlines([Contentline(f"{name}:" + vText(text).to_ical().decode())]).to_ical()


@pytest.mark.parametrize("text", TRICKY)
def test_text_escaping_and_folding_match_icalendar(text):
    ours = calendar.content_line(("DESCRIPTION:" + calendar.ical_text(text)).encode())
    assert ours == icalendar_line("DESCRIPTION", text)


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.integers(min_value=0, max_value=80),
    text=st.text(
        alphabet=st.sampled_from([*"ab,;\\^:\n\r N", "é", "€", "日", "🎉", "\u0301"]),
        max_size=300,
    ),
)
@example(prefix=61, text="\\" * 40)
def test_any_text_at_any_offset_matches_icalendar(prefix, text):
    """Every fold position, next to every escape and every UTF-8 length."""
    text = "p" * prefix + text
    ours = calendar.content_line(("SUMMARY:" + calendar.ical_text(text)).encode())
    assert ours == icalendar_line("SUMMARY", text)
    for physical in ours.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode()  # no line ends inside a UTF-8 sequence


# -- a whole feed against the reference --------------------------------------------------


def _ref_text(value: str) -> str:
    return vText(value).to_ical().decode()


def _ref_stamp(value: datetime.datetime) -> str:
    return vDatetime(value.astimezone(datetime.UTC)).to_ical().decode()


def reference_event(row, *, base_url: str, host: str, labels) -> bytes:
    """One VEVENT as the feed wrote it through icalendar's value types and folding."""
    (pk, reference, description, customer_reference, status, start, created, updated,
     sequence, customer, responsible, line_items, received_lines) = row  # fmt: skip
    customer = customer if customer is not None else labels.no_customer
    url = base_url + reverse("returns:detail", kwargs={"pk": pk})
    summary = f"{reference} — {customer}"
    if status in (ReturnOrderStatus.COMPLETE, ReturnOrderStatus.CANCELLED):
        summary += f" ({labels.status[status]})"
    lines = [
        labels.customer % {"customer": customer},
        labels.status_line % {"status": labels.status[status]},
        labels.lines % {"received": received_lines, "total": line_items},
        labels.responsible % {"responsible": responsible or labels.nobody},
    ]
    if customer_reference:
        lines.append(labels.customer_reference % {"ref": customer_reference})
    if description:
        lines.append(labels.description % {"text": description})
    lines.append(url)
    changed = _ref_stamp(updated)
    dtend = (
        ["DTEND;VALUE=DATE:" + vDate(start + datetime.timedelta(days=1)).to_ical().decode()]
        if start < datetime.date.max
        else []
    )
    content = [
        "BEGIN:VEVENT",
        "UID:" + _ref_text(f"returnorder-{pk}@{host}"),
        "DTSTAMP:" + changed,
        "LAST-MODIFIED:" + changed,
        "CREATED:" + _ref_stamp(datetime.datetime.combine(created, datetime.time(), datetime.UTC)),
        f"SEQUENCE:{int(sequence)}",
        "DTSTART;VALUE=DATE:" + vDate(start).to_ical().decode(),
        *dtend,
        "SUMMARY:" + _ref_text(summary),
        "DESCRIPTION:" + _ref_text("\n".join(lines)),
        "URL:" + vUri(url).to_ical().decode(),
        "CATEGORIES:" + labels.category,
        "STATUS:" + ("CANCELLED" if status == ReturnOrderStatus.CANCELLED else "CONFIRMED"),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return Contentlines([Contentline(line) for line in content]).to_ical()


def reference_body(rows) -> bytes:
    context = calendar.FeedContext()
    events = b"".join(
        reference_event(row, base_url=context.base_url, host=context.host, labels=context.labels)
        for row in rows
    )
    return context.head + events + calendar.END


@pytest.fixture
def tricky_orders(db):
    group = GroupFactory(name="Returns; desk, \\ north")
    owner = Owner.objects.get(owner_id=group.pk, owner_type__model="group")
    orders = []
    for n, text in enumerate(TRICKY):
        order = OrderFactory(
            reference=f"RMA-{n:04d}{text[:30]}",
            description=text[:250],  # the column holds 250
            customer_reference=text[::-1][:40],
            customer=CustomerFactory(name=f"Cust, {text[:50]}") if n % 3 else None,
            responsible=owner if n % 2 else None,
            # InvenTree's statuses, as when the reference was written (authorization's are
            # checked in tests/returns/test_authorization.py).
            status=INVENTREE_STATUSES[n % len(INVENTREE_STATUSES)],
            target_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
        )
        if n % 4 == 0 and order.customer_id:
            add_line(order, received=True)
            add_line(order)
        orders.append(order)
    last = orders[-1]
    last.target_date = datetime.date.max
    last.save()
    return orders


def test_a_feed_is_byte_for_byte_the_reference(tricky_orders, settings):
    settings.BOOMERANG_BASE_URL = "https://rma.example.com:8443"
    settings.BOOMERANG_INSTANCE_NAME = "Ünïcode, Ltd; «ACME» 🎉"
    rows = list(selectors.return_orders_for_calendar(user=None, include_completed=True))
    assert len(rows) == len(TRICKY)
    body = calendar.calendar_body(iter(rows))
    assert body == reference_body(rows)
    assert len(Calendar.from_ical(body).walk("VEVENT")) == len(TRICKY)


def test_instances_and_rows_render_the_same(tricky_orders):
    """The pages' export passes order instances; the feed passes the selector's rows."""
    rows = selectors.return_orders_for_calendar(user=None, include_completed=True)
    instances = (
        with_line_counts(ReturnOrder.objects.filter(target_date__isnull=False))
        .select_related("customer", "responsible")
        .order_by("target_date", "pk")
    )
    assert calendar.return_order_calendar(instances) == calendar.calendar_body(rows)
