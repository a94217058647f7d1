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


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, BOOMERANG_INSTANCE_NAME="Returns Desk")
def test_unexpected_page_error_is_in_the_layout_without_details():
    response = Client(raise_request_exception=False).get("/boom/")
    body = response.content.decode()
    assert '<main id="main"' in body and "<nav" in body and "<footer" in body
    assert "Something went wrong" in body
    assert "Returns Desk" in body
    assert 'href="/">Go to the home page</a>' in body
    assert "Traceback" not in body and "RuntimeError" not in body
