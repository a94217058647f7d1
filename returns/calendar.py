"""The return-order calendar feed: its filters, its validators and its iCalendar body.

The body is a pure function of the selected orders and of a few request-time inputs — the
base URL, the instance name, the language, ``FEED_FORMAT`` — with no "now" and no "overdue",
so the same data always gives the same bytes. The ETag is therefore computed from those
inputs and from ``returns.selectors.return_order_feed_changed_at`` (one query), not from the
body: any worker answers a revalidation with a 304 without rendering, and without a cache.

The events are written here rather than through icalendar's component tree, which costs
many times more for the thousands of events a feed holds. The TEXT escaping and the line
folding below reproduce icalendar's byte for byte (the tests compare them); icalendar still
builds the calendar's own few lines.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, vDuration, vText

from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus

# Raise when the body changes for the same data, so no client keeps an old ETag's 304.
FEED_FORMAT = 2
# The refresh interval suggested to clients (RFC 7986 REFRESH-INTERVAL, Outlook's TTL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
PRODID = "-//Boomerang//Return order calendar//EN"
FOLD_AT = 75  # octets (RFC 5545 §3.1)
END = b"END:VCALENDAR\r\n"

# A pk no order has, for building every event's URL from one reverse().
_PK_PLACEHOLDER = 987654321987654321
_CLOSED = (ReturnOrderStatus.COMPLETE, ReturnOrderStatus.CANCELLED, ReturnOrderStatus.DECLINED)
_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class FeedQuery:
    """A feed's filters, parsed (see ``returns.calendar_views.CalendarQuerySerializer``)."""

    include_completed: bool = False
    assigned_to_me: bool = False
    customer: int | None = None
    statuses: tuple[int, ...] = ()
    lines: bool = False


def calendar_name() -> str:
    return f"{settings.BOOMERANG_INSTANCE_NAME} Return Orders"


def uid_host() -> str:
    """The UID's right-hand side: the instance's host (and port), read at request time."""
    parts = urlsplit(settings.BOOMERANG_BASE_URL)
    return (parts.netloc.rpartition("@")[2] or "localhost").lower()


def event_uid(order_pk: int, host: str) -> str:
    """Stable for the order's life: the pk only, never the editable reference."""
    return f"returnorder-{order_pk}@{host}"


# -- serialization -------------------------------------------------------------------------


def ical_text(value: str) -> str:
    r"""An iCalendar TEXT value (RFC 5545 §3.3.11), escaped exactly as icalendar does.

    The order matters: a literal ``\N`` first becomes a newline, backslashes are doubled
    before ``;`` and ``,`` gain theirs, and CRLF, LF and a lone CR all become ``\n``.
    """
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def content_line(data: bytes) -> bytes:
    """One content line, folded as icalendar folds it, with its CRLF.

    Every physical line holds at most 74 octets after its leading space (icalendar stops
    one short of RFC 5545's 75), a fold never falls inside a UTF-8 sequence, and a fold that
    would leave a ``\\`` or ``^`` last on a line moves that character to the next one, so no
    escape is split across lines.
    """
    size = len(data)
    limit = FOLD_AT - 1
    if size <= limit:
        return data + b"\r\n"
    pieces = []
    start = 0
    while size - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: fold before its start
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _utc_stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds")[:19].translate(_NO_SEPS)


_NO_SEPS = str.maketrans("", "", "-:")


class _Labels:
    """The feed's words, translated once per render rather than once per event."""

    def __init__(self):
        self.status = {value: str(label) for value, label in ReturnOrderStatus.choices}
        self.customer = _("Customer: %(customer)s")
        self.status_line = _("Status: %(status)s")
        self.lines = _("Lines received: %(received)s / %(total)s")
        self.responsible = _("Responsible: %(responsible)s")
        self.customer_reference = _("Customer reference: %(ref)s")
        self.description = _("Description: %(text)s")
        self.no_customer = _("No customer")
        self.nobody = _("nobody")
        self.category = ical_text(_("Return order"))
        self.line_category = ical_text(_("Return order line"))
        self.line_quantity = _("Line quantity: %(quantity)s")

    def key(self) -> str:
        return repr(sorted(vars(self).items()))


def _envelope() -> bytes:
    """The VCALENDAR's own lines, built by icalendar, without the closing END line."""
    name = calendar_name()
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))
    calendar.add(
        "x-wr-caldesc",
        vText(
            _("Target dates of return orders in %(instance)s")
            % {"instance": settings.BOOMERANG_INSTANCE_NAME}
        ),
    )
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    envelope = calendar.to_ical()
    assert envelope.endswith(END)
    return envelope[: -len(END)]


def _order_path_template() -> tuple[str, str]:
    """An order page's path as (before the pk, after it), from one reverse()."""
    try:
        path = reverse("returns:detail", kwargs={"pk": _PK_PLACEHOLDER})
    except NoReverseMatch:  # the same fallback as ReturnOrder.get_absolute_url
        path = f"/returns/{_PK_PLACEHOLDER}/"
    before, _placeholder, after = path.rpartition(str(_PK_PLACEHOLDER))
    return before, after


class FeedContext:
    """Everything a feed's body depends on besides its orders, read once per request.

    ``key()`` covers all of it, so two requests with equal keys and equal order data get
    the same bytes; the ETag is built on it.
    """

    def __init__(self):
        self.head = _envelope()
        self.base_url = settings.BOOMERANG_BASE_URL
        self.host = uid_host()
        self.labels = _Labels()
        before, after = _order_path_template()
        self.url_before = self.base_url + before
        self.url_after = after

    def key(self) -> str:
        return repr(
            (
                FEED_FORMAT,
                icalendar.__version__,
                self.head,
                self.host,
                self.url_before,
                self.url_after,
                self.labels.key(),
            )
        )


def feed_etag(
    *, context: FeedContext, changed_at: datetime.datetime | None, query: FeedQuery, user
) -> str:
    """A strong ETag for the body these inputs render, without rendering it.

    ``changed_at`` stands for the orders and everything shown with them (the services and
    ``returns.signals`` move it on every change, deletions and group membership included);
    the user only matters to ``assigned_to_me``, whose owners follow from the user and their
    groups.
    """
    parts = (
        changed_at.isoformat() if changed_at else "",
        query,
        user.pk if query.assigned_to_me else None,
        context.key(),
    )
    return f'"{hashlib.sha256(repr(parts).encode()).hexdigest()}"'


# A row of ``returns.selectors.return_orders_for_calendar``, in ``CALENDAR_FIELDS`` order.
CalendarRow = tuple


def order_row(order: ReturnOrder) -> CalendarRow:
    """An order instance (with ``line_items`` and ``received_lines``) as a calendar row."""
    return (
        order.pk,
        order.reference,
        order.description,
        order.customer_reference,
        order.status,
        order.target_date,
        order.creation_date,
        order.updated_at,
        order.target_date_sequence,
        order.customer.name if order.customer_id else None,
        order.responsible.name if order.responsible_id else None,
        order.line_items,
        order.received_lines,
    )


def _order_writer(context: FeedContext) -> Callable[[CalendarRow], bytes]:
    """A function writing an order row as one all-day VEVENT on its target date.

    DTEND is the day after DTSTART (RFC 5545 §3.6.1: it is exclusive); on the last date
    Python knows (9999-12-31) it is left out, which RFC 5545 reads as the same one-day event.
    The labels, dates and stamps are worked out once per feed, not once per event.
    """
    labels = context.labels
    status_labels = labels.status
    url_before, url_after = context.url_before, context.url_after
    uid_after = "@" + ical_text(context.host)
    begin = b"BEGIN:VEVENT\r\n"
    tail = {
        status: (
            content_line(("CATEGORIES:" + labels.category).encode())
            + b"STATUS:"
            + (
                b"CANCELLED"
                if status in (ReturnOrderStatus.CANCELLED, ReturnOrderStatus.DECLINED)
                else b"CONFIRMED"
            )
            # A deadline, not a meeting: it must not make anyone look busy.
            + b"\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
        )
        for status in status_labels
    }
    dates: dict[datetime.date, str] = {}
    stamps: dict[datetime.datetime, str] = {}

    def day(value: datetime.date) -> str:
        text = dates.get(value)
        if text is None:
            text = dates[value] = value.isoformat().replace("-", "")
        return text

    def write(row: CalendarRow) -> bytes:
        (
            pk,
            reference,
            description,
            customer_reference,
            status,
            target_date,
            creation_date,
            updated_at,
            sequence,
            customer,
            responsible,
            line_items,
            received_lines,
        ) = row
        if customer is None:
            customer = labels.no_customer
        url = f"{url_before}{pk}{url_after}"
        changed = stamps.get(updated_at)
        if changed is None:
            changed = stamps[updated_at] = _utc_stamp(updated_at) + "Z"
        start = day(target_date)
        dtend = (
            f"DTEND;VALUE=DATE:{day(target_date + _ONE_DAY)}\r\n"
            if target_date < datetime.date.max
            else ""
        )
        dates_block = (
            f"DTSTAMP:{changed}\r\nLAST-MODIFIED:{changed}\r\n"
            f"CREATED:{day(creation_date)}T000000Z\r\nSEQUENCE:{int(sequence)}\r\n"
            f"DTSTART;VALUE=DATE:{start}\r\n{dtend}"
        )
        summary = f"{reference} — {customer}"
        if status in _CLOSED:
            summary += f" ({status_labels[status]})"
        lines = [
            labels.customer % {"customer": customer},
            labels.status_line % {"status": status_labels[status]},
            labels.lines % {"received": received_lines, "total": line_items},
            labels.responsible
            % {"responsible": responsible if responsible is not None else labels.nobody},
        ]
        if customer_reference:
            lines.append(labels.customer_reference % {"ref": customer_reference})
        if description:
            lines.append(labels.description % {"text": description})
        # Google Calendar ignores URL: put the link where every client shows it.
        lines.append(url)
        # One object per event: the body's pieces cost their headers as well as their bytes.
        return b"".join(
            (
                begin,
                content_line(f"UID:returnorder-{pk}{uid_after}".encode()),
                dates_block.encode(),
                content_line(("SUMMARY:" + ical_text(summary)).encode()),
                content_line(("DESCRIPTION:" + ical_text("\n".join(lines))).encode()),
                content_line(("URL:" + url).encode()),
                tail[status],
            )
        )

    return write


def _events(rows: Iterable[CalendarRow], context: FeedContext) -> Iterator[bytes]:
    """Each order row as one all-day VEVENT on its target date, serialized."""
    return map(_order_writer(context), rows)


def line_summary(reference: str, part: str, ipn: str, serial: str, quantity) -> str:
    """``RMA-0001 — IPN | Part #SN`` for a serialized unit, ``RMA-0001 — 3 x Part`` otherwise."""
    name = f"{ipn} | {part}" if ipn else part
    if serial:
        return f"{reference} — {name} #{serial}"
    return f"{reference} — {quantity.normalize():f} x {name}"


def _line_writer(context: FeedContext) -> Callable[[CalendarRow], bytes]:
    """A function writing a line row (``returns.selectors.CALENDAR_LINE_FIELDS``) as a VEVENT.

    Its UID (``returnorderline-<pk>@host``) is the line's pk only, apart from every order's;
    its dates are the line's own target date; its stamps are its order's ``updated_at``.
    """
    labels = context.labels
    status_labels = labels.status
    url_before, url_after = context.url_before, context.url_after
    uid_after = "@" + ical_text(context.host)
    tail = (
        content_line(("CATEGORIES:" + labels.line_category).encode())
        + b"STATUS:CONFIRMED\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
    )

    def write(row: CalendarRow) -> bytes:
        (
            pk,
            reference,
            _description,
            customer_reference,
            status,
            target_date,
            creation_date,
            updated_at,
            sequence,
            customer,
            responsible,
            _line_items,
            _received_lines,
            line_pk,
            part,
            ipn,
            serial,
            quantity,
        ) = row
        if customer is None:
            customer = labels.no_customer
        url = f"{url_before}{pk}{url_after}#line-{line_pk}"
        changed = _utc_stamp(updated_at) + "Z"
        day = target_date.isoformat().replace("-", "")
        dtend = (
            f"DTEND;VALUE=DATE:{(target_date + _ONE_DAY).isoformat().replace('-', '')}\r\n"
            if target_date < datetime.date.max
            else ""
        )
        summary = line_summary(reference, part, ipn, serial, quantity)
        lines = [
            labels.customer % {"customer": customer},
            labels.status_line % {"status": status_labels[status]},
            labels.line_quantity % {"quantity": f"{quantity.normalize():f}"},
            labels.responsible
            % {"responsible": responsible if responsible is not None else labels.nobody},
        ]
        if customer_reference:
            lines.append(labels.customer_reference % {"ref": customer_reference})
        lines.append(url)
        return b"".join(
            (
                b"BEGIN:VEVENT\r\n",
                content_line(f"UID:returnorderline-{line_pk}{uid_after}".encode()),
                (
                    f"DTSTAMP:{changed}\r\nLAST-MODIFIED:{changed}\r\n"
                    f"CREATED:{creation_date.isoformat().replace('-', '')}T000000Z\r\n"
                    f"SEQUENCE:{int(sequence)}\r\nDTSTART;VALUE=DATE:{day}\r\n{dtend}"
                ).encode(),
                content_line(("SUMMARY:" + ical_text(summary)).encode()),
                content_line(("DESCRIPTION:" + ical_text("\n".join(lines))).encode()),
                content_line(("URL:" + url).encode()),
                tail,
            )
        )

    return write


# How many columns an order's row has; a row with more is a line's, or an order's padded
# to share a UNION with lines (its ``line_pk`` 0).
_ORDER_COLUMNS = 13


def _mixed_events(rows: Iterable[CalendarRow], context: FeedContext) -> Iterator[bytes]:
    """Order rows and line rows, each as its event: the rows of a ``lines=true`` feed."""
    write_order, write_line = _order_writer(context), _line_writer(context)
    for row in rows:
        if len(row) == _ORDER_COLUMNS:
            yield write_order(row)
        elif row[_ORDER_COLUMNS]:
            yield write_line(row)
        else:
            yield write_order(row[:_ORDER_COLUMNS])


def calendar_body(rows: Iterable[CalendarRow], context: FeedContext | None = None) -> bytes:
    """The feed's iCalendar body (RFC 5545 and 7986): CRLF, folded at 75 octets, escaped.

    Rows are consumed one at a time; only the body's bytes are held, never the orders.
    """
    context = context or FeedContext()
    chunks = [context.head]
    chunks.extend(_mixed_events(rows, context))
    chunks.append(END)
    return b"".join(chunks)


def return_order_calendar(orders: Iterable[ReturnOrder]) -> bytes:
    """``calendar_body`` for order instances that carry ``line_items`` and ``received_lines``."""
    return calendar_body(order_row(order) for order in orders)


def last_modified(changed_at: datetime.datetime | None, now: datetime.datetime) -> int | None:
    """The Last-Modified to send, as a POSIX timestamp, or None for none.

    HTTP dates count whole seconds. A feed that changed during the current second could
    change again within it, and a client holding that second as If-Modified-Since would then
    get a 304 for a changed feed; such a feed goes out without Last-Modified (the ETag still
    validates it) until the second has passed.
    """
    if changed_at is None:
        return None
    stamp = int(changed_at.timestamp())
    return stamp if stamp < int(now.timestamp()) else None
