"""Users, groups, owners, roles and API tokens (``/api/user/...``), and how requests log in."""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import basic_auth
from tests.factories import CustomerFactory, GroupFactory, UserFactory
from users import services
from users.models import ApiToken, Owner, RuleSet

pytestmark = pytest.mark.django_db

ME_URL = "/api/user/me/"
TOKEN_URLS = ["/api/user/token/", "/api/user/me/token/"]
TOKENS_URL = "/api/user/tokens/"
USER_URL = "/api/user/"
GROUP_URL = "/api/user/group/"
OWNER_URL = "/api/user/owner/"

ME_FIELDS = {
    "pk",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_superuser",
    "is_active",
    "groups",
    "roles",
}
USER_FIELDS = {
    "pk",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "last_login",
    "date_joined",
}
PUBLIC_USER_FIELDS = {"pk", "username", "first_name", "last_name"}
GROUP_FIELDS = {"pk", "name", "roles"}
OWNER_FIELDS = {"pk", "owner_id", "owner_model", "name", "label"}
TOKEN_FIELDS = {"pk", "name", "prefix", "created", "expiry", "revoked", "last_seen", "active"}
ROLE_NAMES = {"admin", "part", "stock_location", "stock", "return_order"}


def assert_json(response, status_code):
    """The status, then the exact Content-Type the inventree client insists on."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def anonymous():
    return APIClient()


def token_client(key, keyword="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def basic_client(username, password="password"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth(username, password))
    return client


def issue_token(user, **kwargs):
    _token, key = services.api_token_create(user=user, name=kwargs.pop("name", "t"), **kwargs)
    return key


def owner_of(instance):
    return Owner.objects.filter(
        owner_type=ContentType.objects.get_for_model(type(instance)), owner_id=instance.pk
    ).first()


def perms_of(group):
    return set(
        group.permissions.values_list("content_type__app_label", "codename").order_by("codename")
    )


# --- user/me/ and logging in -------------------------------------------------------------


def test_me_with_basic_auth_returns_the_user_and_roles(make_user):
    user = make_user("alice", return_order=["view", "add"], part=["view"])
    body = assert_json(basic_client("alice").get(ME_URL), 200)
    assert set(body) == ME_FIELDS
    assert (body["pk"], body["username"]) == (user.pk, "alice")
    assert set(body["roles"]) == ROLE_NAMES
    assert body["roles"]["return_order"] == ["view", "add"]
    assert body["roles"]["part"] == ["view"]
    assert body["roles"]["stock"] == []
    assert [g["pk"] for g in body["groups"]] == list(user.groups.values_list("pk", flat=True))


def test_me_for_a_superuser_grants_every_role(make_user):
    make_user("root", superuser=True)
    body = assert_json(basic_client("root").get(ME_URL), 200)
    assert body["is_superuser"] is True
    assert all(actions == ["view", "add", "change", "delete"] for actions in body["roles"].values())


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong"), ("nobody", "password"), ("alice", "")]
)
def test_basic_auth_with_bad_credentials_is_a_401(make_user, username, password):
    make_user("alice")
    body = assert_json(basic_client(username, password).get(ME_URL), 401)
    assert body["detail"]


def test_basic_auth_for_an_inactive_user_is_a_401(make_user):
    user = make_user("alice")
    user.is_active = False
    user.save()
    assert_json(basic_client("alice").get(ME_URL), 401)


def test_anonymous_requests_are_refused_with_a_401(db, api_client):
    for url in [ME_URL, *TOKEN_URLS, USER_URL, "/api/company/", "/api/stock/"]:
        response = api_client.get(url)
        assert_json(response, 401)
        assert response["WWW-Authenticate"] == "Token"


def test_session_free_basic_auth_works_on_role_endpoints(make_user):
    make_user("alice", return_order=["view"])
    assert_json(basic_client("alice").get("/api/company/"), 200)
    assert_json(basic_client("alice", "wrong").get("/api/company/"), 401)


# --- user/token/ and user/me/token/ ------------------------------------------------------


@pytest.mark.parametrize("url", TOKEN_URLS)
def test_token_request_with_basic_auth_issues_a_named_token(make_user, url, settings):
    user = make_user("alice")
    # The client sends a JSON body even on GET.
    response = basic_client("alice").generic(
        "GET", f"{url}?name=python-test", "{}", content_type="application/json"
    )
    body = assert_json(response, 200)
    assert set(body) == {"token", "name", "expiry"}
    assert body["name"] == "python-test"
    assert body["token"].startswith("bmr-")
    expected_expiry = timezone.localdate() + datetime.timedelta(
        days=settings.API_TOKEN_DEFAULT_DAYS
    )
    assert body["expiry"] == expected_expiry.isoformat()

    token = ApiToken.objects.get()
    assert (token.user, token.name, token.expiry) == (user, "python-test", expected_expiry)
    # Only a hash is kept.
    assert token.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in (token.key_hash, token.prefix)
    assert token.prefix == body["token"][:12]


@pytest.mark.parametrize("query", [{}, {"name": ""}])
def test_token_request_without_a_name_uses_the_client_default(make_user, query):
    make_user("alice")
    body = assert_json(basic_client("alice").get(TOKEN_URLS[0], query), 200)
    assert body["name"] == "inventree-python-client"
    assert ApiToken.objects.get().name == "inventree-python-client"


def test_token_request_with_an_overlong_name_is_a_400(make_user):
    make_user("alice")
    body = assert_json(basic_client("alice").get(TOKEN_URLS[0], {"name": "n" * 101}), 400)
    assert body["name"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("url", TOKEN_URLS)
def test_token_request_with_bad_credentials_issues_nothing(make_user, url):
    make_user("alice")
    assert_json(basic_client("alice", "wrong").get(url, {"name": "x"}), 401)
    assert_json(anonymous().get(url, {"name": "x"}), 401)
    assert not ApiToken.objects.exists()


def test_each_token_request_issues_a_distinct_working_key(make_user):
    make_user("alice")
    first = basic_client("alice").get(TOKEN_URLS[0], {"name": "same"}).json()["token"]
    second = basic_client("alice").get(TOKEN_URLS[1], {"name": "same"}).json()["token"]
    assert first != second
    for key in (first, second):
        assert assert_json(token_client(key).get(ME_URL), 200)["username"] == "alice"


# --- token authentication ----------------------------------------------------------------


def test_token_header_authenticates_every_endpoint(make_user):
    user = make_user("alice", return_order=["view"])
    CustomerFactory(name="ACME")
    key = issue_token(user)
    client = token_client(key)
    assert assert_json(client.get(ME_URL), 200)["username"] == "alice"
    assert [c["name"] for c in assert_json(client.get("/api/company/"), 200)] == ["ACME"]
    # Roles still apply to token logins.
    assert_json(client.get("/api/part/"), 403)
    assert assert_json(token_client(key, "Bearer").get(ME_URL), 200)["username"] == "alice"


def test_token_use_is_recorded(make_user):
    user = make_user("alice")
    key = issue_token(user)
    assert ApiToken.objects.get().last_seen is None
    assert_json(token_client(key).get(ME_URL), 200)
    assert ApiToken.objects.get().last_seen is not None


def test_a_revoked_token_is_a_401(make_user):
    user = make_user("alice")
    key = issue_token(user)
    services.api_token_revoke(token=ApiToken.objects.get())
    response = token_client(key).get(ME_URL)
    assert assert_json(response, 401)["detail"] == "Invalid or expired token."
    assert response["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_a_401_but_one_expiring_today_still_works(make_user):
    user = make_user("alice")
    today = timezone.localdate()
    expired = issue_token(user, expiry=today - datetime.timedelta(days=1))
    last_day = issue_token(user, expiry=today)
    assert_json(token_client(expired).get(ME_URL), 401)
    assert_json(token_client(last_day).get(ME_URL), 200)


def test_a_token_of_an_inactive_user_is_a_401(make_user):
    user = make_user("alice")
    key = issue_token(user)
    user.is_active = False
    user.save()
    assert_json(token_client(key).get(ME_URL), 401)


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token bmr-not-a-real-key", "Token 0123456789abcdef", "Bearer"],
)
def test_malformed_or_unknown_token_headers_are_a_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_json(client.get(ME_URL), 401)


def test_token_list_shows_own_tokens_without_keys(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    key = issue_token(alice, name="laptop")
    issue_token(bob, name="bobs")
    body = assert_json(token_client(key).get(TOKENS_URL), 200)
    assert [t["name"] for t in body] == ["laptop"]
    assert set(body[0]) == TOKEN_FIELDS
    assert body[0]["active"] is True
    assert key not in str(body)


def test_revoking_a_token_stops_it_working(make_user):
    alice = make_user("alice")
    key = issue_token(alice, name="laptop")
    spare = issue_token(alice, name="spare")
    token = ApiToken.objects.get(name="laptop")
    response = token_client(spare).delete(f"{TOKENS_URL}{token.pk}/")
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked is True
    assert_json(token_client(key).get(ME_URL), 401)
    assert_json(token_client(spare).get(ME_URL), 200)


def test_a_user_cannot_revoke_someone_elses_token(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    issue_token(alice, name="alices")
    bobs_key = issue_token(bob)
    token = ApiToken.objects.get(name="alices")
    assert_json(token_client(bobs_key).delete(f"{TOKENS_URL}{token.pk}/"), 404)
    token.refresh_from_db()
    assert token.revoked is False


# --- user/ -------------------------------------------------------------------------------


def test_any_logged_in_user_may_list_users(client_for):
    """Everyone may list accounts (owner pickers); without user-management rights they see
    all of their own record and only pk, username and names of the others."""
    client = client_for()
    UserFactory(username="zed")
    body = assert_json(client.get(USER_URL), 200)
    assert isinstance(body, list)
    rows = {u["username"]: u for u in body}
    assert set(rows) == {client.user.username, "zed"}
    assert set(rows[client.user.username]) == USER_FIELDS
    assert set(rows["zed"]) == PUBLIC_USER_FIELDS
    assert all("password" not in row for row in body)


def test_user_managers_see_every_field_of_every_account(client_for):
    client = client_for(admin=["view"])
    UserFactory(username="zed")
    body = assert_json(client.get(USER_URL), 200)
    assert all(set(row) == USER_FIELDS for row in body)


def test_user_list_filters_search_ordering_and_pagination(admin_client_api):
    group = GroupFactory()
    UserFactory(username="carol", first_name="Carol", is_active=False)
    bob = UserFactory(username="bob", email="bob@shop.test")
    bob.groups.add(group)
    UserFactory(username="dave", is_staff=True)
    me = admin_client_api.user.username

    def usernames(**query):
        return [u["username"] for u in assert_json(admin_client_api.get(USER_URL, query), 200)]

    assert usernames() == sorted(["carol", "bob", "dave", me])
    assert usernames(is_active="False") == ["carol"]
    assert usernames(groups=group.pk) == ["bob"]
    assert usernames(is_staff="True") == sorted(["dave", me])
    assert usernames(search="shop.test") == ["bob"]
    assert usernames(search="carol") == ["carol"]
    assert usernames(ordering="-username")[:3] == sorted(["carol", "bob", "dave", me])[::-1][:3]
    page = assert_json(admin_client_api.get(USER_URL, {"limit": 2}), 200)
    assert (page["count"], len(page["results"])) == (4, 2)


def test_user_detail_and_unknown_user(client_for):
    client = client_for()
    other = UserFactory(username="zed", first_name="Zed")
    body = assert_json(client.get(f"{USER_URL}{other.pk}/"), 200)
    assert set(body) == PUBLIC_USER_FIELDS
    assert (body["pk"], body["first_name"]) == (other.pk, "Zed")
    assert set(assert_json(client.get(f"{USER_URL}{client.user.pk}/"), 200)) == USER_FIELDS
    assert_json(client.get(f"{USER_URL}999999/"), 404)


def test_creating_a_user_needs_the_admin_role(client_for):
    plain = client_for(return_order=["view", "add", "change", "delete"])
    before = User.objects.count()
    assert_json(plain.post(USER_URL, {"username": "mallory", "password": "pw-123456"}), 403)
    assert User.objects.count() == before
    body = assert_json(plain.options(USER_URL), 200)
    assert "POST" not in body.get("actions", {})

    admin = client_for(admin=["add"])
    body = assert_json(admin.options(USER_URL), 200)
    assert {"username", "password", "groups"} <= set(body["actions"]["POST"])
    assert_json(admin.post(USER_URL, {"username": "newbie", "password": "pw-123456"}), 201)


def test_created_user_can_log_in_and_gets_an_owner(admin_client_api):
    group = GroupFactory()
    body = assert_json(
        admin_client_api.post(
            f"{USER_URL}?format=json",
            {
                "username": "newbie",
                "password": "s3cret-pass",
                "email": "n@example.com",
                "groups": [group.pk],
                "is_superuser": True,
            },
        ),
        201,
    )
    assert set(body) == USER_FIELDS
    assert (body["username"], body["groups"], body["is_superuser"]) == ("newbie", [group.pk], False)
    user = User.objects.get(pk=body["pk"])
    assert user.password != "s3cret-pass"
    assert user.check_password("s3cret-pass")
    assert assert_json(basic_client("newbie", "s3cret-pass").get(ME_URL), 200)["pk"] == user.pk
    owner = owner_of(user)
    assert (owner.name, owner.label) == ("newbie", "user")


def test_created_user_without_a_password_cannot_log_in(admin_client_api):
    body = assert_json(admin_client_api.post(USER_URL, {"username": "nopass"}), 201)
    assert not User.objects.get(pk=body["pk"]).has_usable_password()
    assert_json(basic_client("nopass", "").get(ME_URL), 401)


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "taken"},
        {"username": ""},
        {"username": "bad name!"},
        {"username": "x", "groups": [999999]},
        {"username": "x", "email": "not-an-email"},
        {"username": "x", "is_active": "perhaps"},
    ],
)
def test_user_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload):
    UserFactory(username="taken")
    before = (User.objects.count(), Owner.objects.count())
    body = assert_json(admin_client_api.post(USER_URL, payload), 400)
    assert set(body) <= {"username", "groups", "email", "is_active"}
    assert body
    assert (User.objects.count(), Owner.objects.count()) == before


def test_renaming_a_user_renames_its_owner_and_password_can_change(admin_client_api):
    user = UserFactory(username="old")
    body = assert_json(
        admin_client_api.patch(
            f"{USER_URL}{user.pk}/", {"username": "new", "password": "changed-pw1"}
        ),
        200,
    )
    assert body["username"] == "new"
    assert owner_of(user).name == "new"
    assert_json(basic_client("new", "changed-pw1").get(ME_URL), 200)
    assert_json(basic_client("new", "password").get(ME_URL), 401)


def test_deleting_a_user_removes_its_owner(admin_client_api):
    user = UserFactory()
    assert owner_of(user) is not None
    assert admin_client_api.delete(f"{USER_URL}{user.pk}/").status_code == 204
    assert owner_of(user) is None
    assert_json(admin_client_api.get(f"{USER_URL}{user.pk}/"), 404)


def test_changing_users_needs_the_admin_role(client_for):
    victim = UserFactory(username="victim")
    client = client_for(return_order=["change", "delete"])
    assert_json(client.patch(f"{USER_URL}{victim.pk}/", {"username": "pwned"}), 403)
    assert_json(client.delete(f"{USER_URL}{victim.pk}/"), 403)
    victim.refresh_from_db()
    assert victim.username == "victim"


def test_the_admin_role_cannot_take_over_a_superuser(client_for, make_user):
    root = make_user("root", superuser=True)
    manager = client_for(admin=["view", "add", "change", "delete"])
    url = f"{USER_URL}{root.pk}/"
    body = assert_json(manager.patch(url, {"password": "hijacked-1"}), 403)
    assert body["detail"] == "Only a superuser may change or delete a superuser."
    assert_json(manager.delete(url), 403)
    assert_json(basic_client("root", "hijacked-1").get(ME_URL), 401)
    assert User.objects.filter(pk=root.pk).exists()
    # Reading is still open, and ordinary accounts stay manageable.
    assert assert_json(manager.get(url), 200)["is_superuser"] is True
    plain = UserFactory(username="plain")
    assert_json(manager.patch(f"{USER_URL}{plain.pk}/", {"first_name": "P"}), 200)


def test_a_superuser_may_manage_another_superuser(admin_client_api, make_user):
    other = make_user("other-root", superuser=True)
    assert_json(admin_client_api.patch(f"{USER_URL}{other.pk}/", {"password": "new-pass-1"}), 200)
    assert_json(basic_client("other-root", "new-pass-1").get(ME_URL), 200)


# --- user/group/ -------------------------------------------------------------------------


def test_group_list_shows_roles(client_for):
    client = client_for()
    group = GroupFactory(name="Returns desk")
    services.group_set_role(group=group, role="return_order", view=True, add=True)
    services.group_set_role(group=group, role="stock", delete=True)
    services.group_set_role(group=group, role="part")
    body = assert_json(client.get(GROUP_URL, {"search": "returns"}), 200)
    assert body == [
        {
            "pk": group.pk,
            "name": "Returns desk",
            "roles": {
                "part": [],
                "return_order": ["add", "view"],
                "stock": ["delete", "view"],
            },
        }
    ]


def test_group_create_rename_and_delete_keep_its_owner_in_step(admin_client_api):
    body = assert_json(admin_client_api.post(GROUP_URL, {"name": "Techs", "roles": {"x": 1}}), 201)
    assert set(body) == GROUP_FIELDS
    assert body["roles"] == {}
    group = Group.objects.get(pk=body["pk"])
    assert (owner_of(group).name, owner_of(group).label) == ("Techs", "group")

    assert_json(admin_client_api.patch(f"{GROUP_URL}{group.pk}/", {"name": "Technicians"}), 200)
    assert owner_of(group).name == "Technicians"

    assert admin_client_api.delete(f"{GROUP_URL}{group.pk}/").status_code == 204
    assert owner_of(group) is None
    assert not RuleSet.objects.filter(group_id=group.pk).exists()


def test_group_names_are_unique(admin_client_api):
    GroupFactory(name="Techs")
    body = assert_json(admin_client_api.post(GROUP_URL, {"name": "Techs"}), 400)
    assert body["name"]
    assert Group.objects.filter(name="Techs").count() == 1


def test_group_writes_need_the_admin_role(client_for):
    client = client_for(return_order=["add"])
    assert_json(client.get(GROUP_URL), 200)
    assert_json(client.post(GROUP_URL, {"name": "Sneaky"}), 403)
    assert not Group.objects.filter(name="Sneaky").exists()


# --- user/owner/ -------------------------------------------------------------------------


def test_owners_exist_for_every_user_and_group(client_for):
    client = client_for()
    user = UserFactory(username="zoe")
    group = GroupFactory(name="Zeta team")
    body = assert_json(client.get(OWNER_URL, {"search": "z"}), 200)
    assert [(o["name"], o["label"], o["owner_model"], o["owner_id"]) for o in body] == [
        ("Zeta team", "group", "group", group.pk),
        ("zoe", "user", "user", user.pk),
    ]
    assert set(body[0]) == OWNER_FIELDS
    detail = assert_json(client.get(f"{OWNER_URL}{body[0]['pk']}/"), 200)
    assert detail == body[0]


def test_owner_filters(client_for):
    client = client_for()
    group = GroupFactory(name="Crew")
    user = UserFactory(username="ann")

    def listed(**query):
        return [o["name"] for o in assert_json(client.get(OWNER_URL, query), 200)]

    assert "Crew" in listed(label="group")
    assert "ann" not in listed(label="group")
    assert "ann" in listed(label="user")
    assert set(listed(owner_id=user.pk)) >= {"ann"}
    assert_json(client.get(OWNER_URL, {"label": "robot"}), 400)
    assert "Crew" in listed(owner_id=group.pk, label="group")


def test_owners_are_read_only(admin_client_api):
    before = Owner.objects.count()
    assert_json(admin_client_api.post(OWNER_URL, {"name": "fake"}), 405)
    owner = Owner.objects.first()
    assert_json(admin_client_api.delete(f"{OWNER_URL}{owner.pk}/"), 405)
    assert Owner.objects.count() == before


@pytest.mark.parametrize(("url", "queries"), [(USER_URL, 2), (GROUP_URL, 2), (OWNER_URL, 1)])
def test_list_query_count_does_not_grow_with_rows(
    admin_client_api, django_assert_num_queries, url, queries
):
    for _ in range(4):
        group = GroupFactory()
        services.group_set_role(group=group, role="part", view=True)
        UserFactory().groups.add(group)
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_model(User)
    ContentType.objects.get_for_model(Group)
    with django_assert_num_queries(queries):
        body = assert_json(admin_client_api.get(url), 200)
    assert len(body) >= 4


@pytest.mark.parametrize("url", [USER_URL, GROUP_URL, OWNER_URL])
def test_user_lists_paginate_with_limit(admin_client_api, url):
    for _ in range(3):
        UserFactory()
        GroupFactory()
    body = assert_json(admin_client_api.get(url, {"limit": 2}), 200)
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 2
    assert body["count"] == len(admin_client_api.get(url).json())


# --- roles -> Django permissions ---------------------------------------------------------


def test_a_role_grants_its_models_permissions():
    group = GroupFactory()
    services.group_set_role(group=group, role="stock", view=True)
    assert perms_of(group) == {
        ("stock", "view_stockitem"),
        ("stock", "view_stockitemtracking"),
    }


def test_add_and_delete_imply_view_but_not_change():
    group = GroupFactory()
    services.group_set_role(group=group, role="part", add=True)
    # The part role covers parts and their categories.
    assert perms_of(group) == {
        ("stock", "add_part"),
        ("stock", "view_part"),
        ("stock", "add_partcategory"),
        ("stock", "view_partcategory"),
    }
    services.group_set_role(group=group, role="part", delete=True)
    assert perms_of(group) == {
        ("stock", "delete_part"),
        ("stock", "view_part"),
        ("stock", "delete_partcategory"),
        ("stock", "view_partcategory"),
    }


def test_clearing_a_role_revokes_its_permissions_but_keeps_unmanaged_ones():
    group = GroupFactory()
    unmanaged = Permission.objects.get(codename="view_attachment", content_type__app_label="common")
    group.permissions.add(unmanaged)
    services.group_set_role(group=group, role="stock_location", view=True, change=True)
    assert ("stock", "change_stocklocation") in perms_of(group)
    rule_set = services.group_set_role(group=group, role="stock_location")
    assert rule_set.actions() == []
    assert perms_of(group) == {("common", "view_attachment")}


def test_roles_are_independent_of_each_other():
    group = GroupFactory()
    services.group_set_role(group=group, role="part", view=True)
    services.group_set_role(group=group, role="stock", view=True)
    services.group_set_role(group=group, role="part")
    assert perms_of(group) == {("stock", "view_stockitem"), ("stock", "view_stockitemtracking")}
    assert RuleSet.objects.filter(group=group).count() == 2


def test_an_unknown_role_is_refused():
    group = GroupFactory()
    with pytest.raises(ValueError, match="Unknown role 'wizard'"):
        services.group_set_role(group=group, role="wizard", view=True)
    assert not RuleSet.objects.filter(group=group).exists()


def test_role_permissions_decide_what_the_api_allows(make_user):
    user = make_user("alice", part=["view"])
    client = token_client(issue_token(user))
    assert_json(client.get("/api/part/"), 200)
    assert_json(client.post("/api/part/", {"name": "Nope"}), 403)

    group = user.groups.get()
    services.group_set_role(group=group, role="part", view=True, add=True)
    assert_json(client.post("/api/part/", {"name": "Yes"}), 201)
    services.group_set_role(group=group, role="part")
    assert_json(client.get("/api/part/"), 403)


def test_user_admin_cannot_grant_staff_status(make_user):
    """The admin role manages accounts; only a superuser makes someone staff."""
    manager = make_user(admin=["view", "add", "change"])
    target = make_user()
    client = APIClient()
    client.force_authenticate(manager)
    response = client.patch(f"/api/user/{target.pk}/", {"is_staff": True}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a superuser can grant or remove staff status."
    target.refresh_from_db()
    assert target.is_staff is False


def test_passwords_set_through_the_api_must_pass_the_validators(make_user):
    manager = make_user(admin=["view", "add", "change"])
    client = APIClient()
    client.force_authenticate(manager)
    response = client.post("/api/user/", {"username": "newbie", "password": "123"}, format="json")
    assert response.status_code == 400
    assert response.json()["password"]
    assert not User.objects.filter(username="newbie").exists()
    response = client.post(
        "/api/user/", {"username": "newbie", "password": "a-Long-enough-pass-19"}, format="json"
    )
    assert response.status_code == 201
    assert User.objects.get(username="newbie").check_password("a-Long-enough-pass-19")
