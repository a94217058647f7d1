"""What a report template printed for a return order receives (registered in ``apps.py``).

The keys follow InvenTree's ``ReturnOrder.report_context``; Boomerang adds a few (contact,
address, responsible, subtotals). README.md ("Reports") documents them all.
"""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from djmoney.money import Money

from reports.context import Record, Rows, user_record
from returns import selectors
from returns.models import (
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderRepairPart,
)
from returns.statuses import ResolutionKind
from stock.statuses import StockStatus

FILENAME_PATTERN = "ReturnOrder-{{ reference }}.pdf"


def report_queryset() -> QuerySet[ReturnOrder]:
    """Orders with their lines, each line's standing resolution (with its replacement, refund
    and repair), the repairs' parts and the extra lines: five queries for any number of them.
    """
    standing = ReturnOrderLineResolution.objects.filter(reversed_at__isnull=True).select_related(
        "created_by",
        "replacement_item__part",
        "refund",
        "repair__technician",
    )
    parts = ReturnOrderRepairPart.objects.select_related("part", "location").order_by("pk")
    return selectors.return_order_list().prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnOrderLineItem.objects.select_related(*selectors.LINE_RELATED).order_by(
                "pk"
            ),
        ),
        Prefetch("lines__resolutions", queryset=standing, to_attr="standing_resolutions"),
        Prefetch("lines__standing_resolutions__repair__parts", queryset=parts),
        Prefetch("extra_lines", queryset=ReturnOrderExtraLine.objects.order_by("pk")),
    )


def _subtotal(rows, currency: str) -> Money | None:
    """Sum of price * quantity; None when nothing is priced or a price is in another currency
    (the stored order total converts those; a subtotal would have to guess)."""
    priced = [row for row in rows if row["price"] is not None]
    if not priced or any(str(row["price"].currency) != currency for row in priced):
        return None
    return Money(
        sum((row["price"].amount * row["quantity"] for row in priced), Decimal(0)), currency
    )


# Each record copies what a report shows; nothing in a report context is a model instance
# (see reports.context): a template cannot follow a relation to rows it should not print.


def _owner(owner) -> Record | None:
    if owner is None:
        return None
    return Record(str(owner), name=owner.name, label=owner.label)


def _company(company) -> Record | None:
    if company is None:
        return None
    return Record(
        company.name,
        pk=company.pk,
        name=company.name,
        description=company.description,
        website=company.website,
        phone=company.phone,
        email=company.email or "",
        currency=company.currency_code,
    )


def _contact(contact) -> Record | None:
    if contact is None:
        return None
    return Record(
        contact.name,
        pk=contact.pk,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        role=contact.role,
    )


def _address(address) -> Record | None:
    if address is None:
        return None
    return Record(
        str(address),
        pk=address.pk,
        title=address.title,
        line1=address.line1,
        line2=address.line2,
        postal_code=address.postal_code,
        postal_city=address.postal_city,
        province=address.province,
        country=address.country,
        shipping_notes=address.shipping_notes,
    )


def _project_code(project_code) -> Record | None:
    if project_code is None:
        return None
    return Record(project_code.code, code=project_code.code, description=project_code.description)


def _item(item) -> Record:
    part = item.part
    return Record(
        str(item),
        pk=item.pk,
        serial=item.serial,
        batch=item.batch,
        quantity=item.quantity,
        part=Record(
            part.name,
            pk=part.pk,
            name=part.name,
            IPN=part.IPN,
            description=part.description,
            units=part.units,
        ),
    )


def _refund(refund) -> Record:
    return Record(
        str(refund.amount),
        amount=refund.amount,
        method=refund.method,
        reference=refund.reference,
        date=refund.date,
    )


def _repair_part(part: ReturnOrderRepairPart) -> Record:
    label = f"{part.quantity.normalize():f} x {part.part.name}"
    if part.serial:
        label = f"{part.part.name} # {part.serial}"
    return Record(
        label,
        part=Record(part.part.name, pk=part.part.pk, name=part.part.name, IPN=part.part.IPN),
        quantity=part.quantity,
        serial=part.serial,
        location=part.location.pathstring if part.location else "",
    )


def _repair(repair) -> Record:
    parts = Rows(_repair_part(part) for part in repair.parts.all())
    finished = repair.finished_at is not None
    summary = repair.work_done or repair.fault
    if parts:
        summary = "; ".join(filter(None, [summary, ", ".join(str(p) for p in parts)]))
    return Record(
        summary,
        fault=repair.fault,
        work_done=repair.work_done,
        technician=user_record(repair.technician),
        labour_minutes=repair.labour_minutes,
        cost=repair.cost,
        under_warranty=repair.under_warranty,
        started_at=repair.started_at,
        finished_at=repair.finished_at,
        finished=finished,
        parts=parts,
        summary=summary,
    )


def _status_text(status: int | None) -> str:
    return str(StockStatus(status).label) if status is not None else ""


def _resolution(line: ReturnOrderLineItem) -> Record | None:
    """The line's standing resolution as a report shows it (None when there is none)."""
    found = getattr(line, "standing_resolutions", None)
    if found is None:  # not prefetched: a context built outside the report queryset
        found = list(
            line.resolutions.filter(reversed_at__isnull=True).select_related(
                "created_by", "replacement_item__part", "refund", "repair__technician"
            )
        )
    if not found:
        return None
    resolution = found[0]
    kind = resolution.kind
    replacement = resolution.replacement_item
    refund = getattr(resolution, "refund", None) if kind == ResolutionKind.REFUND else None
    repair = getattr(resolution, "repair", None) if kind == ResolutionKind.REPAIR else None
    advance = kind == ResolutionKind.REPLACE and line.received_date is None
    kind_text = resolution.get_kind_display()
    if kind == ResolutionKind.REPLACE and replacement is not None:
        summary = f"{_item_label(line.item)} → {_item_label(replacement)}"
        if advance:
            summary += " (replacement sent, awaiting faulty unit)"
    elif refund is not None:
        summary = " ".join(filter(None, [str(refund.amount), refund.method, refund.reference]))
    elif repair is not None:
        summary = _repair(repair)["summary"]
        if repair.finished_at is None:
            summary = f"{summary} (in progress)" if summary else "In progress"
    elif kind == ResolutionKind.REJECT:
        summary = resolution.reason
        if resolution.disposition == "scrap":
            summary = f"{summary} (scrapped: {_status_text(resolution.unit_status)})"
    else:
        summary = ""
    return Record(
        kind_text,
        kind=kind,
        kind_text=kind_text,
        summary=summary,
        created_at=resolution.created_at,
        created_by=user_record(resolution.created_by),
        notes=resolution.notes,
        unit_status=resolution.unit_status,
        unit_status_text=_status_text(resolution.unit_status),
        reason=resolution.reason,
        disposition=resolution.disposition,
        disposition_text=resolution.get_disposition_display() if resolution.disposition else "",
        replacement=_item(replacement) if replacement is not None else None,
        replacement_serial=(replacement.serial or "") if replacement is not None else "",
        advance=advance,
        refund=_refund(refund) if refund is not None else None,
        repair=_repair(repair) if repair is not None else None,
    )


def _item_label(item) -> str:
    return item.serial if item.serial else str(item)


def _line(line: ReturnOrderLineItem, number: int = 0) -> Record:
    outcome = line.get_outcome_display()
    return Record(
        str(line.item),
        pk=line.pk,
        number=number,
        item=_item(line.item),
        quantity=line.quantity,
        reference=line.reference,
        notes=line.notes,
        link=line.link,
        target_date=line.target_date,
        received_date=line.received_date,
        outcome=line.outcome,
        get_outcome_display=outcome,
        outcome_text=outcome,
        price=line.price,
        resolution=_resolution(line),
        # Labels (and codes): the lists' rows stay out of the template's reach.
        reason=line.reason.label if line.reason else "",
        reason_code=line.reason.code if line.reason else "",
        condition=line.condition.label if line.condition else "",
        condition_code=line.condition.code if line.condition else "",
    )


def _extra_line(extra: ReturnOrderExtraLine) -> Record:
    return Record(
        extra.reference or extra.description,
        pk=extra.pk,
        reference=extra.reference,
        description=extra.description,
        quantity=extra.quantity,
        price=extra.price,
        notes=extra.notes,
        link=extra.link,
    )


def report_context(order: ReturnOrder) -> dict:
    lines = Rows(_line(line, number) for number, line in enumerate(order.lines.all(), start=1))
    extra_lines = Rows(_extra_line(extra) for extra in order.extra_lines.all())
    currency = order.currency
    customer = _company(order.customer)
    contact = _contact(order.contact)
    address = _address(order.address)
    responsible = _owner(order.responsible)
    project_code = _project_code(order.project_code)
    status = order.get_status_display()
    record = Record(
        str(order),
        pk=order.pk,
        reference=order.reference,
        description=order.description,
        customer_reference=order.customer_reference,
        status=order.status,
        get_status_display=status,
        status_text=status,
        creation_date=order.creation_date,
        issue_date=order.issue_date,
        start_date=order.start_date,
        target_date=order.target_date,
        complete_date=order.complete_date,
        overdue=order.is_overdue,
        link=order.link,
        notes=order.notes,
        currency=currency,
        order_currency=order.order_currency,
        total_price=order.total_price,
        total_price_note=order.total_price_note,
        total_refunded=order.total_refunded,
        total_refunded_note=order.total_refunded_note,
        customer=customer,
        contact=contact,
        address=address,
        responsible=responsible,
        project_code=project_code,
        created_by=user_record(order.created_by),
        lines=lines,
        extra_lines=extra_lines,
    )
    return {
        # InvenTree's keys.
        "order": record,
        "reference": order.reference,
        "description": order.description,
        "title": str(order),
        "customer": customer,
        # Loop over ``lines.all`` (InvenTree's templates do) or over ``lines``.
        "lines": lines,
        "extra_lines": extra_lines,
        # Boomerang's additions.
        "resolved_lines": Rows(line for line in lines if line["resolution"] is not None),
        "contact": contact,
        "address": address,
        "responsible": responsible,
        "project_code": project_code,
        "currency": currency,
        "lines_total": _subtotal(lines, currency),
        "extra_lines_total": _subtotal(extra_lines, currency),
        "total": order.total_price,
        "total_refunded": order.total_refunded,
    }
