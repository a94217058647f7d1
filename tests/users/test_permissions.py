"""The permission check: a user's own and group permissions, read together in one query."""

import pytest
from django.contrib.auth import backends as django_backends
from django.contrib.auth.models import Permission, User

from tests.factories import GroupFactory, UserFactory
from users.authentication import ModelBackend

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
