"""Every write to return orders: creation, edits, the status workflow, receiving, lines and
their resolutions.

Each public function runs in one transaction. Rows are locked in a fixed order —
order, then line items, then stock items, each by primary key — and the order's state is
checked after its lock is taken, so concurrent requests cannot both pass a check.
Side effects (e-mail) run after commit.

Callers import from ``returns.services``; the modules split the work by concern:
``orders`` (references, creation, edits, workflow, overdue notices), ``authorization``
(accepting or declining a requested return), ``lines`` (line items and extra lines),
``receiving`` and ``resolutions`` (what happens to each returned line).
"""

from returns.services.authorization import (
    AUTHORIZE_PERMISSION,
    REQUIRE_AUTHORIZATION_SETTING,
    SECOND_PERSON_SETTING,
    authorization_required,
    authorization_statuses_in_use,
    authorized_limit,
    may_authorize,
    return_order_authorize,
    return_order_decline,
)
from returns.services.base import (
    EDIT_COMPLETED_SETTING,
    LOCKED_MESSAGE,
    REQUIRE_RESPONSIBLE_SETTING,
    feed_state_touch,
    order_is_locked,
    recalculate_refunded,
    recalculate_total,
)
from returns.services.bulk import return_order_lines_delete, return_order_lines_set_outcome
from returns.services.lines import (
    return_order_extra_line_create,
    return_order_extra_line_delete,
    return_order_extra_line_update,
    return_order_line_create,
    return_order_line_delete,
    return_order_line_update,
)
from returns.services.messages import return_order_message_post
from returns.services.orders import (
    ORDER_FIELDS,
    TRANSITION_SERVICES,
    next_reference,
    reference_pattern,
    return_order_cancel,
    return_order_complete,
    return_order_create,
    return_order_delete,
    return_order_hold,
    return_order_issue,
    return_order_update,
    return_orders_notify_overdue,
)
from returns.services.reasons import (
    REQUIRE_REASON_SETTING,
    choice_entry_create,
    choice_entry_delete,
    choice_entry_update,
)
from returns.services.receipts import (
    DispositionRequest,
    ReceiptRequest,
    receivable_limit,
    return_order_receipt_undo,
    return_order_receive_split,
)
from returns.services.receiving import return_order_receive
from returns.services.resolutions import (
    REFUND_METHODS_SETTING,
    RESOLVE_SERVICES,
    PartUse,
    line_resolution_undo,
    line_resolve_refund,
    line_resolve_reject,
    line_resolve_repair,
    line_resolve_replace,
    line_resolve_return,
    refund_methods,
    repair_update,
    replacement_errors,
    unresolved_filter,
)

__all__ = [
    "AUTHORIZE_PERMISSION",
    "EDIT_COMPLETED_SETTING",
    "LOCKED_MESSAGE",
    "ORDER_FIELDS",
    "REFUND_METHODS_SETTING",
    "REQUIRE_AUTHORIZATION_SETTING",
    "REQUIRE_REASON_SETTING",
    "REQUIRE_RESPONSIBLE_SETTING",
    "RESOLVE_SERVICES",
    "SECOND_PERSON_SETTING",
    "TRANSITION_SERVICES",
    "DispositionRequest",
    "PartUse",
    "ReceiptRequest",
    "authorization_required",
    "authorization_statuses_in_use",
    "authorized_limit",
    "choice_entry_create",
    "choice_entry_delete",
    "choice_entry_update",
    "feed_state_touch",
    "line_resolution_undo",
    "line_resolve_refund",
    "line_resolve_reject",
    "line_resolve_repair",
    "line_resolve_replace",
    "line_resolve_return",
    "may_authorize",
    "next_reference",
    "order_is_locked",
    "recalculate_refunded",
    "recalculate_total",
    "receivable_limit",
    "reference_pattern",
    "refund_methods",
    "repair_update",
    "replacement_errors",
    "return_order_authorize",
    "return_order_cancel",
    "return_order_complete",
    "return_order_create",
    "return_order_decline",
    "return_order_delete",
    "return_order_extra_line_create",
    "return_order_extra_line_delete",
    "return_order_extra_line_update",
    "return_order_hold",
    "return_order_issue",
    "return_order_line_create",
    "return_order_line_delete",
    "return_order_line_update",
    "return_order_lines_delete",
    "return_order_lines_set_outcome",
    "return_order_message_post",
    "return_order_receipt_undo",
    "return_order_receive",
    "return_order_receive_split",
    "return_order_update",
    "return_orders_notify_overdue",
    "unresolved_filter",
]
