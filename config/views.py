"""Site-level pages that span apps: the home page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from companies.models import Company, Contact
from stock.models import Part, StockItem, StockLocation


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
