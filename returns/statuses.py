"""Return order and line statuses (InvenTree's codes) and the allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnOrderStatus(models.IntegerChoices):
    PENDING = 10, _("Pending")
    IN_PROGRESS = 20, _("In Progress")
    ON_HOLD = 25, _("On Hold")
    COMPLETE = 30, _("Complete")
    CANCELLED = 40, _("Cancelled")
    # Authorization (RETURNORDER_REQUIRE_AUTHORIZATION). InvenTree's spacing, offset by 100 to
    # stay out of its range: Requested comes before Pending, Declined is Cancelled's
    # counterpart for an order that was never accepted.
    REQUESTED = 110, _("Requested")
    DECLINED = 140, _("Declined")


ReturnOrderStatus.colours = {
    10: "secondary",
    20: "primary",
    25: "warning",
    30: "success",
    40: "danger",
    # "info" is the Customer badge's; light and dark are the two Bootstrap colours left.
    110: "light",
    140: "dark",
}

# The statuses an InvenTree client knows; the others are listed only while they are in use.
INVENTREE_STATUSES = (10, 20, 25, 30, 40)
AUTHORIZATION_STATUSES = (ReturnOrderStatus.REQUESTED, ReturnOrderStatus.DECLINED)

OPEN_STATUSES = (
    ReturnOrderStatus.PENDING,
    ReturnOrderStatus.ON_HOLD,
    ReturnOrderStatus.IN_PROGRESS,
    ReturnOrderStatus.REQUESTED,
)
COMPLETE_STATUSES = (ReturnOrderStatus.COMPLETE,)
CLOSED_STATUSES = (
    ReturnOrderStatus.COMPLETE,
    ReturnOrderStatus.CANCELLED,
    ReturnOrderStatus.DECLINED,
)


class ReturnOrderLineStatus(models.IntegerChoices):
    PENDING = 10, _("Pending")
    RETURN = 20, _("Return")
    REPAIR = 30, _("Repair")
    REPLACE = 40, _("Replace")
    REFUND = 50, _("Refund")
    REJECT = 60, _("Reject")


ReturnOrderLineStatus.colours = {
    10: "secondary",
    20: "success",
    30: "primary",
    40: "warning",
    50: "info",
    60: "danger",
}


class Transition(models.TextChoices):
    ISSUE = "issue", _("Issue")
    HOLD = "hold", _("Hold")
    CANCEL = "cancel", _("Cancel")
    COMPLETE = "complete", _("Complete")
    AUTHORIZE = "authorize", _("Authorize")
    DECLINE = "decline", _("Decline")


# transition -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[int, ...], int]] = {
    Transition.ISSUE: (
        (ReturnOrderStatus.PENDING, ReturnOrderStatus.ON_HOLD),
        ReturnOrderStatus.IN_PROGRESS,
    ),
    Transition.HOLD: (
        (ReturnOrderStatus.PENDING, ReturnOrderStatus.IN_PROGRESS),
        ReturnOrderStatus.ON_HOLD,
    ),
    Transition.CANCEL: (OPEN_STATUSES, ReturnOrderStatus.CANCELLED),
    Transition.COMPLETE: ((ReturnOrderStatus.IN_PROGRESS,), ReturnOrderStatus.COMPLETE),
    Transition.AUTHORIZE: ((ReturnOrderStatus.REQUESTED,), ReturnOrderStatus.PENDING),
    Transition.DECLINE: ((ReturnOrderStatus.REQUESTED,), ReturnOrderStatus.DECLINED),
}
# Transitions that need the return-order authorize permission rather than add.
AUTHORIZATION_TRANSITIONS = (Transition.AUTHORIZE, Transition.DECLINE)


def allowed_transitions(status: int) -> list[str]:
    return [name for name, (sources, _target) in TRANSITIONS.items() if status in sources]


class ResolutionKind(models.TextChoices):
    """What is done with a returned line; each kind sets the line's outcome."""

    RETURN = "return", _("Return")
    REPAIR = "repair", _("Repair")
    REPLACE = "replace", _("Replace")
    REFUND = "refund", _("Refund")
    REJECT = "reject", _("Reject")


RESOLUTION_OUTCOMES = {
    ResolutionKind.RETURN: ReturnOrderLineStatus.RETURN,
    ResolutionKind.REPAIR: ReturnOrderLineStatus.REPAIR,
    ResolutionKind.REPLACE: ReturnOrderLineStatus.REPLACE,
    ResolutionKind.REFUND: ReturnOrderLineStatus.REFUND,
    ResolutionKind.REJECT: ReturnOrderLineStatus.REJECT,
}

# Kinds that may be recorded before the faulty unit has arrived.
BEFORE_RECEIPT_KINDS = (ResolutionKind.REPLACE, ResolutionKind.REFUND)


class RejectDisposition(models.TextChoices):
    RETURN = "return", _("Send back to the customer unchanged")
    SCRAP = "scrap", _("Scrap")


class WarrantyStatus(models.TextChoices):
    """The warranty answer for a returned line (see ``returns.warranty``)."""

    IN_WARRANTY = "in_warranty", _("In warranty")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
    UNKNOWN = "unknown", _("Unknown")


class WarrantyStartSource(models.TextChoices):
    """Where a line's warranty start date came from ("" when none was found)."""

    TRACKING = "tracking", _("Stock tracking (delivered to the customer)")
    ENTERED = "entered", _("Entered by a user")


class DispositionKind(models.TextChoices):
    """What became of part of a receipt: restocked, set aside as damaged, or never arrived."""

    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")
