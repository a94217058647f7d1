"""Columns of the return order and line exports, shared by the API list endpoints and the
index page. Headers are InvenTree's serializer labels.

Every value is read from what the list selectors already load (plus ``order__customer`` for
lines), so an export runs one query per chunk of rows, never one per row.
"""

from django.db.models import QuerySet
from django.utils.translation import get_language

from common.export import Column, Table, plain_number
from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus

_labels: dict[tuple, str] = {}


def _label(choices, value) -> str:
    """A status label, translated once per language rather than once per row (the model's
    ``get_FOO_display`` costs more than the rest of a row put together)."""
    key = (get_language(), choices, value)
    label = _labels.get(key)
    if label is None:
        try:
            label = _labels[key] = str(choices(value).label)
        except ValueError:
            return str(value)
    return label


def _name(obj, attribute: str = "name") -> str:
    return getattr(obj, attribute) if obj is not None else ""


def _amount(money):
    return plain_number(money.amount) if money is not None else None


def _currency(money) -> str:
    return str(money.currency) if money is not None else ""


ORDER_COLUMNS = (
    Column("Reference", lambda o: o.reference),
    Column("Customer", lambda o: _name(o.customer)),
    Column("Customer Reference", lambda o: o.customer_reference),
    Column("Description", lambda o: o.description),
    Column("Status", lambda o: _label(ReturnOrderStatus, o.status)),
    Column("Line Items", lambda o: o.line_items),
    Column("Completed Lines", lambda o: o.completed_lines),
    Column("Received Lines", lambda o: o.received_lines),
    Column("Overdue", lambda o: bool(o.overdue)),
    Column("Creation Date", lambda o: o.creation_date),
    Column("Issue Date", lambda o: o.issue_date),
    Column("Start Date", lambda o: o.start_date),
    Column("Target Date", lambda o: o.target_date),
    Column("Completion Date", lambda o: o.complete_date),
    Column("Responsible", lambda o: _name(o.responsible)),
    Column("Contact", lambda o: _name(o.contact)),
    Column("Address", lambda o: str(o.address) if o.address is not None else ""),
    Column("Project Code", lambda o: _name(o.project_code, "code")),
    Column("Total Price", lambda o: _amount(o.total_price)),
    Column("Currency", lambda o: o.currency),
    Column("Link", lambda o: o.link),
    Column("Created By", lambda o: o.created_by.get_username() if o.created_by else ""),
    Column("ID", lambda o: o.pk),
)

LINE_COLUMNS = (
    Column("Order", lambda line: line.order.reference),
    Column("Reference", lambda line: line.reference),
    Column("Target Date", lambda line: line.target_date),
    Column("Part", lambda line: line.item.part.name),
    Column("IPN", lambda line: line.item.part.IPN),
    Column("Serial Number", lambda line: line.item.serial or ""),
    Column("Quantity", lambda line: plain_number(line.quantity)),
    Column("Outcome", lambda line: _label(ReturnOrderLineStatus, line.outcome)),
    Column("Received Date", lambda line: line.received_date),
    Column("Price", lambda line: _amount(line.price)),
    Column("Price Currency", lambda line: _currency(line.price)),
    Column("Customer", lambda line: _name(line.order.customer)),
    Column("Stock Item", lambda line: line.item_id),
    Column("Notes", lambda line: line.notes),
    Column("Link", lambda line: line.link),
    Column("Order ID", lambda line: line.order_id),
    Column("ID", lambda line: line.pk),
)


def _lines_prepare(queryset: QuerySet[ReturnOrderLineItem]) -> QuerySet[ReturnOrderLineItem]:
    return queryset.select_related("order__customer", "item__part")


ORDER_TABLE = Table(name="ReturnOrders", columns=ORDER_COLUMNS)
LINE_TABLE = Table(name="ReturnOrderLines", columns=LINE_COLUMNS, prepare=_lines_prepare)


def lines_of_orders(
    orders: QuerySet[ReturnOrder], order_fields: list[str]
) -> QuerySet[ReturnOrderLineItem]:
    """The lines of ``orders``, ordered as the orders are (by ``order_fields``), then by line.

    Fields that only exist as annotations on the order list (``line_items``) are skipped.
    """
    concrete = {f.name for f in ReturnOrder._meta.concrete_fields} | {
        "customer__name",
        "responsible__name",
    }
    ordering = [
        f"-order__{name.lstrip('-')}" if name.startswith("-") else f"order__{name}"
        for name in order_fields
        if name.lstrip("-") in concrete
    ]
    return ReturnOrderLineItem.objects.filter(order__in=orders.values("pk")).order_by(
        *ordering, "order_id", "pk"
    )
