"""Return order and line statuses (InvenTree's codes) and the allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnOrderStatus(models.IntegerChoices):
    PENDING = 10, _("Pending")
    IN_PROGRESS = 20, _("In Progress")
    ON_HOLD = 25, _("On Hold")
    COMPLETE = 30, _("Complete")
    CANCELLED = 40, _("Cancelled")


ReturnOrderStatus.colours = {
    10: "secondary",
    20: "primary",
    25: "warning",
    30: "success",
    40: "danger",
}

OPEN_STATUSES = (
    ReturnOrderStatus.PENDING,
    ReturnOrderStatus.ON_HOLD,
    ReturnOrderStatus.IN_PROGRESS,
)
COMPLETE_STATUSES = (ReturnOrderStatus.COMPLETE,)
CLOSED_STATUSES = (ReturnOrderStatus.COMPLETE, ReturnOrderStatus.CANCELLED)


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
}


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


class DispositionKind(models.TextChoices):
    """What became of part of a receipt: restocked, set aside as damaged, or never arrived."""

    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")
