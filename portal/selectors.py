"""Reads of the customer portal: only what one contact's company may see.

Every query here is scoped to the contact's company (and, for orders, to orders visible to the
customer); an order, item or document of another company is simply not found, so the views
answer 404 without saying whether it exists.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from common.models import Attachment
from companies.models import Address, Contact
from portal.models import PortalAccess, PortalCompanyPreference, PortalDomain
from reports.models import ReportTemplate
from reports.selectors import report_templates_for
from returns.models import (
    ReturnOrder,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderMessage,
)
from returns.selectors import return_order_messages, with_line_counts
from returns.statuses import OPEN_STATUSES
from stock.models import StockItem

DEFAULT_DOCUMENT = "Boomerang Return Order"


def portal_orders(contact: Contact) -> QuerySet[ReturnOrder]:
    """The return orders ``contact`` may see, newest first, with their line counts."""
    return with_line_counts(
        ReturnOrder.objects.filter(customer_id=contact.company_id, visible_to_customer=True),
        overdue=False,
    ).order_by("-creation_date", "-reference_int", "-pk")


def portal_order(contact: Contact, pk: int) -> ReturnOrder | None:
    """One order ``contact`` may see, with its contact and address, or None."""
    return portal_orders(contact).select_related("contact", "address").filter(pk=pk).first()


def portal_order_lines(order: ReturnOrder) -> list[ReturnOrderLineItem]:
    """The order's lines with their part and their standing resolution (two queries)."""
    standing = ReturnOrderLineResolution.objects.filter(reversed_at__isnull=True).select_related(
        "replacement_item", "repair", "refund"
    )
    lines = (
        ReturnOrderLineItem.objects.filter(order=order)
        .select_related("item", "item__part", "reason")
        .prefetch_related(Prefetch("resolutions", queryset=standing, to_attr="standing"))
        .order_by("pk")
    )
    result = list(lines)
    for line in result:
        line.standing_resolution = line.standing[0] if line.standing else None
    return result


def portal_items(contact: Contact, *, search: str = "") -> QuerySet[StockItem]:
    """The stock items ``contact``'s company holds, by part and serial; ``search`` matches a
    serial (or part name) in part."""
    items = StockItem.objects.filter(customer_id=contact.company_id).select_related("part")
    search = search.strip()
    if search:
        items = items.filter(Q(serial__icontains=search) | Q(part__name__icontains=search))
    return items.order_by("part__name", "serial_int", "serial", "pk")


def portal_document_template() -> ReportTemplate | None:
    """The report printed as the customer's RMA document: the default one while it is
    enabled, else the first enabled return-order template."""
    templates = list(report_templates_for("returnorder"))
    return next((t for t in templates if t.name == DEFAULT_DOCUMENT), None) or next(
        iter(templates), None
    )


def portal_access_of(company_pk: int) -> dict[int, PortalAccess]:
    """Staff: each contact's portal access (revoked ones too), by contact pk."""
    return {
        access.contact_id: access
        for access in PortalAccess.objects.filter(contact__company_id=company_pk)
    }


def portal_customer_emails(company_pk: int) -> bool:
    """Whether the company's contacts get customer e-mails (on unless it opted out)."""
    return not PortalCompanyPreference.objects.filter(
        company_id=company_pk, customer_emails=False
    ).exists()


def portal_domains_of(company_pk: int) -> list[str]:
    return list(PortalDomain.objects.filter(company_id=company_pk).values_list("domain", flat=True))


def portal_returnable_items(contact: Contact, *, search: str = "") -> QuerySet[StockItem]:
    """Serialized items the company holds that wait on no open return: what it may request
    to return (the returns service checks again under its locks)."""
    waiting = ReturnOrderLineItem.objects.filter(
        item=OuterRef("pk"), received_date__isnull=True, order__status__in=OPEN_STATUSES
    )
    return (
        portal_items(contact, search=search)
        .filter(serial__isnull=False, quantity=1)
        .exclude(Exists(waiting))
    )


def portal_returnable_by_serial(contact: Contact, serial: str) -> StockItem | None:
    return portal_returnable_items(contact).filter(serial__iexact=serial.strip()).first()


def portal_addresses(contact: Contact) -> QuerySet[Address]:
    return Address.objects.filter(company_id=contact.company_id)


def portal_messages(order: ReturnOrder) -> list[ReturnOrderMessage]:
    return list(return_order_messages(order.pk))


def portal_file(order: ReturnOrder, attachment_pk: int) -> Attachment | None:
    """A file of the order's thread with the customer; staff's other files are not shared."""
    return (
        Attachment.objects.filter(
            pk=attachment_pk,
            model_type="returnorder",
            model_id=order.pk,
            pk__in=ReturnOrderMessage.attachments.through.objects.filter(
                returnordermessage__order=order
            ).values("attachment_id"),
        )
        .exclude(attachment="")
        .first()
    )
