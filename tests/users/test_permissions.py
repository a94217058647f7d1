"""The permission check: a user's own and group permissions, read together in one query, and
read with the user itself when a session or an API key brings the user."""

import pytest
from django.contrib.auth import backends as django_backends
from django.contrib.auth.models import Permission, User

from tests.factories import GroupFactory, UserFactory
from users.authentication import ModelBackend
from users.services import api_token_create, api_token_user

pytestmark = pytest.mark.django_db


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def user():
    user = UserFactory()
    user.user_permissions.add(_permission("view_returnorder"), _permission("add_returnorder"))
    group = GroupFactory()
    group.permissions.add(_permission("add_returnorder"), _permission("change_stockitem"))
    user.groups.add(group, GroupFactory())
    return user


def test_own_and_group_permissions_are_read_in_one_query(user, django_assert_num_queries):
    fresh = _fresh(user)
    with django_assert_num_queries(1):
        permissions = ModelBackend().get_all_permissions(fresh)
        assert fresh.has_perm("stock.change_stockitem")
        assert fresh.has_perms(["returns.view_returnorder", "returns.add_returnorder"])
    assert permissions == {
        "returns.view_returnorder",
        "returns.add_returnorder",
        "stock.change_stockitem",
    }


def test_the_permissions_are_djangos_own(user):
    ours = ModelBackend().get_all_permissions(_fresh(user))
    assert ours == django_backends.ModelBackend().get_all_permissions(_fresh(user))


def test_a_superuser_has_every_permission_and_an_inactive_user_none(user):
    admin = UserFactory(is_superuser=True)
    assert ModelBackend().get_all_permissions(_fresh(admin)) == (
        django_backends.ModelBackend().get_all_permissions(_fresh(admin))
    )
    user.is_active = False
    user.save()
    assert ModelBackend().get_all_permissions(_fresh(user)) == set()
    assert not _fresh(user).has_perm("returns.view_returnorder")


def test_object_permissions_are_not_granted(user):
    assert ModelBackend().get_all_permissions(_fresh(user), obj=object()) == set()


def _django_view(user) -> tuple[set, set, set]:
    fresh = _fresh(user)
    backend = django_backends.ModelBackend()
    return (
        backend.get_user_permissions(fresh),
        backend.get_group_permissions(fresh),
        backend.get_all_permissions(fresh),
    )


def _loaded_by_session(user) -> User:
    return ModelBackend().get_user(user.pk)


def _loaded_by_key(user) -> User:
    _token, key = api_token_create(user=user, name="integration")
    loaded = api_token_user(key)
    api_token_user(key)  # last_seen is touched on the first use only
    return loaded


@pytest.mark.parametrize("load", [_loaded_by_session, _loaded_by_key], ids=["session", "key"])
def test_the_user_arrives_with_its_permissions_and_checks_them_without_a_query(
    user, load, django_assert_num_queries
):
    own, grouped, every = _django_view(user)
    assert own and grouped and own != grouped  # the fixture has both kinds, overlapping
    if load is _loaded_by_key:
        _token, key = api_token_create(user=user, name="integration")
        api_token_user(key)
        with django_assert_num_queries(1):
            loaded = api_token_user(key)
    else:
        with django_assert_num_queries(1):
            loaded = _loaded_by_session(user)
    with django_assert_num_queries(0):
        assert loaded.get_user_permissions() == own
        assert loaded.get_group_permissions() == grouped
        assert loaded.get_all_permissions() == every
        assert loaded.has_perm("stock.change_stockitem")
        assert not loaded.has_perm("stock.delete_stockitem")
    assert loaded == user and loaded.username == user.username


@pytest.mark.parametrize("load", [_loaded_by_session, _loaded_by_key], ids=["session", "key"])
def test_a_user_without_permissions_arrives_with_none(load):
    loaded = load(UserFactory())
    assert loaded.get_all_permissions() == set()
    assert not loaded.has_perm("returns.view_returnorder")


@pytest.mark.parametrize("load", [_loaded_by_session, _loaded_by_key], ids=["session", "key"])
def test_a_superuser_arriving_still_has_every_permission(load):
    admin = UserFactory(is_superuser=True)
    assert load(admin).get_all_permissions() == _django_view(admin)[2]


def test_the_session_refuses_an_inactive_or_missing_user(user):
    user.is_active = False
    user.save()
    assert ModelBackend().get_user(user.pk) is None
    assert ModelBackend().get_user(987654) is None


def test_a_permission_granted_after_one_request_counts_on_the_next(user, client):
    client.force_login(user)
    assert client.get("/api/stock/").status_code == 403
    user.groups.first().permissions.add(_permission("view_stockitem"))
    assert client.get("/api/stock/").status_code == 200
