"""The stock pages: the stock list and assigning sold stock to a customer. (The stock item
page is a site-level page in ``config.views``.)"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from common.filters import search_terms
from companies.models import Company
from stock import services
from stock.forms import StockAssignForm
from stock.models import IN_STOCK_FILTER
from stock.selectors import category_choices
from stock.selectors import stock_item_list as stock_item_query

PAGE_SIZE = 25
# How many assignable items the assign page lists before it asks for a search.
ASSIGN_LIMIT = 50
SEARCH_FIELDS = ["serial", "part__name", "part__IPN", "batch", "customer__name", "location__name"]
WHERE = {"in_stock": IN_STOCK_FILTER, "customer": Q(customer__isnull=False)}


def search_stock(queryset, text: str):
    """Every term matches a serial, part name, IPN, batch, customer or location name.

    Raises ``ValidationError`` for a search over ``common.filters.search_terms``'s limits.
    """
    for term in search_terms(text):
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(match)
    return queryset


def _clean_query(request, *drop) -> str:
    """The request's query without empty values and ``drop``: short, bookmarkable URLs."""
    return urlencode(
        [(k, v) for k, values in request.GET.lists() for v in values if v and k not in drop]
    )


@login_required
def stock_list(request):
    """Stock items by part and serial, searchable, in stock or held by customers, of a part
    category (with its subcategories), 25 a page."""
    if not request.user.has_perm("stock.view_stockitem"):
        raise PermissionDenied
    search = request.GET.get("search", "").strip()
    where = request.GET.get("where", "")
    queryset = stock_item_query().order_by("part__name", "serial_int", "serial", "pk")
    if where in WHERE:
        queryset = queryset.filter(WHERE[where])
    # Parts by category (and its subcategories), for those who may see the categories.
    categories = None
    category = None
    if request.user.has_perm("stock.view_partcategory"):
        categories = list(category_choices())
        wanted = request.GET.get("category", "")
        category = next((c for c in categories if str(c.pk) == wanted), None)
        if category is not None:
            queryset = queryset.filter(
                Q(part__category=category)
                | Q(part__category__pathstring__startswith=f"{category.pathstring}/")
            )
    error = None
    if search:
        try:
            queryset = search_stock(queryset, search)
        except ValidationError as exc:
            error = exc.messages[0]
            queryset = queryset.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stock_list.html",
        {
            "page": page,
            "search": search,
            "where": where if where in WHERE else "",
            "search_error": error,
            "categories": categories,
            "category": category,
            "filtered": bool(search or where in WHERE or category),
            "page_query": _clean_query(request, "page"),
            "can_assign": request.user.has_perm("stock.change_stockitem"),
        },
    )


def assignable_items():
    """What may be sold to a customer: in stock and of a salable part."""
    return stock_item_query().filter(IN_STOCK_FILTER, part__salable=True)


def _next_url(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
def stock_assign(request):
    """Assign sold, in-stock items to a customer (``?customer=<pk>`` preselects one), so they
    can be returned on a return order. ``next`` is where to go once assigned."""
    if not request.user.has_perm("stock.change_stockitem"):
        raise PermissionDenied
    customers = Company.objects.filter(is_customer=True).order_by("name")
    customer = None
    customer_pk = request.POST.get("customer") or request.GET.get("customer")
    if customer_pk and str(customer_pk).isascii() and str(customer_pk).isdigit():
        customer = customers.filter(pk=customer_pk).first()
    search = request.GET.get("search", "").strip()
    next_url = _next_url(request)

    if request.method == "POST":
        form = StockAssignForm(request.POST)
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            try:
                assigned = services.stock_items_assign(
                    items=list(form.cleaned_data["items"]),
                    customer=customer,
                    user=request.user,
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Assigned %(count)d item to %(customer)s.",
                        "Assigned %(count)d items to %(customer)s.",
                        len(assigned),
                    )
                    % {"count": len(assigned), "customer": customer.name},
                )
                if next_url:
                    return redirect(next_url)
                return redirect(f"{reverse('stock-assign')}?{urlencode({'customer': customer.pk})}")
        selected = {str(pk) for pk in request.POST.getlist("items")}
    else:
        form = StockAssignForm(initial={"customer": customer})
        selected = set(request.GET.getlist("item"))

    items = assignable_items().order_by("part__name", "serial_int", "serial", "pk")
    error = None
    if search:
        try:
            items = search_stock(items, search)
        except ValidationError as exc:
            error = exc.messages[0]
            items = items.none()
    shown = list(items[: ASSIGN_LIMIT + 1])
    more = len(shown) > ASSIGN_LIMIT
    shown = shown[:ASSIGN_LIMIT]
    for item in shown:
        item.selected = str(item.pk) in selected
    return render(
        request,
        "stock_assign.html",
        {
            "form": form,
            "customers": customers,
            "customer": customer,
            "items": shown,
            "more": more,
            "limit": ASSIGN_LIMIT,
            "search": search,
            "search_error": error,
            "next": next_url or "",
            "held_url": reverse("company-detail", args=[customer.pk])
            if customer and request.user.has_perm("companies.view_company")
            else None,
        },
    )
