"""The 403, 404 and 500 pages: in the site's layout, with a way back, keeping their status
codes, and without debugging details."""

import re

import pytest
from django.test import Client

from tests.pages.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _landmarks(body: str) -> None:
    assert '<nav class="navbar' in body
    assert '<main id="main"' in body
    assert "<footer" in body
    assert re.search(r"<h1[^>]*>", body)


def test_403_is_in_the_layout_with_a_way_back(enabled, page_client):
    client = page_client(return_order=["view"])
    response = client.get("/returns/new/")
    assert response.status_code == 403
    body = response.content.decode()
    _landmarks(body)
    assert "You are not allowed to do that" in body
    assert 'href="/">Go to the home page</a>' in body
    assert 'href="/returns/">Return orders</a>' in body


def test_404_for_an_unknown_order_keeps_its_status_and_names_no_model(enabled, viewer):
    response = viewer.get("/returns/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    _landmarks(body)
    assert "Page not found" in body
    assert "ReturnOrder" not in body  # Django's "No ReturnOrder matches the given query."
    assert "matches the given query" not in body
    assert 'href="/">Go to the home page</a>' in body


def test_404_for_an_unknown_address(viewer):
    response = viewer.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    _landmarks(response.content.decode())


def test_disabled_return_orders_offer_staff_the_setting(page_client):
    order = OrderFactory()
    staff = page_client(staff=True, return_order=["view"])
    response = staff.get(f"/returns/{order.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    _landmarks(body)
    assert "Return orders are not enabled" in body
    assert 'href="/returns/settings/"' in body
    assert "Turn on return orders in Settings" in body


def test_disabled_return_orders_tell_others_whom_to_ask(viewer):
    response = viewer.get("/returns/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Return orders are not enabled" in body
    assert "Ask an administrator" in body
    assert "/returns/settings/" not in body


def test_anonymous_404_offers_to_log_in():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert 'href="/accounts/login/">Log in</a>' in response.content.decode()


def test_api_404_stays_json(viewer):
    response = viewer.get("/api/order/ro/999999/")
    assert response.status_code in (401, 403, 404)
    assert response["Content-Type"].startswith("application/json")
