"""Resolving lines on the pages: a page per outcome, the repair page, undo, and what the order
page shows of each line's resolution.

Every page here needs ``returns.change_returnorder`` and ``stock.change_stockitem`` (the
services change stock), like the API's resolve endpoints. The forms check shapes; the
services check the rules under their locks, and their errors come back beside the fields.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from djmoney.money import Money

from returns import resolution_forms, selectors, services
from returns.models import ReturnOrderHistory, ReturnOrderLineItem
from returns.statuses import (
    BEFORE_RECEIPT_KINDS,
    CLOSED_STATUSES,
    RejectDisposition,
    ResolutionKind,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    WarrantyStatus,
)
from returns.views.base import _add_service_errors, _errors, return_order_page
from stock.statuses import StockStatus

RESOLVE_PERMISSIONS = ("returns.change_returnorder", "stock.change_stockitem")
# The parts picker lists this many stock rows; a search narrows them.
PART_ROWS = 50


def can_resolve(user) -> bool:
    return all(user.has_perm(permission) for permission in RESOLVE_PERMISSIONS)


def resolve_page(view):
    """A return-order page (log-in, enabled) that also needs to change stock."""

    @return_order_page(RESOLVE_PERMISSIONS[0])
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(RESOLVE_PERMISSIONS[1]):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# -- what the order page shows -------------------------------------------------------------


def _standing(line: ReturnOrderLineItem):
    return getattr(line, "standing_resolution", None)


def annotate_lines(order, lines, *, may_resolve: bool) -> None:
    """Give each line of the order page its resolution and the actions it allows.

    Reads only what ``selectors.return_order_lines_resolved`` loaded: ``resolution``,
    ``repair``, ``refund``, ``unresolved``, ``resolve_kinds`` (kind, label), ``can_undo`` and
    ``can_finish_repair``.
    """
    in_progress = order.status == ReturnOrderStatus.IN_PROGRESS
    for line in lines:
        resolution = _standing(line)
        line.resolution = resolution
        line.repair = getattr(resolution, "repair", None) if resolution else None
        line.refund = getattr(resolution, "refund", None) if resolution else None
        line.repair_parts = selectors.repair_parts(line) if line.repair is not None else []
        for part in line.repair_parts:
            part.quantity_display = f"{part.quantity.normalize():f}"
        line.unresolved = line.outcome == ReturnOrderLineStatus.PENDING or (
            line.repair is not None and not line.repair.finished
        )
        line.resolve_kinds = []
        line.can_undo = line.can_finish_repair = False
        if not may_resolve:
            continue
        if resolution is None and in_progress:
            line.resolve_kinds = [
                (kind.value, kind.label)
                for kind in ResolutionKind
                if line.received_date is not None or kind in BEFORE_RECEIPT_KINDS
            ]
        if resolution is not None and order.status not in CLOSED_STATUSES:
            line.can_undo = True
        if line.repair is not None and not line.repair.finished and in_progress:
            line.can_finish_repair = True


def completion_gaps(lines) -> dict:
    """What completing the order would have to accept: unreceived and unresolved lines."""
    return {
        "unreceived": sum(1 for line in lines if line.received_date is None),
        "unresolved": sum(1 for line in lines if line.unresolved),
    }


def _kind_label(kind) -> str:
    try:
        return str(ResolutionKind(kind).label)
    except ValueError:
        return str(kind)


def _history_summary(entry: ReturnOrderHistory) -> str:
    data = entry.data or {}
    if entry.kind == ReturnOrderHistory.Kind.OUTCOME:
        return _("Line outcome changed: %(from)s → %(to)s") % {
            "from": data.get("from_label", "?"),
            "to": data.get("to_label", "?"),
        }
    if entry.kind == ReturnOrderHistory.Kind.RESOLVED:
        unit = _("SN %(serial)s") % {"serial": data["serial"]} if data.get("serial") else _("line")
        text = _("Resolved %(unit)s: %(kind)s") % {
            "unit": unit,
            "kind": _kind_label(data.get("kind")),
        }
        if data.get("kind") == ResolutionKind.REPLACE:
            replacement = data.get("replacement_serial") or data.get("replacement_item", "")
            text += " → " + _("replacement %(r)s") % {"r": replacement}
            if data.get("advance"):
                text += " " + _("(sent ahead of the return)")
        elif data.get("kind") == ResolutionKind.REFUND and data.get("amount"):
            try:
                text += f" {Money(data['amount'], data.get('currency') or 'USD')}"
            except (ValueError, ArithmeticError, TypeError):
                text += f" {data['amount']} {data.get('currency', '')}"
            if data.get("reference"):
                text += f" ({data['reference']})"
        elif data.get("kind") == ResolutionKind.REJECT and data.get("disposition"):
            text += " · " + str(RejectDisposition(data["disposition"]).label).lower()
        elif data.get("kind") == ResolutionKind.REPAIR:
            if data.get("parts"):
                text += " · " + _("%(n)s part(s)") % {"n": data["parts"]}
            text += " · " + (_("finished") if data.get("finished") else _("open"))
        return text
    if entry.kind == ReturnOrderHistory.Kind.REPAIR:
        text = _("Repair updated")
        if data.get("parts_added"):
            text += " · " + _("%(n)s part(s) added") % {"n": data["parts_added"]}
        if data.get("finished"):
            text += " · " + _("finished")
        return text
    if entry.kind == ReturnOrderHistory.Kind.AUTHORIZED:
        if data.get("partial"):
            return _("Partially authorized (%(n)s line(s) for less) → Pending") % {
                "n": len(data.get("lines") or {})
            }
        return _("Authorized → Pending")
    if entry.kind == ReturnOrderHistory.Kind.DECLINED:
        return _("Declined")
    if entry.kind == ReturnOrderHistory.Kind.UNDONE:
        return _("Undid the %(kind)s of a line") % {"kind": _kind_label(data.get("kind")).lower()}
    return ""


def annotate_history(history) -> None:
    for entry in history:
        entry.summary = _history_summary(entry)


# -- the pages -----------------------------------------------------------------------------


def _line(pk: int, line_pk: int) -> ReturnOrderLineItem:
    return get_object_or_404(selectors.return_order_lines_resolved(pk), pk=line_pk)


def _back(line: ReturnOrderLineItem):
    return redirect(f"{line.order.get_absolute_url()}#line-{line.pk}")


def _refusal(line: ReturnOrderLineItem, kind: str) -> str | None:
    """Why the page should not offer ``kind`` for this line now (the service decides on POST)."""
    order = line.order
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        return _(
            "Lines can only be resolved on orders that are in progress "
            "(return order %(reference)s is %(status)s)"
        ) % {"reference": order.reference, "status": ReturnOrderStatus(order.status).label}
    resolution = _standing(line)
    if resolution is not None:
        return _("This line is already resolved (%(kind)s); undo that first") % {
            "kind": resolution.get_kind_display()
        }
    if kind not in BEFORE_RECEIPT_KINDS and line.received_date is None:
        return _("%(kind)s needs the returned unit: receive this line first") % {
            "kind": ResolutionKind(kind).label
        }
    return None


def _part_rows(request, form, unit, search: str):
    data = form.data if form.is_bound else {}
    items = list(selectors.repair_part_stock(unit=unit, search=search)[: PART_ROWS + 1])
    rows = [
        {"item": item, "value": data.get(f"{resolution_forms.PART_PREFIX}{item.pk}", "")}
        for item in items[:PART_ROWS]
    ]
    return rows, len(items) > PART_ROWS


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict") and "parts" in exc.error_dict and hasattr(form, "part_errors"):
        form.add_part_errors(exc.message_dict["parts"])
        rest = {k: v for k, v in exc.error_dict.items() if k != "parts"}
        if not rest:
            return
        exc = ValidationError(rest)
    _add_service_errors(form, exc)


def _resolve(kind: str, line: ReturnOrderLineItem, data: dict, user):
    notes = data.get("notes") or ""
    if kind == ResolutionKind.RETURN:
        return services.line_resolve_return(line=line, user=user, notes=notes)
    if kind == ResolutionKind.REPLACE:
        return services.line_resolve_replace(
            line=line,
            user=user,
            replacement_item=data["replacement_item"].pk,
            unit_status=data.get("unit_status"),
            notes=notes,
        )
    if kind == ResolutionKind.REFUND:
        return services.line_resolve_refund(
            line=line,
            user=user,
            amount=data["amount"],
            currency=data.get("amount_currency") or None,
            method=data.get("method") or "",
            reference=data.get("reference") or "",
            date=data.get("date"),
            unit_status=data.get("unit_status"),
            notes=notes,
        )
    if kind == ResolutionKind.REJECT:
        return services.line_resolve_reject(
            line=line,
            user=user,
            reason=data["reason"],
            disposition=data["disposition"],
            scrap_status=data.get("scrap_status") or StockStatus.REJECTED,
            notes=notes,
        )
    return services.line_resolve_repair(
        line=line,
        user=user,
        parts=data["parts"],
        cost_amount=data.get("cost_amount"),
        cost_currency=data.get("cost_currency") or None,
        finish=bool(data.get("finish")),
        notes=notes,
        **resolution_forms.RepairResolveForm.repair_fields_of(data),
    )


def _success(kind: str, line: ReturnOrderLineItem, data: dict) -> str:
    item = line.item
    if kind == ResolutionKind.RETURN:
        return _("%(item)s goes back to the customer as it is.") % {"item": item}
    if kind == ResolutionKind.REPLACE:
        replacement = data["replacement_item"]
        return _("%(item)s: replacement %(replacement)s sent to the customer.") % {
            "item": item,
            "replacement": f"SN {replacement.serial}" if replacement.serial else replacement,
        }
    if kind == ResolutionKind.REFUND:
        return _("%(item)s: refund recorded.") % {"item": item}
    if kind == ResolutionKind.REJECT:
        return _("%(item)s: return rejected.") % {"item": item}
    if data.get("finish"):
        return _("%(item)s: repair recorded and finished; the unit goes back to the customer.") % {
            "item": item
        }
    return _("%(item)s: repair recorded. Finish it from the order page when the work is done.") % {
        "item": item
    }


@resolve_page
@require_http_methods(["GET", "POST"])
def line_resolve(request, pk, line_pk, kind):
    """The form of one outcome for one line; a POST resolves the line and goes back."""
    if kind not in ResolutionKind.values:
        raise Http404
    line = _line(pk, line_pk)
    refusal = _refusal(line, kind)
    if request.method == "GET" and refusal:
        messages.error(request, refusal)
        return _back(line)
    form_class = resolution_forms.RESOLVE_FORMS[kind]
    options = {}
    if kind == ResolutionKind.REPLACE:
        options["candidates"] = selectors.replacement_candidates(line)
    elif kind == ResolutionKind.REFUND:
        options["methods"] = services.refund_methods()
    initial = None
    if kind == ResolutionKind.REPAIR:
        initial = {
            "technician": request.user.pk,
            "under_warranty": line.warranty == WarrantyStatus.IN_WARRANTY,
        }
    form = form_class(request.POST or None, initial=initial, **options)
    if request.method == "POST" and form.is_valid():
        try:
            _resolve(kind, line, form.cleaned_data, request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _success(kind, line, form.cleaned_data))
            return _back(line)
    search = request.GET.get("q", "")[:100]
    context = {
        "order": line.order,
        "line": line,
        "kind": kind,
        "kind_label": ResolutionKind(kind).label,
        "form": form,
        "search": search,
    }
    if kind == ResolutionKind.REPAIR:
        context["part_rows"], context["more_parts"] = _part_rows(request, form, line.item, search)
    if kind == ResolutionKind.REPLACE:
        context["has_candidates"] = options["candidates"].exists()
    return render(request, "returns/resolve.html", context)


@resolve_page
@require_http_methods(["GET", "POST"])
def repair_edit(request, pk, line_pk):
    """Edit an open repair, add parts to it, or finish it (the unit goes back, OK)."""
    line = _line(pk, line_pk)
    annotate_lines(line.order, [line], may_resolve=False)
    repair = line.repair
    if request.method == "GET":
        refusal = None
        if repair is None:
            refusal = _("This line has no repair in progress.")
        elif repair.finished:
            refusal = _("This repair is finished.")
        elif line.order.status != ReturnOrderStatus.IN_PROGRESS:
            refusal = _("Repairs can only be changed on orders that are in progress.")
        if refusal:
            messages.error(request, refusal)
            return _back(line)
    if request.method == "POST":
        form = resolution_forms.RepairFieldsForm(request.POST)
        if repair is None:
            form.is_valid()
            form.add_error(None, _("This line has no repair in progress."))
        elif form.is_valid():
            data = form.cleaned_data
            fields = resolution_forms.RepairFieldsForm.repair_fields_of(data)
            fields["cost_amount"] = data.get("cost_amount")
            fields["cost_currency"] = data.get("cost_currency") or None
            try:
                services.repair_update(
                    repair=repair,
                    user=request.user,
                    data=fields,
                    parts=data["parts"],
                    finish=bool(data.get("finish")),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(item)s: repair finished; the unit goes back to the customer.")
                    % {"item": line.item}
                    if data.get("finish")
                    else _("%(item)s: repair saved.") % {"item": line.item},
                )
                return _back(line)
    else:
        form = resolution_forms.RepairFieldsForm(
            initial={
                "fault": repair.fault,
                "work_done": repair.work_done,
                "technician": repair.technician_id,
                "labour_minutes": repair.labour_minutes,
                "cost_amount": repair.cost.amount if repair.cost is not None else None,
                "cost_currency": str(repair.cost.currency) if repair.cost is not None else "",
                "under_warranty": repair.under_warranty,
                "finish": True,
            }
        )
    search = request.GET.get("q", "")[:100]
    part_rows, more_parts = _part_rows(request, form, line.item, search)
    return render(
        request,
        "returns/repair_edit.html",
        {
            "order": line.order,
            "line": line,
            "repair": repair,
            "form": form,
            "search": search,
            "part_rows": part_rows,
            "more_parts": more_parts,
        },
    )


@resolve_page
@require_POST
def line_resolution_undo(request, pk, line_pk):
    """Undo the line's resolution: stock back exactly as it was; the record stays, undone."""
    line = _line(pk, line_pk)
    resolution = _standing(line)
    try:
        services.line_resolution_undo(
            line=line, user=request.user, note=request.POST.get("note", "")[:500]
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(item)s: %(kind)s undone; stock is back as it was.")
            % {"item": line.item, "kind": resolution.get_kind_display()},
        )
    return _back(line)
