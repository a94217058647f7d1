"""Repairs: fault, work, technician, labour, cost, warranty and the parts consumed."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from returns.models import (
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
)
from returns.services.base import _status_label
from returns.services.resolutions.shared import (
    MAX_REPAIR_PARTS,
    PartUse,
    _check_money,
    _check_repair_fields,
    _check_unit_here,
    _create,
    _decimal,
    _Effects,
    _finish,
    _line_event,
    _lock_line,
    _note,
    _start,
    _unit,
)
from returns.statuses import (
    OPEN_STATUSES,
    ResolutionKind,
    ReturnOrderStatus,
    WarrantyStatus,
)
from stock import services as stock_services
from stock.models import StockItem, StockLocation
from stock.statuses import StockStatus

# -- repair --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Take:
    """``quantity`` of stock item ``pk``, for the caller's part entry number ``index``."""

    index: int
    pk: int
    quantity: Decimal


def _resolve_part_uses(uses: list[PartUse], unit_pk: int) -> list[_Take]:
    """Turn part uses into what to take from which stock item; errors name each entry.

    A part taken from a location draws on that location's non-serialized in-stock items of
    the part, oldest first, across as many as it needs. Runs before the locks are taken (so
    that they are taken in pk order); what it reads is checked again under the locks.
    """
    if len(uses) > MAX_REPAIR_PARTS:
        raise ValidationError(
            {"parts": [_("At most %(n)s parts per request") % {"n": MAX_REPAIR_PARTS}]}
        )
    takes: list[_Take] = []
    errors: list[str] = []
    for index, use in enumerate(uses):
        try:
            quantity = _decimal(use.quantity, field="parts")
        except ValidationError:
            errors.append(_("%(i)s: A valid quantity is required") % {"i": index})
            continue
        if quantity <= 0:
            errors.append(_("%(i)s: Quantity must be greater than zero") % {"i": index})
            continue
        if use.item is not None:
            takes.append(_Take(index, use.item, quantity))
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
            .exclude(
                return_order_lines__order__status__in=OPEN_STATUSES,
            )
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
                    "location": location.pathstring if location else use.location,
                }
            )
            continue
        for pk, held in candidates:
            take = min(held, quantity)
            takes.append(_Take(index, pk, take))
            quantity -= take
            if quantity == 0:
                break
    if errors:
        raise ValidationError({"parts": errors})
    return takes


def _consume_parts(*, repair, unit, takes, locked, effects, order, user) -> None:
    """Check every take against the locked rows (all errors at once), then consume them."""
    if not takes:
        return
    on_orders = dict(
        ReturnOrderLineItem.objects.filter(
            item__in=[take.pk for take in takes], order__status__in=OPEN_STATUSES
        ).values_list("item_id", "order__reference")
    )
    errors = []
    for take in takes:
        item = locked.get(take.pk)
        if item is not None and item.pk in on_orders and item.pk != unit.pk:
            # A unit another return is handling (received back as OK, say) is not a spare.
            errors.append(
                _("%(i)s: Stock item %(item)s is on open return order %(reference)s")
                % {"i": take.index, "item": item, "reference": on_orders[item.pk]}
            )
        elif item is None:
            errors.append(
                _("%(i)s: Stock item %(pk)s does not exist") % {"i": take.index, "pk": take.pk}
            )
        elif item.pk == unit.pk:
            errors.append(_("%(i)s: The returned unit cannot be its own part") % {"i": take.index})
        elif not item.in_stock:
            errors.append(
                _("%(i)s: Stock item %(item)s is not available in stock")
                % {"i": take.index, "item": item}
            )
        elif item.serialized and take.quantity != item.quantity:
            errors.append(
                _("%(i)s: Stock item %(item)s is serialized: use all of it (quantity 1)")
                % {"i": take.index, "item": item}
            )
        elif item.part.trackable and take.quantity != int(take.quantity):
            errors.append(
                _("%(i)s: Quantity must be an integer for a trackable part") % {"i": take.index}
            )
    used: dict[int, Decimal] = {}
    for take in takes:
        used[take.pk] = used.get(take.pk, Decimal(0)) + take.quantity
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
    for take in takes:
        source = locked[take.pk]
        location_id = source.location_id
        consumed = stock_services.stock_item_consume(
            item=source,
            quantity=take.quantity,
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
            quantity=take.quantity,
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


COST_FIELD = ReturnOrderRepair._meta.get_field("cost")


def _work(*, repair, unit, takes, locked, finish, effects, order, user) -> None:
    """Consume the parts into the unit and, with ``finish``, send it back repaired."""
    _consume_parts(
        repair=repair,
        unit=unit,
        takes=takes,
        locked=locked,
        effects=effects,
        order=order,
        user=user,
    )
    if finish:
        _finish_repair(repair=repair, unit=unit, order=order, effects=effects, user=user)


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
    goes down; all parts or none. With ``finish`` the unit is set to OK and sent back to the
    customer; otherwise the repair stays open and ``repair_update`` finishes it later.
    ``under_warranty`` left out (or None) follows the line's warranty answer (in warranty:
    True). Locks: order, line, then the unit and every part's stock item by pk. Errors: ``parts``
    (one message per refused entry, numbered as given), ``cost_amount``, ``cost_currency``,
    ``labour_minutes``.
    """
    _check_repair_fields(fields)
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REPAIR)
    # Not said either way: the line's warranty answer decides.
    if fields.get("under_warranty") is None:
        fields["under_warranty"] = line.warranty == WarrantyStatus.IN_WARRANTY
    cost = _check_money(
        cost_amount,
        cost_currency,
        amount_field="cost_amount",
        currency_field="cost_currency",
        column=COST_FIELD,
        order=order,
    )
    takes = _resolve_part_uses(list(parts), line.item_id)
    unit, locked = _unit(line, *(take.pk for take in takes))
    _check_unit_here(unit, order)
    resolution = _create(order=order, line=line, kind=ResolutionKind.REPAIR, user=user, notes=notes)
    repair = ReturnOrderRepair.objects.create(resolution=resolution, cost=cost, **fields)
    effects = _Effects()
    effects.touch(unit)
    _work(
        repair=repair,
        unit=unit,
        takes=takes,
        locked=locked,
        finish=finish,
        effects=effects,
        order=order,
        user=user,
    )
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={"parts": len(takes), "finished": bool(finish)},
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
    its parts and stays editable (notes, cost); an undone one is refused. The stock it changes
    joins the resolution's record, so undo restores it too. Locks as ``line_resolve_repair``.
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
        raise ValidationError(_("This repair has been undone; record a new one instead"))
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _("Repairs can only be changed on orders that are in progress (%(reference)s is %(s)s)")
            % {"reference": order.reference, "s": _status_label(order.status)}
        )
    if repair.finished and (parts or finish):
        raise ValidationError(
            _("This repair is finished: parts can no longer be added, nor can it finish again")
        )
    data = dict(data)
    if "cost_amount" in data or "cost_currency" in data:
        amount = data.pop("cost_amount", repair.cost.amount if repair.cost else None)
        currency = data.pop("cost_currency", None) or (
            str(repair.cost.currency) if repair.cost else None
        )
        repair.cost = _check_money(
            amount,
            currency,
            amount_field="cost_amount",
            currency_field="cost_currency",
            column=COST_FIELD,
            order=order,
        )
    _check_repair_fields(data)
    for field, value in data.items():
        setattr(repair, field, value)
    repair.save()
    if parts or finish:
        takes = _resolve_part_uses(list(parts), line.item_id)
        unit, locked = _unit(line, *(take.pk for take in takes))
        _check_unit_here(unit, order)
        effects = _Effects(resolution)
        _work(
            repair=repair,
            unit=unit,
            takes=takes,
            locked=locked,
            finish=finish,
            effects=effects,
            order=order,
            user=user,
        )
        effects.save_to(resolution)
    _line_event(
        order,
        kind=ReturnOrderHistory.Kind.REPAIR,
        user=user,
        data={
            "line": line.pk,
            "repair": repair.pk,
            "parts_added": len(parts),
            "finished": repair.finished,
        },
    )
    return repair
