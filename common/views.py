"""Error pages: in the site's layout for people, in JSON for the API."""

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from common import site_settings

# The URL namespace whose pages answer 404 while return orders are switched off. The 404 page
# then says so, and offers staff the setting, instead of a bare "not found".
RETURNS_NAMESPACE = "returns"


def page_not_found(request, exception, template_name="404.html"):
    """A 404 in the layout. Nothing of the exception is shown: it may name models or queries."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    match = getattr(request, "resolver_match", None)
    returns_disabled = (
        match is not None
        and match.namespace == RETURNS_NAMESPACE
        and not site_settings.get_value("RETURNORDER_ENABLED")
    )
    return render(request, template_name, {"returns_disabled": returns_disabled}, status=404)


def server_error(request, template_name="500.html"):
    """A 500 rendered without the request's context: nothing that may have failed runs again."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    template = loader.get_template(template_name)
    return HttpResponseServerError(
        template.render(
            {
                "instance_name": settings.BOOMERANG_INSTANCE_NAME,
                "boomerang_version": settings.BOOMERANG_VERSION,
            }
        )
    )
