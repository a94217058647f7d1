"""Resolving returned lines — return, repair, replace, refund, reject — and undoing that.

Each resolution is a ``ReturnOrderLineResolution`` row that sets the line's outcome, acts on
stock through ``stock.services`` and writes a history row on the order. It records the stock
rows it changed, before and after, and the tracking entries it wrote, so that ``undo``
restores stock exactly (and refuses when something else has changed those rows since).

Locks: the order, the line, then every stock item involved, by pk. Lines are resolved on
orders in progress; undo works until the order is completed or cancelled.

Modules: ``shared`` (the effects record, locks, checks), ``sendback`` (return, reject),
``repair``, ``replace``, ``refund`` and ``undo``.
"""

from returns.services.resolutions.refund import line_resolve_refund, refund_methods
from returns.services.resolutions.repair import line_resolve_repair, repair_update
from returns.services.resolutions.replace import line_resolve_replace, replacement_errors
from returns.services.resolutions.sendback import line_resolve_reject, line_resolve_return
from returns.services.resolutions.shared import (
    MAX_REPAIR_PARTS,
    REFUND_METHODS_SETTING,
    PartUse,
    standing_resolution,
)
from returns.services.resolutions.undo import (
    line_resolution_undo,
    unresolved_filter,
)
from returns.statuses import ResolutionKind

RESOLVE_SERVICES = {
    ResolutionKind.RETURN: line_resolve_return,
    ResolutionKind.REPAIR: line_resolve_repair,
    ResolutionKind.REPLACE: line_resolve_replace,
    ResolutionKind.REFUND: line_resolve_refund,
    ResolutionKind.REJECT: line_resolve_reject,
}

__all__ = [
    "MAX_REPAIR_PARTS",
    "REFUND_METHODS_SETTING",
    "RESOLVE_SERVICES",
    "PartUse",
    "line_resolution_undo",
    "line_resolve_refund",
    "line_resolve_reject",
    "line_resolve_repair",
    "line_resolve_replace",
    "line_resolve_return",
    "refund_methods",
    "repair_update",
    "replacement_errors",
    "standing_resolution",
    "unresolved_filter",
]
