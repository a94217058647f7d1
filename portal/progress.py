"""The order as a customer follows it: the progress steps and each line in plain words.

Pure functions of what the selectors loaded; no queries.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.statuses import ResolutionKind, ReturnOrderLineStatus, ReturnOrderStatus

# What the customer reads for each status, in their words rather than the desk's.
CUSTOMER_STATUS = {
    ReturnOrderStatus.REQUESTED: gettext_lazy("Waiting for approval"),
    ReturnOrderStatus.PENDING: gettext_lazy("Approved, being prepared"),
    ReturnOrderStatus.IN_PROGRESS: gettext_lazy("In progress"),
    ReturnOrderStatus.ON_HOLD: gettext_lazy("On hold"),
    ReturnOrderStatus.COMPLETE: gettext_lazy("Complete"),
    ReturnOrderStatus.CANCELLED: gettext_lazy("Cancelled"),
    ReturnOrderStatus.DECLINED: gettext_lazy("Declined"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    current: bool
    date: date | None


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def needed_authorization(order: ReturnOrder) -> bool:
    return order.authorized_date is not None or order.status in (
        ReturnOrderStatus.REQUESTED,
        ReturnOrderStatus.DECLINED,
    )


def order_steps(order: ReturnOrder, lines: list[ReturnOrderLineItem]) -> list[Step]:
    """requested → authorized → issued → received → resolved → complete; "authorized" only
    when the order needed authorization."""
    received = [line.received_date for line in lines if line.received_date]
    all_received = bool(lines) and len(received) == len(lines)
    resolved_dates = [
        _day(line.standing_resolution.created_at)
        for line in lines
        if getattr(line, "standing_resolution", None) is not None
    ]
    all_resolved = bool(lines) and all(
        line.outcome != ReturnOrderLineStatus.PENDING for line in lines
    )
    authorized = order.authorized_date is not None and order.status != ReturnOrderStatus.DECLINED
    issued = order.issue_date is not None
    rows = [("requested", _("Requested"), True, order.creation_date)]
    if needed_authorization(order):
        rows.append(
            (
                "authorized",
                _("Authorized"),
                authorized,
                _day(order.authorized_date) if authorized else None,
            )
        )
    rows += [
        ("issued", _("Issued"), issued, order.issue_date),
        ("received", _("Received"), all_received, max(received) if all_received else None),
        (
            "resolved",
            _("Resolved"),
            all_resolved,
            max(resolved_dates) if all_resolved and resolved_dates else None,
        ),
        (
            "complete",
            _("Complete"),
            order.status == ReturnOrderStatus.COMPLETE,
            order.complete_date,
        ),
    ]
    closed = order.status in (ReturnOrderStatus.CANCELLED, ReturnOrderStatus.DECLINED)
    current = None if closed else next((key for key, _label, done, _d in rows if not done), None)
    return [
        Step(key=key, label=label, done=done, current=key == current, date=day)
        for key, label, done, day in rows
    ]


def line_state(line: ReturnOrderLineItem) -> str:
    """Where the item stands: on its way, or received on a day."""
    if line.received_date:
        return _("Received on %(date)s") % {"date": line.received_date.isoformat()}
    return _("Waiting for the item to arrive")


def line_resolution(line: ReturnOrderLineItem) -> str:
    """What was done with the item, in the customer's words ("" while nothing was)."""
    resolution = getattr(line, "standing_resolution", None)
    if resolution is None:
        if line.outcome == ReturnOrderLineStatus.PENDING:
            return ""
        return str(ReturnOrderLineStatus(line.outcome).label)
    kind = resolution.kind
    if kind == ResolutionKind.RETURN:
        return _("Checked and shipped back to you")
    if kind == ResolutionKind.REPAIR:
        repair = getattr(resolution, "repair", None)
        if repair is not None and repair.finished_at is None:
            return _("Being repaired")
        return _("Repaired and shipped back to you")
    if kind == ResolutionKind.REPLACE:
        serial = getattr(resolution.replacement_item, "serial", None)
        if serial:
            return _("Replaced by serial %(serial)s") % {"serial": serial}
        return _("Replaced")
    if kind == ResolutionKind.REFUND:
        refund = getattr(resolution, "refund", None)
        if refund is not None and refund.reference:
            return _("Refunded with reference %(reference)s") % {"reference": refund.reference}
        return _("Refunded")
    if resolution.disposition == "return":
        return _("Not accepted; shipped back to you unchanged")
    return _("Not accepted")
