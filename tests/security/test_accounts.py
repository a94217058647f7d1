"""Account security: what a password change ends, who sees what of other accounts, and who may
hand out groups, roles and permissions (the API and the Django admin).

Who may change whom, pair by pair, is in ``tests/test_account_matrix.py``.
"""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import basic_auth
from tests.factories import GroupFactory, UserFactory
from users import services
from users.models import ApiToken

pytestmark = pytest.mark.django_db

USER_URL = "/api/user/"
ME_URL = "/api/user/me/"
FEED = "/api/order/calendar/return-order/calendar.ics"
PUBLIC = {"pk", "username", "first_name", "last_name"}
NEW_PASSWORD = "a-Brand-new-pass-42"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_for(user) -> str:
    _token, key = services.api_token_create(user=user, name="laptop")
    return key


def works_with_token(key) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(ME_URL).status_code == 200


def logged_in(client: Client) -> bool:
    """Whether the session still logs its user in (the home page needs a login)."""
    return client.get(ME_URL).status_code == 200


def session_for(user) -> Client:
    client = Client()
    client.force_login(user)
    assert logged_in(client)
    return client


def calendar_key_works(key) -> bool:
    return APIClient().get(FEED, {"token": key}).status_code == 200


# --- a password change ends tokens and sessions -----------------------------------------


def test_a_password_set_through_the_api_revokes_tokens_and_ends_sessions(make_user):
    alice = make_user("alice", return_order=["view"])
    key = token_for(alice)
    other_key = token_for(make_user("bob"))
    _calendar, calendar_key = services.calendar_token_regenerate(user=alice)
    browser = session_for(alice)
    # A manager may change only accounts whose rights they hold too.
    manager = api_as(make_user(admin=["view", "change"], return_order=["view"]))

    assert manager.patch(f"{USER_URL}{alice.pk}/", {"password": NEW_PASSWORD}).status_code == 200

    assert not works_with_token(key)
    assert ApiToken.objects.get(user=alice).revoked is True
    assert not logged_in(browser)
    assert works_with_token(other_key)  # nobody else's
    # The calendar key only reads the feed: it stays.
    assert calendar_key_works(calendar_key)
    basic = APIClient()
    basic.credentials(HTTP_AUTHORIZATION=basic_auth("alice", NEW_PASSWORD))
    assert basic.get(ME_URL).status_code == 200


def test_other_changes_through_the_api_keep_tokens_and_sessions(make_user):
    alice = make_user("alice")
    key = token_for(alice)
    browser = session_for(alice)
    manager = api_as(make_user(admin=["view", "change"]))
    assert manager.patch(f"{USER_URL}{alice.pk}/", {"first_name": "Al"}).status_code == 200
    assert works_with_token(key)
    assert logged_in(browser)


def test_changing_ones_own_password_in_the_browser_keeps_this_session_only(make_user):
    alice = make_user("alice", admin=["view", "change"])
    key = token_for(alice)
    here, elsewhere = session_for(alice), session_for(alice)
    # The browsable API / a script in the page: session plus CSRF.
    here_api = APIClient(enforce_csrf_checks=False)
    here_api.cookies = here.cookies
    response = here_api.patch(f"{USER_URL}{alice.pk}/", {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    here.cookies = here_api.cookies  # the session key was cycled
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert not works_with_token(key)


def test_a_password_changed_with_a_token_revokes_that_token_too(make_user):
    alice = make_user("alice", admin=["view", "change"])
    key = token_for(alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.patch(f"{USER_URL}{alice.pk}/", {"password": NEW_PASSWORD}).status_code == 200
    assert not works_with_token(key)


def test_a_password_changed_in_the_admin_revokes_tokens_and_ends_sessions(make_user):
    alice = make_user("alice")
    key = token_for(alice)
    browser = session_for(alice)
    root = session_for(make_user("root", superuser=True))
    response = root.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert not works_with_token(key)
    assert not logged_in(browser)
    assert logged_in(root)


def test_djangos_password_change_view_keeps_this_session_and_ends_the_others(make_user):
    staff = make_user("staffer", staff=True)
    key = token_for(staff)
    here, elsewhere = session_for(staff), session_for(staff)
    response = here.post(
        "/admin/password_change/",
        {"old_password": "password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert not works_with_token(key)


def test_any_saved_password_change_revokes_tokens_but_a_hash_upgrade_does_not(make_user, settings):
    alice = make_user("alice")
    key = token_for(alice)
    # A login that upgrades the stored hash (a new default hasher) is no password change.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    alice = User.objects.get(pk=alice.pk)
    assert alice.check_password("password")
    assert alice.password.startswith("pbkdf2_")
    assert works_with_token(key)
    # Anything else that sets and saves a password (a shell, a management command) revokes.
    alice.set_password(NEW_PASSWORD)
    alice.save()
    assert not works_with_token(key)


# --- who sees what of other accounts -----------------------------------------------------


@pytest.fixture
def people(make_user):
    make_user("root", superuser=True)
    make_user("staffer", staff=True)
    hidden = UserFactory(username="zed", email="zed@secret.test", is_active=False)
    hidden.groups.add(GroupFactory())
    return hidden


@pytest.mark.parametrize("roles", [{}, {"return_order": ["view", "add", "change", "delete"]}])
def test_without_user_management_rights_others_are_pk_username_and_names(client_for, people, roles):
    client = client_for(**roles)
    body = client.get(USER_URL).json()
    for row in body:
        expected = None if row["pk"] == client.user.pk else PUBLIC
        if expected:
            assert set(row) == expected
    detail = client.get(f"{USER_URL}{people.pk}/").json()
    assert set(detail) == PUBLIC
    assert "secret.test" not in str(body) + str(detail)


@pytest.mark.parametrize(
    "query",
    [
        {"is_superuser": "true"},
        {"is_staff": "true"},
        {"is_active": "false"},
        {"groups": "1"},
        {"search": "secret.test"},
        {"search": "zed@"},
        {"ordering": "email"},
        {"ordering": "-email"},
        {"ordering": "is_active"},
        {"ordering": "date_joined"},
        {"ordering": "-last_login"},
    ],
)
def test_filters_search_and_ordering_on_hidden_fields_reveal_nothing(client_for, people, query):
    """They are ignored: the answer is what the reader gets without them."""
    client = client_for()
    plain = [row["pk"] for row in client.get(USER_URL).json()]
    response = client.get(USER_URL, query)
    assert response.status_code == 200
    got = [row["pk"] for row in response.json()]
    if "search" in query:
        assert got == []  # no match on a name or username
    else:
        assert got == plain


def test_user_managers_filter_and_search_on_every_field(client_for, people):
    client = client_for(admin=["view"])
    assert [u["username"] for u in client.get(USER_URL, {"search": "secret.test"}).json()] == [
        "zed"
    ]
    assert [u["username"] for u in client.get(USER_URL, {"is_superuser": "true"}).json()] == [
        "root"
    ]
    emails = [u["email"] for u in client.get(USER_URL, {"ordering": "-email"}).json()]
    assert emails == sorted(emails, reverse=True)


def test_staff_see_every_field_without_a_role(make_user, people):
    client = api_as(make_user(staff=True))
    assert client.get(f"{USER_URL}{people.pk}/").json()["email"] == "zed@secret.test"


def test_the_schema_requires_only_what_every_reader_gets(admin_client_api):
    schema = admin_client_api.get("/api/schema/", {"format": "json"}).json()
    user = schema["components"]["schemas"]["User"]
    assert set(user["required"]) <= PUBLIC
    assert {"email", "is_staff", "is_superuser", "last_login", "groups"} <= set(user["properties"])


# --- groups and roles: nobody hands out more than they hold ------------------------------


@pytest.fixture
def manager(make_user):
    """A user manager (the admin role) without any return-order rights."""
    return make_user("manager", admin=["view", "add", "change", "delete"])


@pytest.fixture
def powerful_group():
    group = GroupFactory(name="Returns leads")
    services.group_set_role(group=group, role="return_order", view=True, delete=True)
    return group


def test_a_manager_cannot_add_anyone_to_a_group_with_more_rights(manager, powerful_group):
    client = api_as(manager)
    for target in (manager, UserFactory()):
        response = client.patch(
            f"{USER_URL}{target.pk}/", {"groups": [powerful_group.pk]}, format="json"
        )
        assert response.status_code == 403
        assert "Returns leads" in response.json()["detail"]
        assert not target.groups.filter(pk=powerful_group.pk).exists()
    response = client.post(
        USER_URL, {"username": "newbie", "groups": [powerful_group.pk]}, format="json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_a_manager_may_hand_out_groups_within_their_own_rights(manager):
    own_group = manager.groups.get()
    plain = GroupFactory()
    target = UserFactory()
    client = api_as(manager)
    response = client.patch(
        f"{USER_URL}{target.pk}/", {"groups": [own_group.pk, plain.pk]}, format="json"
    )
    assert response.status_code == 200
    assert set(target.groups.values_list("pk", flat=True)) == {own_group.pk, plain.pk}


def test_a_manager_cannot_take_over_an_account_holding_rights_they_lack(manager, powerful_group):
    lead = UserFactory()
    lead.groups.add(powerful_group)
    response = api_as(manager).patch(f"{USER_URL}{lead.pk}/", {"password": NEW_PASSWORD})
    assert response.status_code == 403
    assert "permissions you do not hold" in response.json()["detail"]
    assert not User.objects.get(pk=lead.pk).check_password(NEW_PASSWORD)


def test_an_inactive_account_counts_with_the_rights_it_would_get_back(manager, powerful_group):
    lead = UserFactory(is_active=False)
    lead.groups.add(powerful_group)
    response = api_as(manager).patch(
        f"{USER_URL}{lead.pk}/", {"is_active": True, "password": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=lead.pk).is_active is False


def test_a_manager_cannot_rename_or_delete_a_group_with_more_rights(manager, powerful_group):
    client = api_as(manager)
    url = f"/api/user/group/{powerful_group.pk}/"
    assert client.patch(url, {"name": "Mine now"}).status_code == 403
    assert client.delete(url).status_code == 403
    assert Group.objects.get(pk=powerful_group.pk).name == "Returns leads"


def test_a_manager_cannot_delete_a_group_with_staff_members(manager, make_user):
    group = GroupFactory()
    make_user(staff=True).groups.add(group)
    client = api_as(manager)
    response = client.delete(f"/api/user/group/{group.pk}/")
    assert response.status_code == 403
    assert "staff" in response.json()["detail"]
    # Renaming it changes nobody's rights.
    assert client.patch(f"/api/user/group/{group.pk}/", {"name": "Renamed"}).status_code == 200


def test_group_roles_cannot_be_written_through_the_api(admin_client_api):
    group = GroupFactory()
    response = admin_client_api.patch(
        f"/api/user/group/{group.pk}/", {"roles": {"admin": ["view"]}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == {}


# --- the Django admin --------------------------------------------------------------------


@pytest.fixture
def staff_manager(make_user):
    """Staff in the admin, with the admin role (user management) and nothing else."""
    return make_user("staffmgr", staff=True, admin=["view", "add", "change", "delete"])


def _change_form(user: User) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }


def test_staff_cannot_change_a_superuser_in_the_admin(staff_manager, make_user):
    root = make_user("root", superuser=True)
    browser = session_for(staff_manager)
    page = browser.get(f"/admin/auth/user/{root.pk}/change/")
    assert page.status_code == 200  # read-only view
    assert b'name="_save"' not in page.content
    response = browser.post(f"/admin/auth/user/{root.pk}/change/", _change_form(root))
    assert response.status_code == 403
    response = browser.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 403
    assert browser.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=root.pk).exists()
    assert not User.objects.get(pk=root.pk).check_password(NEW_PASSWORD)


def test_staff_cannot_delete_a_superuser_with_the_bulk_action(staff_manager, make_user):
    root = make_user("root", superuser=True)
    browser = session_for(staff_manager)
    browser.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=root.pk).exists()


def test_staff_cannot_make_themselves_superuser_in_the_admin(staff_manager):
    browser = session_for(staff_manager)
    form = _change_form(staff_manager)
    form.update({"is_superuser": "on", "is_staff": "on"})
    form["groups"] = [str(g.pk) for g in staff_manager.groups.all()]
    browser.post(f"/admin/auth/user/{staff_manager.pk}/change/", form)
    staff_manager.refresh_from_db()
    assert staff_manager.is_superuser is False


def test_staff_cannot_add_anyone_to_a_group_with_more_rights_in_the_admin(
    staff_manager, powerful_group
):
    target = UserFactory()
    browser = session_for(staff_manager)
    form = _change_form(target)
    form["groups"] = [str(powerful_group.pk)]
    response = browser.post(f"/admin/auth/user/{target.pk}/change/", form)
    assert response.status_code == 200  # the form again, with the reason
    assert "Returns leads" in response.content.decode()
    assert not target.groups.exists()


def test_staff_cannot_grant_a_group_rights_they_lack_in_the_admin(staff_manager):
    group = staff_manager.groups.get()
    browser = session_for(staff_manager)
    permission = Permission.objects.get(codename="delete_returnorder")
    rule_sets = list(group.rule_sets.all())
    form = {
        "name": group.name,
        "permissions": [str(p.pk) for p in group.permissions.all()] + [str(permission.pk)],
        "rule_sets-TOTAL_FORMS": str(len(rule_sets)),
        "rule_sets-INITIAL_FORMS": str(len(rule_sets)),
        "rule_sets-MIN_NUM_FORMS": "0",
        "rule_sets-MAX_NUM_FORMS": "1000",
    }
    for index, rule_set in enumerate(rule_sets):
        form.update(
            {
                f"rule_sets-{index}-id": str(rule_set.pk),
                f"rule_sets-{index}-group": str(group.pk),
                f"rule_sets-{index}-name": rule_set.name,
                **{
                    f"rule_sets-{index}-can_{a}": "on"
                    for a in ("view", "add", "change", "delete")
                    if getattr(rule_set, f"can_{a}")
                },
            }
        )
    response = browser.post(f"/admin/auth/group/{group.pk}/change/", form)
    assert response.status_code == 200
    assert "delete_returnorder" in response.content.decode()
    assert not group.permissions.filter(pk=permission.pk).exists()

    # A role they do not hold, through the inline.
    form["permissions"] = [str(p.pk) for p in group.permissions.all()]
    index = len(rule_sets)
    form.update(
        {
            "rule_sets-TOTAL_FORMS": str(index + 1),
            f"rule_sets-{index}-group": str(group.pk),
            f"rule_sets-{index}-name": "return_order",
            f"rule_sets-{index}-can_view": "on",
        }
    )
    response = browser.post(f"/admin/auth/group/{group.pk}/change/", form)
    assert response.status_code == 200
    assert "role &#x27;return_order&#x27;" in response.content.decode()
    assert not group.rule_sets.filter(name="return_order").exists()


def test_staff_cannot_grant_a_role_they_lack_through_the_role_admin(staff_manager):
    group = GroupFactory()
    browser = session_for(staff_manager)
    response = browser.post(
        "/admin/users/ruleset/add/", {"group": group.pk, "name": "return_order", "can_view": "on"}
    )
    assert response.status_code == 200
    assert not group.rule_sets.exists()
    # One they hold is fine.
    response = browser.post(
        "/admin/users/ruleset/add/", {"group": group.pk, "name": "admin", "can_view": "on"}
    )
    assert response.status_code == 302
    assert group.rule_sets.filter(name="admin").exists()


def test_other_objects_show_a_users_email_only_to_those_who_may_see_it(client_for, make_user):
    from tests.returns.factories import ReturnOrderFactory

    author = make_user("author")
    order = ReturnOrderFactory(created_by=author)
    url = f"/api/order/ro/{order.pk}/"
    clerk = client_for(return_order=["view"])
    body = clerk.get(url).json()
    assert body["created_by"]["username"] == "author"
    assert "email" not in body["created_by"]
    manager = client_for(return_order=["view"], admin=["view"])
    assert manager.get(url).json()["created_by"]["email"] == author.email
    own = APIClient()
    own_user = make_user("own", return_order=["view"])
    own.force_authenticate(own_user)
    mine = ReturnOrderFactory(created_by=own_user)
    assert own.get(f"/api/order/ro/{mine.pk}/").json()["created_by"]["email"] == own_user.email
