"""Reads of the customer portal: only what one contact's company may see.

Every query here is scoped to the contact's company (and, for orders, to orders visible to the
customer); an order, item or document of another company is simply not found, so the views
answer 404 without saying whether it exists.
"""

from django.db.models import Prefetch, Q, QuerySet

from companies.models import Contact
from portal.models import PortalAccess, PortalDomain
from reports.models import ReportTemplate
from reports.selectors import report_templates_for
from returns.models import ReturnOrder, ReturnOrderLineItem, ReturnOrderLineResolution
from returns.selectors import with_line_counts
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


def portal_domains_of(company_pk: int) -> list[str]:
    return list(PortalDomain.objects.filter(company_id=company_pk).values_list("domain", flat=True))
