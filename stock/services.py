"""Writes for parts, locations and stock items. Operations that move stock lock the rows."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.services import attachments_delete_for, stored_file_delete_on_commit
from companies.models import Company
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation
from stock.statuses import SCRAP_CODES, StockHistoryCode, StockStatus

MAX_SERIALS_PER_REQUEST = 1000


def parse_serial_numbers(text: str, *, expected_quantity: Decimal | int | None = None) -> list[str]:
    """Expand ``"1-5,7,SN-9"`` into serial numbers.

    Groups are separated by commas (or whitespace). ``a-b`` with integers on both sides is an
    inclusive range; anything else is a literal serial. Duplicates and a count that differs from
    ``expected_quantity`` are errors.
    """
    serials: list[str] = []
    for group in re.split(r"[,\s]+", (text or "").strip()):
        if not group:
            continue
        match = re.fullmatch(r"(\d+)-(\d+)", group)
        if match:
            start, end = int(match.group(1)), int(match.group(2))
            if end < start:
                raise ValidationError(_("Invalid group range: %(group)s") % {"group": group})
            if end - start + 1 > MAX_SERIALS_PER_REQUEST:
                raise ValidationError(
                    _("Too many serial numbers in range %(group)s") % {"group": group}
                )
            width = len(match.group(1)) if match.group(1).startswith("0") else 0
            serials.extend(str(n).zfill(width) for n in range(start, end + 1))
        else:
            serials.append(group)
    if not serials:
        raise ValidationError(_("Empty serial number string"))
    duplicates = sorted({s for s in serials if serials.count(s) > 1})
    if duplicates:
        raise ValidationError(
            _("Duplicate serial numbers: %(serials)s") % {"serials": ", ".join(duplicates)}
        )
    if len(serials) > MAX_SERIALS_PER_REQUEST:
        raise ValidationError(_("Too many serial numbers"))
    if expected_quantity is not None and Decimal(len(serials)) != Decimal(expected_quantity):
        raise ValidationError(
            _("Number of unique serial numbers (%(count)s) must match quantity (%(quantity)s)")
            % {"count": len(serials), "quantity": Decimal(expected_quantity).normalize()}
        )
    return serials


def _check_path_length(path: str, *, model=StockLocation) -> None:
    limit = model._meta.get_field("pathstring").max_length
    if len(path) > limit:
        if model is PartCategory:
            message = _("The category path would be longer than %(limit)s characters.")
        else:
            message = _("The location path would be longer than %(limit)s characters.")
        raise ValidationError(message % {"limit": limit})


def _tree_save(node):
    """Save a tree node (location or category) and rewrite the path of every node below it."""
    model = type(node)
    node.full_clean(exclude=["pathstring"])
    node.pathstring = node.build_path()
    _check_path_length(node.pathstring, model=model)
    node.save()
    pending = list(node.children.all())
    while pending:
        child = pending.pop()
        child.parent = node if child.parent_id == node.pk else child.parent
        new_path = child.build_path()
        if new_path != child.pathstring:
            _check_path_length(new_path, model=model)
            child.pathstring = new_path
            child.save(update_fields=["pathstring"])
        pending.extend(child.children.all())
    return node


@transaction.atomic
def location_save(*, location: StockLocation) -> StockLocation:
    """Save a location and rewrite the path of every location below it.

    Raises ``ValidationError`` (nothing written) for a cycle, a sibling of the same name or a
    path, its own or a descendant's, longer than the path column holds.
    """
    return _tree_save(location)


@transaction.atomic
def category_save(*, category: PartCategory) -> PartCategory:
    """Save a part category and rewrite the path of every category below it.

    Raises ``ValidationError`` (nothing written) for a cycle, a sibling of the same name, a
    structural category that holds parts, or a path longer than the path column holds.
    """
    return _tree_save(category)


@transaction.atomic
def category_delete(*, category: PartCategory) -> None:
    """Delete a category and its attachments; its parts stay, without a category.

    Raises ``ProtectedError`` (nothing deleted) while it has child categories.
    """
    category_id = category.pk
    category.delete()
    attachments_delete_for(model_type="partcategory", model_ids=[category_id])


@transaction.atomic
def part_save(*, part: Part) -> Part:
    """Create or change a part after the model's rules (e.g. no structural category). A
    replaced or removed image file is deleted once the change has committed."""
    part.full_clean(exclude=["image"])
    previous = Part.objects.filter(pk=part.pk).first() if part.pk else None
    part.save()
    if previous is not None and previous.image and previous.image.name != part.image.name:
        stored_file_delete_on_commit(previous.image)
    return part


@transaction.atomic
def part_delete(*, part: Part) -> None:
    """Delete an inactive part with its stock items, and the attachments of both.

    Raises ``ValidationError`` for an active part (InvenTree's rule: make it inactive first),
    and ``ProtectedError`` (nothing deleted) while a return order line holds one of its items.
    """
    if Part.objects.filter(pk=part.pk, active=True).exists():
        raise ValidationError({"active": [_("Cannot delete this part as it is still active")]})
    item_ids = list(part.stock_items.values_list("pk", flat=True))
    part_id = part.pk
    image = part.image
    part.delete()
    stored_file_delete_on_commit(image)
    attachments_delete_for(model_type="part", model_ids=[part_id])
    attachments_delete_for(model_type="stockitem", model_ids=item_ids)


@transaction.atomic
def location_delete(*, location: StockLocation) -> None:
    """Delete a location and its attachments; its stock stays, without a location.

    Raises ``ProtectedError`` (nothing deleted) while it has child locations.
    """
    location_id = location.pk
    location.delete()
    attachments_delete_for(model_type="stocklocation", model_ids=[location_id])


@transaction.atomic
def stock_item_delete(*, item: StockItem) -> None:
    """Delete an item with its tracking history and attachments."""
    item_id = item.pk
    item.delete()
    attachments_delete_for(model_type="stockitem", model_ids=[item_id])


@transaction.atomic
def stock_items_delete(*, pks: Sequence[int], user=None) -> int:
    """Delete the items with these pks (those that exist) with their history and attachments,
    all or nothing; rows locked in pk order first. Returns how many were deleted.

    Raises ``ProtectedError`` (nothing deleted) while a return order line holds one of them.
    """
    locked = list(
        StockItem.objects.select_for_update()
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return 0
    StockItem.objects.filter(pk__in=locked).delete()
    attachments_delete_for(model_type="stockitem", model_ids=locked)
    return len(locked)


def stock_item_add_tracking(
    *,
    item: StockItem,
    code: StockHistoryCode,
    user=None,
    notes: str = "",
    deltas: dict | None = None,
) -> StockItemTracking:
    return StockItemTracking.objects.create(
        item=item,
        tracking_type=code,
        user=user if user is not None and user.is_authenticated else None,
        notes=notes or None,
        deltas=deltas or {},
    )


@transaction.atomic
def stock_item_create(
    *,
    part: Part,
    quantity: Decimal,
    user=None,
    location: StockLocation | None = None,
    serial_numbers: str | None = None,
    batch: str = "",
    status: int = StockStatus.OK,
    notes: str | None = None,
    link: str = "",
) -> list[StockItem]:
    """Create one item, or one item per serial number (each with quantity 1)."""
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationError({"quantity": _("Quantity must be greater than zero")})
    serials: list[str | None] = [None]
    if serial_numbers and serial_numbers.strip():
        try:
            serials = parse_serial_numbers(serial_numbers, expected_quantity=quantity)
        except ValidationError as exc:
            raise ValidationError({"serial_numbers": exc.messages}) from exc
        Part.objects.select_for_update().filter(pk=part.pk).first()
        taken = set(
            StockItem.objects.filter(part=part, serial__in=serials).values_list("serial", flat=True)
        )
        if taken:
            raise ValidationError(
                {
                    "serial_numbers": [
                        _("Serial numbers already exist: %(serials)s")
                        % {"serials": ", ".join(sorted(taken))}
                    ]
                }
            )
    elif part.trackable and quantity != int(quantity):
        raise ValidationError({"quantity": _("Quantity must be an integer for a trackable part")})

    items = []
    for serial in serials:
        item = StockItem(
            part=part,
            quantity=Decimal(1) if serial else quantity,
            serial=serial,
            batch=batch or "",
            location=location,
            status=status,
            notes=notes,
            link=link or "",
        )
        item.full_clean(exclude=["serial_int"])
        item.save()
        deltas = {"status": item.status, "quantity": float(item.quantity)}
        if location is not None:
            deltas["location"] = location.pk
        stock_item_add_tracking(item=item, code=StockHistoryCode.CREATED, user=user, deltas=deltas)
        items.append(item)
    return items


@transaction.atomic
def stock_item_update(*, item: StockItem, data: dict) -> StockItem:
    """Apply ``data`` to the locked item and save it if the model's rules still hold.

    Raises ``ValidationError`` (nothing written) for a structural location, a serialized
    quantity other than one or a fractional quantity of a trackable part.
    """
    locked = StockItem.objects.select_for_update().get(pk=item.pk)
    for field, value in data.items():
        setattr(locked, field, value)
    # The customer is not edited here; an old assignment must not block other edits.
    locked.full_clean(exclude=["serial_int", "customer"])
    locked.save()
    return locked


@transaction.atomic
def stock_items_assign(
    *, items: list[StockItem], customer: Company, user=None, notes: str = ""
) -> list[StockItem]:
    """Assign in-stock, salable items to a customer. All or nothing; rows locked by pk."""
    if not customer.is_customer:
        raise ValidationError({"customer": [_("Selected company is not a customer")]})
    if not items:
        raise ValidationError({"items": [_("A list of stock items must be provided")]})
    pks = sorted({item.pk for item in items})
    locked = {
        item.pk: item
        for item in StockItem.objects.select_for_update()
        .select_related("part")
        .filter(pk__in=pks)
        .order_by("pk")
    }
    errors = []
    for pk in pks:
        item = locked.get(pk)
        if item is None:
            errors.append(_("Stock item %(pk)s does not exist") % {"pk": pk})
        elif not item.part.salable:
            errors.append(
                _("Part %(part)s is not salable (item %(pk)s)") % {"part": item.part.name, "pk": pk}
            )
        elif item.customer_id is not None:
            errors.append(_("Item %(pk)s is already assigned to a customer") % {"pk": pk})
        elif not item.in_stock:
            errors.append(_("Item %(pk)s is not available in stock") % {"pk": pk})
    if errors:
        raise ValidationError({"items": errors})
    for pk in pks:
        item = locked[pk]
        item.customer = customer
        item.save(update_fields=["customer", "updated"])
        stock_item_add_tracking(
            item=item,
            code=StockHistoryCode.SENT_TO_CUSTOMER,
            user=user,
            notes=notes,
            deltas={"customer": customer.pk, "customer_name": customer.name},
        )
    return [locked[pk] for pk in pks]


def stock_item_split(
    *, item: StockItem, quantity: Decimal, user=None, notes: str = ""
) -> StockItem:
    """Split ``quantity`` off a locked, non-serialized item into a new child item.

    The caller holds the row lock on ``item`` and runs inside a transaction.
    """
    quantity = Decimal(quantity)
    if item.serialized:
        raise ValidationError({"quantity": [_("A serialized item cannot be split")]})
    if quantity <= 0 or quantity >= item.quantity:
        raise ValidationError(
            {"quantity": [_("Split quantity must be between zero and the item quantity")]}
        )
    child = StockItem.objects.get(pk=item.pk)
    child.pk = None
    child.id = None
    child.parent = item
    child.quantity = quantity
    child.save()
    item.quantity -= quantity
    item.save(update_fields=["quantity", "updated"])
    stock_item_add_tracking(
        item=child,
        code=StockHistoryCode.SPLIT_FROM_PARENT,
        user=user,
        notes=notes,
        deltas={"stockitem": item.pk, "quantity": float(quantity)},
    )
    stock_item_add_tracking(
        item=item,
        code=StockHistoryCode.SPLIT_CHILD_ITEM,
        user=user,
        notes=notes,
        deltas={
            "removed": float(quantity),
            "quantity": float(item.quantity),
            "stockitem": child.pk,
        },
    )
    return child


# Largest quantity the quantity column holds (15 digits, 5 of them decimals).
MAX_STOCK_QUANTITY = Decimal(10) ** 10


@dataclass(frozen=True)
class StockAdjustment:
    """One entry of a stock adjustment: the item's pk and the quantity it acts on."""

    pk: int
    quantity: Decimal


class StockAdjustmentError(ValidationError):
    """A refused adjustment; ``item_errors`` maps each entry's index to its field messages.

    As a plain ``ValidationError`` it carries the same messages under ``items`` (and
    ``location``), so callers that do not care about indexes can treat it like any other.
    """

    def __init__(self, item_errors: dict[int, dict[str, list[str]]], other: dict | None = None):
        self.item_errors = item_errors
        self.other_errors = other or {}
        flat = [
            f"{index}: {message}"
            for index, fields in sorted(item_errors.items())
            for messages in fields.values()
            for message in messages
        ]
        super().__init__({**({"items": flat} if flat else {}), **self.other_errors})


def _quantity_errors(*, kind: str, item: StockItem, quantity: Decimal) -> list[str]:
    """Why ``quantity`` cannot be applied to the locked ``item`` by ``kind`` (empty if it can)."""
    errors = []
    if kind == "count":
        if quantity < 0:
            errors.append(_("Quantity must not be negative"))
    elif quantity <= 0:
        errors.append(_("Quantity must be greater than zero"))
    if errors:
        return errors
    if item.part.trackable and quantity != int(quantity):
        errors.append(_("Quantity must be an integer for a trackable part"))
    if kind == "add":
        if item.serial:
            errors.append(_("Stock cannot be added to a serialized item"))
        elif item.quantity + quantity >= MAX_STOCK_QUANTITY:
            errors.append(_("The resulting quantity is too large"))
    elif kind == "count":
        if item.serial and quantity > 1:
            errors.append(_("Quantity must be 1 for item with a serial number"))
        elif quantity >= MAX_STOCK_QUANTITY:
            errors.append(_("The resulting quantity is too large"))
    elif quantity > item.quantity:
        errors.append(
            _("Quantity must not exceed available stock quantity (%(quantity)s)")
            % {"quantity": f"{item.quantity.normalize():f}"}
        )
    elif kind == "transfer" and item.serial and quantity != item.quantity:
        errors.append(_("A serialized item cannot be split"))
    return errors


def _stock_adjust(
    *,
    kind: str,
    items: Sequence[StockAdjustment],
    user,
    notes: str,
    location: StockLocation | None = None,
) -> list[StockItem]:
    """Lock the items by pk, check every entry, then apply all of them or none.

    Runs inside the caller's transaction. Raises ``StockAdjustmentError`` naming every refused
    entry by its index.
    """
    if not items:
        raise ValidationError({"items": [_("A list of stock items must be provided")]})
    other: dict[str, list[str]] = {}
    if kind == "transfer":
        location = StockLocation.objects.filter(pk=location.pk).first() if location else None
        if location is None:
            other["location"] = [_("A valid location must be provided")]
        elif location.structural:
            other["location"] = [
                _("Stock items cannot be located into structural stock locations!")
            ]
    pks = sorted({entry.pk for entry in items})
    locked = {
        item.pk: item
        for item in StockItem.objects.select_for_update(of=("self",))
        .select_related("part")
        .filter(pk__in=pks)
        .order_by("pk")
    }
    item_errors: dict[int, dict[str, list[str]]] = {}
    seen: set[int] = set()
    for index, entry in enumerate(items):
        item = locked.get(entry.pk)
        if item is None:
            item_errors[index] = {"pk": [_("Stock item %(pk)s does not exist") % {"pk": entry.pk}]}
        elif entry.pk in seen:
            item_errors[index] = {"pk": [_("Duplicate stock item %(pk)s") % {"pk": entry.pk}]}
        elif item.customer_id is not None:
            item_errors[index] = {
                "pk": [_("Item %(pk)s is assigned to a customer") % {"pk": entry.pk}]
            }
        else:
            messages = _quantity_errors(kind=kind, item=item, quantity=Decimal(entry.quantity))
            if messages:
                item_errors[index] = {"quantity": messages}
        seen.add(entry.pk)
    if item_errors or other:
        raise StockAdjustmentError(item_errors, other)

    changed: list[StockItem] = []
    tracking: list[StockItemTracking] = []
    tracking_user = user if user is not None and user.is_authenticated else None

    def track(item: StockItem, code: StockHistoryCode, deltas: dict) -> None:
        tracking.append(
            StockItemTracking(
                item=item,
                tracking_type=code,
                user=tracking_user,
                notes=notes or None,
                deltas=deltas,
            )
        )

    for entry in items:
        item = locked[entry.pk]
        quantity = Decimal(entry.quantity)
        if kind == "count":
            item.quantity = quantity
            track(item, StockHistoryCode.STOCK_COUNT, {"quantity": float(quantity)})
        elif kind == "add":
            item.quantity += quantity
            track(
                item,
                StockHistoryCode.STOCK_ADD,
                {"added": float(quantity), "quantity": float(item.quantity)},
            )
        elif kind == "remove":
            item.quantity -= quantity
            track(
                item,
                StockHistoryCode.STOCK_REMOVE,
                {"removed": float(quantity), "quantity": float(item.quantity)},
            )
        else:
            if quantity < item.quantity:
                # A partial transfer moves a new child item; the rest stays where it was.
                item = stock_item_split(item=item, quantity=quantity, user=user, notes=notes)
            item.location = location
            track(item, StockHistoryCode.STOCK_MOVE, {"location": location.pk})
        changed.append(item)
    fields = ["location", "updated"] if kind == "transfer" else ["quantity", "updated"]
    now = timezone.now()
    for item in changed:
        item.updated = now
    StockItem.objects.bulk_update(changed, fields)
    StockItemTracking.objects.bulk_create(tracking)
    return changed


@transaction.atomic
def stock_items_count(
    *, items: Sequence[StockAdjustment], user=None, notes: str = ""
) -> list[StockItem]:
    """Set each item's quantity to the counted one (stocktake); tracking code STOCK_COUNT.

    All or nothing; rows locked by pk. Refused: a negative quantity, more than one of a
    serialized item, a fraction of a trackable part, an item assigned to a customer.
    """
    return _stock_adjust(kind="count", items=items, user=user, notes=notes)


@transaction.atomic
def stock_items_add(
    *, items: Sequence[StockAdjustment], user=None, notes: str = ""
) -> list[StockItem]:
    """Add each quantity to its item; tracking code STOCK_ADD.

    All or nothing; rows locked by pk. Refused: a quantity not above zero, a serialized item,
    a fraction of a trackable part, an item assigned to a customer.
    """
    return _stock_adjust(kind="add", items=items, user=user, notes=notes)


@transaction.atomic
def stock_items_remove(
    *, items: Sequence[StockAdjustment], user=None, notes: str = ""
) -> list[StockItem]:
    """Take each quantity out of its item; tracking code STOCK_REMOVE.

    All or nothing; rows locked by pk. Refused: a quantity not above zero or above what the
    item holds, a fraction of a trackable part, an item assigned to a customer. An item taken
    down to zero is kept (with its history), not deleted.
    """
    return _stock_adjust(kind="remove", items=items, user=user, notes=notes)


@transaction.atomic
def stock_items_transfer(
    *,
    items: Sequence[StockAdjustment],
    location: StockLocation,
    user=None,
    notes: str = "",
) -> list[StockItem]:
    """Move each quantity into ``location``; tracking code STOCK_MOVE on the moved item.

    Moving part of a bulk item splits it first: the new child item moves, the rest stays.
    Answers the moved items. All or nothing; rows locked by pk. Refused: a structural
    location, a quantity not above zero or above what the item holds, part of a serialized
    item, an item assigned to a customer.
    """
    return _stock_adjust(kind="transfer", items=items, user=user, notes=notes, location=location)


# -- single-item effects, for other apps' workflows -----------------------------------------
#
# Each function below acts on an item the caller has locked (``stock_items_lock``) inside its
# own transaction, and writes the tracking entry. They know nothing of why they are called.


def stock_items_lock(pks) -> dict[int, StockItem]:
    """Lock the items by pk, in pk order (the project's lock order); answers them by pk."""
    return {
        item.pk: item
        for item in StockItem.objects.select_for_update(of=("self",))
        .select_related("part")
        .filter(pk__in=sorted(set(pks)))
        .order_by("pk")
    }


def stock_item_set_status(
    *, item: StockItem, status: int, user=None, notes: str = "", deltas: dict | None = None
) -> StockItem:
    """Give the locked item a stock status; tracking code STOCK_UPDATE."""
    if status not in StockStatus.values:
        raise ValidationError({"status": [_("Invalid stock status")]})
    item.status = status
    item.save(update_fields=["status", "updated"])
    stock_item_add_tracking(
        item=item,
        code=StockHistoryCode.STOCK_UPDATE,
        user=user,
        notes=notes,
        deltas={"status": int(status), **(deltas or {})},
    )
    return item


def stock_item_send_to_customer(
    *,
    item: StockItem,
    customer: Company,
    status: int | None = None,
    user=None,
    notes: str = "",
    deltas: dict | None = None,
) -> StockItem:
    """Assign the locked item to ``customer`` (optionally with a new status); SENT_TO_CUSTOMER.

    Unlike ``stock_items_assign`` the item need not be available stock: a unit that came back
    in quarantine goes back out as it is, or repaired with status OK.
    """
    if not customer.is_customer:
        raise ValidationError({"customer": [_("Selected company is not a customer")]})
    if item.belongs_to_id is not None:
        raise ValidationError(
            {"item": [_("Item %(pk)s is installed in another item") % {"pk": item.pk}]}
        )
    entry = {"customer": customer.pk, "customer_name": customer.name, **(deltas or {})}
    item.customer = customer
    fields = ["customer", "updated"]
    if status is not None:
        item.status = status
        entry["status"] = int(status)
        fields.append("status")
    item.save(update_fields=fields)
    stock_item_add_tracking(
        item=item, code=StockHistoryCode.SENT_TO_CUSTOMER, user=user, notes=notes, deltas=entry
    )
    return item


def stock_item_scrap(
    *, item: StockItem, status: int, user=None, notes: str = "", deltas: dict | None = None
) -> StockItem:
    """Scrap the locked item: status REJECTED or DESTROYED, so it no longer counts as stock."""
    if status not in SCRAP_CODES:
        raise ValidationError({"status": [_("A scrapped item must be Rejected or Destroyed")]})
    return stock_item_set_status(item=item, status=status, user=user, notes=notes, deltas=deltas)


def stock_item_consume(
    *, item: StockItem, quantity: Decimal, into: StockItem, user=None, notes: str = ""
) -> StockItem:
    """Install ``quantity`` of the locked, in-stock ``item`` into the locked ``into`` item.

    Part of a bulk item is split off first; the consumed item (the child, or the whole item)
    gets ``belongs_to = into`` and so leaves stock. Tracking: INSTALLED_INTO_ASSEMBLY on the
    consumed item, INSTALLED_CHILD_ITEM on ``into``. Answers the consumed item.
    """
    quantity = Decimal(quantity)
    if item.pk == into.pk:
        raise ValidationError({"item": [_("An item cannot be installed into itself")]})
    if not item.in_stock:
        raise ValidationError(
            {"item": [_("Stock item %(item)s is not available in stock") % {"item": item}]}
        )
    if quantity <= 0:
        raise ValidationError({"quantity": [_("Quantity must be greater than zero")]})
    if quantity > item.quantity:
        raise ValidationError(
            {
                "quantity": [
                    _("Quantity must not exceed available stock quantity (%(quantity)s)")
                    % {"quantity": f"{item.quantity.normalize():f}"}
                ]
            }
        )
    if item.part.trackable and quantity != int(quantity):
        raise ValidationError({"quantity": [_("Quantity must be an integer for a trackable part")]})
    consumed = item
    if quantity < item.quantity:
        consumed = stock_item_split(item=item, quantity=quantity, user=user, notes=notes)
    consumed.belongs_to = into
    consumed.save(update_fields=["belongs_to", "updated"])
    stock_item_add_tracking(
        item=consumed,
        code=StockHistoryCode.INSTALLED_INTO_ASSEMBLY,
        user=user,
        notes=notes,
        deltas={"stockitem": into.pk, "quantity": float(quantity)},
    )
    stock_item_add_tracking(
        item=into,
        code=StockHistoryCode.INSTALLED_CHILD_ITEM,
        user=user,
        notes=notes,
        deltas={"stockitem": consumed.pk, "quantity": float(quantity)},
    )
    return consumed


# -- snapshots, so a workflow can undo its stock effects exactly ----------------------------

SNAPSHOT_FIELDS = ("quantity", "status", "location_id", "customer_id", "belongs_to_id")


def stock_items_snapshot(pks) -> dict[str, dict]:
    """The stock-relevant fields of each item, keyed by pk as a string (JSON-safe)."""
    rows = StockItem.objects.filter(pk__in=list(pks)).values("pk", *SNAPSHOT_FIELDS)
    return {
        str(row["pk"]): {
            **{field: row[field] for field in SNAPSHOT_FIELDS if field != "quantity"},
            "quantity": f"{row['quantity']:f}",
        }
        for row in rows
    }


def stock_tracking_after(*, pks, floor: int) -> list[int]:
    """Tracking entries on ``pks`` newer than the entry ``floor`` (see ``stock_tracking_floor``)."""
    return list(
        StockItemTracking.objects.filter(item__in=list(pks), pk__gt=floor)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def stock_tracking_floor() -> int:
    """The newest tracking entry's pk: entries above it on locked items are the caller's."""
    latest = StockItemTracking.objects.order_by("-pk").values_list("pk", flat=True).first()
    return latest or 0


def stock_items_restore(
    *, before: dict[str, dict], after: dict[str, dict], created: list[int], tracking: list[int]
) -> None:
    """Undo recorded stock effects: all or nothing, inside the caller's transaction.

    Every item must still be as ``after`` recorded it (else ``ValidationError``: something else
    has changed it since). Items in ``before`` get their recorded fields back; items the
    effects created (``created``, split-off children) are deleted and their quantity is back
    in the parent through ``before``; the ``tracking`` entries that remain are marked
    reversed, not deleted.
    """
    pks = {int(pk) for pk in (*before, *after)} | set(created)
    stock_items_lock(pks)
    current = stock_items_snapshot(pks)
    changed = sorted(int(pk) for pk, row in after.items() if current.get(pk) != row)
    if changed:
        raise ValidationError(
            _(
                "Stock item(s) %(pks)s have changed since; undo their changes first or adjust "
                "the stock by hand."
            )
            % {"pks": ", ".join(str(pk) for pk in changed)}
        )
    doomed = [pk for pk in created if str(pk) in current]
    if (
        StockItem.objects.filter(parent__in=doomed).exists()
        or StockItem.objects.filter(belongs_to__in=doomed).exclude(pk__in=doomed).exists()
    ):
        raise ValidationError(_("Stock items created here have been split or used since."))
    StockItemTracking.objects.filter(pk__in=tracking).update(reversed=True)
    StockItem.objects.filter(pk__in=doomed).delete()
    now = timezone.now()
    for pk, row in before.items():
        StockItem.objects.filter(pk=int(pk)).update(
            **{**row, "quantity": Decimal(row["quantity"])}, updated=now
        )
