"""Site-level pages that span apps: home, and the read-only company and stock item pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from common import site_settings
from companies.models import Company, Contact
from returns.models import ReturnOrder, ReturnOrderLineItem
from returns.selectors import return_order_list
from stock.models import Part, StockItem, StockLocation
from stock.selectors import stock_assigned_to, stock_item_list, tracking_list


@login_required
def home(request):
    user = request.user
    cards = []

    def card(title, perm, count, admin_url):
        if user.has_perm(perm):
            cards.append({"title": title, "count": count(), "url": admin_url})

    card(
        "Customers",
        "companies.view_company",
        lambda: Company.objects.filter(is_customer=True).count(),
        "/admin/companies/company/?is_customer__exact=1",
    )
    card("Companies", "companies.view_company", Company.objects.count, "/admin/companies/company/")
    card("Contacts", "companies.view_contact", Contact.objects.count, "/admin/companies/contact/")
    card("Parts", "stock.view_part", Part.objects.count, "/admin/stock/part/")
    card(
        "Stock locations",
        "stock.view_stocklocation",
        StockLocation.objects.count,
        "/admin/stock/stocklocation/",
    )
    card("Stock items", "stock.view_stockitem", StockItem.objects.count, "/admin/stock/stockitem/")
    card(
        "Items with customers",
        "stock.view_stockitem",
        lambda: StockItem.objects.filter(customer__isnull=False).count(),
        "/admin/stock/stockitem/?customer__isnull=False",
    )
    return render(request, "home.html", {"cards": cards})


@login_required
def company_detail(request, pk):
    """A company with its contacts, addresses, the stock it holds and its return orders."""
    if not request.user.has_perm("companies.view_company"):
        raise PermissionDenied
    company = get_object_or_404(Company, pk=pk)
    can_view_stock = request.user.has_perm("stock.view_stockitem")
    can_view_orders = request.user.has_perm("returns.view_returnorder")
    return render(
        request,
        "company_detail.html",
        {
            "company": company,
            "contacts": list(company.contacts.all()),
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
