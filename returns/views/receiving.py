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

# The location a clerk last received into: the next receive form starts there.
LAST_LOCATION_KEY = "returns_receive_location"


def _last_location(request) -> int | None:
    value = request.session.get(LAST_LOCATION_KEY)
    return value if isinstance(value, int) else None


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET", "POST"])
def return_order_receive(request, pk):
    if not request.user.has_perm("stock.change_stockitem"):
        raise PermissionDenied
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    lines = selectors.return_order_line_list().filter(order=order, received_date__isnull=True)
    form = forms.ReceiveForm(
        request.POST or None,
        lines=lines.order_by("pk"),
        selected=request.GET.getlist("line"),
        location=_last_location(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.return_order_receive(
                order=order,
                lines=[(int(pk), form.line_status(pk)) for pk in data["lines"]],
                location=data["location"],
                user=request.user,
                note=data.get("note", ""),
                conditions={
                    int(pk): form.line_condition(pk)
                    for pk in data["lines"]
                    if form.line_condition(pk) is not None
                },
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            request.session[LAST_LOCATION_KEY] = data["location"].pk
            messages.success(
                request,
                _("Received %(count)s item(s) into %(location)s.")
                % {"count": len(moved), "location": data["location"].pathstring},
            )
            return redirect(order.get_absolute_url())
    return render(request, "returns/receive.html", {"order": order, "form": form})
