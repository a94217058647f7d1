"""Receipts: a line received in one or several parts, each split into good, damaged and
missing quantities, and each one undoable until the order is closed."""

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import insert_rows
from returns import notifications
from returns.models import (
    ReturnCondition,
    ReturnOrder,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderReceipt,
    ReturnOrderReceiptDisposition,
)
from returns.services.base import _history, _lock_order, _status_label
from returns.services.resolutions import standing_resolution
from returns.statuses import OPEN_STATUSES, DispositionKind, ReturnOrderStatus
from stock import services as stock_services
from stock.models import StockItem, StockItemTracking, StockLocation
from stock.statuses import StockHistoryCode, StockStatus

# The statuses a damaged disposition may take; good units are always OK.
DAMAGED_STATUSES = (StockStatus.DAMAGED, StockStatus.QUARANTINED)
QUANTUM = Decimal("0.00001")  # the quantity columns' precision


@dataclass(frozen=True)
class DispositionRequest:
    kind: str
    quantity: Decimal
    location: StockLocation | None = None
    status: int | None = None


@dataclass(frozen=True)
class ReceiptRequest:
    line: int
    dispositions: list[DispositionRequest] = field(default_factory=list)
    notes: str = ""
    # The condition the units arrived in (an active one); the line takes it too.
    condition: ReturnCondition | None = None


def receivable_limit(line: ReturnOrderLineItem) -> Decimal:
    """The most a new receipt of ``line`` may take: what the line may bring back (its
    quantity, or less when it was authorized for less) and is neither received nor missing.
    The line is fully received when nothing is left."""
    return line.outstanding_quantity


def line_not_on_order(order: ReturnOrder, pk: int, line: ReturnOrderLineItem | None):
    """Why line ``pk`` (``line``, as locked, or None) cannot be received on ``order``, if it
    cannot: it does not exist, or it is another order's."""
    if line is None:
        return _("Line item %(pk)s does not exist") % {"pk": pk}
    if line.order_id != order.pk:
        return _("Line item %(pk)s does not belong to return order %(reference)s") % {
            "pk": pk,
            "reference": order.reference,
        }
    return None


def stock_snapshot(item: StockItem) -> dict:
    """``stock_services.stock_items_snapshot``'s row for an item already in memory."""
    return {
        "status": int(item.status),
        "location_id": item.location_id,
        "customer_id": item.customer_id,
        "belongs_to_id": item.belongs_to_id,
        "quantity": f"{Decimal(item.quantity).quantize(QUANTUM):f}",
    }


def _quantity(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _disposition_errors(
    line: ReturnOrderLineItem, item: StockItem, request: ReceiptRequest
) -> list[str]:
    """Why ``request`` cannot be received against the locked ``line`` and ``item``."""
    errors = []
    prefix = _("Line item %(pk)s") % {"pk": line.pk}
    if not request.dispositions:
        return [_("%(line)s: give at least one disposition") % {"line": prefix}]
    if request.condition is not None and not request.condition.active:
        errors.append(
            _("%(line)s: the condition “%(label)s” is inactive")
            % {"line": prefix, "label": request.condition.label}
        )
    for index, disposition in enumerate(request.dispositions):
        where = _("%(line)s, disposition %(index)s") % {"line": prefix, "index": index}
        if disposition.kind not in DispositionKind.values:
            errors.append(_("%(where)s: unknown kind") % {"where": where})
            continue
        if disposition.quantity <= 0:
            errors.append(_("%(where)s: quantity must be greater than zero") % {"where": where})
        elif item.serialized and disposition.quantity != 1:
            errors.append(
                _("%(where)s: a serialized item has one disposition per unit") % {"where": where}
            )
        elif item.part.trackable and disposition.quantity != int(disposition.quantity):
            errors.append(
                _("%(where)s: quantity must be an integer for a trackable part") % {"where": where}
            )
        if disposition.kind == DispositionKind.MISSING:
            if disposition.location is not None or disposition.status is not None:
                errors.append(
                    _("%(where)s: missing units take no location or status") % {"where": where}
                )
            continue
        if disposition.location is None:
            errors.append(_("%(where)s: a location is required") % {"where": where})
        elif disposition.location.structural:
            errors.append(
                _("%(where)s: stock items cannot be located into structural stock locations")
                % {"where": where}
            )
        if disposition.kind == DispositionKind.GOOD:
            if disposition.status not in (None, StockStatus.OK):
                errors.append(_("%(where)s: good units take the status OK") % {"where": where})
        elif disposition.status not in (None, *DAMAGED_STATUSES):
            errors.append(
                _("%(where)s: damaged units take the status Damaged or Quarantined")
                % {"where": where}
            )
    if errors:
        return errors
    total = sum((d.quantity for d in request.dispositions), Decimal(0))
    limit = receivable_limit(line)
    if total > limit:
        errors.append(
            _("%(line)s: %(total)s is more than the %(limit)s still to receive")
            % {"line": prefix, "total": _quantity(total), "limit": _quantity(limit)}
        )
    physical = sum(
        (d.quantity for d in request.dispositions if d.kind != DispositionKind.MISSING),
        Decimal(0),
    )
    if physical and item.customer_id != line.order.customer_id:
        errors.append(
            _("%(line)s: stock item %(item)s is no longer assigned to the customer")
            % {"line": prefix, "item": item.pk}
        )
    elif physical > item.quantity:
        errors.append(
            _("%(line)s: stock item %(item)s holds only %(available)s")
            % {"line": prefix, "item": item.pk, "available": _quantity(item.quantity)}
        )
    return errors


def _check_receivable(order: ReturnOrder) -> None:
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _(
                "Items can only be received against orders which are in progress "
                "(return order %(reference)s is %(status)s)"
            )
            % {"reference": order.reference, "status": _status_label(order.status)}
        )


def _lock_lines(order: ReturnOrder, pks: list[int]) -> dict[int, ReturnOrderLineItem]:
    """Lock the listed lines (pk order); refuse unknown ones and lines of other orders."""
    repeated = sorted({pk for pk in pks if pks.count(pk) > 1})
    if repeated:
        raise ValidationError(
            {"receipts": [_("Line items listed more than once: %(pks)s") % {"pks": repeated}]}
        )
    locked = {
        line.pk: line
        for line in ReturnOrderLineItem.objects.select_for_update()
        .filter(pk__in=pks)
        .order_by("pk")
    }
    errors = []
    for pk in pks:
        line = locked.get(pk)
        if (refused := line_not_on_order(order, pk, line)) is not None:
            errors.append(refused)
    if errors:
        raise ValidationError({"receipts": errors})
    for line in locked.values():
        line.order = order
    return locked


@transaction.atomic
def return_order_receive_split(
    *, order: ReturnOrder | int, receipts: list[ReceiptRequest], user, note: str = ""
) -> list[ReturnOrderReceipt]:
    """Receive each requested line in part or in full, split into dispositions.

    All or nothing. Locks: order, lines, then stock items. Each good or damaged disposition
    becomes its own stock item: the line's item itself when the disposition takes all of it,
    else a child split off it. Missing units stay where they were (with the customer). A
    line whose good, damaged and missing quantities reach its quantity gets its received
    date, and its item becomes the unit that came back. Raises ``ValidationError`` naming
    every refused line.
    """
    order = _lock_order(order)
    _check_receivable(order)
    if not receipts:
        raise ValidationError({"receipts": [_("Line items must be provided")]})
    lines = _lock_lines(order, [request.line for request in receipts])
    items = stock_services.stock_items_lock(line.item_id for line in lines.values())
    errors = []
    for request in receipts:
        line = lines[request.line]
        errors.extend(_disposition_errors(line, items[line.item_id], request))
    if errors:
        raise ValidationError({"receipts": errors})

    tracking_user = user if user is not None and user.is_authenticated else None
    made = []
    for request in receipts:
        made.append(
            _receive_line(
                order=order,
                line=lines[request.line],
                source=items[lines[request.line].item_id],
                request=request,
                user=user,
                tracking_user=tracking_user,
                note=note,
            )
        )
    _history(
        order,
        kind=ReturnOrderHistory.Kind.RECEIVED,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={
            "lines": [request.line for request in receipts],
            "receipts": [receipt.pk for receipt in made],
            "stock_items": sorted({pk for receipt in made for pk in _produced(receipt)}),
            # As InvenTree's receive records it, for the order page's history.
            "location_name": ", ".join(
                sorted(
                    {
                        d.location.pathstring
                        for request in receipts
                        for d in request.dispositions
                        if d.location is not None
                    }
                )
            ),
        },
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    notifications.queue_order_notification(
        order=order,
        subject=_("Items received against %(reference)s") % {"reference": order.reference},
        body=_("%(count)s receipt(s) have been recorded.") % {"count": len(made)},
        exclude_user=user,
    )
    return made


def _produced(receipt: ReturnOrderReceipt) -> list[int]:
    return [d.stock_item_id for d in receipt._made_dispositions if d.stock_item_id]


def _receive_line(
    *, order, line, source: StockItem, request: ReceiptRequest, user, tracking_user, note
) -> ReturnOrderReceipt:
    floor = stock_services.stock_tracking_floor()
    before = {str(source.pk): stock_snapshot(source)}
    previous_item = line.item_id
    created: list[int] = []
    dispositions = []
    source_moved = False
    tracking = []
    now = timezone.now()
    for disposition in request.dispositions:
        row = ReturnOrderReceiptDisposition(
            kind=disposition.kind,
            quantity=disposition.quantity,
            location=disposition.location,
            status=None,
        )
        if disposition.kind != DispositionKind.MISSING:
            status = disposition.status
            if status is None:
                status = (
                    StockStatus.OK
                    if disposition.kind == DispositionKind.GOOD
                    else StockStatus.DAMAGED
                )
            if source.serialized or disposition.quantity >= source.quantity:
                unit = source
                source_moved = True
            else:
                unit = stock_services.stock_item_split(
                    item=source, quantity=disposition.quantity, user=user, notes=note
                )
                created.append(unit.pk)
            deltas = {
                "status": int(status),
                "returnorder": order.pk,
                "location": disposition.location.pk,
            }
            if unit.customer_id is not None:
                deltas["customer"] = unit.customer_id
            unit.status = status
            unit.location = disposition.location
            unit.customer = None
            unit.updated = now
            unit.save(update_fields=["status", "location", "customer", "updated"])
            tracking.append(
                StockItemTracking(
                    item=unit,
                    tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
                    user=tracking_user,
                    notes=request.notes or note or None,
                    deltas=deltas,
                )
            )
            row.status = int(status)
            row.stock_item = unit
        dispositions.append(row)
    StockItemTracking.objects.bulk_create(tracking)

    received = sum(
        (d.quantity for d in dispositions if d.kind != DispositionKind.MISSING), Decimal(0)
    )
    missing = sum(
        (d.quantity for d in dispositions if d.kind == DispositionKind.MISSING), Decimal(0)
    )
    line.received_quantity += received
    line.missing_quantity += missing
    fields = ["received_quantity", "missing_quantity"]
    previous_condition = line.condition_id
    if request.condition is not None:
        line.condition = request.condition
        fields.append("condition")
    if receivable_limit(line) <= 0:
        line.received_date = timezone.localdate()
        fields.append("received_date")
        if not source_moved:
            first = _first_unit(line, dispositions)
            if first is not None:
                line.item_id = first
                fields.append("item")
    line.save(update_fields=fields)

    pks = {source.pk, *created}
    receipt = ReturnOrderReceipt.objects.create(
        order=order,
        line=line,
        quantity=received + missing,
        notes=request.notes,
        created_by=tracking_user,
        condition=request.condition,
        stock_record=_record(
            previous_item=previous_item,
            before=before,
            after=stock_services.stock_items_snapshot(pks),
            created=created,
            tracking=stock_services.stock_tracking_after(pks=pks, floor=floor),
            condition=request.condition.pk if request.condition is not None else None,
            previous_condition=previous_condition,
        ),
    )
    for row in dispositions:
        row.receipt = receipt
    ReturnOrderReceiptDisposition.objects.bulk_create(dispositions)
    receipt._made_dispositions = dispositions
    return receipt


def _record(
    *, previous_item, before, after, created, tracking, condition=None, previous_condition=None
) -> dict:
    """What undo needs. ``previous_condition`` (the line's condition before the receipt) is
    kept only when the receipt records a ``condition``: undo puts it back."""
    record = {
        "previous_item": previous_item,
        "before": before,
        "after": after,
        "created": list(created),
        "tracking": sorted(set(tracking)),
    }
    if condition is not None:
        record["previous_condition"] = previous_condition
    return record


def _first_unit(line: ReturnOrderLineItem, dispositions) -> int | None:
    """The first unit the line's standing receipts brought back, this one's last."""
    earlier = (
        ReturnOrderReceiptDisposition.objects.filter(
            receipt__line=line, receipt__undone_at__isnull=True, stock_item__isnull=False
        )
        .order_by("pk")
        .values_list("stock_item_id", flat=True)
        .first()
    )
    if earlier is not None:
        return earlier
    return next((row.stock_item.pk for row in dispositions if row.stock_item_id), None)


@dataclass
class WholeLineReceipt:
    """What ``return_order_receive`` did to one line, for its receipt row."""

    line: ReturnOrderLineItem
    previous_item: int
    quantity: Decimal
    unit: StockItem
    status: int
    before: dict
    after: dict = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    tracking: list[int] = field(default_factory=list)
    # The pk of the condition recorded for the line, if any, and the line's one before it.
    condition: int | None = None
    previous_condition: int | None = None


@contextmanager
def _sqlite_parameter_limit():
    """Let ``bulk_create`` use SQLite's real parameter limit.

    Django assumes SQLite's old default of 999 parameters per statement, so a hundred
    ten-column receipts would take two INSERTs. The library in use reports its own limit
    (usually far higher); the statement is sized from that, for the duration of the block.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    features = connection.features
    assumed = features.max_query_params
    features.max_query_params = max(assumed, limit)
    try:
        yield
    finally:
        features.max_query_params = assumed


def receipt_rows_for_whole_lines(
    *, order: ReturnOrder, received: list[WholeLineReceipt], user, note: str
) -> None:
    """Write the receipts of ``return_order_receive`` (InvenTree's body) in two inserts,
    whatever the number of lines: one receipt per line with one disposition (good for
    status OK, else damaged), recording what undo needs like ``return_order_receive_split``.
    """
    tracking_user = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    rows = [
        {
            "order_id": order.pk,
            "line_id": entry.line.pk,
            "quantity": entry.quantity,
            "notes": note,
            "created_by_id": tracking_user.pk if tracking_user is not None else None,
            "created_at": now,
            "condition_id": entry.condition,
            "stock_record": _record(
                previous_item=entry.previous_item,
                before=entry.before,
                after=entry.after,
                created=entry.created,
                tracking=entry.tracking,
                condition=entry.condition,
                previous_condition=entry.previous_condition,
            ),
        }
        for entry in received
    ]
    with _sqlite_parameter_limit():
        receipt_pks = insert_rows(ReturnOrderReceipt, rows)
    insert_rows(
        ReturnOrderReceiptDisposition,
        [
            {
                "receipt_id": receipt_pk,
                "kind": str(
                    DispositionKind.GOOD
                    if entry.status == StockStatus.OK
                    else DispositionKind.DAMAGED
                ),
                "quantity": entry.quantity,
                "location_id": entry.unit.location_id,
                "status": int(entry.status),
                "stock_item_id": entry.unit.pk,
            }
            for receipt_pk, entry in zip(receipt_pks, received, strict=True)
        ],
    )


@transaction.atomic
def return_order_receipt_undo(*, receipt: ReturnOrderReceipt | int, user, note: str = ""):
    """Undo a receipt: stock exactly as before it, the line's quantities and date restored.

    Locks: order, line, receipt, then stock items. Refused once the order is completed or
    cancelled, for a receipt already undone, while a later receipt of the same line stands
    (undo that first), while the line has a resolution, and when something else has changed
    the same stock since. Tracking entries it wrote are marked reversed; items it split off
    are removed again, their quantity back in the item they came from.
    """
    pk = receipt.pk if isinstance(receipt, ReturnOrderReceipt) else receipt
    found = ReturnOrderReceipt.objects.filter(pk=pk).values("order_id", "line_id").first()
    if found is None:
        raise ReturnOrderReceipt.DoesNotExist
    order = _lock_order(found["order_id"])
    line = ReturnOrderLineItem.objects.select_for_update().get(pk=found["line_id"])
    receipt = ReturnOrderReceipt.objects.select_for_update().get(pk=pk)
    if order.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Receipts cannot be undone once the order is %(status)s")
            % {"status": _status_label(order.status)}
        )
    if receipt.undone_at is not None:
        raise ValidationError(_("This receipt has already been undone"))
    later = (
        ReturnOrderReceipt.objects.filter(line=line, undone_at__isnull=True, pk__gt=receipt.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if later is not None:
        raise ValidationError(
            _("A later receipt (%(pk)s) of this line stands: undo it first") % {"pk": later}
        )
    resolution = standing_resolution(line)
    if resolution is not None:
        raise ValidationError(
            _("This line is resolved (%(kind)s): undo the resolution first")
            % {"kind": resolution.get_kind_display()}
        )
    dispositions = list(receipt.dispositions.all())
    received = sum(
        (d.quantity for d in dispositions if d.kind != DispositionKind.MISSING), Decimal(0)
    )
    missing = sum(
        (d.quantity for d in dispositions if d.kind == DispositionKind.MISSING), Decimal(0)
    )
    record = receipt.stock_record
    previous_item = record.get("previous_item")
    if previous_item is not None and line.item_id != previous_item:
        # The line points at a unit this receipt brought back, perhaps one split off for it.
        line.item_id = previous_item
        line.save(update_fields=["item"])
    fields = ["received_quantity", "missing_quantity", "received_date"]
    if receipt.condition_id is not None and "previous_condition" in record:
        # The receipt recorded the line's condition: the line gets its earlier one back.
        line.condition_id = record["previous_condition"]
        fields.append("condition")
    stock_services.stock_items_restore(
        before=record.get("before", {}),
        after=record.get("after", {}),
        created=record.get("created", []),
        tracking=record.get("tracking", []),
    )
    line.received_quantity -= received
    line.missing_quantity -= missing
    line.received_date = None
    line.save(update_fields=fields)
    receipt.undone_at = timezone.now()
    receipt.undone_by = user if user is not None and user.is_authenticated else None
    receipt.save(update_fields=["undone_at", "undone_by"])
    _history(
        order,
        kind=ReturnOrderHistory.Kind.RECEIPT_UNDONE,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={"line": line.pk, "receipt": receipt.pk, "removed_items": record.get("created", [])},
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return receipt
