"""What a report template printed for a return order receives (registered in ``apps.py``).

The keys follow InvenTree's ``ReturnOrder.report_context``; Boomerang adds a few (contact,
address, responsible, subtotals). README.md ("Reports") documents them all.
"""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from djmoney.money import Money

from reports.context import Record, Rows, user_record
from returns import selectors
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem

FILENAME_PATTERN = "ReturnOrder-{{ reference }}.pdf"


def report_queryset() -> QuerySet[ReturnOrder]:
    """Orders with their lines and extra lines loaded: three queries for any number of them."""
    return selectors.return_order_list().prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnOrderLineItem.objects.select_related(*selectors.LINE_RELATED).order_by(
                "pk"
            ),
        ),
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


def _line(line: ReturnOrderLineItem) -> Record:
    outcome = line.get_outcome_display()
    return Record(
        str(line.item),
        pk=line.pk,
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
    lines = Rows(_line(line) for line in order.lines.all())
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
        "contact": contact,
        "address": address,
        "responsible": responsible,
        "project_code": project_code,
        "currency": currency,
        "lines_total": _subtotal(lines, currency),
        "extra_lines_total": _subtotal(extra_lines, currency),
        "total": order.total_price,
    }
