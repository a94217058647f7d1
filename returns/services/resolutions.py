"""Resolving returned lines — return, repair, replace, refund, reject — and undoing that.

Each resolution is a ``ReturnOrderLineResolution`` row that sets the line's outcome, acts on
stock through ``stock.services`` and writes a history row on the order. It records the stock
rows it changed, before and after, and the tracking entries it wrote, so that ``undo``
restores stock exactly (and refuses when something else has changed those rows since).

Locks: the order, the line, then every stock item involved, by pk. Lines are resolved on
orders in progress; undo works until the order is completed or cancelled.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common import site_settings
from returns.models import (
    ReturnOrder,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
)
from returns.services.base import _history, _lock_order, _status_label, recalculate_refunded
from returns.statuses import (
    BEFORE_RECEIPT_KINDS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    RESOLUTION_OUTCOMES,
    RejectDisposition,
    ResolutionKind,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
)
from stock import services as stock_services
from stock.models import StockItem, StockLocation
from stock.statuses import AVAILABLE_CODES, SCRAP_CODES, StockHistoryCode, StockStatus

REFUND_METHODS_SETTING = "RETURNORDER_REFUND_METHODS"
MAX_REPAIR_PARTS = 100


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


def _finish(*, order, line, resolution, effects, user, note: str = "", data=None):
    effects.save_to(resolution)
    _history(
        order,
        kind=ReturnOrderHistory.Kind.RESOLVED,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={
            "line": line.pk,
            "resolution": resolution.pk,
            "kind": resolution.kind,
            "item": line.item_id,
            "serial": line.item.serial or "",
            **(data or {}),
        },
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return line


def _unit(line: ReturnOrderLineItem, *others: int) -> tuple[StockItem, dict[int, StockItem]]:
    locked = stock_services.stock_items_lock([line.item_id, *others])
    return locked[line.item_id], locked


def _check_status(status: int | None, *, field: str = "unit_status") -> None:
    if status is not None and status not in StockStatus.values:
        raise ValidationError({field: [_("Invalid stock status")]})


def _note(order: ReturnOrder, text: str) -> str:
    return f"{text} ({order.reference})"


def _check_money(amount, currency: str | None, *, field: str, order: ReturnOrder) -> Money | None:
    if amount is None:
        return None
    currency = (currency or order.currency).upper()
    if currency not in settings.CURRENCIES:
        raise ValidationError({f"{field}_currency": [_("Invalid currency code")]})
    return Money(Decimal(amount), currency)


# -- return --------------------------------------------------------------------------------


@transaction.atomic
def line_resolve_return(*, line, user, notes: str = "") -> ReturnOrderLineItem:
    """Send the same unit back to the customer as it is, with status OK."""
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.RETURN)
    unit, _locked = _unit(line)
    resolution = _create(order=order, line=line, kind=ResolutionKind.RETURN, user=user, notes=notes)
    effects = _Effects()
    effects.touch(unit)
    stock_services.stock_item_send_to_customer(
        item=unit,
        customer=order.customer,
        status=StockStatus.OK,
        user=user,
        notes=_note(order, _("Returned to the customer")),
        deltas={"returnorder": order.pk},
    )
    return _finish(order=order, line=line, resolution=resolution, effects=effects, user=user)


# -- repair --------------------------------------------------------------------------------


def _resolve_part_uses(uses: list[PartUse], unit_pk: int) -> list[tuple[int, Decimal]]:
    """Turn part uses into ``(stock item pk, quantity)`` pairs; errors name each entry.

    Runs before the locks are taken (so that they are taken in pk order); what it reads is
    checked again under the locks.
    """
    if len(uses) > MAX_REPAIR_PARTS:
        raise ValidationError({"parts": [_("At most %(n)s parts per request") % {"n": 100}]})
    pairs: list[tuple[int, Decimal]] = []
    errors: list[str] = []
    for index, use in enumerate(uses):
        quantity = Decimal(use.quantity)
        if quantity <= 0:
            errors.append(_("%(i)s: Quantity must be greater than zero") % {"i": index})
            continue
        if use.item is not None:
            pairs.append((use.item, quantity))
            continue
        if use.part is None or use.location is None:
            errors.append(
                _("%(i)s: Give a stock item, or a part and the location to take it from")
                % {"i": index}
            )
            continue
        candidates = list(
            StockItem.objects.in_stock()
            .filter(part=use.part, location=use.location)
            .exclude(pk=unit_pk)
            .exclude(serial__isnull=False, serial__gt="")
            .order_by("pk")
            .values_list("pk", "quantity")
        )
        available = sum((q for _pk, q in candidates), Decimal(0))
        if available < quantity:
            location = StockLocation.objects.filter(pk=use.location).first()
            errors.append(
                _("%(i)s: Only %(available)s of this part are in stock in %(location)s")
                % {
                    "i": index,
                    "available": f"{available.normalize():f}",
                    "location": location or use.location,
                }
            )
            continue
        for pk, held in candidates:
            take = min(held, quantity)
            pairs.append((pk, take))
            quantity -= take
            if quantity == 0:
                break
    if errors:
        raise ValidationError({"parts": errors})
    return pairs


def _consume_parts(*, repair, unit, pairs, locked, effects, order, user) -> None:
    if not pairs:
        return
    errors = []
    for index, (pk, _quantity) in enumerate(pairs):
        item = locked.get(pk)
        if item is None:
            errors.append(_("%(i)s: Stock item %(pk)s does not exist") % {"i": index, "pk": pk})
        elif item.pk == unit.pk:
            errors.append(_("%(i)s: The returned unit cannot be its own part") % {"i": index})
        elif not item.in_stock:
            errors.append(
                _("%(i)s: Stock item %(item)s is not available in stock")
                % {"i": index, "item": item}
            )
    used: dict[int, Decimal] = {}
    for pk, quantity in pairs:
        used[pk] = used.get(pk, Decimal(0)) + quantity
    for pk, quantity in used.items():
        item = locked.get(pk)
        if item is not None and item.in_stock and quantity > item.quantity:
            errors.append(
                _("Stock item %(item)s holds %(available)s, not %(quantity)s")
                % {
                    "item": item,
                    "available": f"{item.quantity.normalize():f}",
                    "quantity": f"{quantity.normalize():f}",
                }
            )
    if errors:
        raise ValidationError({"parts": errors})
    effects.touch(unit, *(locked[pk] for pk in used))
    for pk, quantity in pairs:
        source = locked[pk]
        location_id = source.location_id
        consumed = stock_services.stock_item_consume(
            item=source,
            quantity=quantity,
            into=unit,
            user=user,
            notes=_note(order, _("Used in a repair")),
        )
        if consumed.pk != source.pk:
            effects.created_item(consumed)
        ReturnOrderRepairPart.objects.create(
            repair=repair,
            item=consumed,
            source_item=source,
            part_id=source.part_id,
            quantity=quantity,
            serial=source.serial or "",
            location_id=location_id,
        )


def _finish_repair(*, repair, unit, order, effects, user) -> None:
    effects.touch(unit)
    repair.finished_at = timezone.now()
    repair.save(update_fields=["finished_at"])
    stock_services.stock_item_send_to_customer(
        item=unit,
        customer=order.customer,
        status=StockStatus.OK,
        user=user,
        notes=_note(order, _("Repaired and returned to the customer")),
        deltas={"returnorder": order.pk},
    )


REPAIR_FIELDS = {"fault", "work_done", "technician", "labour_minutes", "under_warranty"}


@transaction.atomic
def line_resolve_repair(
    *,
    line,
    user,
    parts: list[PartUse] = (),
    cost_amount: Decimal | None = None,
    cost_currency: str | None = None,
    finish: bool = False,
    notes: str = "",
    **fields,
) -> ReturnOrderLineItem:
    """Record a repair: fault, work, technician, labour, cost, warranty and the parts used.

    Each part is split off (for part of a bulk item) and installed into the unit, so its stock
    goes down. With ``finish`` the unit is set to OK and sent back to the customer; otherwise
    the repair stays open and ``repair_update`` finishes it later.
    """
    unknown = set(fields) - REPAIR_FIELDS
    if unknown:
        raise TypeError(f"Unknown repair fields: {sorted(unknown)}")
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REPAIR)
    cost = _check_money(cost_amount, cost_currency, field="cost", order=order)
    pairs = _resolve_part_uses(list(parts), line.item_id)
    unit, locked = _unit(line, *(pk for pk, _quantity in pairs))
    resolution = _create(order=order, line=line, kind=ResolutionKind.REPAIR, user=user, notes=notes)
    repair = ReturnOrderRepair.objects.create(resolution=resolution, cost=cost, **fields)
    effects = _Effects()
    effects.touch(unit)
    _consume_parts(
        repair=repair,
        unit=unit,
        pairs=pairs,
        locked=locked,
        effects=effects,
        order=order,
        user=user,
    )
    if finish:
        _finish_repair(repair=repair, unit=unit, order=order, effects=effects, user=user)
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={"parts": repair.parts.count(), "finished": finish},
    )


@transaction.atomic
def repair_update(
    *,
    repair: ReturnOrderRepair,
    user,
    data: dict,
    parts: list[PartUse] = (),
    finish: bool = False,
) -> ReturnOrderRepair:
    """Edit an open repair, add parts to it, or finish it (unit OK, back to the customer).

    ``data`` holds repair fields and ``cost_amount``/``cost_currency``. A finished repair keeps
    its parts; its notes stay editable.
    """
    resolution_pk = repair.resolution_id
    line_pk = (
        ReturnOrderLineResolution.objects.filter(pk=resolution_pk)
        .values_list("line_id", flat=True)
        .get()
    )
    order, line = _lock_line(line_pk)
    resolution = ReturnOrderLineResolution.objects.select_for_update().get(pk=resolution_pk)
    repair = ReturnOrderRepair.objects.select_for_update().get(pk=repair.pk)
    if resolution.reversed_at is not None:
        raise ValidationError(_("This repair has been undone"))
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _("Repairs can only be changed on orders that are in progress (%(reference)s is %(s)s)")
            % {"reference": order.reference, "s": _status_label(order.status)}
        )
    if repair.finished and (parts or finish):
        raise ValidationError(_("This repair is finished: parts can no longer be added"))
    data = dict(data)
    if "cost_amount" in data or "cost_currency" in data:
        amount = data.pop("cost_amount", repair.cost.amount if repair.cost else None)
        currency = data.pop("cost_currency", None) or (
            str(repair.cost.currency) if repair.cost else None
        )
        repair.cost = _check_money(amount, currency, field="cost", order=order)
    unknown = set(data) - REPAIR_FIELDS
    if unknown:
        raise TypeError(f"Unknown repair fields: {sorted(unknown)}")
    for field, value in data.items():
        setattr(repair, field, value)
    repair.save()
    if parts or finish:
        pairs = _resolve_part_uses(list(parts), line.item_id)
        unit, locked = _unit(line, *(pk for pk, _quantity in pairs))
        effects = _Effects(resolution)
        _consume_parts(
            repair=repair,
            unit=unit,
            pairs=pairs,
            locked=locked,
            effects=effects,
            order=order,
            user=user,
        )
        if finish:
            _finish_repair(repair=repair, unit=unit, order=order, effects=effects, user=user)
        effects.save_to(resolution)
    _history(
        order,
        kind=ReturnOrderHistory.Kind.REPAIR,
        user=user,
        from_status=order.status,
        to_status=order.status,
        data={
            "line": line.pk,
            "repair": repair.pk,
            "parts_added": len(parts),
            "finished": repair.finished,
        },
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return repair


# -- replace -------------------------------------------------------------------------------


def replacement_errors(*, line: ReturnOrderLineItem, item: StockItem) -> list[str]:
    """Why ``item`` cannot replace the line's unit (empty when it can)."""
    unit = line.item
    errors = []
    allowed = {unit.part_id, *unit.part.substitutes.values_list("pk", flat=True)}
    if item.pk == unit.pk:
        errors.append(_("The returned unit cannot replace itself"))
    elif item.part_id not in allowed:
        errors.append(
            _("Stock item %(item)s is not %(part)s or an allowed substitute")
            % {"item": item, "part": unit.part.full_name}
        )
    elif item.customer_id is not None:
        errors.append(_("Stock item %(item)s is already assigned to a customer") % {"item": item})
    elif item.belongs_to_id is not None or item.quantity <= 0 or item.status not in AVAILABLE_CODES:
        errors.append(_("Stock item %(item)s is not in stock") % {"item": item})
    elif item.quantity < line.quantity:
        errors.append(
            _("Stock item %(item)s holds %(available)s; the line needs %(quantity)s")
            % {
                "item": item,
                "available": f"{item.quantity.normalize():f}",
                "quantity": f"{line.quantity.normalize():f}",
            }
        )
    else:
        elsewhere = (
            ReturnOrderLineItem.objects.filter(item=item, order__status__in=OPEN_STATUSES)
            .select_related("order")
            .first()
        )
        if elsewhere is not None:
            errors.append(
                _("Stock item %(item)s is on open return order %(reference)s")
                % {"item": item, "reference": elsewhere.order.reference}
            )
    return errors


@transaction.atomic
def line_resolve_replace(
    *,
    line,
    user,
    replacement_item: StockItem | int,
    unit_status: int | None = None,
    notes: str = "",
) -> ReturnOrderLineItem:
    """Send a replacement (same part or an allowed substitute, in stock) to the customer.

    The faulty unit stays here with ``unit_status`` (unchanged when ``None``). Before the unit
    has arrived this is an advance replacement: the status is applied when it is received.
    """
    replacement_pk = (
        replacement_item.pk if isinstance(replacement_item, StockItem) else replacement_item
    )
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REPLACE)
    _check_status(unit_status)
    unit, locked = _unit(line, replacement_pk)
    replacement = locked.get(replacement_pk)
    if replacement is None:
        raise ValidationError(
            {"replacement_item": [_("Stock item %(pk)s does not exist") % {"pk": replacement_pk}]}
        )
    errors = replacement_errors(line=line, item=replacement)
    if errors:
        raise ValidationError({"replacement_item": errors})
    received = line.received_date is not None
    effects = _Effects()
    effects.touch(replacement)
    if replacement.quantity > line.quantity:
        replacement = stock_services.stock_item_split(
            item=replacement,
            quantity=line.quantity,
            user=user,
            notes=_note(order, _("Replacement")),
        )
        effects.created_item(replacement)
    resolution = _create(
        order=order,
        line=line,
        kind=ResolutionKind.REPLACE,
        user=user,
        notes=notes,
        unit_status=unit_status,
        replacement_item=replacement,
    )
    stock_services.stock_item_send_to_customer(
        item=replacement,
        customer=order.customer,
        user=user,
        notes=_note(order, _("Replacement for %(unit)s") % {"unit": unit}),
        deltas={"returnorder": order.pk, "replaces": unit.pk},
    )
    deltas = {"returnorder": order.pk, "replaced_by": replacement.pk}
    if received:
        effects.touch(unit)
        if unit_status is not None:
            stock_services.stock_item_set_status(
                item=unit,
                status=unit_status,
                user=user,
                notes=_note(order, _("Replaced")),
                deltas=deltas,
            )
        else:
            stock_services.stock_item_add_tracking(
                item=unit,
                code=StockHistoryCode.STOCK_UPDATE,
                user=user,
                notes=_note(order, _("Replaced")),
                deltas=deltas,
            )
    else:
        effects.watch(unit)
        stock_services.stock_item_add_tracking(
            item=unit,
            code=StockHistoryCode.STOCK_UPDATE,
            user=user,
            notes=_note(order, _("Replacement sent ahead of the return")),
            deltas=deltas,
        )
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={
            "replacement_item": replacement.pk,
            "replacement_serial": replacement.serial or "",
            "advance": not received,
        },
    )


# -- refund --------------------------------------------------------------------------------


def refund_methods() -> list[str]:
    """The configured refund methods; empty means any text is accepted."""
    raw = site_settings.get_value(REFUND_METHODS_SETTING) or ""
    return [method.strip() for method in raw.split(",") if method.strip()]


@transaction.atomic
def line_resolve_refund(
    *,
    line,
    user,
    amount: Decimal,
    currency: str | None = None,
    method: str = "",
    reference: str = "",
    date: datetime.date | None = None,
    unit_status: int | None = None,
    notes: str = "",
) -> ReturnOrderLineItem:
    """Record a refund (amount, currency, method, credit note reference, date).

    The unit takes ``unit_status`` (now, or on receipt if it has not arrived); the order's
    refunded total is recalculated.
    """
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REFUND)
    _check_status(unit_status)
    errors: dict[str, list[str]] = {}
    if amount is None or Decimal(amount) <= 0:
        errors["amount"] = [_("The refund amount must be greater than zero")]
    methods = refund_methods()
    if methods and method not in methods:
        errors["method"] = [
            _("Choose one of the configured refund methods: %(methods)s")
            % {"methods": ", ".join(methods)}
        ]
    if errors:
        raise ValidationError(errors)
    money = _check_money(amount, currency, field="amount", order=order)
    unit, _locked = _unit(line)
    resolution = _create(
        order=order,
        line=line,
        kind=ResolutionKind.REFUND,
        user=user,
        notes=notes,
        unit_status=unit_status,
    )
    refund = ReturnOrderRefund.objects.create(
        resolution=resolution,
        amount=money,
        method=method or "",
        reference=reference or "",
        date=date or timezone.localdate(),
    )
    effects = _Effects()
    if line.received_date is not None and unit_status is not None:
        effects.touch(unit)
        stock_services.stock_item_set_status(
            item=unit,
            status=unit_status,
            user=user,
            notes=_note(order, _("Refunded")),
            deltas={"returnorder": order.pk},
        )
    recalculate_refunded(order)
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={
            "refund": refund.pk,
            "amount": f"{refund.amount.amount:f}",
            "currency": str(refund.amount.currency),
            "reference": refund.reference,
        },
    )


# -- reject --------------------------------------------------------------------------------


@transaction.atomic
def line_resolve_reject(
    *,
    line,
    user,
    reason: str,
    disposition: str = RejectDisposition.RETURN,
    scrap_status: int = StockStatus.REJECTED,
    notes: str = "",
) -> ReturnOrderLineItem:
    """Refuse the return under its terms: send the unit back unchanged, or scrap it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the return is rejected")]})
    if disposition not in RejectDisposition.values:
        raise ValidationError({"disposition": [_("Choose return or scrap")]})
    if disposition == RejectDisposition.SCRAP and scrap_status not in SCRAP_CODES:
        raise ValidationError({"scrap_status": [_("A scrapped unit is Rejected or Destroyed")]})
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REJECT)
    unit, _locked = _unit(line)
    scrap = disposition == RejectDisposition.SCRAP
    resolution = _create(
        order=order,
        line=line,
        kind=ResolutionKind.REJECT,
        user=user,
        notes=notes,
        reason=reason.strip(),
        disposition=disposition,
        unit_status=scrap_status if scrap else None,
    )
    effects = _Effects()
    effects.touch(unit)
    if scrap:
        stock_services.stock_item_scrap(
            item=unit,
            status=scrap_status,
            user=user,
            notes=_note(order, _("Return rejected: scrapped")),
            deltas={"returnorder": order.pk},
        )
    else:
        stock_services.stock_item_send_to_customer(
            item=unit,
            customer=order.customer,
            user=user,
            notes=_note(order, _("Return rejected: sent back")),
            deltas={"returnorder": order.pk},
        )
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={"disposition": disposition},
    )


# -- undo ----------------------------------------------------------------------------------


@transaction.atomic
def line_resolution_undo(*, line, user, note: str = "") -> ReturnOrderLineItem:
    """Undo the line's standing resolution: stock back exactly as it was, outcome restored.

    Tracking entries it wrote are marked reversed; items it split off are removed again. The
    resolution stays, marked undone, with its records. Refused once the order is completed
    or cancelled, and when another change has touched the same stock since.
    """
    order, line = _lock_line(line)
    if order.status in CLOSED_STATUSES:
        raise ValidationError(
            _("Resolutions cannot be undone once the order is %(status)s")
            % {"status": _status_label(order.status)}
        )
    resolution = standing_resolution(line)
    if resolution is None:
        raise ValidationError(_("This line has no resolution to undo"))
    stock_services.stock_items_restore(
        before=resolution.stock_before,
        after=resolution.stock_after,
        created=resolution.created_items,
        tracking=resolution.tracking_entries,
    )
    resolution.reversed_at = timezone.now()
    resolution.reversed_by = user if user is not None and user.is_authenticated else None
    resolution.save(update_fields=["reversed_at", "reversed_by"])
    line.outcome = resolution.previous_outcome
    line.save(update_fields=["outcome"])
    if resolution.kind == ResolutionKind.REFUND:
        recalculate_refunded(order)
    _history(
        order,
        kind=ReturnOrderHistory.Kind.UNDONE,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={"line": line.pk, "resolution": resolution.pk, "kind": resolution.kind},
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    return line


# -- what the rest of the workflow asks ----------------------------------------------------


def unresolved_filter() -> Q:
    """Lines with no outcome yet, or with a repair that is not finished."""
    open_repair = ReturnOrderRepair.objects.filter(
        resolution__line=OuterRef("pk"),
        resolution__reversed_at__isnull=True,
        finished_at__isnull=True,
    )
    return Q(outcome=ReturnOrderLineStatus.PENDING) | Q(Exists(open_repair))


def receipt_statuses(line_pks) -> dict[int, int]:
    """The unit status each line's standing resolution chose ahead of receipt."""
    return dict(
        ReturnOrderLineResolution.objects.filter(
            line__in=list(line_pks), reversed_at__isnull=True, unit_status__isnull=False
        ).values_list("line_id", "unit_status")
    )


RESOLVE_SERVICES = {
    ResolutionKind.RETURN: line_resolve_return,
    ResolutionKind.REPAIR: line_resolve_repair,
    ResolutionKind.REPLACE: line_resolve_replace,
    ResolutionKind.REFUND: line_resolve_refund,
    ResolutionKind.REJECT: line_resolve_reject,
}
