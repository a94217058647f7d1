"""Fixtures for the page tests: browser-like clients with roles, and the return-order switch."""

import pytest
from django.test import Client

from common import site_settings

ALL = ("view", "add", "change", "delete")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded attachments land in a throwaway folder, never in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def set_setting(db):
    """``set_setting("RETURNORDER_REQUIRE_RESPONSIBLE", True)``: store a site setting."""

    def _set(key, value):
        return site_settings.set_value(key, value)

    return _set


@pytest.fixture
def enabled(set_setting):
    """Return orders switched on in the user interface (they are off by default)."""
    set_setting("RETURNORDER_ENABLED", True)


@pytest.fixture
def page_client(make_user):
    """``page_client(return_order=["view"])``: a Django test client logged in as such a user."""

    def _client(*, staff=False, csrf=False, **roles) -> Client:
        user = make_user(staff=staff, **roles)
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user)
        client.user = user
        return client

    return _client


@pytest.fixture
def clerk(page_client):
    """Everything on return orders and stock: every button of every page is offered."""
    return page_client(return_order=ALL, stock=ALL, stock_location=["view"], part=["view"])


@pytest.fixture
def viewer(page_client):
    """May look at return orders (and stock), change nothing."""
    return page_client(return_order=["view"], stock=["view"])
