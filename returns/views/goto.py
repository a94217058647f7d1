"""The navigation bar's Go to box: a typed or scanned order reference opens the order."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.filters import search_truncated
from returns import selectors
from returns.views.base import return_order_page


@return_order_page("returns.view_returnorder")
@require_GET
def return_order_goto(request):
    """Open the order a reference names (exactly, ignoring case; or a bare number such as
    "6" for RMA-0006 when only one order has it); otherwise the index searched for it."""
    text, _truncated = search_truncated(request.GET.get("q", ""))
    order = selectors.return_order_by_reference(text)
    if order is not None:
        return redirect(order.get_absolute_url())
    index = reverse("returns:index")
    if not text:
        return redirect(index)
    messages.info(
        request,
        _("No return order has the reference “%(text)s”: these orders match the search.")
        % {"text": text},
    )
    return redirect(f"{index}?{urlencode({'search': text})}")
