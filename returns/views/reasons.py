"""The settings page's lists: return reasons and conditions on arrival.

Staff reach the settings page; each change also needs the list's model permission (the
return order role's add, change or delete), as the API asks for it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from common.permissions import model_permission
from returns import services
from returns.models import ReturnCondition, ReturnOrderLineItem, ReturnReason
from returns.reason_forms import ChoiceEntryForm
from returns.views.base import _add_service_errors, _errors

# ``kind`` in the URL -> (model, the line's field, the list's title).
LISTS = {
    "reasons": (ReturnReason, "reason", gettext_lazy("Return reasons")),
    "conditions": (ReturnCondition, "condition", gettext_lazy("Conditions on arrival")),
}


def _list(kind: str):
    try:
        return LISTS[kind]
    except KeyError:
        raise Http404(_("No such list.")) from None


def _require(request, model, action: str) -> None:
    if not request.user.is_staff or not request.user.has_perm(model_permission(model, action)):
        raise PermissionDenied


def entries(kind: str):
    """The list's entries, each with ``in_use`` (some line chose it), in one query."""
    model, field, _title = _list(kind)
    used = ReturnOrderLineItem.objects.filter(**{field: OuterRef("pk")})
    return model.objects.annotate(in_use=Exists(used))


def settings_lists(request, bound: dict | None = None) -> list[dict]:
    """What the settings page shows of each list: entries, the add form, what the user may do."""
    bound = bound or {}
    user = request.user
    lists = []
    for kind, (model, _field, title) in LISTS.items():
        lists.append(
            {
                "kind": kind,
                "title": title,
                "entries": entries(kind),
                "form": bound.get(kind) or ChoiceEntryForm(prefix=kind),
                "may_add": user.has_perm(model_permission(model, "add")),
                "may_change": user.has_perm(model_permission(model, "change")),
                "may_delete": user.has_perm(model_permission(model, "delete")),
            }
        )
    return lists


def _back(kind: str):
    return redirect(f"{reverse('returns:settings')}#{kind}")


@login_required
@require_POST
def choice_entry_add(request, kind):
    model, _field, _title = _list(kind)
    _require(request, model, "add")
    form = ChoiceEntryForm(request.POST, prefix=kind)
    if form.is_valid():
        try:
            entry = services.choice_entry_create(
                model=model, user=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("Added “%(label)s”.") % {"label": entry.label})
            return _back(kind)
    from returns.views.orders import render_settings

    return render_settings(request, bound={kind: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def choice_entry_edit(request, kind, entry_pk):
    model, _field, title = _list(kind)
    _require(request, model, "change")
    entry = get_object_or_404(model, pk=entry_pk)
    if request.method == "POST":
        form = ChoiceEntryForm(request.POST, prefix=kind)
        if form.is_valid():
            try:
                services.choice_entry_update(entry=entry, user=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Saved “%(label)s”.") % {"label": form.cleaned_data["label"]}
                )
                return _back(kind)
    else:
        form = ChoiceEntryForm(
            prefix=kind,
            initial={
                "label": entry.label,
                "code": entry.code,
                "sort_order": entry.sort_order,
                "active": entry.active,
            },
        )
    return render(
        request,
        "returns/choice_entry_form.html",
        {"form": form, "entry": entry, "kind": kind, "title": title},
    )


@login_required
@require_POST
def choice_entry_set_active(request, kind, entry_pk):
    model, _field, _title = _list(kind)
    _require(request, model, "change")
    entry = get_object_or_404(model, pk=entry_pk)
    active = request.POST.get("active") == "true"
    services.choice_entry_update(entry=entry, user=request.user, data={"active": active})
    if active:
        messages.success(request, _("“%(label)s” is active again.") % {"label": entry.label})
    else:
        messages.success(
            request,
            _("“%(label)s” is inactive: new lines cannot choose it, old ones keep it.")
            % {"label": entry.label},
        )
    return _back(kind)


@login_required
@require_POST
def choice_entry_delete(request, kind, entry_pk):
    model, _field, _title = _list(kind)
    _require(request, model, "delete")
    entry = get_object_or_404(model, pk=entry_pk)
    try:
        services.choice_entry_delete(entry=entry, user=request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Deleted “%(label)s”.") % {"label": entry.label})
    return _back(kind)
