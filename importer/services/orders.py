"""Return orders with their lines and extra lines, a page at a time.

A page is validated whole in Python first (mapping, the model's field rules, references that
clash, stock items that are missing), so that a bad order or line is skipped before anything
is written; then the page's orders, lines, extra lines, history rows and mapping rows are
written with bulk statements in one transaction. The number of queries for a page therefore
does not grow with the number of orders on it. Should the database still refuse the bulk
write, the page is written again order by order, each order with its lines in its own
savepoint, and the order the database refuses is skipped with its reason.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import reference as references
from common.models import Attachment
from common.services import attachment_file_name
from importer import mapping
from importer.mapping import Skip
from importer.mapping.base import pk_of
from importer.mapping.companies import ADDRESS, COMPANY, CONTACT
from importer.mapping.orders import ATTACHMENT, EXTRA_LINE, LINE, ORDER, PROJECT_CODE
from importer.mapping.stock import STOCK_ITEM
from importer.services.client import SourceError
from importer.services.engine import assign_values, relation_names, validation_reason
from returns.models import (
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)
from returns.services import base as order_base
from returns.services.orders import reference_pattern
from stock.models import StockItem

# Written on update besides the mapped fields.
ORDER_DERIVED_FIELDS = [
    "reference_int",
    "total_price",
    "total_price_currency",
    "total_price_note",
    "updated_at",
]


@dataclass
class Pending:
    """One order of the page, mapped and checked, waiting to be written."""

    source_pk: int
    order: ReturnOrder
    fields: list[str]
    created: bool
    changed: bool
    lines: list[tuple[int, ReturnOrderLineItem, bool, bool]] = field(default_factory=list)
    extra_lines: list[tuple[int, ReturnOrderExtraLine, bool, bool]] = field(default_factory=list)
    skips: list[tuple[str, int, str]] = field(default_factory=list)


def _fields(model, exclude=()) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in exclude
    ]


def _order_children(engine, row: dict) -> tuple[list[dict], list[dict]]:
    params = {"order": row["pk"]}
    lines = engine.read_all("order/ro-line/", params)
    extra = engine.read_all("order/ro-extra-line/", params)
    return lines, extra


def _with_details(engine, row: dict) -> dict:
    """What the list row lacks, from the order's own endpoints: InvenTree's list rows have no
    metadata (its metadata endpoint does), and some servers leave the notes to the detail."""
    if "notes" not in row:
        detail = engine.source.detail(f"order/ro/{row['pk']}/") or {}
        row = {**row, "notes": detail.get("notes")}
    if "metadata" not in row:
        answer = engine.source.detail(f"order/ro/{row['pk']}/metadata/")
        row = {**row, "metadata": (answer or {}).get("metadata")}
    return row


def _ensure_stock_items(engine, lines: list[dict]) -> tuple[dict[int, str], dict[int, tuple]]:
    """Import the stock items lines name that are not imported yet (an unserialized item a
    line refers to). Answers why each item that could not be imported was not (by source
    pk), and the quantity and serial of each local item (by Boomerang pk)."""
    wanted = {pk_of(line.get("item")) for line in lines} - {None}
    known = engine.load_targets(STOCK_ITEM, wanted)
    local = {known[pk]: pk for pk in wanted if pk in known}
    items = (
        {
            pk: (quantity, serial)
            for pk, quantity, serial in StockItem.objects.filter(pk__in=local).values_list(
                "pk", "quantity", "serial"
            )
        }
        if local
        else {}
    )
    # Serialized items came with the stock step; the others only ever come this way, so
    # they are read again, to be updated like every other row.
    unserialized = {local[pk] for pk, (_quantity, serial) in items.items() if not serial}
    missing: dict[int, str] = {}
    for pk in sorted((wanted - set(known)) | unserialized):
        row = engine.source.detail(f"stock/{pk}/")
        if row is None:
            missing[pk] = f"item: stock item {pk} is not on the source"
            continue
        engine.prepare_stock([row])
        before = len(engine.page_skips)
        item = engine.write_row(
            STOCK_ITEM,
            row,
            lambda r: mapping.map_stock_item(r, engine.refs),
            None,
            StockItem.objects.in_bulk([known[pk]]) if pk in known else {},
            relation_names(StockItem),
        )
        if item is None:
            # Reported once, on the line: the item's own skip (if it is a serialized item,
            # already reported by the stock step) is not repeated.
            reason = ""
            if len(engine.page_skips) > before:
                reason = engine.page_skips.pop().reason
                engine.count(STOCK_ITEM, "skipped", -1)
            missing[pk] = f"item: stock item {pk} was skipped ({reason})"
        else:
            items[item.pk] = (item.quantity, item.serial)
    return missing, items


def write_order_page(engine, rows: list[dict]) -> None:
    rows = [_with_details(engine, row) for row in rows]
    children = {int(row["pk"]): _order_children(engine, row) for row in rows}
    all_lines = [line for lines, _extra in children.values() for line in lines]
    all_extra = [extra for _lines, extras in children.values() for extra in extras]

    missing_items, item_facts = _ensure_stock_items(engine, all_lines)
    companies = engine.load_targets(COMPANY, [pk_of(row.get("customer")) for row in rows])
    engine.load_customers(companies.get(pk_of(row.get("customer"))) for row in rows)
    contacts = engine.load_targets(CONTACT, [pk_of(row.get("contact")) for row in rows])
    addresses = engine.load_targets(ADDRESS, [pk_of(row.get("address")) for row in rows])
    engine.load_companies_of(CONTACT, (contacts.get(pk_of(row.get("contact"))) for row in rows))
    engine.load_companies_of(ADDRESS, (addresses.get(pk_of(row.get("address"))) for row in rows))
    engine.load_targets(PROJECT_CODE, [pk_of(row.get("project_code")) for row in rows])
    order_targets = engine.load_targets(ORDER, [row["pk"] for row in rows])
    line_targets = engine.load_targets(LINE, [line["pk"] for line in all_lines])
    extra_targets = engine.load_targets(EXTRA_LINE, [extra["pk"] for extra in all_extra])

    orders = ReturnOrder.objects.in_bulk(order_targets.get(int(r["pk"])) for r in rows)
    orders.pop(None, None)
    lines_by_pk = ReturnOrderLineItem.objects.in_bulk(
        line_targets.get(int(line["pk"])) for line in all_lines
    )
    extras_by_pk = ReturnOrderExtraLine.objects.in_bulk(
        extra_targets.get(int(extra["pk"])) for extra in all_extra
    )
    customer_currency = engine.company_currency

    pattern = reference_pattern()
    pending: list[Pending] = []
    for row in rows:
        source_pk = int(row["pk"])
        try:
            values = mapping.map_order(row, engine.refs, currencies=engine.currencies)
        except Skip as exc:
            engine.skip(ORDER, source_pk, exc.reason)
            lines, extras = children[source_pk]
            for line in lines:
                engine.skip(LINE, line["pk"], f"order {source_pk} was skipped")
            for extra in extras:
                engine.skip(EXTRA_LINE, extra["pk"], f"order {source_pk} was skipped")
            continue
        order = orders.get(order_targets.get(source_pk))
        created = order is None
        if created:
            order = ReturnOrder()
        changed = assign_values(order, values)
        order.reference_int = references.reference_int(pattern, order.reference)
        item = Pending(source_pk, order, [*values, *ORDER_DERIVED_FIELDS], created, changed)
        pending.append(item)

        lines, extras = children[source_pk]
        seen_items: set[int] = set()
        for line in lines:
            line_pk = int(line["pk"])
            item_pk = pk_of(line.get("item"))
            if item_pk in missing_items:
                item.skips.append((LINE, line_pk, missing_items[item_pk]))
                continue
            try:
                line_values = mapping.map_line(
                    line,
                    engine.refs,
                    currencies=engine.currencies,
                    default_currency=engine.default_currency,
                )
            except Skip as exc:
                item.skips.append((LINE, line_pk, exc.reason))
                continue
            if line_values["item_id"] in seen_items:
                item.skips.append((LINE, line_pk, "item: the stock item is already on the order"))
                continue
            seen_items.add(line_values["item_id"])
            obj = lines_by_pk.get(line_targets.get(line_pk))
            line_created = obj is None
            obj = obj or ReturnOrderLineItem()
            item.lines.append((line_pk, obj, line_created, assign_values(obj, line_values)))
        for extra in extras:
            extra_pk = int(extra["pk"])
            try:
                extra_values = mapping.map_extra_line(
                    extra,
                    engine.refs,
                    currencies=engine.currencies,
                    default_currency=engine.default_currency,
                )
            except Skip as exc:
                item.skips.append((EXTRA_LINE, extra_pk, exc.reason))
                continue
            obj = extras_by_pk.get(extra_targets.get(extra_pk))
            extra_created = obj is None
            obj = obj or ReturnOrderExtraLine()
            extra_changed = assign_values(obj, extra_values)
            item.extra_lines.append((extra_pk, obj, extra_created, extra_changed))

    _check_references(engine, pending)
    pending = [item for item in pending if _validate(engine, item, item_facts)]
    for item in pending:
        _set_total(item, customer_currency)
    try:
        with transaction.atomic():
            _write(engine, pending)
    except IntegrityError:
        # Someone else's row clashed: write order by order and skip only the one refused.
        for item in pending:
            _forget_pks(item)
        for item in pending:
            try:
                with transaction.atomic():
                    _write(engine, [item])
            except IntegrityError as exc:
                _skip_order(engine, item, f"the database refused the order: {exc}".splitlines()[0])
    for item in pending:
        for label, pk, reason in item.skips:
            engine.skip(label, pk, reason)
    if engine.options.attachments:
        for item in pending:
            if item.order.pk is not None:
                _write_attachments(engine, item)


def _forget_pks(item: Pending) -> None:
    """New rows get their pks back from a bulk insert that was then rolled back."""
    if item.created:
        item.order.pk = None
    for collection in (item.lines, item.extra_lines):
        for _pk, obj, is_new, _changed in collection:
            if is_new:
                obj.pk = None


def _skip_order(engine, item: Pending, reason: str) -> None:
    engine.skip(ORDER, item.source_pk, reason)
    for line_pk, *_rest in item.lines:
        engine.skip(LINE, line_pk, f"order {item.source_pk} was skipped")
    for extra_pk, *_rest in item.extra_lines:
        engine.skip(EXTRA_LINE, extra_pk, f"order {item.source_pk} was skipped")
    item.lines, item.extra_lines, item.skips = [], [], []
    item.changed = False
    item.created = False


def _check_references(engine, pending: list[Pending]) -> None:
    """A reference that a local order not from this source already has skips the order;
    two orders of the page with the same reference skip the second."""
    references_seen: dict[str, int] = {}
    for item in list(pending):
        ref = item.order.reference
        if ref in references_seen:
            _drop(engine, pending, item, "reference: another order of the source has it")
            continue
        references_seen[ref] = item.order.pk or 0
    clashes = dict(
        ReturnOrder.objects.filter(reference__in=list(references_seen)).values_list(
            "reference", "pk"
        )
    )
    for item in list(pending):
        holder = clashes.get(item.order.reference)
        if holder is not None and holder != item.order.pk:
            _drop(
                engine,
                pending,
                item,
                "reference: " + _("Return Order with this Reference already exists."),
            )


def _drop(engine, pending: list[Pending], item: Pending, reason: str) -> None:
    if item in pending:
        pending.remove(item)
        _skip_order(engine, item, reason)


def _validate(engine, item: Pending, item_facts: dict[int, tuple]) -> bool:
    """The model's field rules on the order and its lines, and the order rules of
    ``returns.services`` (contact and address of the customer), without a query per row: the
    foreign keys were mapped from imported rows and uniqueness was checked for the page.
    A line's quantity must fit its stock item (one for a serialized item), as the line
    services require. Not applied, because imported history breaks them legitimately: the
    "responsible owner required" setting (an owner that matches nobody here leaves an order
    without one), the item being the customer's (a received item is back in stock) and the
    item being on no other open order."""
    order = item.order
    try:
        order.full_clean(
            exclude=relation_names(ReturnOrder), validate_unique=False, validate_constraints=False
        )
        errors = {}
        for label, attname, field in (
            (CONTACT, "contact_id", "contact"),
            (ADDRESS, "address_id", "address"),
        ):
            target = getattr(order, attname)
            if target is not None and engine.company_of[label].get(target) != order.customer_id:
                errors[field] = [
                    _("Contact does not match selected company")
                    if field == "contact"
                    else _("Address does not match selected company")
                ]
        if errors:
            raise ValidationError(errors)
    except ValidationError as exc:
        _skip_order(engine, item, validation_reason(exc))
        return False
    for collection, label, model in (
        ("lines", LINE, ReturnOrderLineItem),
        ("extra_lines", EXTRA_LINE, ReturnOrderExtraLine),
    ):
        kept = []
        for entry in getattr(item, collection):
            pk, obj = entry[0], entry[1]
            try:
                obj.full_clean(
                    exclude=relation_names(model),
                    validate_unique=False,
                    validate_constraints=False,
                )
                if label == LINE:
                    _check_line_quantity(obj, item_facts.get(obj.item_id))
            except ValidationError as exc:
                item.skips.append((label, pk, validation_reason(exc)))
                continue
            kept.append(entry)
        setattr(item, collection, kept)
    return True


def _check_line_quantity(line: ReturnOrderLineItem, facts: tuple | None) -> None:
    if line.quantity <= 0:
        raise ValidationError({"quantity": _("Return quantity must be greater than zero")})
    if facts is None:
        return
    quantity, serial = facts
    if serial and line.quantity != 1:
        raise ValidationError({"quantity": _("Invalid quantity for serialized stock item")})
    if line.quantity > quantity:
        raise ValidationError({"quantity": _("Return quantity exceeds stock quantity")})


def _set_total(item: Pending, customer_currency: dict[int, str]) -> None:
    order = item.order
    currency = order.order_currency or customer_currency.get(order.customer_id)
    if not currency:
        return
    priced = [
        (obj.price.amount, str(obj.price.currency), obj.quantity)
        for _pk, obj, *_rest in (*item.lines, *item.extra_lines)
        if obj.price is not None
    ]
    total, note = order_base._sum_converted(
        priced,
        currency,
        column=ReturnOrder._meta.get_field("total_price"),
        too_large=_("The total price is too large to be stored"),
    )
    before = (
        order.total_price.amount if order.total_price is not None else None,
        order.total_price_note,
    )
    order.total_price_currency = currency
    order.total_price = total if total is not None else None
    order.total_price_note = note
    if before != (total, note):
        item.changed = True


def _write(engine, pending: list[Pending]) -> None:
    """Bulk-write the page's orders and children, their history and mapping rows."""
    source = engine.run.source
    new_orders = [item for item in pending if item.created]
    changed = [item for item in pending if not item.created and item.changed]
    ReturnOrder.objects.bulk_create([item.order for item in new_orders])
    if changed:
        now = timezone.now()
        for item in changed:
            item.order.updated_at = now
        fields = sorted({name for item in changed for name in item.fields})
        ReturnOrder.objects.bulk_update([item.order for item in changed], fields)
    ReturnOrderHistory.objects.bulk_create(
        ReturnOrderHistory(
            order=item.order,
            kind=ReturnOrderHistory.Kind.CREATED,
            to_status=item.order.status,
            note=f"Imported from {source.url}",
            data={"imported_from": source.url, "source_pk": item.source_pk},
        )
        for item in new_orders
    )
    for collection, model in (
        ("lines", ReturnOrderLineItem),
        ("extra_lines", ReturnOrderExtraLine),
    ):
        created, changed = [], []
        for item in pending:
            for _pk, obj, is_new, is_changed in getattr(item, collection):
                obj.order_id = item.order.pk
                if is_new:
                    created.append(obj)
                elif is_changed:
                    changed.append(obj)
        model.objects.bulk_create(created)
        if changed:
            model.objects.bulk_update(changed, _fields(model, {"order_id"}))
    # Counted and remembered only once the writes went through.
    for item in pending:
        if item.created:
            engine.remember(ORDER, item.source_pk, item.order.pk)
            engine.count(ORDER, "created")
        else:
            engine.count(ORDER, "updated" if item.changed else "unchanged")
        for label, collection in ((LINE, "lines"), (EXTRA_LINE, "extra_lines")):
            for pk, obj, is_new, is_changed in getattr(item, collection):
                if is_new:
                    engine.remember(label, pk, obj.pk)
                    engine.count(label, "created")
                else:
                    engine.count(label, "updated" if is_changed else "unchanged")


def _write_attachments(engine, item: Pending) -> None:
    """The order's attachments: links as they are, files read from the source.

    Written as rows, not through ``attachment_create``: its guard refuses attachments on a
    completed order, and imported history has those. A dry run reads no file. A file already
    imported is not read again; its comment follows the source.
    """
    rows = engine.read_all("attachment/", {"model_type": "returnorder", "model_id": item.source_pk})
    targets = engine.load_targets(ATTACHMENT, [row["pk"] for row in rows])
    existing = Attachment.objects.in_bulk(
        [targets[int(row["pk"])] for row in rows if int(row["pk"]) in targets]
    )
    for row in rows:
        source_pk = int(row["pk"])
        try:
            values = mapping.map_attachment(row)
        except Skip as exc:
            engine.skip(ATTACHMENT, source_pk, exc.reason)
            continue
        attachment = existing.get(targets.get(source_pk))
        if attachment is not None:
            changed = assign_values(attachment, {"comment": values["comment"]})
            if values["link"]:
                changed = assign_values(attachment, {"link": values["link"]}) or changed
            if changed:
                attachment.save(update_fields=["comment", "link"])
            engine.count(ATTACHMENT, "updated" if changed else "unchanged")
            continue
        attachment = Attachment(
            model_type="returnorder",
            model_id=item.order.pk,
            link=values["link"],
            comment=values["comment"],
        )
        if values["file_url"]:
            if engine.run.dry_run:
                engine.count(ATTACHMENT, "created")
                continue
            try:
                content = engine.source.download(values["file_url"])
            except SourceError as exc:
                engine.skip(ATTACHMENT, source_pk, f"attachment: {exc}")
                continue
            attachment.file_size = len(content)
            attachment.attachment.save(
                attachment_file_name(name=values["filename"]), ContentFile(content), save=False
            )
        attachment.save()
        engine.remember(ATTACHMENT, source_pk, attachment.pk)
        engine.count(ATTACHMENT, "created")
