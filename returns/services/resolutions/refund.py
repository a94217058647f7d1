"""Refunds, and the configured refund methods."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import site_settings
from returns.models import (
    ReturnOrderLineItem,
    ReturnOrderRefund,
)
from returns.services.base import recalculate_refunded
from returns.services.resolutions.shared import (
    REFUND_METHODS_SETTING,
    _check_status,
    _check_unit_here,
    _create,
    _decimal,
    _Effects,
    _finish,
    _lock_line,
    _money_errors,
    _note,
    _start,
    _unit,
)
from returns.statuses import (
    ResolutionKind,
)
from stock import services as stock_services

# -- refund --------------------------------------------------------------------------------


REFUND_FIELD = ReturnOrderRefund._meta.get_field("amount")


def refund_methods() -> list[str]:
    """The configured refund methods; empty means any text is accepted."""
    raw = site_settings.get_value(REFUND_METHODS_SETTING) or ""
    return [method.strip() for method in raw.split(",") if method.strip()]


@transaction.atomic
def line_resolve_refund(
    *,
    line,
    user,
    amount: Decimal,
    currency: str | None = None,
    method: str = "",
    reference: str = "",
    date: datetime.date | None = None,
    unit_status: int | None = None,
    notes: str = "",
) -> ReturnOrderLineItem:
    """Record a refund (amount, currency, method, credit note reference, date).

    The unit takes ``unit_status`` (now, or on receipt if it has not arrived); the order's
    refunded total is recalculated.
    """
    order, line = _lock_line(line)
    _start(order, line, ResolutionKind.REFUND)
    _check_status(unit_status)
    money, errors = _money_errors(
        amount,
        currency,
        amount_field="amount",
        currency_field="currency",
        column=REFUND_FIELD,
        order=order,
    )
    if amount is None or ("amount" not in errors and _decimal(amount, field="amount") <= 0):
        errors["amount"] = [_("The refund amount must be greater than zero")]
    methods = refund_methods()
    if methods and method not in methods:
        errors["method"] = [
            _("Choose one of the configured refund methods: %(methods)s")
            % {"methods": ", ".join(methods)}
        ]
    if errors:
        raise ValidationError(errors)
    unit, _locked = _unit(line)
    received = line.received_date is not None
    if received and unit_status is not None:
        _check_unit_here(unit, order)
    resolution = _create(
        order=order,
        line=line,
        kind=ResolutionKind.REFUND,
        user=user,
        notes=notes,
        unit_status=unit_status,
    )
    refund = ReturnOrderRefund.objects.create(
        resolution=resolution,
        amount=money,
        method=method or "",
        reference=reference or "",
        date=date or timezone.localdate(),
    )
    effects = _Effects()
    if received and unit_status is not None:
        effects.touch(unit)
        stock_services.stock_item_set_status(
            item=unit,
            status=unit_status,
            user=user,
            notes=_note(order, _("Refunded")),
            deltas={"returnorder": order.pk},
        )
    recalculate_refunded(order)
    return _finish(
        order=order,
        line=line,
        resolution=resolution,
        effects=effects,
        user=user,
        data={
            "refund": refund.pk,
            "amount": f"{refund.amount.amount:f}",
            "currency": str(refund.amount.currency),
            "reference": refund.reference,
        },
    )
