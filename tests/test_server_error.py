import pytest
from django.test import Client, override_settings
from django.urls import path
from rest_framework.views import APIView

from config.urls import urlpatterns as real_urlpatterns


class Boom(APIView):
    permission_classes = []
    authentication_classes = []

    def get(self, request):
        raise RuntimeError("boom")


def boom_page(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/boom/", Boom.as_view()),
    path("boom/", boom_page),
    *real_urlpatterns,
]
handler500 = "common.views.server_error"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_unexpected_api_error_is_json():
    response = Client(raise_request_exception=False).get("/api/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "A server error occurred."}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_unexpected_page_error_is_html():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
