"""Adding, editing and deleting line items and extra lines."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_TERMS, search_truncated
from returns import forms, selectors, services
from returns.filters import search_stock_items
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.views.base import (
    _add_service_errors,
    _errors,
    _money,
    return_order_page,
)
from stock.selectors import stock_assigned_to

# -- lines ---------------------------------------------------------------------------------


@return_order_page("returns.add_returnorderlineitem")
@require_http_methods(["GET", "POST"])
def line_add(request, pk):
    order = get_object_or_404(ReturnOrder.objects.select_related("customer"), pk=pk)
    # The picker has no form to show an error beside: it searches the first words, and says so.
    search, truncated = search_truncated(request.GET.get("q", ""))
    if truncated:
        messages.warning(
            request,
            _("Only the first %(terms)d words (%(length)d characters) of a search are used.")
            % {"terms": SEARCH_MAX_TERMS, "length": SEARCH_MAX_LENGTH},
        )
    items = (
        stock_assigned_to(order.customer_id)
        .exclude(return_order_lines__order=order)
        .order_by("part__name", "serial_int", "serial", "pk")
    )
    if search:
        items = search_stock_items(items, search)
    form = forms.LineAddForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.return_order_line_create(
                order=order,
                item=data["item"],
                quantity=data["quantity"],
                user=request.user,
                price=_money(data.get("price"), data.get("price_currency"), order),
                reference=data.get("reference", ""),
                notes=data.get("notes", ""),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Added %s to the order.") % data["item"])
            return redirect(order.get_absolute_url())
    return render(
        request,
        "returns/line_add.html",
        {"order": order, "form": form, "search": search, "has_items": items.exists()},
    )


@return_order_page("returns.change_returnorderlineitem")
@require_http_methods(["GET", "POST"])
def line_edit(request, pk, line_pk):
    line = get_object_or_404(selectors.return_order_line_list(), pk=line_pk, order_id=pk)
    order = line.order
    received = line.received_date is not None
    if request.method == "POST":
        form = forms.LineEditForm(
            request.POST, received=received, initial={"quantity": line.quantity}
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["price"] = _money(data.pop("price"), data.pop("price_currency"), order)
            if received:
                data.pop("quantity", None)
            try:
                services.return_order_line_update(line=line, user=request.user, data=data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved line %s.") % line.item)
                return redirect(order.get_absolute_url())
    else:
        form = forms.LineEditForm(
            received=received,
            initial={
                "outcome": line.outcome,
                "quantity": line.quantity,
                "price": line.price.amount if line.price is not None else None,
                "price_currency": str(line.price.currency) if line.price is not None else "",
                "reference": line.reference,
                "notes": line.notes,
            },
        )
    return render(request, "returns/line_form.html", {"order": order, "line": line, "form": form})


@return_order_page("returns.delete_returnorderlineitem")
@require_POST
def line_delete(request, pk, line_pk):
    line = get_object_or_404(
        ReturnOrderLineItem.objects.select_related("order", "item__part"), pk=line_pk, order_id=pk
    )
    try:
        services.return_order_line_delete(line=line, user=request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Removed %s from the order.") % line.item)
    return redirect(line.order.get_absolute_url())


@return_order_page("returns.add_returnorderextraline")
@require_http_methods(["GET", "POST"])
def extra_add(request, pk):
    order = get_object_or_404(ReturnOrder.objects.select_related("customer"), pk=pk)
    form = forms.ExtraLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["price"] = _money(data.pop("price"), data.pop("price_currency"), order)
        try:
            services.return_order_extra_line_create(order=order, user=request.user, **data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Added an extra line."))
            return redirect(order.get_absolute_url())
    return render(request, "returns/extra_form.html", {"order": order, "form": form, "extra": None})


@return_order_page("returns.change_returnorderextraline")
@require_http_methods(["GET", "POST"])
def extra_edit(request, pk, extra_pk):
    extra = get_object_or_404(
        ReturnOrderExtraLine.objects.select_related("order__customer"), pk=extra_pk, order_id=pk
    )
    order = extra.order
    if request.method == "POST":
        form = forms.ExtraLineForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["price"] = _money(data.pop("price"), data.pop("price_currency"), order)
            try:
                services.return_order_extra_line_update(extra=extra, user=request.user, data=data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved the extra line."))
                return redirect(order.get_absolute_url())
    else:
        form = forms.ExtraLineForm(
            initial={
                "reference": extra.reference,
                "description": extra.description,
                "quantity": extra.quantity,
                "price": extra.price.amount if extra.price is not None else None,
                "price_currency": str(extra.price.currency) if extra.price is not None else "",
                "notes": extra.notes,
            }
        )
    return render(
        request, "returns/extra_form.html", {"order": order, "form": form, "extra": extra}
    )


@return_order_page("returns.delete_returnorderextraline")
@require_POST
def extra_delete(request, pk, extra_pk):
    extra = get_object_or_404(
        ReturnOrderExtraLine.objects.select_related("order"), pk=extra_pk, order_id=pk
    )
    try:
        services.return_order_extra_line_delete(extra=extra, user=request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Removed the extra line."))
    return redirect(extra.order.get_absolute_url())
