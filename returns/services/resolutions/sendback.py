"""Return (the same unit back as it is) and Reject (sent back unchanged, or scrapped)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from returns.models import (
    ReturnOrderLineItem,
)
from returns.services.resolutions.shared import (
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
    RejectDisposition,
    ResolutionKind,
)
from stock import services as stock_services
from stock.statuses import SCRAP_CODES, StockStatus

# -- return --------------------------------------------------------------------------------


@transaction.atomic
def line_resolve_return(*, line, user, notes: str = "") -> ReturnOrderLineItem:
    """Send the same unit back to the customer as it is, with status OK.

    Needs a received line whose unit is still here. Locks: order, line, unit.
    """
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.RETURN)
    unit, _locked = _unit(line)
    _check_unit_here(unit, order)
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
    _check_unit_here(unit, order)
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
