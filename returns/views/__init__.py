"""Staff pages for return orders. Each view parses input, calls a selector or a service, renders.

The pages exist only while RETURNORDER_ENABLED is on (404 otherwise); the REST API does not
depend on it. Every change is a POST that redirects with a message.

The modules split the pages by concern: ``orders`` (index, calendar, create, edit, detail,
workflow, export, print), ``authorization``, ``lines``, ``receiving``, ``resolutions`` and
``attachments``.
"""

from returns.views.attachments import attachment_add, attachment_delete, message_add, notes_save
from returns.views.authorization import return_order_authorize, return_order_decline
from returns.views.base import enabled, return_order_page
from returns.views.bulk import lines_receive, lines_remove, lines_set_outcome
from returns.views.goto import return_order_goto
from returns.views.index_bulk import return_order_bulk, return_order_calendar_export
from returns.views.lines import (
    extra_add,
    extra_delete,
    extra_edit,
    line_add,
    line_delete,
    line_edit,
    line_scan,
)
from returns.views.orders import (
    calendar_token_regenerate,
    calendar_token_revoke,
    return_order_create,
    return_order_delete,
    return_order_detail,
    return_order_edit,
    return_order_export,
    return_order_index,
    return_order_picker,
    return_order_print,
    return_order_settings,
    return_order_transition,
    return_order_transition_confirm,
)
from returns.views.reasons import (
    choice_entry_add,
    choice_entry_delete,
    choice_entry_edit,
    choice_entry_set_active,
)
from returns.views.receipts import line_receive_split, receipt_undo
from returns.views.receiving import return_order_receive
from returns.views.resolutions import line_resolution_undo, line_resolve, repair_edit

__all__ = [
    "attachment_add",
    "attachment_delete",
    "calendar_token_regenerate",
    "calendar_token_revoke",
    "choice_entry_add",
    "choice_entry_delete",
    "choice_entry_edit",
    "choice_entry_set_active",
    "enabled",
    "extra_add",
    "extra_delete",
    "extra_edit",
    "line_add",
    "line_delete",
    "line_edit",
    "line_receive_split",
    "line_resolution_undo",
    "line_resolve",
    "line_scan",
    "lines_receive",
    "lines_remove",
    "lines_set_outcome",
    "message_add",
    "notes_save",
    "receipt_undo",
    "repair_edit",
    "return_order_authorize",
    "return_order_bulk",
    "return_order_calendar_export",
    "return_order_create",
    "return_order_decline",
    "return_order_delete",
    "return_order_detail",
    "return_order_edit",
    "return_order_export",
    "return_order_goto",
    "return_order_index",
    "return_order_page",
    "return_order_picker",
    "return_order_print",
    "return_order_receive",
    "return_order_settings",
    "return_order_transition",
    "return_order_transition_confirm",
]
