"""Receiving returned items into stock."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from returns import forms, selectors, services
from returns.views.base import (
    _add_service_errors,
    return_order_page,
)


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET", "POST"])
def return_order_receive(request, pk):
    if not request.user.has_perm("stock.change_stockitem"):
        raise PermissionDenied
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    lines = selectors.return_order_line_list().filter(order=order, received_date__isnull=True)
    form = forms.ReceiveForm(request.POST or None, lines=lines.order_by("pk"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.return_order_receive(
                order=order,
                lines=[(int(pk), data["status"]) for pk in data["lines"]],
                location=data["location"],
                user=request.user,
                note=data.get("note", ""),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Received %(count)s item(s) into %(location)s.")
                % {"count": len(moved), "location": data["location"].pathstring},
            )
            return redirect(order.get_absolute_url())
    return render(request, "returns/receive.html", {"order": order, "form": form})
