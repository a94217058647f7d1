"""Receipts on the pages: receive one line split into good, damaged and missing units, and
undo a receipt (a confirmation page, then a POST)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from returns import selectors, services
from returns.models import ReturnOrderReceipt
from returns.receipt_forms import ReceiptSplitForm
from returns.services import ReceiptRequest, receivable_limit
from returns.statuses import OPEN_STATUSES
from returns.views.base import _add_service_errors, _errors, return_order_page
from returns.views.receiving import LAST_LOCATION_KEY, _last_location


def _may_receive(request) -> None:
    # As receiving: the order's add permission (the decorator) and the stock role's change.
    if not request.user.has_perm("stock.change_stockitem"):
        raise PermissionDenied


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET", "POST"])
def line_receive_split(request, pk, line_pk):
    """Receive part or all of one line: good, damaged and missing quantities."""
    _may_receive(request)
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    line = get_object_or_404(selectors.return_order_line_list(), pk=line_pk, order=order)
    outstanding = receivable_limit(line)
    form = ReceiptSplitForm(
        request.POST or None,
        outstanding=outstanding,
        location=_last_location(request),
        condition=line.condition_id,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.return_order_receive_split(
                order=order,
                receipts=[
                    ReceiptRequest(
                        line=line.pk,
                        dispositions=form.dispositions(),
                        notes=form.cleaned_data.get("notes", ""),
                        condition=form.cleaned_data.get("condition"),
                    )
                ],
                user=request.user,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            where = form.cleaned_data.get("good_location") or form.cleaned_data.get(
                "damaged_location"
            )
            if where is not None:
                request.session[LAST_LOCATION_KEY] = where.pk
            messages.success(request, _("Receipt recorded for %(item)s.") % {"item": line.item})
            return redirect(f"{order.get_absolute_url()}#receipts")
    return render(
        request,
        "returns/receive_split.html",
        {"order": order, "line": line, "form": form, "outstanding": outstanding},
    )


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET", "POST"])
def receipt_undo(request, pk, receipt_pk):
    """Confirm, then undo a receipt: the stock goes back exactly as it was."""
    _may_receive(request)
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    receipt = get_object_or_404(
        ReturnOrderReceipt.objects.select_related("line__item__part").prefetch_related(
            "dispositions__location"
        ),
        pk=receipt_pk,
        order=order,
    )
    if request.method == "POST":
        try:
            services.return_order_receipt_undo(
                receipt=receipt, user=request.user, note=request.POST.get("note", "")[:500]
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Receipt of %(item)s undone; stock is back as it was.")
                % {"item": receipt.line.item},
            )
        return redirect(f"{order.get_absolute_url()}#receipts")
    return render(
        request,
        "returns/confirm_receipt_undo.html",
        {
            "order": order,
            "receipt": receipt,
            "undoable": receipt.undone_at is None and order.status in OPEN_STATUSES,
        },
    )
