"""Every write to return orders: creation, edits, the status workflow, receiving and lines.

Each public function runs in one transaction. Rows are locked in a fixed order —
order, then line items, then stock items, each by primary key — and the order's state is
checked after its lock is taken, so concurrent requests cannot both pass a check.
Side effects (e-mail) run after commit.
"""

import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.contrib.exchange.exceptions import MissingRate
from djmoney.contrib.exchange.models import convert_money
from djmoney.money import Money

from common import reference as references
from common import site_settings
from common.services import attachments_delete_for
from companies.models import Company
from returns import notifications
from returns.models import (
    REFERENCE_PATTERN_SETTING,
    FeedState,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)
from returns.statuses import (
    OPEN_STATUSES,
    TRANSITIONS,
    ReturnOrderStatus,
    Transition,
)
from stock import services as stock_services
from stock.models import StockItem, StockLocation
from stock.statuses import StockHistoryCode, StockStatus

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
}

LOCKED_MESSAGE = _("This order is locked and cannot be modified")


# -- helpers -------------------------------------------------------------------------------


def _status_label(status: int) -> str:
    return str(ReturnOrderStatus(status).label)


def _lock_order(order: ReturnOrder | int) -> ReturnOrder:
    pk = order.pk if isinstance(order, ReturnOrder) else order
    # ``of=("self",)``: PostgreSQL cannot lock the nullable side of the customer outer join.
    return ReturnOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=pk)


def order_is_locked(order: ReturnOrder) -> bool:
    """A completed order is read-only unless RETURNORDER_EDIT_COMPLETED_ORDERS is on."""
    return order.status == ReturnOrderStatus.COMPLETE and not site_settings.get_value(
        EDIT_COMPLETED_SETTING
    )


def _ensure_editable(order: ReturnOrder) -> None:
    if order_is_locked(order):
        raise ValidationError(LOCKED_MESSAGE)


def _history(order, *, kind, user, note="", from_status=None, to_status=None, data=None):
    return ReturnOrderHistory.objects.create(
        order=order,
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        note=note or "",
        from_status=from_status,
        to_status=to_status,
        data=data or {},
    )


def _money(amount: Decimal | None, currency: str | None, default_currency: str) -> Money | None:
    if amount is None:
        return None
    return Money(amount, (currency or default_currency).upper())


def recalculate_total(order: ReturnOrder) -> None:
    """Store the sum of price * quantity over lines and extra lines, in the order currency.

    Prices in other currencies are converted with django-money's exchange rates; when a
    rate is missing the total is null and ``total_price_note`` says which.
    """
    currency = order.currency
    total = Decimal(0)
    note = ""
    priced = [
        *ReturnOrderLineItem.objects.filter(order=order, price__isnull=False).values_list(
            "price", "price_currency", "quantity"
        ),
        *ReturnOrderExtraLine.objects.filter(order=order, price__isnull=False).values_list(
            "price", "price_currency", "quantity"
        ),
    ]
    for amount, price_currency, quantity in priced:
        price = Money(amount, price_currency or currency)
        try:
            converted = convert_money(price, currency) if str(price.currency) != currency else price
        except MissingRate:
            note = _("No exchange rate from %(source)s to %(target)s") % {
                "source": price.currency,
                "target": currency,
            }
            total = None
            break
        total += converted.amount * quantity
    field = ReturnOrder._meta.get_field("total_price")
    if total is not None and abs(total) >= Decimal(10) ** (field.max_digits - field.decimal_places):
        # The column would overflow (a database error); say so instead.
        note = _("The total price is too large to be stored")
        total = None
    ReturnOrder.objects.filter(pk=order.pk).update(
        total_price=total.quantize(Decimal("0.000001")) if total is not None else None,
        total_price_currency=currency,
        total_price_note=note,
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
        for line in source.lines.select_related("item__part").order_by("pk"):
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
        order.refresh_from_db()
    return order


@transaction.atomic
def return_order_delete(*, order: ReturnOrder, user) -> None:
    """Delete an order that has not received anything (receipts are stock history)."""
    order = _lock_order(order)
    received = order.lines.filter(received_date__isnull=False).count()
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


def feed_state_touch(*, name: str = FeedState.RETURN_ORDERS) -> None:
    """Move the return-order calendar feeds' Last-Modified forward (see ``returns.calendar``).

    For changes that no order's ``updated_at`` records: a deletion, a renamed customer or
    owner. Runs in the caller's transaction, so the stamp commits with the change.
    """
    FeedState.objects.update_or_create(name=name, defaults={"changed_at": timezone.now()})


# -- workflow ------------------------------------------------------------------------------


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
                }[transition],
            }
        )
    previous = order.status
    order.status = target
    return order, previous


def _save_transition(order, previous, *, user, note, fields):
    order.save(update_fields=["status", "updated_at", *fields])
    _history(
        order,
        kind=ReturnOrderHistory.Kind.STATUS,
        user=user,
        note=note,
        from_status=previous,
        to_status=order.status,
    )
    return order


@transaction.atomic
def return_order_issue(*, order: ReturnOrder, user, note: str = "") -> ReturnOrder:
    """PENDING or ON_HOLD → IN_PROGRESS; sets ``issue_date``; tells the responsible owner."""
    order, previous = _transition(order=order, transition=Transition.ISSUE, user=user)
    order.issue_date = timezone.localdate()
    _save_transition(order, previous, user=user, note=note, fields=["issue_date"])
    transaction.on_commit(
        partial(
            notifications.send_order_notification,
            order=order,
            subject=_("Return order %(reference)s issued") % {"reference": order.reference},
            body=_("Return order %(reference)s has been issued to the customer.")
            % {"reference": order.reference},
            exclude_user=user,
        )
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
    transaction.on_commit(
        partial(
            notifications.send_order_notification,
            order=order,
            subject=_("Return order %(reference)s cancelled") % {"reference": order.reference},
            body=_("Return order %(reference)s has been cancelled.")
            % {"reference": order.reference},
            exclude_user=user,
        )
    )
    return order


@transaction.atomic
def return_order_complete(
    *, order: ReturnOrder, user, accept_incomplete: bool = False, note: str = ""
) -> ReturnOrder:
    """IN_PROGRESS → COMPLETE; every line must be received unless ``accept_incomplete``."""
    order, previous = _transition(order=order, transition=Transition.COMPLETE, user=user)
    if not accept_incomplete:
        waiting = order.lines.filter(received_date__isnull=True).count()
        if waiting:
            total = order.lines.count()
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
    order.complete_date = timezone.localdate()
    return _save_transition(order, previous, user=user, note=note, fields=["complete_date"])


TRANSITION_SERVICES = {
    Transition.ISSUE: return_order_issue,
    Transition.HOLD: return_order_hold,
    Transition.CANCEL: return_order_cancel,
    Transition.COMPLETE: return_order_complete,
}


@transaction.atomic
def return_order_receive(
    *,
    order: ReturnOrder,
    lines: list[tuple[int, int | None]],
    location: StockLocation,
    user,
    note: str = "",
) -> list[StockItem]:
    """Receive returned items into ``location``: all requested lines or none.

    ``lines`` holds ``(line_pk, stock_status_or_None)`` pairs. For each line: a partial
    quantity of a non-serialized item is split off first; the item takes the status (default
    QUARANTINED), moves to the location, leaves the customer, and gets a tracking entry
    (code 80); the line gets its received date. Locks: order, lines, then stock items.
    """
    order = _lock_order(order)
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        raise ValidationError(
            _(
                "Items can only be received against orders which are in progress "
                "(return order %(reference)s is %(status)s)"
            )
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    if not lines:
        raise ValidationError({"items": [_("Line items must be provided")]})
    if location.structural:
        raise ValidationError(
            {"location": [_("Stock items cannot be located into structural stock locations!")]}
        )
    requested = [pk for pk, _status in lines]
    repeated = sorted({pk for pk in requested if requested.count(pk) > 1})
    if repeated:
        raise ValidationError(
            {"items": [_("Line items listed more than once: %(pks)s") % {"pks": repeated}]}
        )
    locked_lines = {
        line.pk: line
        for line in ReturnOrderLineItem.objects.select_for_update()
        .filter(pk__in=requested)
        .order_by("pk")
    }
    errors = []
    for pk in requested:
        line = locked_lines.get(pk)
        if line is None:
            errors.append(_("Line item %(pk)s does not exist") % {"pk": pk})
        elif line.order_id != order.pk:
            errors.append(
                _("Line item %(pk)s does not belong to return order %(reference)s")
                % {"pk": pk, "reference": order.reference}
            )
        elif line.received_date is not None:
            errors.append(
                _("Line item %(pk)s has already been received (on %(date)s)")
                % {"pk": pk, "date": line.received_date.isoformat()}
            )
    if errors:
        raise ValidationError({"items": errors})

    item_pks = sorted({line.item_id for line in locked_lines.values()})
    items = {
        item.pk: item
        for item in StockItem.objects.select_for_update().filter(pk__in=item_pks).order_by("pk")
    }
    for pk in requested:
        line = locked_lines[pk]
        item = items[line.item_id]
        if item.customer_id != order.customer_id:
            errors.append(
                _("Stock item %(item)s is no longer assigned to %(customer)s")
                % {"item": item, "customer": order.customer.name}
            )
        elif not item.serialized and line.quantity > item.quantity:
            errors.append(
                _(
                    "Line item %(pk)s returns %(quantity)s but stock item %(item)s "
                    "holds %(available)s"
                )
                % {
                    "pk": pk,
                    "quantity": line.quantity.normalize(),
                    "item": item.pk,
                    "available": item.quantity.normalize(),
                }
            )
    if errors:
        raise ValidationError({"items": errors})

    today = timezone.localdate()
    statuses = dict(lines)
    moved = []
    for pk in requested:
        line = locked_lines[pk]
        stock_item = items[line.item_id]
        if not stock_item.serialized and line.quantity < stock_item.quantity:
            stock_item = stock_services.stock_item_split(
                item=stock_item, quantity=line.quantity, user=user, notes=note
            )
            line.item = stock_item
        status = statuses[pk] if statuses[pk] is not None else StockStatus.QUARANTINED
        deltas = {"status": int(status), "returnorder": order.pk, "location": location.pk}
        if stock_item.customer_id is not None:
            deltas["customer"] = stock_item.customer_id
        stock_item.status = status
        stock_item.location = location
        stock_item.customer = None
        stock_item.save(update_fields=["status", "location", "customer", "updated"])
        stock_services.stock_item_add_tracking(
            item=stock_item,
            code=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
            user=user,
            notes=note,
            deltas=deltas,
        )
        line.received_date = today
        line.save(update_fields=["item", "received_date"])
        moved.append(stock_item)

    _history(
        order,
        kind=ReturnOrderHistory.Kind.RECEIVED,
        user=user,
        note=note,
        from_status=order.status,
        to_status=order.status,
        data={
            "lines": requested,
            "stock_items": [item.pk for item in moved],
            "location": location.pk,
            "location_name": location.pathstring,
        },
    )
    ReturnOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    count = len(moved)
    transaction.on_commit(
        partial(
            notifications.send_order_notification,
            order=order,
            subject=_("Items received against %(reference)s") % {"reference": order.reference},
            body=_("%(count)s item(s) have been received into %(location)s.")
            % {"count": count, "location": location.pathstring},
            exclude_user=user,
        )
    )
    return moved


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
    **fields: Any,
) -> ReturnOrderLineItem:
    """Add a stock item the customer holds to an open order."""
    order = _lock_order(order)
    _ensure_editable(order)
    if order.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Lines can only be added to open orders; return order %(reference)s is %(status)s")
            % {"reference": order.reference, "status": _status_label(order.status)}
        )
    item = StockItem.objects.select_for_update().get(pk=item.pk)
    quantity = Decimal(quantity)
    _validate_line_item(order=order, item=item, quantity=quantity)
    line = ReturnOrderLineItem.objects.create(
        order=order, item=item, quantity=quantity, price=price, **fields
    )
    recalculate_total(order)
    return line


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
    new_item = data.pop("item", line.item)
    new_quantity = Decimal(data.pop("quantity", line.quantity))
    changes_stock = new_item.pk != line.item_id or new_quantity != line.quantity
    if changes_stock:
        if line.received_date is not None:
            raise ValidationError(
                _("This line has been received: its stock item and quantity cannot change")
            )
        item = StockItem.objects.select_for_update().get(pk=new_item.pk)
        _validate_line_item(order=order, item=item, quantity=new_quantity, line_pk=line.pk)
        line.item, line.quantity = item, new_quantity
    for field, value in data.items():
        setattr(line, field, value)
    line.save()
    recalculate_total(order)
    return line


@transaction.atomic
def return_order_line_delete(*, line: ReturnOrderLineItem, user) -> None:
    order = _lock_order(line.order_id)
    line = ReturnOrderLineItem.objects.select_for_update().get(pk=line.pk)
    _ensure_editable(order)
    if line.received_date is not None:
        raise ValidationError(
            _("This line has been received and cannot be deleted: that would erase stock history")
        )
    attachments_delete_for(model_type="returnorderlineitem", model_ids=[line.pk])
    line.delete()
    recalculate_total(order)


@transaction.atomic
def return_order_extra_line_create(
    *, order: ReturnOrder, user, price: Money | None = None, **fields: Any
) -> ReturnOrderExtraLine:
    order = _lock_order(order)
    _ensure_editable(order)
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
            transaction.on_commit(
                partial(
                    notifications.send_order_notification,
                    order=order,
                    subject=_("Return order %(reference)s is overdue")
                    % {"reference": order.reference},
                    body=_("Return order %(reference)s was due on %(date)s and is now overdue.")
                    % {"reference": order.reference, "date": order.target_date.isoformat()},
                    extra_users=[order.created_by],
                )
            )
        count += 1
    return count
