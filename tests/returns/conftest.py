"""Fixtures for the return-order tests: people, places and a site-setting switch."""

import pytest

from common import site_settings
from tests.factories import CustomerFactory, LocationFactory, UserFactory


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def customer(db):
    return CustomerFactory(currency="USD")


@pytest.fixture
def location(db):
    return LocationFactory(name="Quarantine")


@pytest.fixture
def set_setting(db):
    """``set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)``: store a site setting."""

    def _set(key, value):
        return site_settings.set_value(key, value)

    return _set
