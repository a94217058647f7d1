"""Error pages: the API answers in JSON even when something unexpected breaks."""

from django.http import JsonResponse
from django.views.defaults import server_error as html_server_error


def server_error(request, template_name="500.html"):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return html_server_error(request, template_name)
