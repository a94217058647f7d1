"""Staff pages for return orders. Each view parses input, calls a selector or a service, renders.

The pages exist only while RETURNORDER_ENABLED is on (404 otherwise); the REST API does not
depend on it. Every change is a POST that redirects with a message.
"""

import calendar
import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from djmoney.money import Money

from common import services as common_services
from common import site_settings
from common.export import export_response, requested_format
from common.filters import SEARCH_MAX_LENGTH, SEARCH_MAX_TERMS, search_truncated
from common.models import Attachment
from reports import selectors as report_selectors
from reports import services as report_services
from returns import exports, forms, selectors, services
from returns.calendar_views import SESSION_KEY, subscribe_panel
from returns.filters import ReturnOrderFilter, search_orders, search_stock_items
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.statuses import (
    CLOSED_STATUSES,
    ReturnOrderStatus,
    Transition,
    allowed_transitions,
)
from stock.selectors import stock_assigned_to
from users import services as user_services

PAGE_SIZE = 25
SORTS = {
    "reference": ["reference_int", "reference"],
    "customer": ["customer__name"],
    "customer_reference": ["customer_reference"],
    "description": ["description"],
    "lines": ["line_items"],
    "status": ["status"],
    "responsible": ["responsible__name"],
    "target_date": ["target_date"],
    "total_price": ["total_price"],
    "creation_date": ["creation_date"],
}


def enabled() -> bool:
    return bool(site_settings.get_value("RETURNORDER_ENABLED"))


def return_order_page(permission: str):
    """Log-in required, 404 while return orders are disabled, 403 without ``permission``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not enabled():
                raise Http404(_("Return orders are not enabled."))
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{'' if field == '__all__' else field.replace('_', ' ').capitalize() + ': '}{message}"
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return list(exc.messages)


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: beside its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _perms(user) -> dict[str, bool]:
    return {
        "view": user.has_perm("returns.view_returnorder"),
        "add": user.has_perm("returns.add_returnorder"),
        "change": user.has_perm("returns.change_returnorder"),
        "delete": user.has_perm("returns.delete_returnorder"),
        "receive": user.has_perm("returns.add_returnorder")
        and user.has_perm("stock.change_stockitem"),
        "add_line": user.has_perm("returns.add_returnorderlineitem"),
        "change_line": user.has_perm("returns.change_returnorderlineitem"),
        "delete_line": user.has_perm("returns.delete_returnorderlineitem"),
        "add_extra": user.has_perm("returns.add_returnorderextraline"),
        "change_extra": user.has_perm("returns.change_returnorderextraline"),
        "delete_extra": user.has_perm("returns.delete_returnorderextraline"),
    }


def _money(amount, currency: str | None, order: ReturnOrder) -> Money | None:
    if amount is None:
        return None
    return Money(amount, currency or order.currency)


# -- settings ------------------------------------------------------------------------------

SETTING_KEYS = [
    "RETURNORDER_ENABLED",
    "RETURNORDER_REFERENCE_PATTERN",
    "RETURNORDER_REQUIRE_RESPONSIBLE",
    "RETURNORDER_EDIT_COMPLETED_ORDERS",
]


@login_required
@require_http_methods(["GET", "POST"])
def return_order_settings(request):
    """Staff turn return orders on and set their reference pattern and locks."""
    if not request.user.is_staff:
        raise PermissionDenied
    if request.method == "POST":
        form = forms.SettingsForm(request.POST)
        if form.is_valid():
            for key in SETTING_KEYS:
                site_settings.set_value(key, form.cleaned_data[key], user=request.user)
            messages.success(request, _("Return order settings saved."))
            return redirect("returns:settings")
    else:
        form = forms.SettingsForm(
            initial={key: site_settings.get_value(key) for key in SETTING_KEYS}
        )
    return render(request, "returns/settings.html", {"form": form})


# -- index and calendar --------------------------------------------------------------------


def _filtered_orders(request, form):
    queryset = selectors.return_order_list()
    params = {k: v for k, v in request.GET.items() if v not in ("", None)}
    if params.get("overdue") == "on":
        params["overdue"] = "true"
    if params.get("assigned_to_me") == "on":
        params["assigned_to_me"] = "true"
    filterset = ReturnOrderFilter(data=params, queryset=queryset, request=request)
    # An invalid value (a stale customer, a mistyped date) selects nothing, and the form says
    # why beside the field; ignoring every filter would list all orders as "matching".
    queryset = filterset.qs if filterset.is_valid() else queryset.none()
    if form.is_valid() and form.cleaned_data.get("search"):
        try:
            queryset = search_orders(queryset, form.cleaned_data["search"])
        except ValidationError as exc:
            # Too many words to search: say so beside the field, and match nothing.
            form.add_error("search", exc)
            queryset = queryset.none()
    return queryset


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@return_order_page("returns.view_returnorder")
def return_order_index(request):
    form = forms.OrderFilterForm(request.GET or None)
    queryset = _filtered_orders(request, form)
    if request.GET.get("view") == "calendar":
        return _calendar(request, form, queryset)

    key, descending = _sort_key(request.GET.get("sort"))
    queryset = queryset.order_by(*_sort_fields(request.GET.get("sort")))

    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if paginator.count:
        # Pick the page's keys on the bare ordered query, then load and annotate only those
        # rows: the databases compute the line counts of every row they skip on the way to a
        # deep page. A separate query, because PostgreSQL plans ``IN (subquery)`` as a hash
        # join over every order (bench/index_100k.py).
        first = (page.number - 1) * PAGE_SIZE
        keys = list(queryset.values_list("pk", flat=True)[first : first + PAGE_SIZE])
        page.object_list = queryset.filter(pk__in=keys)
    columns = [
        ("reference", _("Reference")),
        ("customer", _("Customer")),
        ("customer_reference", _("Customer ref.")),
        ("description", _("Description")),
        ("lines", _("Lines")),
        ("status", _("Status")),
        ("responsible", _("Responsible")),
        ("target_date", _("Target date")),
        ("total_price", _("Total")),
    ]
    headers = []
    for name, label in columns:
        # A click on the active column flips it; a new column starts ascending.
        target = (name if descending else f"-{name}") if name == key else name
        headers.append(
            {
                "key": name,
                "label": label,
                "active": name == key,
                "descending": descending,
                "query": _query_string(request, sort=target, page=None),
            }
        )
    filtered = any(v for k, v in request.GET.items() if k not in ("page", "sort", "view"))
    return render(
        request,
        "returns/index.html",
        {
            "form": form,
            "page": page,
            "headers": headers,
            "filtered": filtered,
            "perms_ro": _perms(request.user),
            "calendar_query": _query_string(request, view="calendar", page=None, sort=None),
            "page_query": _query_string(request, page=None),
            "subscribe": subscribe_panel(request),
        },
    )


@login_required
@require_POST
def calendar_token_regenerate(request):
    """Issue the user a new calendar key; the old feed URLs stop working at once.

    Only the key's hash is kept, so the key waits in the session for the next page view.
    """
    _token, key = user_services.calendar_token_regenerate(user=request.user)
    request.session[SESSION_KEY] = key
    messages.success(
        request, _("Here is your new calendar link. Copy it now: it will not be shown again.")
    )
    return redirect(reverse("returns:index") + "#calendar-subscribe")


@login_required
@require_POST
def calendar_token_revoke(request):
    request.session.pop(SESSION_KEY, None)
    if user_services.calendar_token_revoke(user=request.user):
        messages.success(
            request, _("Your calendar link is revoked: calendars using it stop updating.")
        )
    else:
        messages.info(request, _("You had no calendar link."))
    return redirect(reverse("returns:index") + "#calendar-subscribe")


def _calendar(request, form, queryset):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        if not datetime.MINYEAR < year < datetime.MAXYEAR:
            raise ValueError("The grid and the month links need the years either side.")
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    include_completed = request.GET.get("include_completed") in ("1", "true", "on")
    orders = queryset.filter(target_date__gte=weeks[0][0], target_date__lte=weeks[-1][-1])
    if not include_completed:
        orders = orders.exclude(status__in=CLOSED_STATUSES)
    by_day: dict[datetime.date, list] = {}
    for order in orders.order_by("target_date", "reference_int"):
        by_day.setdefault(order.target_date, []).append(order)
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "returns/calendar.html",
        {
            "form": form,
            "month": first,
            "today": today,
            "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
            "include_completed": include_completed,
            "previous_query": _query_string(request, month=previous_month.strftime("%Y-%m")),
            "next_query": _query_string(request, month=next_month.strftime("%Y-%m")),
            "list_query": _query_string(request, view=None, month=None, include_completed=None),
            "completed_query": _query_string(
                request, include_completed=None if include_completed else "1"
            ),
            "perms_ro": _perms(request.user),
        },
    )


# -- create / edit / delete ----------------------------------------------------------------


def _contact_address_options():
    from companies.models import Address, Contact

    return {
        "contacts": Contact.objects.values("pk", "company_id"),
        "addresses": Address.objects.values("pk", "company_id"),
    }


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET", "POST"])
def return_order_create(request):
    if request.method == "POST":
        form = forms.ReturnOrderForm(request.POST)
        if form.is_valid():
            data = form.cleaned_for_service()
            try:
                order = services.return_order_create(
                    user=request.user,
                    customer=data.pop("customer"),
                    reference=data.pop("reference") or None,
                    **data,
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Created return order %s.") % order.reference)
                return redirect(order.get_absolute_url())
    else:
        try:
            initial = {"reference": services.next_reference()}
        except ValidationError as exc:
            # A pattern stored before patterns were bounded, or a counter past its limit: say so
            # and let the user type a reference instead of failing the page.
            initial = {}
            messages.error(request, " ".join(exc.messages))
        if request.GET.get("customer"):
            initial["customer"] = request.GET["customer"]
        form = forms.ReturnOrderForm(initial=initial)
    return render(request, "returns/order_form.html", {"form": form, "order": None})


@return_order_page("returns.change_returnorder")
@require_http_methods(["GET", "POST"])
def return_order_edit(request, pk):
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    if request.method == "POST":
        form = forms.ReturnOrderForm(request.POST, instance=order)
        if form.is_valid():
            try:
                services.return_order_update(
                    order=order, user=request.user, data=form.cleaned_for_service()
                )
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved return order %s.") % order.reference)
                return redirect(order.get_absolute_url())
    else:
        if services.order_is_locked(order):
            messages.error(request, services.LOCKED_MESSAGE)
            return redirect(order.get_absolute_url())
        form = forms.ReturnOrderForm(
            instance=order,
            initial={
                "customer": order.customer_id,
                "reference": order.reference,
                "description": order.description,
                "customer_reference": order.customer_reference,
                "contact": order.contact_id,
                "address": order.address_id,
                "responsible": order.responsible_id,
                "project_code": order.project_code_id,
                "link": order.link,
                "start_date": order.start_date,
                "target_date": order.target_date,
                "order_currency": order.order_currency or "",
            },
        )
    return render(request, "returns/order_form.html", {"form": form, "order": order})


@return_order_page("returns.delete_returnorder")
@require_http_methods(["GET", "POST"])
def return_order_delete(request, pk):
    order = get_object_or_404(ReturnOrder.objects.select_related("customer"), pk=pk)
    if request.method == "POST":
        try:
            services.return_order_delete(order=order, user=request.user)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
            return redirect(order.get_absolute_url())
        messages.success(request, _("Deleted return order %s.") % order.reference)
        return redirect("returns:index")
    return render(request, "returns/confirm_delete.html", {"order": order, "object": order})


# -- detail and workflow -------------------------------------------------------------------


@return_order_page("returns.view_returnorder")
def return_order_detail(request, pk):
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    lines = list(selectors.return_order_line_list().filter(order=order).order_by("pk"))
    extra_lines = list(order.extra_lines.order_by("pk"))
    history = list(selectors.return_order_history(order.pk)[:100])
    attachments = list(
        Attachment.objects.filter(model_type="returnorder", model_id=order.pk).select_related(
            "upload_user"
        )
    )
    perms = _perms(request.user)
    locked = services.order_is_locked(order)
    actions = [a for a in allowed_transitions(order.status) if perms["add"]]
    return render(
        request,
        "returns/detail.html",
        {
            "order": order,
            "lines": lines,
            "extra_lines": extra_lines,
            "history": history,
            "attachments": attachments,
            "perms_ro": perms,
            "locked": locked,
            "actions": actions,
            "unreceived": [line for line in lines if line.received_date is None],
            "attachment_form": forms.AttachmentForm(),
            "notes_form": forms.NotesForm(initial={"notes": order.notes}),
        },
    )


@return_order_page("returns.add_returnorder")
@require_POST
def return_order_transition(request, pk, action):
    if action not in Transition.values:
        raise Http404
    order = get_object_or_404(ReturnOrder, pk=pk)
    options = {"note": request.POST.get("note", "")}
    if action == Transition.COMPLETE:
        options["accept_incomplete"] = request.POST.get("accept_incomplete") in ("1", "on", "true")
    try:
        order = services.TRANSITION_SERVICES[action](order=order, user=request.user, **options)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Return order %(reference)s is now %(status)s.")
            % {"reference": order.reference, "status": ReturnOrderStatus(order.status).label},
        )
    return redirect(order.get_absolute_url())


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


# -- attachments and notes -----------------------------------------------------------------


@return_order_page("returns.change_returnorder")
@require_POST
def attachment_add(request, pk):
    order = get_object_or_404(ReturnOrder, pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        common_services.attachment_create(
            model_type="returnorder",
            model_id=order.pk,
            user=request.user,
            file=data.get("attachment"),
            link=data.get("link") or "",
            comment=data.get("comment") or "",
        )
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


# -- export and print ----------------------------------------------------------------------


def _sort_key(sort: str | None) -> tuple[str, bool]:
    """The index page's ``sort`` parameter as (column, descending); unknown means -reference."""
    sort = sort or "-reference"
    if sort.lstrip("-") not in SORTS:
        sort = "-reference"
    return sort.lstrip("-"), sort.startswith("-")


def _sort_fields(sort: str | None) -> list[str]:
    """The index page's ``sort`` parameter as ``order_by`` fields, pk last as a tie-breaker."""
    key, descending = _sort_key(sort)
    fields = [f"-{f}" if descending else f for f in SORTS[key]]
    return [*fields, "-pk" if descending else "pk"]


@return_order_page("returns.view_returnorder")
def return_order_export(request):
    """The orders the index page lists (filters, search, sort), or with ``rows=lines`` their
    line items, as a CSV, XLSX or JSON download (``export=csv|xlsx|json``)."""
    try:
        export_format = requested_format(request.GET) or "csv"
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect(f"{reverse('returns:index')}?{_query_string(request, export=None)}")
    form = forms.OrderFilterForm(request.GET or None)
    fields = _sort_fields(request.GET.get("sort"))
    orders = _filtered_orders(request, form).order_by(*fields)
    if request.GET.get("rows") == "lines":
        if not request.user.has_perm("returns.view_returnorderlineitem"):
            raise PermissionDenied
        table, queryset = exports.LINE_TABLE, exports.lines_of_orders(orders, fields)
    else:
        table, queryset = exports.ORDER_TABLE, orders
    return export_response(table=table, queryset=queryset, export_format=export_format)


@return_order_page("returns.view_returnorder")
def return_order_print(request, pk):
    """The order as a PDF from a report template; with several templates, choose one first."""
    order = get_object_or_404(ReturnOrder, pk=pk)
    templates = list(report_selectors.report_templates_for("returnorder"))
    chosen = request.GET.get("template")
    if chosen:
        template = next((t for t in templates if str(t.pk) == chosen), None)
        if template is None:
            raise Http404(_("No such report template."))
    elif len(templates) == 1:
        template = templates[0]
    else:
        return render(request, "returns/print.html", {"order": order, "templates": templates})
    try:
        instances = report_services.report_instances(
            template=template, items=[order.pk], user=request.user
        )
        rendered = report_services.report_render(
            template=template, instances=instances, user=request.user
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect(order.get_absolute_url())
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, rendered.filename)
    return response
