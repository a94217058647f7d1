"""Adding, editing and deleting line items and extra lines."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from common.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_TERMS, search_truncated
from returns import forms, selectors, services
from returns.filters import search_stock_items
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem, ReturnReason
from returns.services import lines as line_services
from returns.services import reasons as reason_services
from returns.statuses import WarrantyStartSource
from returns.views.base import (
    _add_service_errors,
    _errors,
    _money,
    return_order_page,
)
from stock.selectors import stock_assigned_to

# -- lines ---------------------------------------------------------------------------------


def _unavailable_reason(item) -> str:
    """Why a held item cannot become a line of this order ("" when it can), in plain text."""
    if item.on_this_order:
        return _("already on this order")
    if item.elsewhere_pk is not None:
        return _("on %(reference)s") % {"reference": item.elsewhere_reference}
    if item.quantity <= 0:
        return _("none left to return")
    return ""


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
    held = selectors.held_stock_for_order(order)
    items = (
        stock_assigned_to(order.customer_id)
        .exclude(return_order_lines__order=order)
        .order_by("part__name", "serial_int", "serial", "pk")
    )
    if search:
        held = search_stock_items(held, search)
        items = search_stock_items(items, search)
    rows = list(held)
    for row in rows:
        row.reason = _unavailable_reason(row)
    unavailable = {row.pk: row.reason for row in rows if row.reason}
    eligible = [row for row in rows if not row.reason]
    # A search that finds one item has found what the clerk wants: choose it for them.
    preselected = eligible[0] if search and len(eligible) == 1 else None
    is_many = request.method == "POST" and request.POST.get("form") == "many"
    single_data = request.POST if request.method == "POST" and not is_many else None
    reason_required = reason_services.reason_required()
    # One read of the active reasons for both forms' selects.
    reasons = list(ReturnReason.objects.filter(active=True))
    form = forms.LineAddForm(
        single_data,
        items=items,
        unavailable=unavailable,
        initial={"item": preselected.pk} if preselected else None,
        reason_required=reason_required,
        reasons=reasons,
    )
    many_form = forms.LineAddManyForm(
        request.POST if is_many else None,
        items=items,
        reason_required=reason_required,
        reasons=reasons,
    )
    another = "another" in request.POST
    if is_many and many_form.is_valid():
        chosen = many_form.cleaned_data["chosen"]
        try:
            line_services.return_order_lines_create(
                order=order,
                items=chosen,
                user=request.user,
                reason=many_form.cleaned_data.get("reason"),
            )
        except ValidationError as exc:
            _add_service_errors(many_form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Added %(count)d line to the order: %(items)s.",
                    "Added %(count)d lines to the order: %(items)s.",
                    len(chosen),
                )
                % {"count": len(chosen), "items": ", ".join(str(item) for item, _q in chosen)},
            )
            return redirect(_after_add(order, another))
    elif single_data is not None and form.is_valid():
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
                reason=data.get("reason"),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Added %s to the order.") % data["item"])
            return redirect(_after_add(order, another))
    if is_many:
        ticked = set(request.POST.getlist("items"))
    else:
        ticked = {str(preselected.pk)} if preselected else set()
    return render(
        request,
        "returns/line_add.html",
        {
            "order": order,
            "form": form,
            "many_form": many_form,
            "rows": rows,
            "ticked": ticked,
            "search": search,
            "has_items": any(not row.on_this_order for row in rows),
            "has_eligible": bool(eligible),
        },
    )


def _after_add(order: ReturnOrder, another: bool) -> str:
    """Back to the order, or ("Save and add another") to a fresh add-line page."""
    return reverse("returns:line-add", args=[order.pk]) if another else order.get_absolute_url()


@return_order_page("returns.add_returnorderlineitem")
@require_POST
def line_scan(request, pk):
    """The order page's scan field: add the one held item a serial (or batch code) names."""
    order = get_object_or_404(ReturnOrder.objects.select_related("customer"), pk=pk)
    back = order.get_absolute_url()
    form = forms.ScanForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, _("Scan or type serial: %s") % message)
        return redirect(back)
    code = form.cleaned_data["scan"].strip()
    reason = form.cleaned_data.get("reason")
    # The next scan offers the same reason: a desk scans a batch that came back for one cause.
    request.session["scan_reason"] = reason.pk if reason else None
    add_page = reverse("returns:line-add", args=[order.pk])
    matches = list(selectors.held_stock_matching_scan(order, code)[:10])
    if not matches:
        messages.error(
            request,
            format_html(
                _(
                    'No stock held by {customer} matches “{code}”. <a href="{url}">Search '
                    "the add-line page</a>."
                ),
                customer=order.customer.name,
                code=code,
                url=f"{add_page}?{urlencode({'q': code})}",
            ),
        )
        return redirect(back)
    if len(matches) > 1:
        messages.warning(
            request,
            format_html(
                _(
                    "{count} items held by {customer} match “{code}”: {items}. "
                    '<a href="{url}">Choose one on the add-line page</a>.'
                ),
                count=len(matches),
                customer=order.customer.name,
                code=code,
                items="; ".join(str(item) for item in matches),
                url=f"{add_page}?{urlencode({'q': code})}",
            ),
        )
        return redirect(back)
    (item,) = matches
    if item.on_this_order:
        messages.warning(request, _("%s is already on this order.") % item)
        return redirect(back)
    if item.elsewhere_pk is not None:
        messages.error(
            request,
            format_html(
                _(
                    '{item} is on open return order <a href="{url}">{reference}</a>: it '
                    "cannot be on two open orders."
                ),
                item=str(item),
                url=reverse("returns:detail", args=[item.elsewhere_pk]),
                reference=item.elsewhere_reference,
            ),
        )
        return redirect(back)
    quantity = Decimal(1) if item.serialized else item.quantity
    try:
        services.return_order_line_create(
            order=order,
            item=item,
            quantity=quantity,
            user=request.user,
            reason=form.cleaned_data.get("reason"),
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        if item.serialized:
            messages.success(request, _("Added %s to the order.") % item)
        else:
            messages.success(
                request,
                _(
                    "Added %s to the order: the whole quantity held. Edit the line if fewer "
                    "came back."
                )
                % item,
            )
    return redirect(back)


@return_order_page("returns.change_returnorderlineitem")
@require_http_methods(["GET", "POST"])
def line_edit(request, pk, line_pk):
    line = get_object_or_404(selectors.return_order_line_list(), pk=line_pk, order_id=pk)
    order = line.order
    received = line.received_date is not None
    if request.method == "POST":
        form = forms.LineEditForm(
            request.POST,
            received=received,
            initial={"quantity": line.quantity},
            reason_pk=line.reason_id,
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
            reason_pk=line.reason_id,
            initial={
                "reason": line.reason_id,
                "outcome": line.outcome,
                "quantity": line.quantity,
                "price": line.price.amount if line.price is not None else None,
                "price_currency": str(line.price.currency) if line.price is not None else "",
                "reference": line.reference,
                "notes": line.notes,
                # Only an entered start: sending back a tracking date would make it "entered".
                "warranty_start": (
                    line.warranty_start
                    if line.warranty_start_source == WarrantyStartSource.ENTERED
                    else None
                ),
                "warranty_override": line.warranty_override,
                "warranty_override_reason": line.warranty_override_reason,
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
