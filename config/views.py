"""Site-level pages that span apps: the home dashboard, and the company and stock item pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from common import site_settings
from companies.models import Company
from portal import selectors as portal_selectors
from returns.dashboard import return_order_dashboard
from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.selectors import return_order_list
from stock.selectors import stock_assigned_to, stock_item_list, tracking_list


@login_required
def home(request):
    """The returns dashboard for anyone who may view return orders; a welcome for the others."""
    user = request.user
    returns_enabled = bool(site_settings.get_value("RETURNORDER_ENABLED"))
    can_view_orders = user.has_perm("returns.view_returnorder")
    context = {
        "returns_enabled": returns_enabled,
        "can_view_orders": can_view_orders,
        "panels": return_order_dashboard(user=user)
        if returns_enabled and can_view_orders
        else None,
        "has_roles": user.is_superuser or bool(user.get_all_permissions()),
    }
    return render(request, "home.html", context)


@login_required
def company_detail(request, pk):
    """A company with its contacts, addresses, the stock it holds and its return orders."""
    if not request.user.has_perm("companies.view_company"):
        raise PermissionDenied
    company = get_object_or_404(Company, pk=pk)
    contacts = list(company.contacts.all())
    access = portal_selectors.portal_access_of(company.pk)
    for contact in contacts:
        contact.portal = access.get(contact.pk)
    can_view_stock = request.user.has_perm("stock.view_stockitem")
    can_view_orders = request.user.has_perm("returns.view_returnorder")
    return render(
        request,
        "company_detail.html",
        {
            "company": company,
            "contacts": contacts,
            "portal_domains": " ".join(portal_selectors.portal_domains_of(company.pk)),
            "portal_customer_emails": portal_selectors.portal_customer_emails(company.pk),
            "addresses": list(company.addresses.all()),
            "stock": list(stock_assigned_to(company.pk).order_by("part__name", "serial_int", "pk"))
            if can_view_stock
            else None,
            "orders": list(
                return_order_list().filter(customer=company).order_by("-reference_int", "-pk")
            )
            if can_view_orders
            else None,
            "returns_enabled": site_settings.get_value("RETURNORDER_ENABLED"),
        },
    )


@login_required
def stock_item_detail(request, pk):
    """A stock item with its tracking history (including returns against orders)."""
    if not request.user.has_perm("stock.view_stockitem"):
        raise PermissionDenied
    item = get_object_or_404(stock_item_list(), pk=pk)
    tracking = list(tracking_list().filter(item=item))
    order_pks = {entry.deltas.get("returnorder") for entry in tracking} - {None}
    orders = {}
    if order_pks and request.user.has_perm("returns.view_returnorder"):
        orders = {o.pk: o for o in ReturnOrder.objects.filter(pk__in=order_pks)}
    for entry in tracking:
        entry.return_order = orders.get(entry.deltas.get("returnorder"))
    lines = []
    if request.user.has_perm("returns.view_returnorder"):
        lines = list(
            ReturnOrderLineItem.objects.filter(item=item).select_related("order").order_by("-pk")
        )
    return render(
        request,
        "stock_item_detail.html",
        {
            "item": item,
            "tracking": tracking,
            "lines": lines,
            "returns_enabled": site_settings.get_value("RETURNORDER_ENABLED"),
        },
    )
