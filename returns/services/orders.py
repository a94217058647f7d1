"""Orders: references, creation, edits, deletion, the status workflow and overdue notices."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common import reference as references
from common import site_settings
from common.services import attachments_delete_for
from companies.models import Company
from returns import notifications, webhook_events
from returns.models import (
    REFERENCE_PATTERN_SETTING,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
)
from returns.services.authorization import (
    authorization_required,
    return_order_authorize,
    return_order_decline,
)
from returns.services.base import (
    MAX_REFERENCE_ATTEMPTS,
    ORDER_FIELDS,
    _ensure_editable,
    _history,
    _lock_order,
    _save_transition,
    _transition,
    _validate_order,
    feed_state_touch,
    recalculate_refunded,
    recalculate_total,
)
from returns.services.lines import return_order_line_create
from returns.services.resolutions import unresolved_filter
from returns.statuses import (
    OPEN_STATUSES,
    ReturnOrderStatus,
    Transition,
)

# -- references ----------------------------------------------------------------------------


def reference_pattern() -> str:
    return site_settings.get_value(REFERENCE_PATTERN_SETTING)


def _reference_limits() -> dict:
    max_length, max_ref = references.reference_limits(ReturnOrder)
    return {"max_length": max_length, "max_ref": max_ref}


def next_reference(pattern: str | None = None) -> str:
    """The reference a new order would get now: one past the highest ``reference_int``."""
    pattern = pattern or reference_pattern()
    latest = ReturnOrder.objects.order_by("-reference_int", "-pk").values("reference_int").first()
    number = (latest["reference_int"] if latest else 0) + 1
    for _attempt in range(MAX_REFERENCE_ATTEMPTS):
        candidate = references.format_reference(pattern, number, **_reference_limits())
        if not ReturnOrder.objects.filter(reference=candidate).exists():
            return candidate
        number += 1
    raise ValidationError({"reference": [_("Could not generate a free reference")]})


def _check_reference(reference: str, *, pattern: str, exclude_pk: int | None = None) -> str:
    try:
        reference = references.validate_reference(pattern, reference)
    except ValidationError as exc:
        raise ValidationError({"reference": exc.messages}) from exc
    clash = ReturnOrder.objects.filter(reference=reference)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"reference": [_("Return Order with this Reference already exists.")]}
        )
    return reference


# -- orders --------------------------------------------------------------------------------


@transaction.atomic
def return_order_create(
    *,
    user,
    customer: Company,
    reference: str | None = None,
    duplicate: dict | None = None,
    **fields: Any,
) -> ReturnOrder:
    """Create an order; without a reference the next one from the pattern is used.

    Reference allocation is serialised by a row lock, so concurrent creates never collide.
    ``duplicate = {"order_id", "copy_lines", "copy_extra_lines"}`` copies another order's lines.
    """
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise TypeError(f"Unknown return order fields: {sorted(unknown)}")
    pattern = reference_pattern()
    site_settings.lock(REFERENCE_PATTERN_SETTING)
    if reference:
        reference = _check_reference(reference, pattern=pattern)
    else:
        reference = next_reference(pattern)
    if not fields.get("creation_date"):
        fields["creation_date"] = timezone.localdate()
    if authorization_required():
        # Accepting the return is a decision of its own (returns.services.authorization).
        fields["status"] = ReturnOrderStatus.REQUESTED
    order = ReturnOrder(
        reference=reference,
        reference_int=references.reference_int(pattern, reference),
        customer=customer,
        created_by=user if user is not None and user.is_authenticated else None,
        **fields,
    )
    _validate_order(order)
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"reference": [_("Return Order with this Reference already exists.")]}
        ) from exc
    _history(order, kind=ReturnOrderHistory.Kind.CREATED, user=user, to_status=order.status)
    if duplicate:
        _copy_lines(order=order, user=user, **duplicate)
    recalculate_total(order)
    order.refresh_from_db()
    return order


def _copy_lines(*, order, user, order_id, copy_lines=True, copy_extra_lines=True):
    source = ReturnOrder.objects.filter(pk=order_id).first()
    if source is None:
        # Django's ValidationError cannot nest dicts; the API serializer reports this case
        # under duplicate.order_id before the service is called.
        raise ValidationError({"duplicate": [_("Invalid order ID")]})
    if copy_lines:
        problems = []
        for line in source.lines.select_related("item__part", "reason").order_by("pk"):
            try:
                return_order_line_create(
                    order=order,
                    item=line.item,
                    quantity=line.quantity,
                    user=user,
                    price=line.price,
                    reference=line.reference,
                    notes=line.notes,
                    link=line.link,
                    # A reason since deactivated is not carried onto a new line.
                    reason=line.reason if line.reason and line.reason.active else None,
                )
            except ValidationError as exc:
                problems.append(f"{line.item}: {' '.join(exc.messages)}")
        if problems:
            raise ValidationError(
                {
                    "duplicate": [
                        _("These lines cannot be copied (use copy_lines=false): %(lines)s")
                        % {"lines": "; ".join(problems)}
                    ]
                }
            )
    if copy_extra_lines:
        for extra in source.extra_lines.order_by("pk"):
            ReturnOrderExtraLine.objects.create(
                order=order,
                reference=extra.reference,
                description=extra.description,
                quantity=extra.quantity,
                price=extra.price,
                notes=extra.notes,
                link=extra.link,
                context=extra.context,
            )


@transaction.atomic
def return_order_update(*, order: ReturnOrder, user, data: dict[str, Any]) -> ReturnOrder:
    """Edit an order's fields. Status and dates set by the workflow are not editable here."""
    order = _lock_order(order)
    _ensure_editable(order)
    data = dict(data)
    if "reference" in data and data["reference"] != order.reference:
        pattern = reference_pattern()
        order.reference = _check_reference(
            data.pop("reference"), pattern=pattern, exclude_pk=order.pk
        )
        order.reference_int = references.reference_int(pattern, order.reference)
    data.pop("reference", None)
    if "customer" in data and data["customer"].pk != order.customer_id:
        if order.lines.exists():
            raise ValidationError(
                {"customer": [_("The customer cannot be changed once the order has line items")]}
            )
        order.customer = data.pop("customer")
    data.pop("customer", None)
    unknown = set(data) - ORDER_FIELDS
    if unknown:
        raise TypeError(f"Unknown return order fields: {sorted(unknown)}")
    if "creation_date" in data and not data["creation_date"]:
        # As on create (and in InvenTree's save()): an emptied creation date becomes today.
        data["creation_date"] = timezone.localdate()
    old_target, old_currency = order.target_date, order.currency
    for field, value in data.items():
        setattr(order, field, value)
    _validate_order(order)
    if order.target_date != old_target:
        order.target_date_sequence += 1
        order.overdue_notified = False
    order.save()
    if order.currency != old_currency:
        recalculate_total(order)
        recalculate_refunded(order)
        order.refresh_from_db()
    webhook_events.on_order_updated(order.pk)
    return order


@transaction.atomic
def return_order_delete(*, order: ReturnOrder, user) -> None:
    """Delete an order that has not received anything (receipts are stock history)."""
    order = _lock_order(order)
    # A line received in part (a standing receipt) counts too.
    received = order.lines.filter(
        Q(received_date__isnull=False) | Q(received_quantity__gt=0) | Q(missing_quantity__gt=0)
    ).count()
    if received:
        raise ValidationError(
            _(
                "Return order %(reference)s has %(count)s received line(s) and cannot be "
                "deleted: that would erase stock history. Cancel the order instead."
            )
            % {"reference": order.reference, "count": received}
        )
    line_pks = list(order.lines.values_list("pk", flat=True))
    extra_pks = list(order.extra_lines.values_list("pk", flat=True))
    attachments_delete_for(model_type="returnorder", model_ids=[order.pk])
    attachments_delete_for(model_type="returnorderlineitem", model_ids=line_pks)
    attachments_delete_for(model_type="returnorderextraline", model_ids=extra_pks)
    order.delete()
    feed_state_touch()


# -- workflow ------------------------------------------------------------------------------


@transaction.atomic
def return_order_issue(*, order: ReturnOrder, user, note: str = "") -> ReturnOrder:
    """PENDING or ON_HOLD → IN_PROGRESS; sets ``issue_date``; tells the responsible owner."""
    order, previous = _transition(order=order, transition=Transition.ISSUE, user=user)
    order.issue_date = timezone.localdate()
    _save_transition(order, previous, user=user, note=note, fields=["issue_date"])
    notifications.queue_order_notification(
        order=order,
        subject=_("Return order %(reference)s issued") % {"reference": order.reference},
        body=_("Return order %(reference)s has been issued to the customer.")
        % {"reference": order.reference},
        exclude_user=user,
    )
    return order


@transaction.atomic
def return_order_hold(*, order: ReturnOrder, user, note: str = "") -> ReturnOrder:
    """PENDING or IN_PROGRESS → ON_HOLD."""
    order, previous = _transition(order=order, transition=Transition.HOLD, user=user)
    return _save_transition(order, previous, user=user, note=note, fields=[])


@transaction.atomic
def return_order_cancel(*, order: ReturnOrder, user, note: str = "") -> ReturnOrder:
    """Any open status → CANCELLED; tells the responsible owner."""
    order, previous = _transition(order=order, transition=Transition.CANCEL, user=user)
    _save_transition(order, previous, user=user, note=note, fields=[])
    notifications.queue_order_notification(
        order=order,
        subject=_("Return order %(reference)s cancelled") % {"reference": order.reference},
        body=_("Return order %(reference)s has been cancelled.") % {"reference": order.reference},
        exclude_user=user,
    )
    return order


@transaction.atomic
def return_order_complete(
    *, order: ReturnOrder, user, accept_incomplete: bool = False, note: str = ""
) -> ReturnOrder:
    """IN_PROGRESS → COMPLETE.

    Every line must be received and resolved (an outcome set, a repair finished) unless
    ``accept_incomplete`` confirms completing without.
    """
    order, previous = _transition(order=order, transition=Transition.COMPLETE, user=user)
    if not accept_incomplete:
        total = order.lines.count()
        waiting = order.lines.filter(received_date__isnull=True).count()
        if waiting:
            raise ValidationError(
                {
                    "accept_incomplete": [
                        _(
                            "%(waiting)s of %(total)s line(s) have not been received. Receive "
                            "them first, or complete with accept_incomplete set to true."
                        )
                        % {"waiting": waiting, "total": total}
                    ]
                }
            )
        unresolved = order.lines.filter(unresolved_filter()).count()
        if unresolved:
            raise ValidationError(
                {
                    "accept_incomplete": [
                        _(
                            "%(count)s of %(total)s line(s) are not resolved yet (no outcome, "
                            "or a repair not finished). Resolve them first, or complete with "
                            "accept_incomplete set to true."
                        )
                        % {"count": unresolved, "total": total}
                    ]
                }
            )
    order.complete_date = timezone.localdate()
    return _save_transition(order, previous, user=user, note=note, fields=["complete_date"])


TRANSITION_SERVICES = {
    Transition.ISSUE: return_order_issue,
    Transition.HOLD: return_order_hold,
    Transition.CANCEL: return_order_cancel,
    Transition.COMPLETE: return_order_complete,
    Transition.AUTHORIZE: return_order_authorize,
    Transition.DECLINE: return_order_decline,
}


# -- overdue -------------------------------------------------------------------------------


def return_orders_notify_overdue(*, today: datetime.date | None = None) -> int:
    """E-mail the responsible owner (and creator) of each order that has become overdue.

    Each order is notified once per target date; editing the target date re-arms it.
    Returns the number of orders notified.
    """
    today = today or timezone.localdate()
    count = 0
    pending = ReturnOrder.objects.filter(
        status__in=OPEN_STATUSES, target_date__lt=today, overdue_notified=False
    ).select_related("customer", "responsible__owner_type", "created_by")
    for order in pending:
        with transaction.atomic():
            updated = ReturnOrder.objects.filter(pk=order.pk, overdue_notified=False).update(
                overdue_notified=True
            )
            if not updated:
                continue
            notifications.queue_order_notification(
                order=order,
                subject=_("Return order %(reference)s is overdue") % {"reference": order.reference},
                body=_("Return order %(reference)s was due on %(date)s and is now overdue.")
                % {"reference": order.reference, "date": order.target_date.isoformat()},
                extra_users=[order.created_by],
            )
        count += 1
    return count
