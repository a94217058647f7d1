"""Undoing a resolution, and what the rest of the workflow asks about resolutions."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from returns.models import (
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderRepair,
)
from returns.services.base import _status_label, recalculate_refunded
from returns.services.resolutions.shared import (
    _line_event,
    _lock_line,
    standing_resolution,
)
from returns.statuses import (
    CLOSED_STATUSES,
    ResolutionKind,
    ReturnOrderLineStatus,
)
from stock import services as stock_services

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
    if resolution.replacement_item_id in resolution.created_items:
        # The replacement was split off for this resolution and goes back into its parent;
        # the history row keeps its pk and serial.
        resolution.replacement_item = None
        resolution.save(update_fields=["replacement_item"])
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
    _line_event(
        order,
        kind=ReturnOrderHistory.Kind.UNDONE,
        user=user,
        note=note,
        data={"line": line.pk, "resolution": resolution.pk, "kind": resolution.kind},
    )
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
