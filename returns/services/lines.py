"""Line items and extra lines."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common.services import attachments_delete_for
from returns.models import (
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnReason,
)
from returns.services.authorization import (
    may_authorize,
    new_line_authorized_quantity,
    refresh_partial,
)
from returns.services.base import (
    _ensure_editable,
    _history,
    _lock_order,
    _status_label,
    recalculate_total,
)
from returns.services.reasons import check_line_reason
from returns.statuses import OPEN_STATUSES, ReturnOrderLineStatus, WarrantyStartSource
from returns.warranty import apply_warranty, delivery_dates
from stock.models import StockItem

# -- lines ---------------------------------------------------------------------------------


def _validate_line_item(*, order: ReturnOrder, item: StockItem, quantity: Decimal, line_pk=None):
    errors: dict[str, list[str]] = {}
    if item.customer_id != order.customer_id:
        errors["item"] = [
            _("Stock item %(item)s is not assigned to customer %(customer)s")
            % {"item": item, "customer": order.customer.name}
        ]
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_("Return quantity must be greater than zero")]
    elif quantity > item.quantity:
        errors["quantity"] = [_("Return quantity exceeds stock quantity")]
    elif item.serialized and quantity != 1:
        errors["quantity"] = [_("Invalid quantity for serialized stock item")]
    if errors:
        raise ValidationError(errors)
    same_order = ReturnOrderLineItem.objects.filter(order=order, item=item).exclude(pk=line_pk)
    if same_order.exists():
        raise ValidationError(_("The fields order, item must make a unique set."))
    elsewhere = (
        ReturnOrderLineItem.objects.filter(
            item=item, received_date__isnull=True, order__status__in=OPEN_STATUSES
        )
        .exclude(order=order)
        .select_related("order")
        .first()
    )
    if elsewhere is not None:
        raise ValidationError(
            {
                "item": [
                    _("Stock item %(item)s is already on open return order %(reference)s")
                    % {"item": item, "reference": elsewhere.order.reference}
                ]
            }
        )


@transaction.atomic
def return_order_line_create(
    *,
    order: ReturnOrder,
    item: StockItem,
    user,
    quantity: Decimal = Decimal(1),
    price: Money | None = None,
    reason: ReturnReason | None = None,
    **fields: Any,
) -> ReturnOrderLineItem:
    """Add a stock item the customer holds to an open order.

    ``reason`` must be active, and given when ``RETURNORDER_REQUIRE_REASON`` is on
    (``ValidationError`` under ``reason``)."""
    order = _lock_order(order)
    _ensure_editable(order)
    if order.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Lines can only be added to open orders; return order %(reference)s is %(status)s")
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    check_line_reason(reason)
    item = StockItem.objects.select_for_update().select_related("part").get(pk=item.pk)
    quantity = Decimal(quantity)
    _validate_line_item(order=order, item=item, quantity=quantity)
    authorized = new_line_authorized_quantity(order=order, user=user, quantity=quantity)
    line = ReturnOrderLineItem(
        order=order,
        item=item,
        quantity=quantity,
        price=price,
        reason=reason,
        creation_date=timezone.localdate(),
        authorized_quantity=authorized,
        **fields,
    )
    _warranty_check_input(line)
    delivered = None
    if line.warranty_start_source != WarrantyStartSource.ENTERED:
        delivered = delivery_dates(item_pks=[item.pk], customer_pk=order.customer_id).get(item.pk)
    apply_warranty(line, delivered=delivered)
    line.save(force_insert=True)
    recalculate_total(order)
    return line


@transaction.atomic
def return_order_lines_create(
    *,
    order: ReturnOrder,
    items: list[tuple[StockItem, Decimal]],
    user,
    reason: ReturnReason | None = None,
) -> list[ReturnOrderLineItem]:
    """Add several held stock items as lines at once: all of them, or none.

    ``items`` pairs each stock item with its return quantity; every line gets ``reason``
    (checked as ``return_order_line_create`` checks it). Locks the order, then the stock
    items by primary key; checks every item before it raises, so one ``ValidationError``
    (under ``items``) names each refused item. Writes the lines with one ``bulk_create``.
    """
    order = _lock_order(order)
    _ensure_editable(order)
    if order.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Lines can only be added to open orders; return order %(reference)s is %(status)s")
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    if not items:
        raise ValidationError({"items": [_("Choose at least one stock item")]})
    check_line_reason(reason)
    quantities = {item.pk: Decimal(quantity) for item, quantity in items}
    locked = StockItem.objects.select_for_update().filter(pk__in=quantities).order_by("pk")
    locked = {item.pk: item for item in locked.select_related("part")}
    errors: list[str] = []
    for pk, quantity in quantities.items():
        item = locked[pk]
        try:
            _validate_line_item(order=order, item=item, quantity=quantity)
        except ValidationError as exc:
            errors.extend(f"{item}: {message}" for message in exc.messages)
    if errors:
        raise ValidationError({"items": errors})
    # Accepted in full by an authorizer, refused for anyone else, on an authorized order.
    authorize = new_line_authorized_quantity(order=order, user=user, quantity=Decimal(1))
    today = timezone.localdate()
    delivered = delivery_dates(item_pks=quantities, customer_pk=order.customer_id)
    lines = []
    for pk, quantity in quantities.items():
        line = ReturnOrderLineItem(
            order=order,
            item=locked[pk],
            quantity=quantity,
            reason=reason,
            creation_date=today,
            authorized_quantity=quantity if authorize is not None else None,
        )
        apply_warranty(line, delivered=delivered.get(pk))
        lines.append(line)
    lines = ReturnOrderLineItem.objects.bulk_create(lines)
    recalculate_total(order)
    return lines


def _warranty_check_input(line: ReturnOrderLineItem) -> None:
    """Check a user's warranty input on ``line``: an entered start, an override and its reason.

    An entered start marks the line's start as *entered*; a cleared one (None) goes back to
    the tracking date. An override needs a reason; clearing it clears the reason.
    """
    errors: dict[str, list[str]] = {}
    if line.warranty_start_source == WarrantyStartSource.ENTERED or (
        line.warranty_start is not None and not line.warranty_start_source
    ):
        if line.warranty_start is None:
            line.warranty_start_source = ""
        else:
            line.warranty_start_source = WarrantyStartSource.ENTERED
            added = line.creation_date or timezone.localdate()
            if line.warranty_start > added:
                errors["warranty_start"] = [
                    _("The warranty cannot start after the line was added (%(date)s)")
                    % {"date": added.isoformat()}
                ]
    line.warranty_override = line.warranty_override or ""
    line.warranty_override_reason = (line.warranty_override_reason or "").strip()
    if line.warranty_override and not line.warranty_override_reason:
        errors["warranty_override_reason"] = [_("Say why the warranty answer is overridden")]
    if not line.warranty_override:
        line.warranty_override_reason = ""
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def return_order_line_update(
    *, line: ReturnOrderLineItem, user, data: dict[str, Any]
) -> ReturnOrderLineItem:
    """Edit a line. A received line keeps its item and quantity; its outcome stays editable."""
    order = _lock_order(line.order_id)
    line = ReturnOrderLineItem.objects.select_for_update().get(pk=line.pk)
    _ensure_editable(order)
    data = dict(data)
    if "order" in data and data.pop("order").pk != line.order_id:
        raise ValidationError({"order": [_("A line cannot be moved to another order")]})
    new_reason = data.get("reason", line.reason)
    if (new_reason.pk if new_reason else None) != line.reason_id:
        # Only a change is checked: a line kept as it was stays valid.
        check_line_reason(new_reason, current_pk=line.reason_id)
    new_item = data.pop("item", line.item)
    new_quantity = Decimal(data.pop("quantity", line.quantity))
    changed = [
        field
        for field, differs in (
            ("outcome", "outcome" in data and data["outcome"] != line.outcome),
            ("item", new_item.pk != line.item_id),
            ("quantity", new_quantity != line.quantity),
        )
        if differs
    ]
    changes_stock = "item" in changed or "quantity" in changed
    resolved = _standing_kind(line) if changed else None
    if resolved is not None:
        message = _(
            "This line is resolved (%(kind)s): undo the resolution before changing its "
            "outcome, item or quantity"
        ) % {"kind": resolved}
        raise ValidationError({field: [message] for field in changed})
    old_outcome = line.outcome
    if changes_stock:
        if line.received_date is not None or _has_receipts(line):
            raise ValidationError(
                _("This line has been received: its stock item and quantity cannot change")
            )
        item = StockItem.objects.select_for_update().get(pk=new_item.pk)
        _validate_line_item(order=order, item=item, quantity=new_quantity, line_pk=line.pk)
        if (
            line.authorized_quantity is not None
            and line.authorized_quantity == line.quantity
            and may_authorize(user)
        ):
            # An authorizer's edit keeps a fully authorized line fully authorized; anyone
            # else's leaves the accepted quantity where the decision put it.
            line.authorized_quantity = new_quantity
        line.item, line.quantity = item, new_quantity
    old_target, old_start = line.target_date, line.warranty_start
    for field, value in data.items():
        setattr(line, field, value)
    if line.target_date != old_target:
        line.target_date_sequence += 1
    if "warranty_start" in data:
        # Whatever the user gives replaces the previous start: a date is *entered*, a
        # cleared one (None) means "use the tracking date again".
        line.warranty_start_source = WarrantyStartSource.ENTERED if line.warranty_start else ""
    _warranty_check_input(line)
    if changes_stock or line.warranty_start != old_start or "warranty_start" in data:
        delivered = None
        if line.warranty_start_source != WarrantyStartSource.ENTERED:
            delivered = delivery_dates(item_pks=[line.item_id], customer_pk=order.customer_id).get(
                line.item_id
            )
        apply_warranty(line, delivered=delivered)
    line.save()
    if line.outcome != old_outcome:
        _history(
            order,
            kind=ReturnOrderHistory.Kind.OUTCOME,
            user=user,
            from_status=order.status,
            to_status=order.status,
            data={
                "line": line.pk,
                "item": line.item_id,
                "from": old_outcome,
                "to": line.outcome,
                "from_label": str(ReturnOrderLineStatus(old_outcome).label),
                "to_label": str(ReturnOrderLineStatus(line.outcome).label),
            },
        )
    if changes_stock:
        refresh_partial(order)
    recalculate_total(order)
    return line


def _has_receipts(line: ReturnOrderLineItem) -> bool:
    """Received in part, or with units recorded as missing: the receipts are stock history."""
    return bool(line.received_quantity or line.missing_quantity)


def _standing_kind(line: ReturnOrderLineItem) -> str | None:
    resolution = (
        ReturnOrderLineResolution.objects.filter(line=line, reversed_at__isnull=True)
        .only("kind")
        .first()
    )
    return resolution.get_kind_display() if resolution else None


@transaction.atomic
def return_order_line_delete(*, line: ReturnOrderLineItem, user) -> None:
    order = _lock_order(line.order_id)
    line = ReturnOrderLineItem.objects.select_for_update().get(pk=line.pk)
    _ensure_editable(order)
    if line.received_date is not None or _has_receipts(line):
        raise ValidationError(
            _("This line has been received and cannot be deleted: that would erase stock history")
        )
    resolved = _standing_kind(line)
    if resolved is not None:
        raise ValidationError(
            _("This line is resolved (%(kind)s): undo the resolution before deleting it")
            % {"kind": resolved}
        )
    attachments_delete_for(model_type="returnorderlineitem", model_ids=[line.pk])
    line.delete()
    refresh_partial(order)
    recalculate_total(order)


def _validate_extra_line(*, reference: str | None, description: str | None) -> None:
    """An extra line says what it is for: a description or a reference (or both)."""
    if not (reference or "").strip() and not (description or "").strip():
        message = _("Give a description or a reference: an extra line must say what it is for")
        raise ValidationError({"description": [message], "reference": [message]})


@transaction.atomic
def return_order_extra_line_create(
    *, order: ReturnOrder, user, price: Money | None = None, **fields: Any
) -> ReturnOrderExtraLine:
    order = _lock_order(order)
    _ensure_editable(order)
    _validate_extra_line(reference=fields.get("reference"), description=fields.get("description"))
    extra = ReturnOrderExtraLine.objects.create(order=order, price=price, **fields)
    recalculate_total(order)
    return extra


@transaction.atomic
def return_order_extra_line_update(
    *, extra: ReturnOrderExtraLine, user, data: dict[str, Any]
) -> ReturnOrderExtraLine:
    order = _lock_order(extra.order_id)
    extra = ReturnOrderExtraLine.objects.select_for_update().get(pk=extra.pk)
    _ensure_editable(order)
    data = dict(data)
    if "order" in data and data.pop("order").pk != extra.order_id:
        raise ValidationError({"order": [_("A line cannot be moved to another order")]})
    for field, value in data.items():
        setattr(extra, field, value)
    _validate_extra_line(reference=extra.reference, description=extra.description)
    extra.save()
    recalculate_total(order)
    return extra


@transaction.atomic
def return_order_extra_line_delete(*, extra: ReturnOrderExtraLine, user) -> None:
    order = _lock_order(extra.order_id)
    _ensure_editable(order)
    attachments_delete_for(model_type="returnorderextraline", model_ids=[extra.pk])
    extra.delete()
    recalculate_total(order)
