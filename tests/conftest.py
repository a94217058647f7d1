"""Shared fixtures: API clients for users with exactly the roles a test asks for."""

import base64

import pytest
from rest_framework.test import APIClient

from tests.factories import GroupFactory, UserFactory
from users import services as user_services


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the default hasher's deliberate slowness buys nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _throwaway_media_root(settings, tmp_path):
    """Uploads and printed reports land in a per-test folder, never in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session", autouse=True)
def _database_features_known(django_db_setup, django_db_blocker):
    """Django asks SQLite once per connection whether it has JSON (three statements), the
    first time a JSON column is read. Asked here, before any test, so a pinned query count
    does not depend on which test a worker runs first."""
    from django.db import connection

    with django_db_blocker.unblock():
        connection.features.supports_json_field  # noqa: B018  (a cached property)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db):
    """``make_user(return_order=["view", "add"])``: a user in a group holding those roles."""

    def _make(username=None, *, superuser=False, staff=False, **roles):
        kwargs = {"username": username} if username else {}
        user = UserFactory(is_superuser=superuser, is_staff=staff or superuser, **kwargs)
        if roles:
            group = GroupFactory()
            for role, actions in roles.items():
                user_services.group_set_role(group=group, role=role, **dict.fromkeys(actions, True))
            user.groups.add(group)
        return type(user).objects.get(pk=user.pk)  # fresh instance: no stale permission cache

    return _make


@pytest.fixture
def client_for(make_user):
    """``client_for(return_order=["view"])``: an APIClient logged in (forced) as such a user."""

    def _client(**roles):
        user = make_user(**roles)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return _client


@pytest.fixture
def admin_client_api(make_user):
    user = make_user(superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
