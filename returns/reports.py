"""What a report template printed for a return order receives (registered in ``apps.py``).

The keys follow InvenTree's ``ReturnOrder.report_context``; Boomerang adds a few (contact,
address, responsible, subtotals). README.md ("Reports") documents them all.
"""

from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from djmoney.money import Money

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
    priced = [row for row in rows if row.price is not None]
    if not priced or any(str(row.price.currency) != currency for row in priced):
        return None
    return Money(sum((row.price.amount * row.quantity for row in priced), Decimal(0)), currency)


def report_context(order: ReturnOrder) -> dict:
    lines = list(order.lines.all())
    extra_lines = list(order.extra_lines.all())
    currency = order.currency
    return {
        # InvenTree's keys.
        "order": order,
        "reference": order.reference,
        "description": order.description,
        "title": str(order),
        "customer": order.customer,
        # Related managers, as in InvenTree: templates loop over ``lines.all``.
        "lines": order.lines,
        "extra_lines": order.extra_lines,
        # Boomerang's additions.
        "contact": order.contact,
        "address": order.address,
        "responsible": order.responsible,
        "currency": currency,
        "lines_total": _subtotal(lines, currency),
        "extra_lines_total": _subtotal(extra_lines, currency),
        "total": order.total_price,
    }
