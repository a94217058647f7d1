"""Authorization: deciding to accept a return before anything is issued or received.

With ``RETURNORDER_REQUIRE_AUTHORIZATION`` on, a new order is Requested. A user holding
``returns.authorize_returnorder`` authorizes it (it becomes Pending), accepting each line for
its full quantity or less ("partially authorized"), or declines it with a reason (it becomes
Declined, closed and locked). ``RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER`` optionally asks
for an authorizer other than the order's creator when its total is over an amount.

A line's ``authorized_quantity`` is empty on orders that never needed authorization: no limit.
``authorized_limit`` is what receiving may take from a line.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.contrib.exchange.exceptions import MissingRate
from djmoney.contrib.exchange.models import convert_money
from djmoney.money import Money

from common import site_settings
from returns import notifications
from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
from returns.services.base import _save_transition, _transition
from returns.statuses import AUTHORIZATION_STATUSES, ReturnOrderStatus, Transition

REQUIRE_AUTHORIZATION_SETTING = "RETURNORDER_REQUIRE_AUTHORIZATION"
SECOND_PERSON_SETTING = "RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER"
AUTHORIZE_PERMISSION = "returns.authorize_returnorder"
DECLINE_REASON_MAX = 2000


def second_person_validator(value: str) -> None:
    """The setting holds nothing (no rule) or an amount of at least zero."""
    if value in ("", None):
        return
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(
            _("Enter an amount, such as 1000 or 250.50, or leave it blank.")
        ) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("Enter an amount of zero or more, or leave it blank."))


def second_person_threshold() -> Decimal | None:
    """The amount over which the creator may not authorize; None when the rule is off."""
    raw = site_settings.get_value(SECOND_PERSON_SETTING)
    try:
        amount = Decimal(str(raw)) if raw not in ("", None) else None
    except InvalidOperation:
        return None
    if amount is None or not amount.is_finite() or amount <= 0:
        return None
    return amount


def authorization_required() -> bool:
    return bool(site_settings.get_value(REQUIRE_AUTHORIZATION_SETTING))


def authorization_statuses_in_use() -> bool:
    """Whether Requested and Declined are part of the workflow now: the setting is on, or
    some order has one of them (left from when it was on)."""
    return authorization_required() or (
        ReturnOrder.objects.filter(status__in=AUTHORIZATION_STATUSES).exists()
    )


def may_authorize(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(AUTHORIZE_PERMISSION))


def authorized_limit(line: ReturnOrderLineItem) -> Decimal:
    """How much of ``line`` may be received: its quantity, or less when it was authorized for
    less. No query."""
    return line.expected_quantity


def line_needs_authorization(line: ReturnOrderLineItem) -> bool:
    return authorized_limit(line) < line.quantity


# -- lines added or changed after the decision ---------------------------------------------


def new_line_authorized_quantity(*, order: ReturnOrder, user, quantity: Decimal) -> Decimal | None:
    """The ``authorized_quantity`` of a line added to ``order`` now.

    Empty while the order awaits its decision (authorizing sets it) or if it never needed
    one. On an authorized order the line is accepted in full when ``user`` may authorize;
    anyone else is refused, because the line would bypass the decision.
    """
    if order.status == ReturnOrderStatus.REQUESTED or order.authorized_date is None:
        return None
    if may_authorize(user):
        return quantity
    raise ValidationError(
        _(
            "Return order %(reference)s has been authorized: a new line needs authorization, "
            "so only a user who may authorize return orders can add it."
        )
        % {"reference": order.reference}
    )


def refresh_partial(order: ReturnOrder) -> None:
    """Re-derive ``partially_authorized`` after lines of an authorized order changed."""
    if order.authorized_date is None or order.status == ReturnOrderStatus.DECLINED:
        return
    short = ReturnOrderLineItem.objects.filter(
        order=OuterRef("pk"),
        authorized_quantity__isnull=False,
        authorized_quantity__lt=F("quantity"),
    )
    ReturnOrder.objects.filter(pk=order.pk).update(partially_authorized=Exists(short))


# -- the decision ---------------------------------------------------------------------------


def _total_in_default_currency(order: ReturnOrder) -> Decimal | None:
    if order.total_price is None:
        return None
    total = order.total_price
    if str(total.currency) == settings.DEFAULT_CURRENCY:
        return total.amount
    try:
        return convert_money(Money(total.amount, total.currency), settings.DEFAULT_CURRENCY).amount
    except MissingRate:
        return None


def _check_second_person(order: ReturnOrder, user) -> None:
    threshold = second_person_threshold()
    if threshold is None or order.created_by_id is None or order.created_by_id != user.pk:
        return
    total = _total_in_default_currency(order)
    if total is not None and total <= threshold:
        return
    # An unknown total (a missing exchange rate) counts as over: the rule must not be dodged.
    raise ValidationError(
        _(
            "Return order %(reference)s totals more than %(threshold)s %(currency)s: it must "
            "be authorized by someone other than its creator."
        )
        % {
            "reference": order.reference,
            "threshold": f"{threshold.normalize():f}",
            "currency": settings.DEFAULT_CURRENCY,
        }
    )


def _notify(order: ReturnOrder, *, user, subject: str, body: str) -> None:
    notifications.queue_order_notification(
        order=order,
        subject=subject,
        body=body,
        exclude_user=user,
    )


@transaction.atomic
def return_order_authorize(
    *,
    order: ReturnOrder,
    user,
    lines: list[tuple[int, Decimal]] | None = None,
    note: str = "",
) -> ReturnOrder:
    """REQUESTED → PENDING, accepting each line for the quantity ``lines`` gives it
    (``(line_pk, quantity)`` pairs, 0 ≤ quantity ≤ the line's quantity) or, if not given, in
    full.

    Locks the order, then its lines by primary key; checks every given line before it raises
    (``lines`` errors, all at once). Writes the lines in one ``bulk_update``, a history row
    (kind ``authorized``) and tells the responsible owner after commit. With the second-person
    rule on, the creator of an order over the amount is refused.
    """
    order, previous = _transition(order=order, transition=Transition.AUTHORIZE, user=user)
    _check_second_person(order, user)
    order_lines = {
        line.pk: line
        for line in ReturnOrderLineItem.objects.select_for_update()
        .filter(order=order)
        .order_by("pk")
    }
    given: dict[int, Decimal] = {}
    errors: list[str] = []
    for pk, quantity in lines or []:
        if pk in given:
            errors.append(_("Line item %(pk)s is listed more than once") % {"pk": pk})
            continue
        line = order_lines.get(pk)
        if line is None:
            errors.append(
                _("Line item %(pk)s does not belong to return order %(reference)s")
                % {"pk": pk, "reference": order.reference}
            )
            continue
        quantity = Decimal(quantity)
        if quantity < 0 or quantity > line.quantity:
            errors.append(
                _(
                    "Line item %(pk)s: the authorized quantity must be between 0 and the "
                    "line's quantity, %(quantity)s"
                )
                % {"pk": pk, "quantity": f"{line.quantity.normalize():f}"}
            )
            continue
        given[pk] = quantity
    if errors:
        raise ValidationError({"lines": errors})
    for pk, line in order_lines.items():
        line.authorized_quantity = given.get(pk, line.quantity)
    ReturnOrderLineItem.objects.bulk_update(order_lines.values(), ["authorized_quantity"])
    short = {pk: line for pk, line in order_lines.items() if line_needs_authorization(line)}
    order.authorized_by = user if user is not None and user.is_authenticated else None
    order.authorized_date = timezone.now()
    order.partially_authorized = bool(short)
    order.decline_reason = ""
    _save_transition(
        order,
        previous,
        user=user,
        note=note,
        fields=["authorized_by", "authorized_date", "partially_authorized", "decline_reason"],
        kind=ReturnOrderHistory.Kind.AUTHORIZED,
        data={
            "partial": bool(short),
            "lines": {
                str(pk): f"{line.authorized_quantity.normalize():f}" for pk, line in short.items()
            },
        },
    )
    _notify(
        order,
        user=user,
        subject=(
            _("Return order %(reference)s partially authorized")
            if short
            else _("Return order %(reference)s authorized")
        )
        % {"reference": order.reference},
        body=_("Return order %(reference)s has been authorized and can now be issued.")
        % {"reference": order.reference},
    )
    return order


@transaction.atomic
def return_order_decline(
    *, order: ReturnOrder, user, reason: str = "", note: str = ""
) -> ReturnOrder:
    """REQUESTED → DECLINED (closed and locked, as Cancelled); ``reason`` is required and kept
    on the order and in its history row (kind ``declined``). Tells the responsible owner after
    commit."""
    order, previous = _transition(order=order, transition=Transition.DECLINE, user=user)
    reason = (reason or note or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the return is declined.")]})
    if len(reason) > DECLINE_REASON_MAX:
        raise ValidationError(
            {"reason": [_("At most %(n)s characters.") % {"n": DECLINE_REASON_MAX}]}
        )
    order.authorized_by = user if user is not None and user.is_authenticated else None
    order.authorized_date = timezone.now()
    order.decline_reason = reason
    order.partially_authorized = False
    _save_transition(
        order,
        previous,
        user=user,
        note=reason,
        fields=["authorized_by", "authorized_date", "partially_authorized", "decline_reason"],
        kind=ReturnOrderHistory.Kind.DECLINED,
    )
    _notify(
        order,
        user=user,
        subject=_("Return order %(reference)s declined") % {"reference": order.reference},
        body=_("Return order %(reference)s has been declined. Reason: %(reason)s")
        % {"reference": order.reference, "reason": reason},
    )
    return order
