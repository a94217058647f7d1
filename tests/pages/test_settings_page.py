"""Turning return orders on: the staff settings page, the navigation link and the 404/403s."""

import html

import pytest

from common import site_settings
from tests.pages.factories import OrderFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/returns/settings/"
NAV_LINK = '<a class="nav-link" href="/returns/">Return Orders</a>'


def settings_post(**overrides) -> dict:
    data = {
        "RETURNORDER_ENABLED": "on",
        "RETURNORDER_REFERENCE_PATTERN": "RMA-{ref:04d}",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text(response) -> str:
    return html.unescape(response.content.decode())


# -- off by default ------------------------------------------------------------------------


def test_return_orders_are_off_by_default_so_every_page_is_a_404(clerk):
    order = OrderFactory()
    for url in (
        "/returns/",
        "/returns/?view=calendar",
        "/returns/new/",
        f"/returns/{order.pk}/",
        f"/returns/{order.pk}/edit/",
        f"/returns/{order.pk}/receive/",
        f"/returns/{order.pk}/lines/add/",
    ):
        assert clerk.get(url).status_code == 404, url
    assert clerk.post(f"/returns/{order.pk}/issue/").status_code == 404
    order.refresh_from_db()
    assert order.status == 10


def test_no_return_orders_link_while_disabled(clerk):
    response = clerk.get("/")
    assert response.status_code == 200
    assert "Return Orders" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, enabled):
    response = client.get("/returns/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/returns/")


# -- the settings page ---------------------------------------------------------------------


def test_settings_page_is_for_staff_only(page_client):
    clerk = page_client(return_order=["view", "add", "change", "delete"])
    assert clerk.get(SETTINGS_URL).status_code == 403
    assert clerk.post(SETTINGS_URL, settings_post()).status_code == 403
    assert site_settings.get_value("RETURNORDER_ENABLED") is False


def test_settings_link_is_shown_to_staff_only(page_client):
    staff = page_client(staff=True)
    plain = page_client(return_order=["view"])
    assert 'href="/returns/settings/"' in staff.get("/").content.decode()
    assert 'href="/returns/settings/"' not in plain.get("/").content.decode()


def test_settings_page_shows_the_current_values(page_client, set_setting):
    set_setting("RETURNORDER_REFERENCE_PATTERN", "RET{ref:05d}")
    staff = page_client(staff=True)
    response = staff.get(SETTINGS_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="RETURNORDER_REFERENCE_PATTERN" value="RET{ref:05d}"' in content
    # The switch is off: its checkbox is not checked.
    assert 'name="RETURNORDER_ENABLED" class="form-check-input" id="id_RETURNORDER_ENABLED">' in (
        content
    )


def test_staff_turn_return_orders_on(page_client):
    staff = page_client(staff=True, return_order=["view"])
    response = staff.post(SETTINGS_URL, settings_post(RETURNORDER_REQUIRE_RESPONSIBLE="on"))
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    assert site_settings.get_value("RETURNORDER_ENABLED") is True
    assert site_settings.get_value("RETURNORDER_REQUIRE_RESPONSIBLE") is True
    assert site_settings.get_value("RETURNORDER_EDIT_COMPLETED_ORDERS") is False

    page = staff.get(SETTINGS_URL)
    assert "Return order settings saved." in page.content.decode()
    assert 'id="id_RETURNORDER_ENABLED" checked' in page.content.decode()
    assert staff.get("/returns/").status_code == 200


def test_staff_turn_return_orders_off_again(page_client, enabled):
    staff = page_client(staff=True, return_order=["view"])
    response = staff.post(SETTINGS_URL, settings_post(RETURNORDER_ENABLED=None))
    assert response.status_code == 302
    assert site_settings.get_value("RETURNORDER_ENABLED") is False
    assert staff.get("/returns/").status_code == 404


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("RMA-{x}{ref}", "Unknown format key specified: 'x'"),
        ("RMA-0001", "Missing required format key: 'ref'"),
        ("RMA-{ref}-{ref}", "The pattern must contain exactly one {ref} group"),
        ("RMA-{ref", "Improperly formatted pattern"),
    ],
)
def test_a_bad_reference_pattern_is_shown_beside_its_field_and_nothing_is_saved(
    page_client, pattern, message
):
    staff = page_client(staff=True)
    response = staff.post(SETTINGS_URL, settings_post(RETURNORDER_REFERENCE_PATTERN=pattern))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["RETURNORDER_REFERENCE_PATTERN"]
    assert message in errors["RETURNORDER_REFERENCE_PATTERN"][0]
    page = text(response)
    # The message sits inside the pattern field's block, after its input.
    field_at = page.index('name="RETURNORDER_REFERENCE_PATTERN"')
    next_field_at = page.index('name="RETURNORDER_REQUIRE_RESPONSIBLE"')
    # (the error summary at the top names it too: look beside the field)
    assert field_at < page.index(message, field_at) < next_field_at
    assert site_settings.get_value("RETURNORDER_ENABLED") is False
    assert site_settings.get_value("RETURNORDER_REFERENCE_PATTERN") == "RMA-{ref:04d}"


def test_an_empty_reference_pattern_is_required(page_client):
    staff = page_client(staff=True)
    response = staff.post(SETTINGS_URL, settings_post(RETURNORDER_REFERENCE_PATTERN=""))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "RETURNORDER_REFERENCE_PATTERN": ["This field is required."]
    }


def test_settings_page_only_takes_get_and_post(page_client):
    staff = page_client(staff=True)
    assert staff.put(SETTINGS_URL).status_code == 405


# -- once enabled --------------------------------------------------------------------------


def test_link_appears_for_users_who_may_view_return_orders(enabled, page_client):
    viewer = page_client(return_order=["view"])
    response = viewer.get("/")
    assert NAV_LINK in response.content.decode()


def test_link_is_marked_current_on_the_return_order_pages(enabled, page_client):
    viewer = page_client(return_order=["view"])
    content = viewer.get("/returns/").content.decode()
    assert 'class="nav-link active" aria-current="page" href="/returns/">Return Orders' in content


def test_no_link_for_users_without_the_role(enabled, page_client):
    stock_only = page_client(stock=["view"])
    assert "Return Orders" not in stock_only.get("/").content.decode()


def test_users_without_the_role_get_403_on_the_pages(enabled, page_client):
    order = OrderFactory()
    stock_only = page_client(stock=["view", "change"])
    for url in ("/returns/", "/returns/?view=calendar", f"/returns/{order.pk}/", "/returns/new/"):
        assert stock_only.get(url).status_code == 403, url
    assert stock_only.post(f"/returns/{order.pk}/issue/").status_code == 403
    order.refresh_from_db()
    assert order.status == 10


def test_viewers_cannot_reach_the_pages_that_change_orders(enabled, viewer):
    order = OrderFactory()
    for url in (
        "/returns/new/",
        f"/returns/{order.pk}/edit/",
        f"/returns/{order.pk}/delete/",
        f"/returns/{order.pk}/receive/",
        f"/returns/{order.pk}/lines/add/",
        f"/returns/{order.pk}/extra/add/",
    ):
        assert viewer.get(url).status_code == 403, url
    for url in (
        f"/returns/{order.pk}/issue/",
        f"/returns/{order.pk}/notes/",
        f"/returns/{order.pk}/attachments/",
    ):
        assert viewer.post(url, {"notes": "x", "link": "https://example.com"}).status_code == 403
    order.refresh_from_db()
    assert (order.status, order.notes) == (10, None)
