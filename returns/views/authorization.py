"""The authorization pages: authorize a requested order (approved quantity per line) or
decline it (with a reason). Both need ``returns.authorize_returnorder``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from returns import forms, selectors, services
from returns.statuses import ReturnOrderStatus
from returns.views.base import _add_service_errors, return_order_page


def _not_requested(request, order):
    messages.error(
        request,
        _("Return order %(reference)s is %(status)s: only a requested order can be decided.")
        % {"reference": order.reference, "status": ReturnOrderStatus(order.status).label},
    )
    return redirect(order.get_absolute_url())


def _lines(order):
    return list(selectors.return_order_line_list().filter(order_id=order.pk).order_by("pk"))


@return_order_page(services.AUTHORIZE_PERMISSION)
@require_http_methods(["GET", "POST"])
def return_order_authorize(request, pk):
    """Accept a requested return: each line for its full quantity or less. Three queries on
    GET whatever the number of lines (the order, its lines, the session's messages)."""
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    if order.status != ReturnOrderStatus.REQUESTED:
        return _not_requested(request, order)
    lines = _lines(order)
    form = forms.AuthorizeForm(request.POST or None, lines=lines)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.return_order_authorize(
                    order=order,
                    user=request.user,
                    lines=form.authorized_lines(),
                    note=form.cleaned_data["note"].strip(),
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    (
                        _("Return order %(reference)s is partially authorized and now Pending.")
                        if order.partially_authorized
                        else _("Return order %(reference)s is authorized and now Pending.")
                    )
                    % {"reference": order.reference},
                )
                return redirect(order.get_absolute_url())
        status = 400
    return render(
        request,
        "returns/authorize.html",
        {"order": order, "form": form, "line_rows": form.line_rows()},
        status=status,
    )


@return_order_page(services.AUTHORIZE_PERMISSION)
@require_http_methods(["GET", "POST"])
def return_order_decline(request, pk):
    """Decline a requested return, with a reason (kept on the order and in its history)."""
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    if order.status != ReturnOrderStatus.REQUESTED:
        return _not_requested(request, order)
    form = forms.DeclineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.return_order_decline(
                    order=order, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Return order %(reference)s is declined.") % {"reference": order.reference},
                )
                return redirect(order.get_absolute_url())
        status = 400
    return render(
        request, "returns/confirm_decline.html", {"order": order, "form": form}, status=status
    )
