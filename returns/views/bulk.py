"""Actions on the selected lines of the order page: receive, set an outcome, remove.

Each action runs on every selected line or on none (one service call, one transaction); the
refusals are listed, each naming its line.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from returns import forms, services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderLineStatus
from returns.views.base import _errors, return_order_page


def _order_and_form(request, pk):
    order = get_object_or_404(ReturnOrder.objects.select_related("customer"), pk=pk)
    form = forms.LineOutcomeForm(
        request.POST, line_pks=list(order.lines.values_list("pk", flat=True))
    )
    return order, form


def _back(order, fragment="line-items"):
    return redirect(f"{order.get_absolute_url()}#{fragment}")


def _form_messages(request, form, *fields) -> None:
    for field in fields:
        for message in form.errors.get(field, []):
            messages.error(request, message)


@return_order_page("returns.change_returnorderlineitem")
@require_POST
def lines_set_outcome(request, pk):
    """Set one outcome on the selected lines (the table's bulk bar, or one line's select)."""
    order, form = _order_and_form(request, pk)
    if not form.is_valid():
        _form_messages(request, form, "lines", "outcome")
        return _back(order)
    data = form.cleaned_data
    try:
        lines = services.return_order_lines_set_outcome(
            order=order, line_pks=data["lines"], outcome=data["outcome"], user=request.user
        )
    except ValidationError as exc:
        messages.error(request, _("No outcome was changed."))
        for message in _errors(exc):
            messages.error(request, message.removeprefix("Lines: "))
    else:
        messages.success(
            request,
            ngettext(
                "Outcome set to %(outcome)s for %(count)s line.",
                "Outcome set to %(outcome)s for %(count)s lines.",
                len(lines),
            )
            % {"outcome": ReturnOrderLineStatus(data["outcome"]).label, "count": len(lines)},
        )
    if len(data["lines"]) == 1:
        return _back(order, f"line-{data['lines'][0]}")
    return _back(order)


@return_order_page("returns.delete_returnorderlineitem")
@require_POST
def lines_remove(request, pk):
    """Remove the selected lines, after a confirmation page that lists them."""
    order, form = _order_and_form(request, pk)
    form.fields["outcome"].required = False
    if not form.is_valid():
        _form_messages(request, form, "lines")
        return _back(order)
    line_pks = form.cleaned_data["lines"]
    if request.POST.get("confirm") != "1":
        lines = order.lines.filter(pk__in=line_pks).select_related("item__part").order_by("pk")
        return render(
            request, "returns/confirm_remove_lines.html", {"order": order, "lines": lines}
        )
    try:
        count = services.return_order_lines_delete(
            order=order, line_pks=line_pks, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, _("No line was removed."))
        for message in _errors(exc):
            messages.error(request, message.removeprefix("Lines: "))
    else:
        messages.success(
            request,
            ngettext("Removed %(count)s line.", "Removed %(count)s lines.", count)
            % {"count": count},
        )
    return _back(order)


@return_order_page("returns.add_returnorder")
@require_POST
def lines_receive(request, pk):
    """Open the receive page with the selected lines ticked."""
    if not request.user.has_perm("stock.change_stockitem"):
        raise PermissionDenied
    order, form = _order_and_form(request, pk)
    form.fields["outcome"].required = False
    if not form.is_valid():
        _form_messages(request, form, "lines")
        return _back(order)
    query = urlencode([("line", pk) for pk in form.cleaned_data["lines"]])
    return redirect(f"{reverse('returns:receive', args=[order.pk])}?{query}")
