"""Reads for return orders: querysets annotated and loaded for what they are shown with."""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common.aggregates import JSONArray
from common.models import Attachment
from companies.models import Contact
from returns.models import (
    FeedState,
    ProjectCode,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderMessage,
    ReturnOrderReceipt,
    ReturnOrderReceiptDisposition,
    ReturnOrderRepairPart,
    overdue_filter,
)
from returns.statuses import OPEN_STATUSES, ReturnOrderLineStatus
from stock.models import Part, StockItem, StockLocation
from users.models import Owner


def _count_lines(**filters):
    subquery = (
        ReturnOrderLineItem.objects.filter(order=OuterRef("pk"), **filters)
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def with_line_counts(
    queryset: QuerySet[ReturnOrder], *, overdue: bool = True
) -> QuerySet[ReturnOrder]:
    """Add ``line_items``, ``completed_lines`` (outcome set), ``received_lines`` and, unless
    told otherwise, ``overdue``."""
    counts = queryset.annotate(
        line_items=_count_lines(),
        completed_lines=Coalesce(
            Subquery(
                ReturnOrderLineItem.objects.filter(order=OuterRef("pk"))
                .exclude(outcome=ReturnOrderLineStatus.PENDING)
                .order_by()
                .values("order")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        received_lines=_count_lines(received_date__isnull=False),
    )
    return with_overdue(counts) if overdue else counts


def _overdue() -> Case:
    return Case(
        When(overdue_filter(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def with_overdue(queryset: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    """Add ``overdue`` (open, with a target date before today)."""
    return queryset.annotate(overdue=_overdue())


def return_order_list() -> QuerySet[ReturnOrder]:
    """Orders with everything the list and detail serializers read: a fixed query count."""
    return with_line_counts(
        ReturnOrder.objects.select_related(
            "customer",
            "contact",
            "contact__company",
            "address",
            "responsible",
            "responsible__owner_type",
            "project_code",
            "project_code__responsible",
            "project_code__responsible__owner_type",
            "created_by",
            "authorized_by",
        )
    )


LINE_RELATED = (
    "item",
    "item__part",
    "item__location",
    "item__customer",
    "reason",
    "condition",
)


def return_order_line_list() -> QuerySet[ReturnOrderLineItem]:
    return ReturnOrderLineItem.objects.select_related("order", *LINE_RELATED)


def return_order_line_list_with_orders() -> QuerySet[ReturnOrderLineItem]:
    """Lines whose ``order_detail`` is shown: the orders carry their annotations too."""
    return ReturnOrderLineItem.objects.select_related(*LINE_RELATED).prefetch_related(
        Prefetch("order", queryset=return_order_list())
    )


STANDING_JOINS = (
    "created_by",
    "replacement_item",
    "replacement_item__part",
    "repair",
    "repair__technician",
    "refund",
)


def standing_resolutions() -> QuerySet[ReturnOrderLineResolution]:
    """Resolutions that stand (not undone), with their replacement, repair, parts and refund."""
    parts = ReturnOrderRepairPart.objects.select_related("part", "location").order_by("pk")
    return (
        ReturnOrderLineResolution.objects.filter(reversed_at__isnull=True)
        .select_related(*STANDING_JOINS)
        .prefetch_related(Prefetch("repair__parts", queryset=parts))
    )


def _standing_repair_parts() -> Subquery:
    """The parts of the line's standing repair, as a JSON array: one object per part."""
    part = JSONObject(
        id="pk",
        quantity=Cast("quantity", CharField()),
        serial="serial",
        part_id="part_id",
        part_name="part__name",
        part_ipn="part__IPN",
        location_id="location_id",
        location_path="location__pathstring",
    )
    return Subquery(
        ReturnOrderRepairPart.objects.filter(
            repair__resolution__line=OuterRef("pk"),
            repair__resolution__reversed_at__isnull=True,
        )
        .order_by()
        .values("repair")
        .annotate(parts=JSONArray(part))
        .values("parts")
    )


def return_order_lines_resolved(order_pk: int) -> QuerySet[ReturnOrderLineItem]:
    """An order's lines for its page, each with ``standing_resolution`` (or None).

    One query whatever the number of lines: the lines with their standing resolution (and
    its replacement item, repair, technician and refund) joined, and the standing repair's
    parts in one column (``repair_parts`` makes them objects again).
    """
    joined = [f"standing_resolution__{name}" for name in STANDING_JOINS]
    return (
        return_order_line_list()
        .filter(order_id=order_pk)
        .annotate(
            standing_resolution=FilteredRelation(
                "resolutions", condition=Q(resolutions__reversed_at__isnull=True)
            ),
            standing_repair_parts=_standing_repair_parts(),
        )
        .select_related("standing_resolution", *joined)
        .order_by("pk")
    )


def repair_parts(line: ReturnOrderLineItem) -> list[ReturnOrderRepairPart]:
    """The parts of a line from ``return_order_lines_resolved``'s standing repair, in the order
    they were added, with their part and location (name, IPN, path)."""
    rows = sorted(line.standing_repair_parts or [], key=lambda row: row["id"])
    return [
        ReturnOrderRepairPart(
            pk=row["id"],
            quantity=Decimal(row["quantity"]),
            serial=row["serial"],
            part=Part(pk=row["part_id"], name=row["part_name"], IPN=row["part_ipn"]),
            location=(
                StockLocation(pk=row["location_id"], pathstring=row["location_path"])
                if row["location_id"] is not None
                else None
            ),
        )
        for row in rows
    ]


def _on_open_order():
    return ReturnOrderLineItem.objects.filter(item=OuterRef("pk"), order__status__in=OPEN_STATUSES)


def replacement_candidates(line: ReturnOrderLineItem) -> QuerySet[StockItem]:
    """Stock items that may replace the line's unit: what ``replacement_errors`` accepts.

    The unit's part or one of its allowed substitutes; in stock (not assigned, not installed,
    an available status, quantity above zero); holding at least the line's quantity; not the
    unit itself; not on an open return order. Loaded with part and location, in part, serial
    order. The service checks the chosen one again under its locks.
    """
    unit = line.item
    parts = [unit.part_id, *unit.part.substitutes.values_list("pk", flat=True)]
    return (
        StockItem.objects.in_stock()
        .filter(part_id__in=parts, quantity__gte=line.quantity)
        .exclude(pk=unit.pk)
        .exclude(Exists(_on_open_order()))
        .select_related("part", "location")
        .order_by("part__name", "serial_int", "serial", "pk")
    )


def repair_part_stock(*, unit: StockItem, search: str = "") -> QuerySet[StockItem]:
    """What is in stock where, for a repair's parts picker: in-stock items, leaving out the
    unit itself and units on open return orders (they are someone's return, not spares).

    ``search`` narrows to items whose part name, IPN, serial or location path contains it.
    Loaded with part and location, by part then location.
    """
    queryset = StockItem.objects.in_stock().exclude(pk=unit.pk).exclude(Exists(_on_open_order()))
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(part__name__icontains=search)
            | Q(part__IPN__icontains=search)
            | Q(serial__icontains=search)
            | Q(location__pathstring__icontains=search)
        )
    return queryset.select_related("part", "location").order_by(
        "part__name", "location__pathstring", "serial_int", "serial", "pk"
    )


def return_order_extra_line_list() -> QuerySet[ReturnOrderExtraLine]:
    return ReturnOrderExtraLine.objects.select_related("order")


def return_order_history(order_pk: int) -> QuerySet[ReturnOrderHistory]:
    return ReturnOrderHistory.objects.filter(order_id=order_pk).select_related("user")


def project_code_list() -> QuerySet[ProjectCode]:
    return ProjectCode.objects.select_related("responsible", "responsible__owner_type")


# -- calendar feed -------------------------------------------------------------------------

# The columns of a calendar row, in the order ``returns.calendar`` unpacks them.
CALENDAR_FIELDS = (
    "pk",
    "reference",
    "description",
    "customer_reference",
    "status",
    "target_date",
    "creation_date",
    "updated_at",
    "target_date_sequence",
    "customer__name",
    "responsible__name",
    "line_items",
    "received_lines",
)


def return_orders_for_calendar(
    *,
    user,
    include_completed: bool = False,
    assigned_to_me: bool = False,
    customer: int | None = None,
    statuses: Sequence[int] = (),
    lines: bool = False,
) -> QuerySet:
    """Orders with a target date as tuples of ``CALENDAR_FIELDS``: one query.

    With ``lines``, the open lines of the selected orders that have their own target date
    (``open_calendar_lines``) join them in the same query (a UNION): every row then carries
    ``CALENDAR_LINE_FIELDS`` too, ``line_pk`` 0 on an order's row; the rows are ordered by
    target date, order pk, then line pk (the order's own event first).

    Open orders by default; ``include_completed`` adds complete and cancelled ones, and
    ``statuses``, when given, replaces both. ``assigned_to_me`` keeps orders whose responsible
    owner is ``user`` or one of their groups (a subquery, not a query of its own). Ordered by
    target date then pk, so the same data always gives the same feed. Plain tuples rather
    than instances: a feed holds thousands of orders, and building a model (and its customer
    and owner) for each costs more than the rest of the event.
    """
    queryset = ReturnOrder.objects.all()
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    elif not include_completed:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if assigned_to_me:
        queryset = queryset.filter(responsible__in=Owner.objects.for_user(user))
    if customer is not None:
        queryset = queryset.filter(customer_id=customer)
    orders = queryset.filter(target_date__isnull=False).annotate(
        line_items=_count_lines(),
        received_lines=_count_lines(received_date__isnull=False),
    )
    if not lines:
        return orders.order_by("target_date", "pk").values_list(*CALENDAR_FIELDS)
    return (
        _with_line_columns(orders)
        .order_by()
        .values_list(*CALENDAR_FIELDS, *CALENDAR_LINE_FIELDS)
        .union(return_order_lines_for_calendar(orders=queryset), all=True)
        .order_by("target_date", "pk", "line_pk")
    )


# A line event's columns after an order's: the line's pk (0 on an order's row), its part's
# name and IPN, its unit's serial and its quantity.
CALENDAR_LINE_FIELDS = ("line_pk", "line_part", "line_ipn", "line_serial", "line_quantity")


def _with_line_columns(orders: QuerySet) -> QuerySet:
    """Order rows padded with empty line columns, to share a UNION with line rows."""
    return orders.annotate(
        line_pk=Value(0, output_field=IntegerField()),
        line_part=Value("", output_field=CharField()),
        line_ipn=Value("", output_field=CharField()),
        line_serial=Value("", output_field=CharField()),
        line_quantity=Value(Decimal(0), output_field=DecimalField()),
    )


def open_calendar_lines() -> Q:
    """Lines still to be dealt with, on open orders: not received, or received without an
    outcome. Only those with their own target date become calendar events."""
    return Q(order__status__in=OPEN_STATUSES, target_date__isnull=False) & (
        Q(received_date__isnull=True) | Q(outcome=ReturnOrderLineStatus.PENDING)
    )


def return_order_lines_in_calendar(
    *, orders: QuerySet, first: datetime.date, last: datetime.date
) -> QuerySet:
    """The calendar page's line events: open lines of ``orders`` due between ``first`` and
    ``last``, with their order, customer and part; one query."""
    return (
        ReturnOrderLineItem.objects.filter(
            open_calendar_lines(),
            order__in=orders.order_by().values("pk"),
            target_date__gte=first,
            target_date__lte=last,
        )
        .select_related("order__customer", "item__part")
        .order_by("target_date", "order__reference_int", "pk")
    )


def return_order_lines_for_calendar(*, orders: QuerySet) -> QuerySet:
    """The open lines of ``orders`` that have a target date, as calendar rows.

    Each row has ``CALENDAR_FIELDS`` (their order's, with the line's own target date, its
    creation date and its target-date sequence) then ``CALENDAR_LINE_FIELDS``. ``orders`` is
    applied as a subquery, so this is no query of its own until it is read.
    """
    return (
        ReturnOrderLineItem.objects.filter(open_calendar_lines(), order__in=orders.values("pk"))
        .order_by()
        .values_list(
            "order_id",
            "order__reference",
            "order__description",
            "order__customer_reference",
            "order__status",
            "target_date",
            Coalesce("creation_date", "order__creation_date"),
            "order__updated_at",
            "target_date_sequence",
            "order__customer__name",
            "order__responsible__name",
            Value(0, output_field=IntegerField()),
            Value(0, output_field=IntegerField()),
            "pk",
            "item__part__name",
            "item__part__IPN",
            Coalesce("item__serial", Value(""), output_field=CharField()),
            "quantity",
        )
    )


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def return_order_feed_changed_at() -> datetime.datetime | None:
    """When any return-order feed last changed: the newest order edit or ``FeedState`` stamp.

    Never moves backwards: deleting the newest order stamps ``FeedState`` later still. One
    query (an aggregate over the indexed ``updated_at``), whatever the tables hold.
    """
    epoch = Value(_EPOCH, output_field=DateTimeField())
    stamp = FeedState.objects.filter(name=FeedState.RETURN_ORDERS).values("changed_at")[:1]
    latest = ReturnOrder.objects.order_by().aggregate(
        latest=Greatest(
            Coalesce(Max("updated_at"), epoch),
            Coalesce(Subquery(stamp, output_field=DateTimeField()), epoch),
        )
    )["latest"]
    return None if latest is None or latest <= _EPOCH else latest


# -- the line picker -----------------------------------------------------------------------


def _open_elsewhere(order: ReturnOrder):
    """Unreceived lines of the stock item on another open order: what the service refuses."""
    return (
        ReturnOrderLineItem.objects.filter(
            item=OuterRef("pk"), received_date__isnull=True, order__status__in=OPEN_STATUSES
        )
        .exclude(order=order)
        .order_by("order_id")
    )


def held_stock_for_order(order: ReturnOrder) -> QuerySet[StockItem]:
    """Stock the order's customer holds, each marked with whether it may become a line.

    Carries ``on_this_order`` (bool), ``elsewhere_pk`` and ``elsewhere_reference`` (the other
    open order the item waits on, or None), with part, location and customer loaded: one
    query for the whole picker. Ordered by part name, then serial. The service checks again
    under its locks; this only lets the page show the reason instead of offering the item.
    """
    elsewhere = _open_elsewhere(order)
    return (
        StockItem.objects.filter(customer_id=order.customer_id)
        .select_related("part", "location", "customer")
        .annotate(
            on_this_order=Exists(
                ReturnOrderLineItem.objects.filter(order=order, item=OuterRef("pk"))
            ),
            elsewhere_pk=Subquery(elsewhere.values("order_id")[:1]),
            elsewhere_reference=Subquery(elsewhere.values("order__reference")[:1]),
        )
        .order_by("part__name", "serial_int", "serial", "pk")
    )


def held_stock_matching_scan(order: ReturnOrder, code: str) -> QuerySet[StockItem]:
    """What a scanned or typed code names among the customer's stock: the items whose serial
    is the code (ignoring case); failing that, the items whose batch code is. Annotated as
    ``held_stock_for_order``."""
    code = code.strip()
    held = held_stock_for_order(order)
    by_serial = held.filter(serial__iexact=code)
    if by_serial.exists():
        return by_serial
    return held.filter(batch__iexact=code).exclude(batch="")


def return_order_by_reference(text: str) -> ReturnOrder | None:
    """The order a typed or scanned reference names: its exact reference (ignoring case), or,
    for a bare number, the only order whose reference number it is. None otherwise."""
    text = text.strip()
    if not text:
        return None
    found = list(ReturnOrder.objects.filter(reference__iexact=text).only("pk", "reference")[:2])
    if len(found) != 1 and text.isascii() and text.isdigit() and len(text) <= 18:
        found = list(
            ReturnOrder.objects.filter(reference_int=int(text)).only("pk", "reference")[:2]
        )
    return found[0] if len(found) == 1 else None


def return_order_receipts(order_pk: int) -> list[ReturnOrderReceipt]:
    """The order's receipts, newest first, with their lines' items, their creators and their
    dispositions (with locations): one query whatever their number, read from the
    dispositions' side (every receipt has at least one)."""
    dispositions = (
        ReturnOrderReceiptDisposition.objects.filter(receipt__order=order_pk)
        .select_related(
            "receipt__line__item__part", "receipt__created_by", "receipt__condition", "location"
        )
        .order_by("-receipt__created_at", "-receipt__pk", "pk")
    )
    receipts: dict[int, ReturnOrderReceipt] = {}
    grouped: dict[int, list[ReturnOrderReceiptDisposition]] = {}
    for disposition in dispositions:
        receipt = receipts.setdefault(disposition.receipt_id, disposition.receipt)
        disposition.receipt = receipt
        grouped.setdefault(receipt.pk, []).append(disposition)
    for receipt in receipts.values():
        # As prefetch_related leaves it: ``receipt.dispositions.all()`` reads no more.
        prefetched = receipt.dispositions.all()
        prefetched._result_cache = grouped[receipt.pk]
        prefetched._prefetch_done = True
        receipt._prefetched_objects_cache = {"dispositions": prefetched}
    return list(receipts.values())


def return_order_messages(order_pk: int) -> QuerySet[ReturnOrderMessage]:
    """The order's thread with the customer, oldest first, with authors and files (two
    queries)."""
    return (
        ReturnOrderMessage.objects.filter(order_id=order_pk)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def _thread_rows() -> Subquery:
    """The order's messages with their files, as a JSON array: one object per message and
    file (a message without files gives one object whose ``file_id`` is null)."""
    row = JSONObject(
        id="pk",
        body="body",
        from_customer="from_customer",
        created_at="created_at",
        user_id="author_user_id",
        user_first_name="author_user__first_name",
        user_last_name="author_user__last_name",
        user_username="author_user__username",
        contact_id="author_contact_id",
        contact_name="author_contact__name",
        file_id="attachments__pk",
        file_name="attachments__attachment",
        file_uploaded="attachments__upload_date",
    )
    return Subquery(
        ReturnOrderMessage.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(rows=JSONArray(row))
        .values("rows")
    )


def with_thread(queryset: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    """Add ``thread_rows``: the order's thread with the customer in one column of its row
    (NULL when there is none), for ``thread_messages``. No query of its own."""
    return queryset.annotate(thread_rows=_thread_rows())


def _stored_datetime(value: str) -> datetime.datetime:
    """A datetime column as the JSON functions write it: PostgreSQL's ISO text with its
    offset, or SQLite's stored UTC text without one."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"not a datetime: {value!r}")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)


def thread_messages(order: ReturnOrder) -> list[ReturnOrderMessage]:
    """The messages of an order read through ``with_thread``, as ``return_order_messages``
    gives them: oldest first (then by pk), each with its author (user or contact) and its
    files (``message.attachments.all()``, newest upload first as ``Attachment`` orders them)
    loaded, so showing them reads nothing more."""
    user_model = get_user_model()
    messages: dict[int, ReturnOrderMessage] = {}
    files: dict[int, list[Attachment]] = {}
    for row in order.thread_rows or []:
        message = messages.get(row["id"])
        if message is None:
            message = messages[row["id"]] = ReturnOrderMessage(
                pk=row["id"],
                order=order,
                body=row["body"],
                from_customer=bool(row["from_customer"]),
                created_at=_stored_datetime(row["created_at"]),
                author_user=(
                    user_model(
                        pk=row["user_id"],
                        first_name=row["user_first_name"],
                        last_name=row["user_last_name"],
                        username=row["user_username"],
                    )
                    if row["user_id"] is not None
                    else None
                ),
                author_contact=(
                    Contact(pk=row["contact_id"], name=row["contact_name"])
                    if row["contact_id"] is not None
                    else None
                ),
            )
            files[message.pk] = []
        if row["file_id"] is not None:
            files[message.pk].append(
                Attachment(
                    pk=row["file_id"],
                    attachment=row["file_name"],
                    upload_date=_stored_datetime(row["file_uploaded"]),
                )
            )
    thread = sorted(messages.values(), key=lambda message: (message.created_at, message.pk))
    for message in thread:
        attached = sorted(files[message.pk], key=lambda f: (f.upload_date, f.pk), reverse=True)
        # As prefetch_related leaves it: ``message.attachments.all()`` reads no more.
        prefetched = message.attachments.all()
        prefetched._result_cache = attached
        prefetched._prefetch_done = True
        message._prefetched_objects_cache = {"attachments": prefetched}
    return thread
