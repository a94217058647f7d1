"""The "Subscribe" panel on the return-order index, and regenerating or revoking the link."""

import html
import re

import pytest
from rest_framework.test import APIClient

from common import site_settings
from returns.calendar_views import SESSION_KEY
from tests.calendar.conftest import FEED
from users.models import CalendarToken

pytestmark = pytest.mark.django_db

REGENERATE = "/returns/calendar-link/regenerate/"
REVOKE = "/returns/calendar-link/revoke/"
KEY = re.compile(r"token=(bmc-[A-Za-z0-9_-]+)")


@pytest.fixture
def browser(client, viewer):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    client.force_login(viewer)
    return client


def page(client) -> str:
    response = client.get("/returns/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def panel(content: str) -> str:
    start = content.index('id="calendar-subscribe"')
    return content[start : content.index("</details>", start)]


def test_panel_without_a_link_offers_to_create_one(browser):
    shown = panel(page(browser))
    assert f'value="http://testserver{FEED}"' in shown
    assert 'data-copy-target="calendar-url-plain"' in shown
    assert f'action="{REGENERATE}"' in shown
    assert "Create my calendar link" in shown
    assert REVOKE not in shown
    assert "bmc-" not in shown
    for client in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert client in shown
    assert f"{FEED}?assigned_to_me=true" in shown
    assert f"{FEED}?include_completed=true" in shown


def test_regenerating_shows_the_link_once(browser, settings):
    settings.BOOMERANG_BASE_URL = "https://rma.example.com"
    response = browser.post(REGENERATE)
    assert response.status_code == 302
    assert response["Location"] == "/returns/#calendar-subscribe"

    shown = panel(page(browser))
    assert 'id="calendar-subscribe" open' in shown
    (key,) = set(KEY.findall(shown))
    https = f"https://rma.example.com{FEED}?token={key}"
    assert f'value="{https}"' in shown
    assert f'value="webcal://rma.example.com{FEED}?token={key}"' in shown
    assert 'data-copy-target="calendar-url-https"' in shown
    assert 'data-copy-target="calendar-url-webcal"' in shown
    assert f"{https}&assigned_to_me=true" in shown
    assert f"{https}&include_completed=true" in shown
    assert "Copy your calendar link now" in shown
    assert APIClient().get(FEED, {"token": key}).status_code == 200

    again = panel(page(browser))
    assert key not in again
    assert "cannot be shown again" in again
    assert key[:12] in again  # the prefix that identifies it
    assert "Regenerate my calendar link" in again
    assert f'action="{REVOKE}"' in again
    assert SESSION_KEY not in browser.session


def test_regenerating_again_stops_the_old_link(browser):
    browser.post(REGENERATE)
    (old,) = set(KEY.findall(page(browser)))
    browser.post(REGENERATE)
    (new,) = set(KEY.findall(page(browser)))
    assert new != old
    assert APIClient().get(FEED, {"token": old}).status_code == 401
    assert APIClient().get(FEED, {"token": new}).status_code == 200


def test_revoking_stops_the_link(browser, viewer):
    browser.post(REGENERATE)
    (key,) = set(KEY.findall(page(browser)))
    response = browser.post(REVOKE, follow=True)
    assert "revoked" in response.content.decode()
    assert APIClient().get(FEED, {"token": key}).status_code == 401
    shown = panel(page(browser))
    assert "Create my calendar link" in shown
    assert not CalendarToken.objects.filter(user=viewer).exists()


def test_revoking_a_link_never_shown_forgets_it(browser):
    browser.post(REGENERATE)
    browser.post(REVOKE)
    assert "bmc-" not in page(browser)


@pytest.mark.parametrize("url", [REGENERATE, REVOKE])
def test_link_views_take_only_posts(browser, url):
    assert browser.get(url).status_code == 405


@pytest.mark.parametrize("url", [REGENERATE, REVOKE])
def test_link_views_need_a_login(client, url):
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
