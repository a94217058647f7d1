"""Columns of the return order and line exports, shared by the API list endpoints and the
index page. Headers are InvenTree's serializer labels.

Every value is read from what the list selectors already load (plus ``order__customer``,
reason and condition for lines), so a line export runs one query per chunk of rows, never one
per row; an order export adds one per chunk for its lines' reasons and conditions.
"""

from django.db.models import Prefetch, QuerySet
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


def _line_labels(order, attribute: str) -> str:
    """The distinct reasons (or conditions) of the order's lines, in line order: "Faulty; Wrong
    item". Read from ``export_lines`` (``_orders_prepare``)."""
    labels: list[str] = []
    for line in getattr(order, "export_lines", ()):
        entry = getattr(line, attribute)
        if entry is not None and entry.label not in labels:
            labels.append(entry.label)
    return "; ".join(labels)


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
    Column("Return Reasons", lambda o: _line_labels(o, "reason")),
    Column("Conditions", lambda o: _line_labels(o, "condition")),
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
    Column("Reason", lambda line: _name(line.reason, "label")),
    Column("Reason Code", lambda line: _name(line.reason, "code")),
    Column("Condition", lambda line: _name(line.condition, "label")),
    Column("Link", lambda line: line.link),
    Column("Order ID", lambda line: line.order_id),
    Column("ID", lambda line: line.pk),
)


def _lines_prepare(queryset: QuerySet[ReturnOrderLineItem]) -> QuerySet[ReturnOrderLineItem]:
    return queryset.select_related("order__customer", "item__part", "reason", "condition")


def _orders_prepare(queryset: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    lines = (
        ReturnOrderLineItem.objects.filter(reason__isnull=False)
        | ReturnOrderLineItem.objects.filter(condition__isnull=False)
    ).select_related("reason", "condition")
    return queryset.prefetch_related(
        Prefetch("lines", queryset=lines.order_by("pk"), to_attr="export_lines")
    )


ORDER_TABLE = Table(name="ReturnOrders", columns=ORDER_COLUMNS, prepare=_orders_prepare)
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


# -- exports too large for a request: a job whose result is the file ----------------------

EXPORT_JOB_KIND = "returns.export"
TABLES = {ORDER_TABLE.name: ORDER_TABLE, LINE_TABLE.name: LINE_TABLE}
VIEW_PERMISSIONS = {
    ORDER_TABLE.name: ("returns.view_returnorder",),
    LINE_TABLE.name: ("returns.view_returnorder", "returns.view_returnorderlineitem"),
}


def export_job_permissions(job) -> tuple[str, ...] | None:
    """What downloading an export job's file needs: view on the rows it exported."""
    return VIEW_PERMISSIONS.get(job.params.get("table"))


def export_runs_as_job(queryset: QuerySet) -> bool:
    """Whether an export of ``queryset`` has more rows than EXPORT_JOB_THRESHOLD."""
    from django.conf import settings

    from common.export import export_is_large

    return export_is_large(queryset, settings.EXPORT_JOB_THRESHOLD)


def export_start(*, table: Table, queryset: QuerySet, export_format: str, user):
    """Run the export of ``queryset`` (its rows now, in its order) as a job."""
    from django.db import transaction

    from jobs.services import job_start

    keys = list(queryset.values_list("pk", flat=True))
    with transaction.atomic():
        return job_start(
            kind=EXPORT_JOB_KIND,
            user=user,
            params={"table": table.name, "format": export_format, "keys": keys},
        )


def export_job(job, progress):
    """Write the export the job's parameters name; its file is the job's result."""
    import tempfile

    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from common.export import export_filename, export_write, rows_in_key_order
    from jobs.registry import JobResult
    from returns import selectors

    table = TABLES[job.params["table"]]
    if job.user is None or not job.user.has_perms(VIEW_PERMISSIONS[table.name]):
        raise PermissionDenied(_("You may no longer view these rows."))
    base = selectors.return_order_list() if table is ORDER_TABLE else ReturnOrderLineItem.objects
    keys = job.params["keys"]
    total = max(len(keys), 1)

    def written(count: int) -> None:
        progress(count * 99 // total, _("Exported %(count)d of %(total)d rows") % locals())

    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed once stored)
    export_write(
        table=table,
        rows=rows_in_key_order(table, base.all(), keys),
        export_format=job.params["format"],
        handle=handle,
        on_rows=written,
    )
    handle.seek(0)
    progress(100, _("Exported %d rows") % len(keys))
    return JobResult(filename=export_filename(table, job.params["format"]), content=handle)
