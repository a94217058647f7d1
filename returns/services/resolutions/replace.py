"""Replacements, including advance replacements sent before the faulty unit arrives."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from returns.models import (
    ReturnOrderLineItem,
)
from returns.services.resolutions.shared import (
    _check_status,
    _check_unit_here,
    _create,
    _Effects,
    _finish,
    _lock_line,
    _note,
    _start,
    _unit,
)
from returns.statuses import (
    OPEN_STATUSES,
    ResolutionKind,
)
from stock import services as stock_services
from stock.models import StockItem
from stock.statuses import AVAILABLE_CODES, StockHistoryCode

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
    elif item.serialized and line.quantity != 1:
        errors.append(
            _("Stock item %(item)s is a single serialized unit; the line needs %(quantity)s")
            % {"item": item, "quantity": f"{line.quantity.normalize():f}"}
        )
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
    if received:
        _check_unit_here(unit, order)
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
