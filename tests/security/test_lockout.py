"""Lockout after repeated failed logins, on every path that checks a password.

The four paths: the login page, HTTP Basic on the API, the token requests (``user/token/``,
``user/me/token/``) and the calendar feed. Failures are counted per username and per client
address; once either reaches ``AXES_FAILURE_LIMIT``, the API answers 429 with ``Retry-After``
and a JSON ``detail``, the page says why, and the right password is refused too.
"""

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import basic_auth
from users.models import ApiToken

pytestmark = pytest.mark.django_db

LIMIT = 3
COOL_OFF_MINUTES = 10
FEED = "/api/order/calendar/return-order/calendar.ics"
LOGIN = "/accounts/login/"
API_PATHS = ["/api/user/me/", "/api/user/token/", "/api/user/me/token/", FEED]


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF_MINUTES / 60


@pytest.fixture
def alice(make_user):
    # The feed needs the return-order role; the other paths only a login.
    return make_user("alice", return_order=["view"])


def basic_get(path, username, password, address="10.0.0.1"):
    return APIClient().get(
        path, HTTP_AUTHORIZATION=basic_auth(username, password), REMOTE_ADDR=address
    )


def page_login(username, password, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})


def assert_locked_json(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) == COOL_OFF_MINUTES * 60
    detail = response.json()["detail"]
    assert "Too many failed login attempts" in detail
    assert f"{COOL_OFF_MINUTES} minutes" in detail


@pytest.mark.parametrize("path", API_PATHS)
def test_basic_auth_locks_out_after_the_limit_even_with_the_right_password(alice, path):
    for _ in range(LIMIT - 1):
        assert basic_get(path, "alice", "wrong").status_code == 401
    # The failure that reaches the limit is answered as a lockout already.
    assert_locked_json(basic_get(path, "alice", "wrong"))
    assert_locked_json(basic_get(path, "alice", "password"))
    assert not ApiToken.objects.exists()


def test_failures_on_different_paths_add_up(alice):
    assert basic_get("/api/user/me/", "alice", "wrong").status_code == 401
    assert basic_get("/api/user/token/", "alice", "wrong").status_code == 401
    assert page_login("alice", "wrong").status_code == 429  # the third, wherever it is
    assert_locked_json(basic_get(FEED, "alice", "password"))


def test_the_login_page_shows_the_lockout_with_a_429(alice):
    for _ in range(LIMIT - 1):
        response = page_login("alice", "wrong")
        assert response.status_code == 200
        assert "lockout-message" not in response.content.decode()
    for password in ("wrong", "password"):
        response = page_login("alice", password)
        assert response.status_code == 429
        assert int(response["Retry-After"]) == COOL_OFF_MINUTES * 60
        body = response.content.decode()
        assert 'id="lockout-message"' in body
        assert f"Try again in {COOL_OFF_MINUTES} minutes" in body
        assert 'name="csrfmiddlewaretoken"' in body  # the form is still there
    # Not logged in: the next page asks for a login again.
    client = Client(REMOTE_ADDR="10.0.0.1")
    client.post(LOGIN, {"username": "alice", "password": "password"})
    assert "_auth_user_id" not in client.session


def test_a_username_attacked_from_many_addresses_is_locked_everywhere(alice):
    for index in range(LIMIT):
        basic_get("/api/user/me/", "alice", "wrong", address=f"10.0.1.{index}")
    # Alice, from an address that never failed, is refused too...
    assert_locked_json(basic_get("/api/user/me/", "alice", "password", address="10.9.9.9"))
    # ...while another user from one of those addresses is not.
    User.objects.create_user("bob", password="bob-password-1")
    assert basic_get("/api/user/me/", "bob", "bob-password-1", "10.0.1.0").status_code == 200


def test_an_address_trying_many_usernames_is_locked_for_every_username(alice, make_user):
    make_user("bob")
    for index in range(LIMIT):
        basic_get("/api/user/me/", f"guess{index}", "wrong", address="10.0.2.1")
    assert_locked_json(basic_get("/api/user/me/", "bob", "password", address="10.0.2.1"))
    # Bob from elsewhere is fine: it is the address that is locked.
    assert basic_get("/api/user/me/", "bob", "password", address="10.0.2.2").status_code == 200


def test_a_successful_login_clears_the_users_failures(alice):
    for _ in range(LIMIT - 1):
        basic_get("/api/user/me/", "alice", "wrong")
    assert basic_get("/api/user/me/", "alice", "password").status_code == 200
    assert not AccessAttempt.objects.filter(username="alice").exists()
    # Counting starts again: LIMIT - 1 new failures do not lock.
    for _ in range(LIMIT - 1):
        assert basic_get("/api/user/me/", "alice", "wrong").status_code == 401
    assert basic_get("/api/user/me/", "alice", "password").status_code == 200


def test_logging_in_to_ones_own_account_does_not_clear_an_addresses_failures(make_user):
    """Otherwise an attacker could reset the count by logging in between guesses."""
    make_user("mallory")
    make_user("victim")
    for index in range(LIMIT - 1):
        basic_get("/api/user/me/", "victim", f"guess{index}", address="10.0.3.1")
    assert basic_get("/api/user/me/", "mallory", "password", address="10.0.3.1").status_code == 200
    assert_locked_json(basic_get("/api/user/me/", "victim", "guess-last", address="10.0.3.1"))


def test_the_page_login_also_clears_the_users_failures(alice):
    for _ in range(LIMIT - 1):
        page_login("alice", "wrong")
    assert page_login("alice", "password").status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_token_and_calendar_key_requests_are_not_locked(alice):
    """Only password checks are counted and refused: a locked-out user's existing keys work."""
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=basic_auth("alice", "password"))
    token = key.get("/api/user/token/").json()["token"]
    for _ in range(LIMIT):
        basic_get("/api/user/me/", "alice", "wrong")
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/user/me/").status_code == 200


def test_reset_commands_unlock(alice):
    for _ in range(LIMIT):
        basic_get("/api/user/me/", "alice", "wrong", address="10.0.4.1")
    assert basic_get("/api/user/me/", "alice", "password", address="10.0.4.2").status_code == 429
    call_command("axes_reset_username", "alice")
    assert basic_get("/api/user/me/", "alice", "password", address="10.0.4.2").status_code == 200

    for index in range(LIMIT):
        basic_get("/api/user/me/", f"guess{index}", "wrong", address="10.0.4.3")
    assert basic_get("/api/user/me/", "alice", "password", address="10.0.4.3").status_code == 429
    call_command("axes_reset_ip", "10.0.4.3")
    assert basic_get("/api/user/me/", "alice", "password", address="10.0.4.3").status_code == 200


def test_the_lockout_ends_after_the_cool_off(alice, settings):
    settings.AXES_COOLOFF_TIME = 0.0001  # hours: under half a second
    for _ in range(LIMIT):
        basic_get("/api/user/me/", "alice", "wrong")
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    assert basic_get("/api/user/me/", "alice", "password").status_code == 200


def test_each_lockout_is_logged(alice, caplog):
    with caplog.at_level(logging.WARNING, logger="users.authentication"):
        for _ in range(LIMIT):
            basic_get("/api/user/me/", "alice", "wrong", address="10.0.5.1")
    records = [r for r in caplog.records if r.name == "users.authentication"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "locked out" in message
    assert "'alice'" in message
    assert "10.0.5.1" in message


def test_the_client_address_comes_from_the_trusted_proxy_only(alice, settings):
    """Behind one proxy the address it appended counts; what the client sent does not."""
    settings.TRUSTED_PROXY_COUNT = 1
    for index in range(LIMIT):
        APIClient().get(
            "/api/user/me/",
            HTTP_AUTHORIZATION=basic_auth(f"guess{index}", "wrong"),
            REMOTE_ADDR="192.168.0.10",  # the proxy
            # The client forged the first entry; the proxy appended the real one.
            HTTP_X_FORWARDED_FOR=f"1.2.3.{index}, 203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = APIClient().get(
        "/api/user/me/",
        HTTP_AUTHORIZATION=basic_auth("alice", "password"),
        REMOTE_ADDR="192.168.0.10",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429


def test_without_a_trusted_proxy_forwarded_for_is_ignored(alice):
    for index in range(LIMIT):
        APIClient().get(
            "/api/user/me/",
            HTTP_AUTHORIZATION=basic_auth(f"guess{index}", "wrong"),
            REMOTE_ADDR="10.0.6.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{index}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.6.1"}


def test_a_permanent_lockout_has_no_retry_after_and_says_whom_to_ask(alice, settings):
    settings.AXES_COOLOFF_TIME = None
    for _ in range(LIMIT):
        response = basic_get("/api/user/me/", "alice", "wrong")
    assert response.status_code == 429
    assert not response.has_header("Retry-After")
    assert "administrator" in response.json()["detail"]


def test_the_admin_login_counts_and_locks_too(make_user):
    make_user("root", superuser=True)
    client = Client(REMOTE_ADDR="10.0.7.1")
    for _ in range(LIMIT - 1):
        response = client.post("/admin/login/", {"username": "root", "password": "x"})
        assert response.status_code == 200
    for password in ("x", "password"):
        response = client.post("/admin/login/", {"username": "root", "password": password})
        assert response.status_code == 429
        assert 'id="lockout-message"' in response.content.decode()
    assert "_auth_user_id" not in client.session
