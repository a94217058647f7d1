"""What every resolution shares: the stock effects record, row locks and input checks."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from returns.models import (
    ReturnOrder,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
)
from returns.services.base import _history, _lock_order, _status_label
from returns.statuses import (
    BEFORE_RECEIPT_KINDS,
    RESOLUTION_OUTCOMES,
    ResolutionKind,
    ReturnOrderStatus,
)
from stock import services as stock_services
from stock.models import StockItem
from stock.statuses import StockStatus

REFUND_METHODS_SETTING = "RETURNORDER_REFUND_METHODS"
MAX_REPAIR_PARTS = 100
REPAIR_FIELDS = {"fault", "work_done", "technician", "labour_minutes", "under_warranty"}


@dataclass(frozen=True)
class PartUse:
    """One entry of a repair's parts: a stock item, or a part taken from a location."""

    quantity: Decimal
    item: int | None = None
    part: int | None = None
    location: int | None = None


# -- shared --------------------------------------------------------------------------------


class _Effects:
    """Collects the stock rows a resolution changes and the tracking entries it writes."""

    def __init__(self, resolution: ReturnOrderLineResolution | None = None):
        self.floor = stock_services.stock_tracking_floor()
        self.before: dict[str, dict] = dict(resolution.stock_before) if resolution else {}
        self.created: list[int] = list(resolution.created_items) if resolution else []
        self.tracking: list[int] = list(resolution.tracking_entries) if resolution else []
        self.watched: set[int] = set()

    def touch(self, *items: StockItem) -> None:
        """Remember ``items`` as they are now (once), before changing them."""
        fresh = [i.pk for i in items if str(i.pk) not in self.before and i.pk not in self.created]
        self.before.update(stock_services.stock_items_snapshot(fresh))

    def watch(self, item: StockItem) -> None:
        """Mark tracking on ``item`` as ours without recording its rows (a unit not yet here)."""
        self.watched.add(item.pk)

    def created_item(self, item: StockItem) -> None:
        self.created.append(item.pk)

    def save_to(self, resolution: ReturnOrderLineResolution) -> None:
        pks = {int(pk) for pk in self.before} | set(self.created)
        resolution.stock_before = self.before
        resolution.stock_after = stock_services.stock_items_snapshot(pks)
        resolution.created_items = self.created
        resolution.tracking_entries = sorted(
            {
                *self.tracking,
                *stock_services.stock_tracking_after(pks=pks | self.watched, floor=self.floor),
            }
        )
        resolution.save(
            update_fields=["stock_before", "stock_after", "created_items", "tracking_entries"]
        )


def _lock_line(line: ReturnOrderLineItem | int) -> tuple[ReturnOrder, ReturnOrderLineItem]:
    pk = line.pk if isinstance(line, ReturnOrderLineItem) else line
    order_pk = ReturnOrderLineItem.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_pk is None:
        raise ValidationError(_("Line item %(pk)s does not exist") % {"pk": pk})
    order = _lock_order(order_pk)
    locked = (
        ReturnOrderLineItem.objects.select_for_update(of=("self",))
        .select_related("item__part")
        .get(pk=pk)
    )
    return order, locked


def standing_resolution(line: ReturnOrderLineItem) -> ReturnOrderLineResolution | None:
    return (
        ReturnOrderLineResolution.objects.select_for_update()
        .filter(line=line, reversed_at__isnull=True)
        .first()
    )


def _start(order: ReturnOrder, line: ReturnOrderLineItem, kind: str) -> None:
    """Refuse a resolution the order's or the line's state does not allow."""
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _(
                "Lines can only be resolved on orders that are in progress "
                "(return order %(reference)s is %(status)s)"
            )
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    current = standing_resolution(line)
    if current is not None:
        raise ValidationError(
            _("This line is already resolved (%(kind)s); undo that first")
            % {"kind": current.get_kind_display()}
        )
    if kind not in BEFORE_RECEIPT_KINDS and line.received_date is None:
        raise ValidationError(
            _("%(kind)s needs the returned unit: receive this line first")
            % {"kind": ResolutionKind(kind).label}
        )


def _create(
    *, order, line, kind: str, user, notes: str = "", **fields
) -> ReturnOrderLineResolution:
    try:
        with transaction.atomic():
            resolution = ReturnOrderLineResolution.objects.create(
                line=line,
                order=order,
                kind=kind,
                created_by=user if user is not None and user.is_authenticated else None,
                previous_outcome=line.outcome,
                notes=notes or "",
                **fields,
            )
    except IntegrityError as exc:  # another request resolved the line first
        raise ValidationError(_("This line is already resolved; undo that first")) from exc
    line.outcome = RESOLUTION_OUTCOMES[kind]
    line.save(update_fields=["outcome"])
    return resolution


def _line_event(order: ReturnOrder, *, kind: str, user, data: dict, note: str = "") -> None:
    """A history row for something done to a line (the order's status stays), and the order's
    ``updated_at`` moved forward."""
    _history(
        order,
        kind=kind,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data=data,
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())


def _finish(*, order, line, resolution, effects, user, note: str = "", data=None):
    effects.save_to(resolution)
    _line_event(
        order,
        kind=ReturnOrderHistory.Kind.RESOLVED,
        user=user,
        note=note,
        data={
            "line": line.pk,
            "resolution": resolution.pk,
            "kind": resolution.kind,
            "item": line.item_id,
            "serial": line.item.serial or "",
            **(data or {}),
        },
    )
    return line


def _unit(line: ReturnOrderLineItem, *others: int) -> tuple[StockItem, dict[int, StockItem]]:
    locked = stock_services.stock_items_lock([line.item_id, *others])
    return locked[line.item_id], locked


def _check_status(status: int | None, *, field: str = "unit_status") -> None:
    if status is not None and status not in StockStatus.values:
        raise ValidationError({field: [_("Invalid stock status")]})


def _note(order: ReturnOrder, text: str) -> str:
    return f"{text} ({order.reference})"


def _decimal(value, *, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({field: [_("A valid number is required.")]}) from exc
    if not number.is_finite():
        raise ValidationError({field: [_("A valid number is required.")]})
    return number


def _money_errors(
    amount, currency: str | None, *, amount_field: str, currency_field: str, column, order
) -> tuple[Money | None, dict[str, list[str]]]:
    """``(money, {})`` or ``(None, errors)``: amount a number that fits ``column``, currency known.

    ``amount_field`` and ``currency_field`` are the caller's argument names, so the messages
    land on the inputs that caused them.
    """
    errors: dict[str, list[str]] = {}
    if amount is None:
        return None, errors
    try:
        number = _decimal(amount, field=amount_field)
    except ValidationError as exc:
        return None, exc.message_dict
    code = (currency or order.currency or "").upper()
    if code not in settings.CURRENCIES:
        errors[currency_field] = [_("Invalid currency code")]
    limit = Decimal(10) ** (column.max_digits - column.decimal_places)
    if abs(number) >= limit:
        errors[amount_field] = [
            _("Ensure that there are no more than %(digits)s digits before the decimal point.")
            % {"digits": column.max_digits - column.decimal_places}
        ]
    if errors:
        return None, errors
    return Money(number, code), errors


def _check_money(amount, currency, *, amount_field, currency_field, column, order) -> Money | None:
    money, errors = _money_errors(
        amount,
        currency,
        amount_field=amount_field,
        currency_field=currency_field,
        column=column,
        order=order,
    )
    if errors:
        raise ValidationError(errors)
    return money


def _check_unit_here(unit: StockItem, order: ReturnOrder) -> None:
    """A received unit acted on by a resolution must still be here, not given away since.

    After receipt the unit is stock like any other: it may have been assigned to someone,
    used as a replacement or installed into another item. Acting on it then would take it
    back from wherever it went.
    """
    if unit.customer_id is not None:
        raise ValidationError(
            _(
                "Stock item %(item)s has left stock since it was received (assigned to a "
                "customer); it cannot be resolved on %(reference)s"
            )
            % {"item": unit, "reference": order.reference}
        )
    if unit.belongs_to_id is not None:
        raise ValidationError(
            _("Stock item %(item)s has been installed into another item since it was received")
            % {"item": unit}
        )


def _check_repair_fields(fields: dict) -> None:
    unknown = set(fields) - REPAIR_FIELDS
    if unknown:
        raise TypeError(f"Unknown repair fields: {sorted(unknown)}")
    minutes = fields.get("labour_minutes")
    if minutes is not None and (not isinstance(minutes, int) or minutes < 0):
        raise ValidationError(
            {"labour_minutes": [_("Ensure this value is greater than or equal to 0.")]}
        )
