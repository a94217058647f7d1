"""Receiving returned items into stock."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import insert_rows
from returns import notifications
from returns.models import (
    ReturnCondition,
    ReturnOrder,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
)
from returns.services.authorization import authorized_limit
from returns.services.base import (
    _history,
    _lock_order,
    _status_label,
)
from returns.services.receipts import (
    WholeLineReceipt,
    line_not_on_order,
    receipt_rows_for_whole_lines,
    receivable_limit,
    stock_snapshot,
)
from returns.statuses import (
    ReturnOrderStatus,
)
from stock import services as stock_services
from stock.models import StockItem, StockItemTracking, StockLocation
from stock.statuses import StockHistoryCode, StockStatus


@transaction.atomic
def return_order_receive(
    *,
    order: ReturnOrder | int,
    lines: list[tuple[int, int | None]],
    location: StockLocation,
    user,
    note: str = "",
    conditions: dict[int, int] | None = None,
) -> list[StockItem]:
    """Receive returned items into ``location``: all requested lines or none.

    ``lines`` holds ``(line_pk, stock_status_or_None)`` pairs. For each line: a partial
    quantity of a non-serialized item is split off first; the item takes the status (default
    QUARANTINED), moves to the location, leaves the customer, and gets a tracking entry
    (code 80); the line gets its received date. ``conditions`` maps a line pk to the pk of
    the (active, checked by the caller) ``ReturnCondition`` it arrived in; lines not in it
    keep theirs. Locks: order, lines, then stock items.

    A line partly received already (``returns.services.receipts``) takes what is still
    outstanding. Each line gets a receipt with one disposition, so that it can be undone
    like any other; the query count stays the same whatever the number of lines.
    """
    order = _lock_order(order)
    if order.status == ReturnOrderStatus.REQUESTED:
        raise ValidationError(
            _(
                "Return order %(reference)s has not been authorized yet: items can be "
                "received only once it is authorized and issued"
            )
            % {"reference": order.reference}
        )
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _(
                "Items can only be received against orders which are in progress "
                "(return order %(reference)s is %(status)s)"
            )
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    if not lines:
        raise ValidationError({"items": [_("Line items must be provided")]})
    if location.structural:
        raise ValidationError(
            {"location": [_("Stock items cannot be located into structural stock locations!")]}
        )
    requested = [pk for pk, _status in lines]
    repeated = sorted({pk for pk in requested if requested.count(pk) > 1})
    if repeated:
        raise ValidationError(
            {"items": [_("Line items listed more than once: %(pks)s") % {"pks": repeated}]}
        )
    # A status chosen by a resolution recorded ahead of receipt (advance replacement, refund)
    # applies when the request gives none: read with the locked lines, not in a query more.
    chosen_status = ReturnOrderLineResolution.objects.filter(
        line=OuterRef("pk"), reversed_at__isnull=True, unit_status__isnull=False
    ).values("unit_status")[:1]
    locked_lines = {
        line.pk: line
        for line in ReturnOrderLineItem.objects.select_for_update()
        .annotate(chosen_status=Subquery(chosen_status))
        .filter(pk__in=requested)
        .order_by("pk")
    }
    errors = []
    for pk in requested:
        line = locked_lines.get(pk)
        if (refused := line_not_on_order(order, pk, line)) is not None:
            errors.append(refused)
        elif line.received_date is not None:
            errors.append(
                _("Line item %(pk)s has already been received (on %(date)s)")
                % {"pk": pk, "date": line.received_date.isoformat()}
            )
        elif authorized_limit(line) < line.quantity:
            errors.append(
                _(
                    "Line item %(pk)s returns %(quantity)s but only %(authorized)s was "
                    "authorized: it cannot be received whole"
                )
                % {
                    "pk": pk,
                    "quantity": f"{line.quantity.normalize():f}",
                    "authorized": f"{authorized_limit(line).normalize():f}",
                }
            )
    if errors:
        raise ValidationError({"items": errors})

    item_pks = sorted({line.item_id for line in locked_lines.values()})
    items = {
        item.pk: item
        for item in StockItem.objects.select_for_update().filter(pk__in=item_pks).order_by("pk")
    }
    for pk in requested:
        line = locked_lines[pk]
        item = items[line.item_id]
        if item.customer_id != order.customer_id:
            errors.append(
                _("Stock item %(item)s is no longer assigned to %(customer)s")
                % {"item": item, "customer": order.customer.name}
            )
        elif not item.serialized and receivable_limit(line) > item.quantity:
            errors.append(
                _(
                    "Line item %(pk)s returns %(quantity)s but stock item %(item)s "
                    "holds %(available)s"
                )
                % {
                    "pk": pk,
                    "quantity": receivable_limit(line).normalize(),
                    "item": item.pk,
                    "available": item.quantity.normalize(),
                }
            )
    if errors:
        raise ValidationError({"items": errors})

    today = timezone.localdate()
    statuses = dict(lines)
    moved = []
    receipts: list[WholeLineReceipt] = []
    splits = any(
        not items[locked_lines[pk].item_id].serialized
        and receivable_limit(locked_lines[pk]) < items[locked_lines[pk].item_id].quantity
        for pk in requested
    )
    # Splitting writes its own tracking entries: the receipts need their keys to undo them.
    floor = stock_services.stock_tracking_floor() if splits else 0
    by_status: dict[int, list[int]] = {}
    split_lines: dict[int, int] = {}
    tracking = []
    tracking_user = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    for pk in requested:
        line = locked_lines[pk]
        stock_item = items[line.item_id]
        quantity = receivable_limit(line)
        receipt = WholeLineReceipt(
            line=line,
            previous_item=line.item_id,
            quantity=quantity,
            unit=stock_item,
            status=0,
            before={str(stock_item.pk): stock_snapshot(stock_item)},
            condition=(conditions or {}).get(pk),
            previous_condition=line.condition_id,
        )
        if not stock_item.serialized and quantity < stock_item.quantity:
            source = stock_item
            stock_item = stock_services.stock_item_split(
                item=stock_item, quantity=quantity, user=user, notes=note
            )
            receipt.after[str(source.pk)] = stock_snapshot(source)
            receipt.created.append(stock_item.pk)
            receipt.unit = stock_item
            line.item = stock_item
            split_lines[line.pk] = stock_item.pk
        status = statuses[pk]
        if status is None:
            status = line.chosen_status or StockStatus.QUARANTINED
        receipt.status = int(status)
        receipts.append(receipt)
        by_status.setdefault(int(status), []).append(stock_item.pk)
        deltas = {"status": int(status), "returnorder": order.pk, "location": location.pk}
        if stock_item.customer_id is not None:
            deltas["customer"] = stock_item.customer_id
        stock_item.status = status
        stock_item.location = location
        stock_item.customer = None
        stock_item.updated = now
        tracking.append(
            {
                "item_id": stock_item.pk,
                "tracking_type": int(StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER),
                "user_id": tracking_user.pk if tracking_user is not None else None,
                "notes": note or None,
                "deltas": deltas,
                "date": now,
            }
        )
        receipt.after[str(stock_item.pk)] = stock_snapshot(stock_item)
        line.received_date = today
        moved.append(stock_item)
    # Whatever the number of lines: one write each for the items, their tracking and the
    # lines (a partial bulk return splits its item first, above). Every item gets the same
    # location, customer and time, and every line the same date, so the writes are plain
    # UPDATEs with one WHEN per distinct status or split item, not bulk_update's WHEN per
    # row and column, whose building costs more than the database's work.
    StockItem.objects.filter(pk__in=[item.pk for item in moved]).update(
        status=(
            Value(next(iter(by_status)))
            if len(by_status) == 1
            else _value_by_pk(
                by_status, default=F("status"), output_field=StockItem._meta.get_field("status")
            )
        ),
        location=location,
        customer=None,
        updated=now,
    )
    tracking_pks = insert_rows(StockItemTracking, tracking)
    recorded = {pk: cond for pk, cond in (conditions or {}).items() if pk in locked_lines}
    by_condition: dict[int, list[int]] = {}
    for line_pk, condition_pk in recorded.items():
        if condition_pk is not None:
            by_condition.setdefault(condition_pk, []).append(line_pk)
    split_tracking: dict[int, list[int]] = {}
    if splits:
        for entry_pk, item_pk in StockItemTracking.objects.filter(
            pk__gt=floor,
            item__in=[pk for receipt in receipts for pk in (*receipt.before, *receipt.created)],
            tracking_type__in=(
                StockHistoryCode.SPLIT_FROM_PARENT,
                StockHistoryCode.SPLIT_CHILD_ITEM,
            ),
        ).values_list("pk", "item_id"):
            split_tracking.setdefault(item_pk, []).append(entry_pk)
    for receipt, entry_pk in zip(receipts, tracking_pks, strict=True):
        receipt.tracking = [
            entry_pk,
            *(
                pk
                for item_pk in {*map(int, receipt.before), *receipt.created}
                for pk in split_tracking.get(item_pk, [])
            ),
        ]
    receipt_rows_for_whole_lines(order=order, received=receipts, user=user, note=note)
    ReturnOrderLineItem.objects.filter(pk__in=requested).update(
        received_date=today,
        received_quantity=F("quantity") - F("missing_quantity"),
        # In the same UPDATE: one WHEN per distinct condition, whatever the number of lines.
        **(
            {
                "condition": _value_by_pk(
                    by_condition,
                    default=F("condition"),
                    output_field=ReturnCondition._meta.pk,
                )
            }
            if by_condition
            else {}
        ),
        **(
            {
                "item": _value_by_pk(
                    {item_pk: [line_pk] for line_pk, item_pk in split_lines.items()},
                    default=F("item"),
                    output_field=StockItem._meta.pk,
                )
            }
            if split_lines
            else {}
        ),
    )

    _history(
        order,
        kind=ReturnOrderHistory.Kind.RECEIVED,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={
            "lines": requested,
            "stock_items": [item.pk for item in moved],
            "location": location.pk,
            "location_name": location.pathstring,
            **({"conditions": {str(k): v for k, v in recorded.items()}} if recorded else {}),
        },
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    count = len(moved)
    notifications.queue_order_notification(
        order=order,
        subject=_("Items received against %(reference)s") % {"reference": order.reference},
        body=_("%(count)s item(s) have been received into %(location)s.")
        % {"count": count, "location": location.pathstring},
        exclude_user=user,
    )
    return moved


def _value_by_pk(groups: dict, *, default, output_field) -> Case:
    """``groups`` maps each value to the pks of the rows that take it: one WHEN per value.
    A row in no group keeps ``default``."""
    return Case(
        *(When(pk__in=pks, then=Value(value)) for value, pks in groups.items()),
        default=default,
        output_field=output_field,
    )
