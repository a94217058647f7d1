"""Attachments and notes on an order."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import services as common_services
from common.models import Attachment
from returns import forms, services
from returns.models import ReturnOrder
from returns.views.base import (
    _errors,
    return_order_page,
)

# -- attachments and notes -----------------------------------------------------------------


@return_order_page("returns.change_returnorder")
@require_POST
def attachment_add(request, pk):
    order = get_object_or_404(ReturnOrder, pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if services.order_is_locked(order):
        messages.error(request, services.LOCKED_MESSAGE)
    elif form.is_valid():
        data = form.cleaned_data
        try:
            common_services.attachment_create(
                model_type="returnorder",
                model_id=order.pk,
                user=request.user,
                file=data.get("attachment"),
                link=data.get("link") or "",
                comment=data.get("comment") or "",
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Attachment added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(order.get_absolute_url() + "#attachments")


@return_order_page("returns.change_returnorder")
@require_POST
def attachment_delete(request, pk, attachment_pk):
    order = get_object_or_404(ReturnOrder, pk=pk)
    attachment = get_object_or_404(
        Attachment, pk=attachment_pk, model_type="returnorder", model_id=order.pk
    )
    try:
        common_services.attachment_guard(model_type="returnorder", model_id=order.pk)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        common_services.attachment_delete(attachment=attachment)
        messages.success(request, _("Attachment deleted."))
    return redirect(order.get_absolute_url() + "#attachments")


@return_order_page("returns.change_returnorder")
@require_POST
def notes_save(request, pk):
    order = get_object_or_404(ReturnOrder, pk=pk)
    form = forms.NotesForm(request.POST)
    if form.is_valid():
        try:
            services.return_order_update(
                order=order, user=request.user, data={"notes": form.cleaned_data["notes"]}
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Notes saved."))
    else:
        for message in form.errors.get("notes", []):
            messages.error(request, message)
    return redirect(order.get_absolute_url() + "#notes")


@return_order_page("returns.change_returnorder")
@require_POST
def message_add(request, pk):
    """A staff message in the order's thread with the customer (the portal e-mails them)."""
    order = get_object_or_404(ReturnOrder, pk=pk)
    form = forms.MessageForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("attachment")
        try:
            services.return_order_message_post(
                order=order,
                body=form.cleaned_data.get("body") or "",
                user=request.user,
                files=[upload] if upload else [],
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Message sent to the customer."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(order.get_absolute_url() + "#messages")
