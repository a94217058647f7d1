"""The customer portal's pages. A visitor is a contact (``request.portal_contact``, set by
``portal.middleware``), never ``request.user``: a staff session reaches none of these pages
beyond the sign-in form."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from common import site_settings
from portal import progress, selectors, services
from portal.forms import MessageForm, ReturnRequestForm, SignInForm
from portal.middleware import clear_portal_cookie, set_portal_cookie
from users.authentication import client_ip_address

PAGE_SIZE = 20
REQUEST_ITEMS = 50  # items listed on the request form (search by serial narrows them)


def portal_page(view):
    """Signed-in contacts only; anyone else is sent to the sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.portal_contact is None:
            return redirect("portal:sign-in")
        try:
            return view(request, *args, **kwargs)
        except Http404:
            # The portal's own layout; the same answer whether the order exists or not.
            return _render(request, "portal/404.html", status=404)

    return never_cache(wrapper)


def _render(request, template: str, context: dict | None = None, *, status: int = 200):
    """A portal page: the signed-in contact and the logo from the site settings."""
    context = {
        "contact": request.portal_contact,
        "portal_logo_url": site_settings.get_value("PORTAL_LOGO_URL"),
        **(context or {}),
    }
    return render(request, template, context, status=status)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@never_cache
def not_found(request):
    """A path the portal does not have, in the portal's layout (signed in or not). A path that
    exists with a trailing slash is redirected to it, as ``APPEND_SLASH`` does elsewhere."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            query = request.META.get("QUERY_STRING", "")
            return redirect(request.path + "/" + (f"?{query}" if query else ""))
    return _render(request, "portal/404.html", status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Ask for a sign-in link. The answer is the same whether the address is known or not."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed = services.portal_link_request_allowed(
            email=email, client_address=client_ip_address(request)
        )
        if not allowed:
            return _render(request, "portal/sign_in_limited.html", status=429)
        services.portal_link_request(email=email)
        return redirect("portal:sign-in-sent")
    status = 400 if form.errors else 200
    return _render(
        request,
        "portal/sign_in.html",
        {"form": form, "signed_out": "signed_out" in request.GET},
        status=status,
    )


@never_cache
def sign_in_sent(request):
    return _render(request, "portal/sign_in_sent.html")


@never_cache
@require_http_methods(["GET", "POST"])
def link(request, token):
    """The e-mailed link. GET asks to confirm (mail scanners that open links do not use it
    up); POST uses it once and starts a portal session."""
    try:
        if request.method == "GET":
            services.portal_link_check(token=token)
            return _render(request, "portal/link_confirm.html")
        signed_in = services.portal_link_redeem(token=token)
    except services.LinkInvalid as exc:
        return _render(request, "portal/link_invalid.html", {"reason": exc.reason}, status=410)
    response = redirect("portal:orders")
    old = request.COOKIES.get(settings.PORTAL_SESSION_COOKIE_NAME)
    if old:
        services.portal_session_end(session_key=old)
    set_portal_cookie(response, key=signed_in.session_key, expires=signed_in.expires_at)
    return response


@require_POST
def sign_out(request):
    key = request.COOKIES.get(settings.PORTAL_SESSION_COOKIE_NAME)
    if key:
        services.portal_session_end(session_key=key)
    response = redirect(reverse("portal:sign-in") + "?signed_out=1")
    clear_portal_cookie(response)
    return response


@portal_page
def orders(request):
    contact = request.portal_contact
    page = _page(request, selectors.portal_orders(contact))
    for order in page:
        order.customer_status = progress.CUSTOMER_STATUS.get(order.status, "")
    return _render(request, "portal/orders.html", {"page": page, "section": "orders"})


def _order_or_404(request, pk):
    order = selectors.portal_order(request.portal_contact, pk)
    if order is None:
        raise Http404(_("No such return."))
    return order


def _order_page(request, order, *, message_form=None, status=200):
    lines = selectors.portal_order_lines(order)
    for line in lines:
        line.customer_state = progress.line_state(line)
        line.customer_resolution = progress.line_resolution(line)
    return _render(
        request,
        "portal/order_detail.html",
        {
            "section": "orders",
            "order": order,
            "lines": lines,
            "steps": progress.order_steps(order, lines),
            "customer_status": progress.CUSTOMER_STATUS.get(order.status, ""),
            "has_document": selectors.portal_document_template() is not None,
            "thread": selectors.portal_messages(order),
            "message_form": message_form or MessageForm(),
            "requested": "requested" in request.GET,
        },
        status=status,
    )


@portal_page
def order_detail(request, pk):
    return _order_page(request, _order_or_404(request, pk))


@portal_page
def order_document(request, pk):
    """The RMA document (the order's report, with its QR code), as a download."""
    order = _order_or_404(request, pk)
    if selectors.portal_document_template() is None:
        raise Http404(_("No document is available."))
    try:
        filename, pdf, mimetype = services.rma_document(order=order.pk)
    except ValidationError as exc:
        raise Http404(_("The document could not be made.")) from exc
    response = HttpResponse(pdf, content_type=mimetype)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_page
def items(request):
    contact = request.portal_contact
    search = request.GET.get("q", "")[:100]
    page = _page(request, selectors.portal_items(contact, search=search))
    return _render(request, "portal/items.html", {"page": page, "q": search, "section": "items"})


def _request_form(request, contact, search: str):
    from returns.models import ReturnReason

    return ReturnRequestForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        items=selectors.portal_returnable_items(contact, search=search)[:REQUEST_ITEMS],
        reasons=ReturnReason.objects.filter(active=True).order_by("sort_order", "label"),
        addresses=selectors.portal_addresses(contact),
        reason_required=bool(site_settings.get_value("RETURNORDER_REQUIRE_REASON")),
    )


@portal_page
@require_http_methods(["GET", "POST"])
def request_return(request):
    """Request a return: the items to send back, why, photos, and the address."""
    contact = request.portal_contact
    search = request.GET.get("q", "")[:100]
    form = _request_form(request, contact, search)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.portal_return_request(
                contact=contact,
                lines=form.chosen_lines,
                typed=form.typed_lines,
                address=form.cleaned_data.get("address"),
                photos=form.cleaned_data.get("photos") or [],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect(reverse("portal:order", kwargs={"pk": order.pk}) + "?requested=1")
    status = 400 if form.errors else 200
    return _render(
        request,
        "portal/request.html",
        {"form": form, "q": search, "section": "request"},
        status=status,
    )


@portal_page
@require_POST
def message(request, pk):
    order = _order_or_404(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.portal_message_post(
                contact=request.portal_contact,
                order=order,
                body=form.cleaned_data.get("body") or "",
                photos=form.cleaned_data.get("photos") or [],
            )
        except ValidationError as exc:
            for text in exc.messages:
                form.add_error(None, text)
        else:
            return redirect(reverse("portal:order", kwargs={"pk": order.pk}) + "#messages")
    return _order_page(request, order, message_form=form, status=400)


@portal_page
def file(request, pk, attachment_pk):
    """A file of the order's thread, always as a download (never shown in the browser)."""
    order = _order_or_404(request, pk)
    attachment = selectors.portal_file(order, attachment_pk)
    if attachment is None:
        raise Http404(_("No such file."))
    response = FileResponse(
        attachment.attachment.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-cache"
    return response
