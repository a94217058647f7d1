"""The return-order calendar feed: its filters, its validators and its iCalendar body.

The body is a pure function of the selected orders and a few settings — no "now", no
"overdue" — so the same data always gives the same bytes and a strong ETag stays valid for as
long as nothing changes. ``returns.selectors.return_order_feed_changed_at`` tells, in one
query, whether anything did; the ETag of the body last rendered for that state is kept in the
cache, so a client revalidating an unchanged feed gets its 304 without a render.
"""

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, vDate, vDatetime, vDuration, vText, vUri
from icalendar.parser import Contentline, Contentlines

from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus

# Raise when the body changes for the same data, so no client keeps an old ETag's 304.
FEED_FORMAT = 1
# The refresh interval suggested to clients (RFC 7986 REFRESH-INTERVAL, Outlook's TTL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
ETAG_CACHE_SECONDS = 24 * 60 * 60
PRODID = "-//Boomerang//Return order calendar//EN"
FOLD_AT = 75  # octets (RFC 5545 §3.1)


@dataclass(frozen=True)
class FeedQuery:
    """A feed's filters, parsed (see ``returns.calendar_views.CalendarQuerySerializer``)."""

    include_completed: bool = False
    assigned_to_me: bool = False
    customer: int | None = None
    statuses: tuple[int, ...] = ()


def calendar_name() -> str:
    return f"{settings.BOOMERANG_INSTANCE_NAME} Return Orders"


def uid_host() -> str:
    """The UID's right-hand side: the instance's host (and port), read at request time."""
    parts = urlsplit(settings.BOOMERANG_BASE_URL)
    return (parts.netloc.rpartition("@")[2] or "localhost").lower()


def event_uid(order_pk: int, host: str) -> str:
    """Stable for the order's life: the pk only, never the editable reference."""
    return f"returnorder-{order_pk}@{host}"


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
        self.category = _text(_("Return order"))


def _text(value: str) -> str:
    """An iCalendar TEXT value, escaped by icalendar (``\\``, ``;``, ``,``, newlines)."""
    return vText(value).to_ical().decode()


def _stamp(value: datetime.datetime) -> str:
    return vDatetime(value.astimezone(datetime.UTC)).to_ical().decode()


def _summary(order: ReturnOrder, customer: str, labels: _Labels) -> str:
    summary = f"{order.reference} — {customer}"
    if order.status in (ReturnOrderStatus.COMPLETE, ReturnOrderStatus.CANCELLED):
        summary += f" ({labels.status[order.status]})"
    return summary


def _description(order: ReturnOrder, customer: str, url: str, labels: _Labels) -> str:
    lines = [
        labels.customer % {"customer": customer},
        labels.status_line % {"status": labels.status[order.status]},
        labels.lines % {"received": order.received_lines, "total": order.line_items},
        labels.responsible
        % {"responsible": order.responsible.name if order.responsible_id else labels.nobody},
    ]
    if order.customer_reference:
        lines.append(labels.customer_reference % {"ref": order.customer_reference})
    if order.description:
        lines.append(labels.description % {"text": order.description})
    # Google Calendar ignores URL: put the link where every client shows it.
    lines.append(url)
    return "\n".join(lines)


def order_event(order: ReturnOrder, *, base_url: str, host: str, labels: _Labels) -> bytes:
    """One VEVENT: an all-day event on the order's target date, serialized.

    DTEND is the day after DTSTART (RFC 5545 §3.6.1: it is exclusive). Values are encoded
    and lines folded by icalendar; the lines are put together here because building
    icalendar's component tree costs several times more, and a feed holds thousands.
    Any stored date renders: on the last date Python knows (9999-12-31) DTEND is left out,
    which RFC 5545 reads as the same one-day event.
    """
    customer = order.customer.name if order.customer_id else labels.no_customer
    url = base_url + order.get_absolute_url()
    changed = _stamp(order.updated_at)
    start = order.target_date
    dtend = (
        ["DTEND;VALUE=DATE:" + vDate(start + datetime.timedelta(days=1)).to_ical().decode()]
        if start < datetime.date.max
        else []
    )
    lines = [
        "BEGIN:VEVENT",
        "UID:" + _text(event_uid(order.pk, host)),
        "DTSTAMP:" + changed,
        "LAST-MODIFIED:" + changed,
        "CREATED:"
        + _stamp(datetime.datetime.combine(order.creation_date, datetime.time(), datetime.UTC)),
        f"SEQUENCE:{int(order.target_date_sequence)}",
        "DTSTART;VALUE=DATE:" + vDate(start).to_ical().decode(),
        *dtend,
        "SUMMARY:" + _text(_summary(order, customer, labels)),
        "DESCRIPTION:" + _text(_description(order, customer, url, labels)),
        "URL:" + vUri(url).to_ical().decode(),
        "CATEGORIES:" + labels.category,
        "STATUS:" + ("CANCELLED" if order.status == ReturnOrderStatus.CANCELLED else "CONFIRMED"),
        # A deadline, not a meeting: it must not make anyone look busy.
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return b"".join(_content_line(line) for line in lines)


def _content_line(line: str) -> bytes:
    data = line.encode()
    # icalendar keeps lines under 75 octets; most are shorter and need no folding.
    if len(data) < FOLD_AT:
        return data + b"\r\n"
    return Contentlines([Contentline(line)]).to_ical()


def return_order_calendar(orders: Iterable[ReturnOrder]) -> bytes:
    """The feed's iCalendar body (RFC 5545 and 7986): CRLF, folded at 75 octets, escaped.

    The VCALENDAR and its properties are built by icalendar; the events go in before its
    END line. Orders are consumed one at a time, so only the body's bytes are held.
    """
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
    end = b"END:VCALENDAR\r\n"
    assert envelope.endswith(end)

    base_url = settings.BOOMERANG_BASE_URL
    host = uid_host()
    labels = _Labels()
    chunks = [envelope[: -len(end)]]
    chunks.extend(order_event(o, base_url=base_url, host=host, labels=labels) for o in orders)
    chunks.append(end)
    return b"".join(chunks)


def body_etag(body: bytes) -> str:
    """A strong ETag: the SHA-256 of the exact bytes sent."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


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


def _etag_cache_key(changed_at: datetime.datetime | None, query: FeedQuery, user) -> str:
    # Everything the body depends on besides the orders themselves, which ``changed_at``
    # stands for. The user only matters to "assigned to me".
    parts = (
        FEED_FORMAT,
        changed_at.isoformat() if changed_at else "",
        query,
        user.pk if query.assigned_to_me else None,
        settings.BOOMERANG_BASE_URL,
        settings.BOOMERANG_INSTANCE_NAME,
        translation.get_language(),
    )
    return "returns:calendar-etag:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_etag(changed_at, query: FeedQuery, user) -> str | None:
    return cache.get(_etag_cache_key(changed_at, query, user))


def remember_etag(changed_at, query: FeedQuery, user, etag: str) -> None:
    cache.set(_etag_cache_key(changed_at, query, user), etag, ETAG_CACHE_SECONDS)
