"""The company list page (the company page itself is a site-level page in ``config.views``)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from common.filters import search_terms
from companies.selectors import company_list as company_list_query

PAGE_SIZE = 25
SEARCH_FIELDS = ["name", "description", "email", "phone", "contacts__name"]
KINDS = {"customer": Q(is_customer=True), "supplier": Q(is_supplier=True)}


def search_companies(queryset, text: str):
    """Every term matches a name, description, e-mail, phone or contact name.

    Raises ``ValidationError`` for a search over ``common.filters.search_terms``'s limits.
    """
    for term in search_terms(text):
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": term})
        # A contact name can match several contacts: filter by key, so no row repeats.
        queryset = queryset.filter(pk__in=queryset.model.objects.filter(match).values("pk"))
    return queryset


@login_required
def company_list(request):
    """Companies by name, searchable, customers or suppliers only, 25 a page."""
    if not request.user.has_perm("companies.view_company"):
        raise PermissionDenied
    search = request.GET.get("search", "").strip()
    kind = request.GET.get("kind", "")
    queryset = company_list_query().order_by("name", "pk")
    if kind in KINDS:
        queryset = queryset.filter(KINDS[kind])
    error = None
    if search:
        try:
            queryset = search_companies(queryset, search)
        except ValidationError as exc:
            error = exc.messages[0]
            queryset = queryset.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the filters in use, so a bookmarked URL stays short.
    params = {key: value for key, value in request.GET.items() if value and key != "page"}
    return render(
        request,
        "company_list.html",
        {
            "page": page,
            "search": search,
            "kind": kind if kind in KINDS else "",
            "search_error": error,
            "filtered": bool(search or kind in KINDS),
            "page_query": urlencode(params),
        },
    )
