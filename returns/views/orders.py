"""The order pages: settings, index and calendar, create, edit, delete, detail, workflow,
export and print."""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import site_settings
from common.export import export_response, requested_format
from common.models import Attachment
from common.pagination import Paginator, page_by_keys
from reports import selectors as report_selectors
from reports import services as report_services
from returns import exports, forms, selectors, services
from returns.calendar_views import SESSION_KEY, subscribe_panel
from returns.filters import ReturnOrderFilter, search_orders
from returns.models import ReturnOrder, ReturnReason
from returns.statuses import (
    AUTHORIZATION_TRANSITIONS,
    CLOSED_STATUSES,
    TRANSITIONS,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    Transition,
    allowed_transitions,
)
from returns.views import resolutions as resolution_views
from returns.views.base import (
    PAGE_SIZE,
    SORTS,
    _add_service_errors,
    _errors,
    _perms,
    return_order_page,
)
from users import services as user_services

# -- settings ------------------------------------------------------------------------------

SETTING_KEYS = [
    "RETURNORDER_ENABLED",
    "RETURNORDER_REFERENCE_PATTERN",
    "RETURNORDER_REQUIRE_RESPONSIBLE",
    "RETURNORDER_EDIT_COMPLETED_ORDERS",
    "RETURNORDER_REFUND_METHODS",
    "RETURNORDER_REQUIRE_AUTHORIZATION",
    "RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER",
    "RETURNORDER_REQUIRE_REASON",
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
    return render_settings(request, form=form)


def render_settings(request, *, form=None, bound=None, status=200):
    """The settings page: the settings form, and the reason and condition lists (with
    ``bound``'s forms, re-shown with their errors)."""
    from returns.views.reasons import settings_lists

    if form is None:
        form = forms.SettingsForm(
            initial={key: site_settings.get_value(key) for key in SETTING_KEYS}
        )
    return render(
        request,
        "returns/settings.html",
        {"form": form, "lists": settings_lists(request, bound)},
        status=status,
    )


# -- index and calendar --------------------------------------------------------------------


def _filtered_orders(request, form):
    queryset = selectors.return_order_list()
    # The pickers' keys and names are the form's to resolve (one query, shared with the name
    # the panel shows); the filterset would look the key up a second time.
    params = {
        k: v
        for k, v in request.GET.items()
        if v not in ("", None) and k not in forms.PICKERS and k not in PICKER_TEXT_FIELDS
    }
    if params.get("overdue") == "on":
        params["overdue"] = "true"
    if params.get("assigned_to_me") == "on":
        params["assigned_to_me"] = "true"
    filterset = ReturnOrderFilter(data=params, queryset=queryset, request=request)
    # An invalid value (a stale customer, a mistyped date) selects nothing, and the form says
    # why beside the field; ignoring every filter would list all orders as "matching".
    queryset = filterset.qs if filterset.is_valid() else queryset.none()
    form.is_valid()
    if any(name in form.errors for name in (*forms.PICKERS, *PICKER_TEXT_FIELDS)):
        queryset = queryset.none()
    if "customer" in form.picked:
        queryset = queryset.filter(customer=form.picked["customer"])
    if "assigned_to" in form.picked:
        queryset = queryset.filter(responsible=form.picked["assigned_to"])
    if form.is_valid() and form.cleaned_data.get("search"):
        try:
            queryset = search_orders(queryset, form.cleaned_data["search"])
        except ValidationError as exc:
            # Too many words to search: say so beside the field, and match nothing.
            form.add_error("search", exc)
            queryset = queryset.none()
    return queryset


PICKER_TEXT_FIELDS = tuple(spec[0] for spec in forms.PICKERS.values())


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


# Query parameters that pick the view, its page or its order, not which orders it selects
# (and a picker's typed name, which counts once with its key).
NOT_FILTERS = (
    "page",
    "sort",
    "view",
    "month",
    "include_completed",
    "lines",
    *PICKER_TEXT_FIELDS,
)


def _without_empty_fields(request):
    """A redirect to the same page without its empty parameters, or None when there are none.

    A GET form submits every field, so an untouched filter panel would fill the URL with
    ``search=&status=&…``: the address to bookmark or share is the one without them.
    """
    if not any(value == "" for _key, values in request.GET.lists() for value in values):
        return None
    params = request.GET.copy()
    for key, values in request.GET.lists():
        filled = [value for value in values if value != ""]
        if filled:
            params.setlist(key, filled)
        else:
            params.pop(key)
    query = params.urlencode()
    return redirect(request.path + (f"?{query}" if query else ""))


def _active_filters(request) -> int:
    return sum(1 for key, value in request.GET.items() if value and key not in NOT_FILTERS)


@return_order_page("returns.view_returnorder")
def return_order_index(request):
    cleaned = _without_empty_fields(request)
    if cleaned is not None:
        return cleaned
    form = forms.OrderFilterForm(request.GET or None)
    resolved = form.picker_redirect_query()
    if resolved is not None:
        # A typed name matched one customer or owner: list by its key, the address to keep.
        return redirect(request.path + (f"?{resolved}" if resolved else ""))
    queryset = _filtered_orders(request, form)
    if request.GET.get("view") == "calendar":
        return _calendar(request, form, queryset)

    key, descending = _sort_key(request.GET.get("sort"))
    queryset = queryset.order_by(*_sort_fields(request.GET.get("sort")))

    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if paginator.count:
        # The page's keys are picked on the bare ordered query, from whichever end is nearer,
        # and only those rows are loaded and annotated, as the API's list does: a deep page
        # costs what the first does (common.pagination.page_by_keys).
        first = (page.number - 1) * PAGE_SIZE
        page.object_list = page_by_keys(queryset, first, PAGE_SIZE, count=paginator.count)
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
                # What a click does, for the link's title and screen readers.
                "next_direction": _("descending") if target.startswith("-") else _("ascending"),
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
            "filter_count": _active_filters(request),
            "bulk_query": _query_string(request),
        },
    )


@return_order_page("returns.view_returnorder")
@require_http_methods(["GET"])
def return_order_picker(request, name):
    """The filter panel's search-as-you-type matches: ``{"results": [{"value", "label"}]}``,
    at most ``PICKER_LIMIT`` by name for the text in ``q``. One query."""
    if name not in forms.PICKERS:
        raise Http404
    text = request.GET.get("q", "").strip()[: forms.PICKER_TEXT_MAX]
    if name == "customer":
        rows = [
            {"value": pk, "label": label}
            for pk, label in forms.picker_customers(text).values_list("pk", "name")[
                : forms.PICKER_LIMIT
            ]
        ]
    else:
        rows = [
            {"value": owner.pk, "label": str(owner)}
            for owner in forms.picker_owners(text)[: forms.PICKER_LIMIT]
        ]
    response = JsonResponse({"results": rows})
    response["Cache-Control"] = "private, no-store"
    return response


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


def calendar_orders(request, queryset):
    """The calendar's orders among the filtered ``queryset``, and whether closed ones show.

    The filters above the calendar decide: a status or "open/closed" filter is applied as it
    is. Without one the calendar hides complete and cancelled orders (as the feed does) unless
    ``include_completed`` asks for them. Returns (queryset, include_completed, by_filter).
    """
    by_filter = bool(request.GET.get("status") or request.GET.get("outstanding"))
    include_completed = by_filter or request.GET.get("include_completed") in ("1", "true", "on")
    queryset = queryset.filter(target_date__isnull=False)
    if not include_completed:
        queryset = queryset.exclude(status__in=CLOSED_STATUSES)
    return queryset, include_completed, by_filter


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
    orders, include_completed, by_filter = calendar_orders(request, queryset)
    orders = orders.filter(target_date__gte=weeks[0][0], target_date__lte=weeks[-1][-1])
    by_day: dict[datetime.date, list] = {}
    shown = set()
    for order in orders.order_by("target_date", "reference_int"):
        by_day.setdefault(order.target_date, []).append(order)
        shown.add(order.status)
    show_lines = calendar_shows_lines(request)
    lines_by_day: dict[datetime.date, list] = {}
    if show_lines:
        lines = selectors.return_order_lines_in_calendar(
            orders=queryset, first=weeks[0][0], last=weeks[-1][-1]
        )
        for line in lines:
            lines_by_day.setdefault(line.target_date, []).append(line)
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    legend = [
        status
        for status in ReturnOrderStatus
        if include_completed or status not in CLOSED_STATUSES or status in shown
    ]
    return render(
        request,
        "returns/calendar.html",
        {
            "form": form,
            "month": first,
            "today": today,
            "weeks": [
                [(day, by_day.get(day, []), lines_by_day.get(day, [])) for day in week]
                for week in weeks
            ],
            "show_lines": show_lines,
            "lines_query": _query_string(request, lines=None if show_lines else "1"),
            "include_completed": include_completed,
            "closed_by_filter": by_filter,
            "legend": legend,
            "by_day": bool(by_day) or bool(lines_by_day),
            "previous_query": _query_string(request, month=previous_month.strftime("%Y-%m")),
            "next_query": _query_string(request, month=next_month.strftime("%Y-%m")),
            "list_query": _query_string(
                request, view=None, month=None, include_completed=None, lines=None
            ),
            "completed_query": _query_string(
                request, include_completed=None if include_completed else "1"
            ),
            "export_query": _query_string(request, view=None, month=None),
            "perms_ro": _perms(request.user),
            "subscribe": subscribe_panel(request, lines=show_lines),
            "filter_count": _active_filters(request),
        },
    )


def calendar_shows_lines(request) -> bool:
    """Whether the calendar (and its export) shows open lines with their own target date."""
    return request.GET.get("lines") in ("1", "true", "on")


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
                "visible_to_customer": order.visible_to_customer,
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


def _line_name(line) -> str:
    return f"SN {line.item.serial}" if line.item.serial else str(line.item)


def _next_step(order, lines, actions, perms) -> str:
    """The one thing to do next on the order: what its primary button does."""
    if "authorize" in actions:
        return "authorize"
    if "issue" in actions:
        return "issue"
    if order.status != ReturnOrderStatus.IN_PROGRESS:
        return ""
    if perms["receive"] and any(line.received_date is None for line in lines):
        return "receive"
    if any(line.unresolved for line in lines):
        return "resolve"
    return "complete" if "complete" in actions else ""


@return_order_page("returns.view_returnorder")
def return_order_detail(request, pk):
    # The thread with the customer (messages, authors and files) comes with the order: it
    # costs no query of its own, however many messages and files it holds.
    order = get_object_or_404(selectors.with_thread(selectors.return_order_list()), pk=pk)
    perms = _perms(request.user)
    lines = list(selectors.return_order_lines_resolved(order.pk))
    resolution_views.annotate_lines(order, lines, may_resolve=perms["resolve"])
    extra_lines = list(order.extra_lines.order_by("pk"))
    receipts = list(selectors.return_order_receipts(order.pk))
    history = list(selectors.return_order_history(order.pk)[:100])
    resolution_views.annotate_history(history)
    attachments = list(
        Attachment.objects.filter(model_type="returnorder", model_id=order.pk).select_related(
            "upload_user"
        )
    )
    thread = selectors.thread_messages(order)
    locked = services.order_is_locked(order)
    actions = [
        a
        for a in allowed_transitions(order.status)
        if perms["authorize" if a in AUTHORIZATION_TRANSITIONS else "add"]
    ]
    unreceived = [line for line in lines if line.received_date is None]
    may_set_outcome = perms["change_line"] and not locked
    for line in lines:
        # A line with a standing resolution changes outcome only by undoing it.
        line.outcome_editable = may_set_outcome and line.resolution is None
    bulk = {
        "receive": perms["receive"]
        and order.status == ReturnOrderStatus.IN_PROGRESS
        and bool(unreceived),
        "outcome": may_set_outcome and any(line.outcome_editable for line in lines),
        "remove": perms["delete_line"] and not locked and bool(unreceived),
    }
    return render(
        request,
        "returns/detail.html",
        {
            "order": order,
            "lines": lines,
            "extra_lines": extra_lines,
            "receipts": receipts,
            "history": history,
            "attachments": attachments,
            "perms_ro": perms,
            "locked": locked,
            "actions": actions,
            "next_step": _next_step(order, lines, actions, perms),
            "unreceived": unreceived,
            "gaps": resolution_views.completion_gaps(lines),
            "bulk": bulk if any(bulk.values()) else None,
            "outcome_choices": ReturnOrderLineStatus.choices,
            "attachment_form": forms.AttachmentForm(),
            "thread": thread,
            "message_form": forms.MessageForm(),
            "notes_form": forms.NotesForm(initial={"notes": order.notes}),
            # Read only when the scan field shows (an open order the user may add lines to).
            "scan_reasons": ReturnReason.objects.filter(active=True),
        },
    )


def _gap_sentences(lines) -> list[str]:
    """ "2 lines not received: SN 1, SN 2" and "1 line unresolved: SN 3", in people's words."""
    sentences = []
    for missing, singular, plural in (
        (
            [line for line in lines if line.received_date is None],
            _("%(count)s line not received: %(lines)s"),
            _("%(count)s lines not received: %(lines)s"),
        ),
        (
            [line for line in lines if line.unresolved],
            _("%(count)s line unresolved: %(lines)s"),
            _("%(count)s lines unresolved: %(lines)s"),
        ),
    ):
        if missing:
            sentences.append(
                (singular if len(missing) == 1 else plural)
                % {"count": len(missing), "lines": ", ".join(_line_name(x) for x in missing)}
            )
    return sentences


CONFIRMED_ACTIONS = (Transition.ISSUE, Transition.COMPLETE, Transition.CANCEL)


@return_order_page("returns.add_returnorder")
@require_http_methods(["GET"])
def return_order_transition_confirm(request, pk, action):
    """The step before issuing an empty order, completing, or cancelling (with a reason)."""
    if action not in CONFIRMED_ACTIONS:
        raise Http404
    order = get_object_or_404(selectors.return_order_list(), pk=pk)
    if action not in allowed_transitions(order.status):
        messages.error(
            request,
            _("Return order %(reference)s is %(status)s: it cannot be %(verb)s now.")
            % {
                "reference": order.reference,
                "status": ReturnOrderStatus(order.status).label,
                "verb": {
                    "issue": _("issued"),
                    "complete": _("completed"),
                    "cancel": _("cancelled"),
                }[action],
            },
        )
        return redirect(order.get_absolute_url())
    return _render_confirm(request, order, action)


def _render_confirm(request, order, action, *, form=None, status=200):
    context = {"order": order}
    if action == Transition.COMPLETE:
        lines = list(selectors.return_order_lines_resolved(order.pk))
        resolution_views.annotate_lines(order, lines, may_resolve=False)
        context.update(gaps=_gap_sentences(lines), line_count=len(lines))
    elif action == Transition.CANCEL:
        context["form"] = form or forms.CancelForm()
    return render(request, f"returns/confirm_{action}.html", context, status=status)


@return_order_page("returns.add_returnorder")
@require_POST
def return_order_transition(request, pk, action):
    if action not in Transition.values or action in AUTHORIZATION_TRANSITIONS:
        # Authorizing and declining have pages of their own (returns.views.authorization).
        raise Http404
    order = get_object_or_404(ReturnOrder, pk=pk)
    confirmed = request.POST.get("confirm") == "1"
    confirm_url = reverse("returns:transition-confirm", args=[order.pk, action])
    options = {"note": request.POST.get("note", "")}
    allowed = order.status in TRANSITIONS[action][0]
    if allowed and action == Transition.ISSUE and not confirmed and not order.lines.exists():
        return redirect(confirm_url)
    if allowed and action == Transition.COMPLETE:
        if not confirmed:
            return redirect(confirm_url)
        # The confirmation page named what is missing, and was accepted with it.
        options["accept_incomplete"] = request.POST.get("accept_incomplete") == "1"
    if allowed and action == Transition.CANCEL:
        if "note" not in request.POST:
            return redirect(confirm_url)
        form = forms.CancelForm(request.POST)
        if not form.is_valid():
            order = get_object_or_404(selectors.return_order_list(), pk=pk)
            return _render_confirm(request, order, action, form=form, status=400)
        options["note"] = form.cleaned_data["note"].strip()
    try:
        order = services.TRANSITION_SERVICES[action](order=order, user=request.user, **options)
    except ValidationError as exc:
        incomplete = hasattr(exc, "error_dict") and "accept_incomplete" in exc.error_dict
        if incomplete:
            # Lines changed since the confirmation page: show it again, as things now stand.
            for message in _incomplete_messages(order):
                messages.error(request, message)
            return redirect(confirm_url)
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Return order %(reference)s is now %(status)s.")
            % {"reference": order.reference, "status": ReturnOrderStatus(order.status).label},
        )
    return redirect(order.get_absolute_url())


def _incomplete_messages(order: ReturnOrder) -> list[str]:
    """Why the order was not completed, in the page's words (the service speaks the API's)."""
    lines = list(selectors.return_order_lines_resolved(order.pk))
    resolution_views.annotate_lines(order, lines, may_resolve=False)
    reasons = _gap_sentences(lines)
    if not reasons:  # resolved meanwhile: try again
        return [
            _("Return order %(reference)s was not completed: try again.")
            % {"reference": order.reference}
        ]
    return [
        _("Return order %(reference)s was not completed: %(reasons)s.")
        % {"reference": order.reference, "reasons": "; ".join(reasons)}
    ]


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
    line items, as a CSV, XLSX or JSON download (``export=csv|xlsx|json``). More rows than
    EXPORT_JOB_THRESHOLD export as a job: the answer is the job's page."""
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
    if exports.export_runs_as_job(queryset):
        job = exports.export_start(
            table=table, queryset=queryset, export_format=export_format, user=request.user
        )
        return redirect(job.get_absolute_url())
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
