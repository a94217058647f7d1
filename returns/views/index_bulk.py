"""What the index page does with the orders ticked in its table, and its calendar as a file.

``return_order_bulk`` takes the ticked orders (``orders``) and one ``action``: print them into
one PDF, export them (CSV, XLSX or JSON), or issue, hold or cancel each through its own
service. Printing and exporting need view permission; the status changes need
``returns.add_returnorder``, as on an order's page. A status change that an order refuses is
reported by reference, beside the ones that were done.
"""

import heapq

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from common.export import FORMATS, export_response
from reports import selectors as report_selectors
from reports import services as report_services
from returns import calendar, exports, forms, selectors, services
from returns.calendar_views import CONTENT_TYPE
from returns.statuses import Transition
from returns.views.base import _errors, return_order_page
from returns.views.orders import _filtered_orders, calendar_orders, calendar_shows_lines

STATUS_ACTIONS = {
    Transition.ISSUE: (_("Issued"), _("Not issued")),
    Transition.HOLD: (_("Placed on hold"), _("Not placed on hold")),
    Transition.CANCEL: (_("Cancelled"), _("Not cancelled")),
}
EXPORT_ACTIONS = {f"export-{name}": name for name in FORMATS}
MAX_REASON = 1000


def _back(request):
    """The index as it was (filters, sort, page): the form posts its query string back."""
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("returns:index") + (f"?{query}" if query else ""))


def _selected_pks(request) -> list[int]:
    pks = []
    for value in request.POST.getlist("orders"):
        if value.isascii() and value.isdigit() and len(value) < 19:
            pks.append(int(value))
    return list(dict.fromkeys(pks))


@return_order_page("returns.view_returnorder")
@require_POST
def return_order_bulk(request):
    action = request.POST.get("action", "")
    if action in STATUS_ACTIONS and not request.user.has_perm("returns.add_returnorder"):
        raise PermissionDenied
    if action not in STATUS_ACTIONS and action not in EXPORT_ACTIONS and action != "print":
        messages.error(request, _("Choose what to do with the selected orders."))
        return _back(request)
    pks = _selected_pks(request)
    orders = list(
        selectors.return_order_list().filter(pk__in=pks).order_by("-reference_int", "-pk")
    )
    if not orders:
        messages.error(request, _("Select at least one order first: tick the boxes in the table."))
        return _back(request)
    if action == "print":
        return _print(request, orders)
    if action in EXPORT_ACTIONS:
        queryset = selectors.return_order_list().filter(pk__in=[o.pk for o in orders])
        return export_response(
            table=exports.ORDER_TABLE,
            queryset=queryset.order_by("-reference_int", "-pk"),
            export_format=EXPORT_ACTIONS[action],
        )
    return _change_status(request, orders, action)


def _change_status(request, orders, action):
    reason = " ".join(request.POST.get("reason", "").split())
    if action == Transition.CANCEL and not reason:
        messages.error(
            request,
            _("Say why the orders are cancelled: the reason goes into each order's history."),
        )
        return _back(request)
    if len(reason) > MAX_REASON:
        messages.error(request, _("Keep the reason under %(n)s characters.") % {"n": MAX_REASON})
        return _back(request)
    done, refused = [], []
    service = services.TRANSITION_SERVICES[action]
    for order in orders:
        if action == Transition.ISSUE and not order.line_items:
            refused.append(
                _("%(reference)s has no lines yet: add its items, or issue it from its page.")
                % {"reference": order.reference}
            )
            continue
        try:
            service(order=order, user=request.user, note=reason)
        except ValidationError as exc:
            refused.append(" ".join(_errors(exc)))
        else:
            done.append(order.reference)
    done_label, refused_label = STATUS_ACTIONS[action]
    if done:
        messages.success(
            request,
            ngettext(
                "%(what)s %(n)s order: %(refs)s.",
                "%(what)s %(n)s orders: %(refs)s.",
                len(done),
            )
            % {"what": done_label, "n": len(done), "refs": ", ".join(done)},
        )
    if refused:
        messages.error(
            request,
            ngettext(
                "%(what)s (%(n)s order): %(why)s",
                "%(what)s (%(n)s orders): %(why)s",
                len(refused),
            )
            % {"what": refused_label, "n": len(refused), "why": " ".join(refused)},
        )
    return _back(request)


def _print(request, orders):
    """One PDF of the selected orders; with several report templates, choose one first.
    More orders than REPORT_PRINT_JOB_THRESHOLD print as a job: the answer is its page."""
    templates = list(report_selectors.report_templates_for("returnorder"))
    chosen = request.POST.get("template")
    if chosen:
        template = next((t for t in templates if str(t.pk) == chosen), None)
        if template is None:
            messages.error(request, _("That report template is no longer available."))
            return _back(request)
    elif len(templates) == 1:
        template = templates[0]
    else:
        return render(
            request,
            "returns/bulk_print.html",
            {"orders": orders, "templates": templates, "query": request.POST.get("query", "")},
        )
    pks = [order.pk for order in orders]
    if report_services.print_runs_as_job(pks):
        try:
            job = report_services.report_print_start(
                template=template, items=pks, user=request.user
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
            return _back(request)
        return redirect(job.get_absolute_url())
    try:
        instances = report_services.report_instances(
            template=template, items=pks, user=request.user
        )
        rendered = report_services.report_render(
            template=template, instances=instances, user=request.user
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return _back(request)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    filename = rendered.filename if len(orders) == 1 else "ReturnOrders.pdf"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@return_order_page("returns.view_returnorder")
@require_GET
def return_order_calendar_export(request):
    """The calendar's orders for the current filters as an iCalendar file (all dates).

    The same filters and search as the index and calendar; the subscription feed is the
    live equivalent for calendar apps.
    """
    form = forms.OrderFilterForm(request.GET or None)
    filtered = _filtered_orders(request, form)
    orders, _include, _by_filter = calendar_orders(request, filtered)
    if calendar_shows_lines(request):
        rows = heapq.merge(
            map(calendar.order_row, orders.order_by("target_date", "pk").iterator()),
            selectors.return_order_lines_for_calendar(orders=filtered)
            .order_by("target_date", "order_id", "pk")
            .iterator(),
            key=lambda row: (row[5], row[0], row[13] if len(row) > 13 else 0),
        )
        body = calendar.calendar_body(rows)
    else:
        body = calendar.return_order_calendar(orders.order_by("target_date", "pk").iterator())
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "return-orders.ics")
    return response
