"""The permission matrix for account management: who may change whom.

Privilege is ordered none < role admin < staff < superuser. For every pair of actor and target
(and the actor's own account) and every change, ``RULE`` says whether it is allowed; the tests
are generated from it, through the API (``/api/user/<pk>/``) and, for actors who can use it,
the Django admin. A refused write is a 403 and changes nothing.

The actors who manage accounts hold the whole ``admin`` role (staff get it too: being staff
alone grants no role). The rule, in words:

* without user-management rights (``none``), nobody writes any account, not even their own,
  and sees only pk, username and names of the others;
* only a superuser grants or removes staff status, and changes staff and superuser accounts;
* a role admin or staff user changes accounts below staff (holding no permission they lack)
  and their own.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import GroupFactory
from users.models import ApiToken

pytestmark = pytest.mark.django_db

ACTORS = ["none", "role_admin", "staff", "superuser"]
TARGETS = ["none", "role_admin", "staff", "superuser", "self"]
CHANGES = ["password", "deactivate", "groups", "is_staff", "delete", "view_email"]
MANAGER_ROLE = {"admin": ["view", "add", "change", "delete"]}
NEW_PASSWORD = "a-Matrix-pass-77"

# RULE[actor][target] = the changes allowed; everything else is refused.
WRITES = {"password", "deactivate", "groups", "delete", "view_email"}
RULE = {
    "none": {target: set() for target in TARGETS} | {"self": {"view_email"}},
    "role_admin": {
        "none": WRITES,
        "role_admin": WRITES,
        "staff": {"view_email"},
        "superuser": {"view_email"},
        "self": WRITES,
    },
    "staff": {
        "none": WRITES,
        "role_admin": WRITES,
        "staff": {"view_email"},
        "superuser": {"view_email"},
        "self": WRITES,
    },
    "superuser": {target: set(CHANGES) for target in TARGETS},
}
CASES = [(actor, target, change) for actor in ACTORS for target in TARGETS for change in CHANGES]


def test_the_rule_covers_every_pair():
    assert set(RULE) == set(ACTORS)
    for actor, targets in RULE.items():
        assert set(targets) == set(TARGETS), actor
        assert all(allowed <= set(CHANGES) for allowed in targets.values())


def build(make_user, kind: str, name: str) -> User:
    if kind == "none":
        return make_user(name)
    if kind == "role_admin":
        return make_user(name, **MANAGER_ROLE)
    if kind == "staff":
        # Staff actors manage accounts through the admin role; staff targets need no role.
        return make_user(name, staff=True, **MANAGER_ROLE)
    return make_user(name, superuser=True)


@pytest.fixture
def pair(make_user):
    def _pair(actor_kind: str, target_kind: str) -> tuple[User, User]:
        actor = build(make_user, actor_kind, "actor")
        target = actor if target_kind == "self" else build(make_user, target_kind, "target")
        return actor, User.objects.get(pk=target.pk)

    return _pair


def snapshot(user: User) -> dict:
    fresh = User.objects.filter(pk=user.pk).first()
    if fresh is None:
        return {"exists": False}
    return {
        "exists": True,
        "password": fresh.password,
        "is_active": fresh.is_active,
        "is_staff": fresh.is_staff,
        "groups": set(fresh.groups.values_list("pk", flat=True)),
    }


def applied(change: str, before: dict, after: dict) -> bool:
    return {
        "password": lambda: after.get("password") != before["password"],
        "deactivate": lambda: after.get("is_active") is False,
        "groups": lambda: after.get("groups") != before["groups"],
        "is_staff": lambda: after.get("is_staff") != before["is_staff"],
        "delete": lambda: not after["exists"],
    }[change]()


@pytest.mark.parametrize(("actor_kind", "target_kind", "change"), CASES)
def test_account_changes_through_the_api(pair, actor_kind, target_kind, change):
    actor, target = pair(actor_kind, target_kind)
    allowed = change in RULE[actor_kind][target_kind]
    client = APIClient()
    client.force_authenticate(actor)
    url = f"/api/user/{target.pk}/"

    if change == "view_email":
        response = client.get(url)
        assert response.status_code == 200
        assert ("email" in response.json()) is allowed
        return

    before = snapshot(target)
    if change == "delete":
        response = client.delete(url)
    else:
        payload = {
            "password": {"password": NEW_PASSWORD},
            "deactivate": {"is_active": False},
            "groups": {"groups": [GroupFactory().pk]},
            "is_staff": {"is_staff": not target.is_staff},
        }[change]
        response = client.patch(url, payload, format="json")
    expected_status = (204 if change == "delete" else 200) if allowed else 403
    assert response.status_code == expected_status, response.content
    if not allowed:
        assert response.json()["detail"]
    assert applied(change, before, snapshot(target)) is allowed


@pytest.mark.parametrize(
    ("actor_kind", "target_kind"),
    [(a, t) for a in ACTORS for t in TARGETS],
)
def test_a_password_change_the_rule_allows_revokes_the_targets_tokens(
    pair, actor_kind, target_kind
):
    actor, target = pair(actor_kind, target_kind)
    ApiToken.objects.create(user=target, name="t", key_hash=f"h{target.pk}", prefix="p")
    client = APIClient()
    client.force_authenticate(actor)
    client.patch(f"/api/user/{target.pk}/", {"password": NEW_PASSWORD}, format="json")
    revoked = ApiToken.objects.get(user=target).revoked
    assert revoked is ("password" in RULE[actor_kind][target_kind])


# --- the Django admin, for the actors who can log in to it ------------------------------

ADMIN_ACTORS = ["staff", "superuser"]
ADMIN_CHANGES = ["password", "deactivate", "groups", "is_staff", "delete"]
ADMIN_CASES = [(a, t, c) for a in ADMIN_ACTORS for t in TARGETS for c in ADMIN_CHANGES]


def change_form(target: User, **changes) -> dict:
    """The admin's change form for ``target`` as it stands, with ``changes`` applied."""
    state = {
        "is_active": target.is_active,
        "is_staff": target.is_staff,
        "is_superuser": target.is_superuser,
        "groups": [str(pk) for pk in target.groups.values_list("pk", flat=True)],
        **changes,
    }
    joined = target.date_joined
    form = {
        "username": target.username,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "groups": state["groups"],
    }
    for flag in ("is_active", "is_staff", "is_superuser"):
        if state[flag]:
            form[flag] = "on"
    return form


@pytest.mark.parametrize(("actor_kind", "target_kind", "change"), ADMIN_CASES)
def test_account_changes_through_the_admin(pair, actor_kind, target_kind, change):
    actor, target = pair(actor_kind, target_kind)
    allowed = change in RULE[actor_kind][target_kind]
    browser = Client()
    browser.force_login(actor)
    base = f"/admin/auth/user/{target.pk}"
    before = snapshot(target)

    if change == "password":
        response = browser.post(
            f"{base}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )
    elif change == "delete":
        response = browser.post(f"{base}/delete/", {"post": "yes"})
    else:
        changes = {
            "deactivate": {"is_active": False},
            "groups": {"groups": [str(GroupFactory().pk)]},
            "is_staff": {"is_staff": not target.is_staff},
        }[change]
        response = browser.post(f"{base}/change/", change_form(target, **changes))

    may_open = actor_kind == "superuser" or target_kind in {"none", "role_admin", "self"}
    if may_open:
        assert response.status_code == 302, response.content.decode()[:2000]
    else:
        assert response.status_code == 403
    assert applied(change, before, snapshot(target)) is allowed
