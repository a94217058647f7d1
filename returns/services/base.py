"""What every return-order service shares: row locks, the editable check, history rows,
the order total and the calendar feed stamp."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.contrib.exchange.exceptions import MissingRate
from djmoney.contrib.exchange.models import convert_money
from djmoney.money import Money

from common import site_settings
from returns import webhook_events
from returns.models import (
    FeedState,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderRefund,
)
from returns.statuses import (
    TRANSITIONS,
    ReturnOrderStatus,
    Transition,
)

REQUIRE_RESPONSIBLE_SETTING = "RETURNORDER_REQUIRE_RESPONSIBLE"
EDIT_COMPLETED_SETTING = "RETURNORDER_EDIT_COMPLETED_ORDERS"
MAX_REFERENCE_ATTEMPTS = 1000

ORDER_FIELDS = {
    "description",
    "customer_reference",
    "responsible",
    "contact",
    "address",
    "link",
    "project_code",
    "start_date",
    "target_date",
    "notes",
    "order_currency",
    "creation_date",
    "visible_to_customer",
    "from_portal",
}

LOCKED_MESSAGE = _("This order is locked and cannot be modified")


# -- helpers -------------------------------------------------------------------------------


def _status_label(status: int) -> str:
    return str(ReturnOrderStatus(status).label)


def _lock_order(order: ReturnOrder | int) -> ReturnOrder:
    pk = order.pk if isinstance(order, ReturnOrder) else order
    # ``of=("self",)``: PostgreSQL cannot lock the nullable side of the customer outer join.
    return ReturnOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=pk)


LOCKED_STATUSES = (
    ReturnOrderStatus.COMPLETE,
    ReturnOrderStatus.CANCELLED,
    ReturnOrderStatus.DECLINED,
)


def order_is_locked(order: ReturnOrder) -> bool:
    """A completed or cancelled order is read-only unless RETURNORDER_EDIT_COMPLETED_ORDERS
    is on."""
    return order.status in LOCKED_STATUSES and not site_settings.get_value(EDIT_COMPLETED_SETTING)


def _ensure_editable(order: ReturnOrder) -> None:
    if order_is_locked(order):
        raise ValidationError(LOCKED_MESSAGE)


def _history(order, *, kind, user, note="", from_status=None, to_status=None, data=None):
    # Its webhook events, once the transaction commits (returns.webhook_events).
    webhook_events.on_history(order.pk, kind, to_status=to_status, data=data)
    return ReturnOrderHistory.objects.create(
        order=order,
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        note=note or "",
        from_status=from_status,
        to_status=to_status,
        data=data or {},
    )


# -- the status workflow --------------------------------------------------------------------


def _transition(*, order, transition: str, user, note: str = "") -> ReturnOrder:
    order = _lock_order(order)
    sources, target = TRANSITIONS[transition]
    if order.status not in sources:
        raise ValidationError(
            _(
                "Return order %(reference)s is %(current)s and cannot move to %(target)s: "
                "only orders that are %(allowed)s can be %(verb)s."
            )
            % {
                "reference": order.reference,
                "current": _status_label(order.status),
                "target": _status_label(target),
                "allowed": _(" or ").join(_status_label(s) for s in sources),
                "verb": {
                    Transition.ISSUE: _("issued"),
                    Transition.HOLD: _("placed on hold"),
                    Transition.CANCEL: _("cancelled"),
                    Transition.COMPLETE: _("completed"),
                    Transition.AUTHORIZE: _("authorized"),
                    Transition.DECLINE: _("declined"),
                }[transition],
            }
        )
    previous = order.status
    order.status = target
    return order, previous


def _save_transition(
    order, previous, *, user, note, fields, kind=ReturnOrderHistory.Kind.STATUS, data=None
):
    order.save(update_fields=["status", "updated_at", *fields])
    _history(
        order,
        kind=kind,
        user=user,
        note=note,
        from_status=previous,
        to_status=order.status,
        data=data,
    )
    return order


def _money(amount: Decimal | None, currency: str | None, default_currency: str) -> Money | None:
    if amount is None:
        return None
    return Money(amount, (currency or default_currency).upper())


def _sum_converted(rows, currency: str, *, column, too_large: str) -> tuple[Decimal | None, str]:
    """Sum ``(amount, currency, factor)`` rows in ``currency`` with django-money's rates.

    Answers ``(total, "")``, or ``(None, why)`` when a rate is missing or the sum would not fit
    ``column`` (a MoneyField).
    """
    total = Decimal(0)
    for amount, row_currency, factor in rows:
        money = Money(amount, row_currency or currency)
        try:
            converted = convert_money(money, currency) if str(money.currency) != currency else money
        except MissingRate:
            return None, _("No exchange rate from %(source)s to %(target)s") % {
                "source": money.currency,
                "target": currency,
            }
        total += converted.amount * factor
    if abs(total) >= Decimal(10) ** (column.max_digits - column.decimal_places):
        # The column would overflow (a database error); say so instead.
        return None, too_large
    return total.quantize(Decimal("0.000001")), ""


def recalculate_total(order: ReturnOrder) -> None:
    """Store the sum of price * quantity over lines and extra lines, in the order currency.

    Prices in other currencies are converted with django-money's exchange rates; when a
    rate is missing the total is null and ``total_price_note`` says which.
    """
    currency = order.currency
    priced = [
        *ReturnOrderLineItem.objects.filter(order=order, price__isnull=False).values_list(
            "price", "price_currency", "quantity"
        ),
        *ReturnOrderExtraLine.objects.filter(order=order, price__isnull=False).values_list(
            "price", "price_currency", "quantity"
        ),
    ]
    total, note = _sum_converted(
        priced,
        currency,
        column=ReturnOrder._meta.get_field("total_price"),
        too_large=_("The total price is too large to be stored"),
    )
    ReturnOrder.objects.filter(pk=order.pk).update(
        total_price=total,
        total_price_currency=currency,
        total_price_note=note,
        updated_at=timezone.now(),
    )


def recalculate_refunded(order: ReturnOrder) -> None:
    """Store the sum of the order's standing refunds, converted like ``recalculate_total``.

    With no standing refund the total is null (as on a new order), so that undoing the last
    refund leaves the order exactly as it was; a null total with a note means a missing rate.
    """
    currency = order.currency
    refunds = list(
        ReturnOrderRefund.objects.filter(
            resolution__order=order, resolution__reversed_at__isnull=True
        ).values_list("amount", "amount_currency")
    )
    if not refunds:
        ReturnOrder.objects.filter(pk=order.pk).update(
            total_refunded=None,
            total_refunded_currency=None,
            total_refunded_note="",
            updated_at=timezone.now(),
        )
        return
    total, note = _sum_converted(
        [(amount, code, 1) for amount, code in refunds],
        currency,
        column=ReturnOrder._meta.get_field("total_refunded"),
        too_large=_("The refunded total is too large to be stored"),
    )
    ReturnOrder.objects.filter(pk=order.pk).update(
        total_refunded=total,
        total_refunded_currency=currency,
        total_refunded_note=note,
        updated_at=timezone.now(),
    )


def _validate_order(order: ReturnOrder) -> None:
    errors: dict[str, list[str]] = {}
    if order.customer_id is None:
        errors["customer"] = [_("This field cannot be blank.")]
    elif not order.customer.is_customer:
        errors["customer"] = [_("Selected company is not a customer")]
    if order.contact_id and order.contact.company_id != order.customer_id:
        errors["contact"] = [_("Contact does not match selected company")]
    if order.address_id and order.address.company_id != order.customer_id:
        errors["address"] = [_("Address does not match selected company")]
    if order.start_date and order.target_date and order.start_date > order.target_date:
        errors["target_date"] = [_("Target date must be after start date")]
        errors["start_date"] = [_("Start date must be before target date")]
    if order.responsible_id is None and site_settings.get_value(REQUIRE_RESPONSIBLE_SETTING):
        errors["responsible"] = [_("Responsible user or group must be specified")]
    if order.order_currency and order.order_currency.upper() not in settings.CURRENCIES:
        errors["order_currency"] = [_("Invalid currency code")]
    if errors:
        raise ValidationError(errors)


def feed_state_touch(*, name: str = FeedState.RETURN_ORDERS) -> None:
    """Move the return-order calendar feeds' Last-Modified forward (see ``returns.calendar``).

    For changes that no order's ``updated_at`` records: a deletion, a renamed customer or
    owner. Runs in the caller's transaction, so the stamp commits with the change.
    """
    FeedState.objects.update_or_create(name=name, defaults={"changed_at": timezone.now()})


# -- attachments ---------------------------------------------------------------------------


def _order_of_attachment_owner(model_type: str, model_id: int) -> ReturnOrder | None:
    if model_type == "returnorder":
        return ReturnOrder.objects.filter(pk=model_id).first()
    model = {
        "returnorderlineitem": ReturnOrderLineItem,
        "returnorderextraline": ReturnOrderExtraLine,
    }
    owner = model[model_type].objects.filter(pk=model_id).select_related("order").first()
    return owner.order if owner is not None else None


def attachments_guard(*, model_type: str, model_id: int) -> None:
    """Refuse to add, change or delete an attachment of a locked order (or of its lines)."""
    order = _order_of_attachment_owner(model_type, model_id)
    if order is not None and order_is_locked(order):
        raise ValidationError(LOCKED_MESSAGE)


def register_attachment_guards() -> None:
    """Tell the generic attachment services about the lock (``ReturnsConfig.ready``), so that
    ``common`` need not import ``returns``."""
    from common.services import attachment_guard_register

    for model_type in ("returnorder", "returnorderlineitem", "returnorderextraline"):
        attachment_guard_register(model_type=model_type, guard=attachments_guard)
