"""The Webhooks settings pages: list, create (the secret shown once), edit, delete, rotate,
and a subscription's delivery log with its Redeliver buttons."""

import pytest

from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
ALL = ["view", "add", "change", "delete"]
PUBLIC = "https://93.184.216.34/in"


def _post_create(client, **fields):
    data = {"name": "ERP", "url": PUBLIC, "events": ["return_order.created"], "active": "on"}
    return client.post("/settings/webhooks/add/", {**data, **fields})


def test_creating_shows_the_secret_once(page_client):
    client = page_client(admin=ALL)
    response = _post_create(client)
    hook = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/settings/webhooks/{hook.pk}/"
    first = client.get(response["Location"]).content.decode()
    assert hook.secret in first and 'id="webhook-secret"' in first
    again = client.get(response["Location"]).content.decode()
    assert hook.secret not in again
    assert hook.owner == client.user
    assert hook.events == ["return_order.created"]


def test_an_internal_url_is_a_form_error_on_the_field(page_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    client = page_client(admin=ALL)
    response = _post_create(client, url="http://192.168.0.10/hook")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["url"] and "internal addresses" in errors["url"][0]
    assert 'id="id_url_error"' in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_no_event_chosen_is_a_form_error(page_client):
    response = _post_create(page_client(admin=ALL), events=[])
    assert response.status_code == 400 and "events" in response.context["form"].errors


def test_editing_and_turning_back_on(page_client):
    hook = WebhookSubscriptionFactory(active=False, consecutive_failures=9)
    client = page_client(admin=ALL)
    assert client.get(f"/settings/webhooks/{hook.pk}/edit/").status_code == 200
    response = client.post(
        f"/settings/webhooks/{hook.pk}/edit/",
        {"name": "Renamed", "url": PUBLIC, "events": ["return_order.issued"], "active": "on"},
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.events, hook.active) == ("Renamed", ["return_order.issued"], True)
    assert hook.consecutive_failures == 0


def test_rotating_shows_the_new_secret_once(page_client):
    hook = WebhookSubscriptionFactory()
    old = hook.secret
    client = page_client(admin=ALL)
    response = client.post(f"/settings/webhooks/{hook.pk}/rotate-secret/")
    hook.refresh_from_db()
    assert hook.secret != old
    page = client.get(response["Location"]).content.decode()
    assert hook.secret in page and old not in page
    assert hook.secret not in client.get(response["Location"]).content.decode()


def test_deleting(page_client):
    hook = WebhookSubscriptionFactory()
    client = page_client(admin=ALL)
    assert client.get(f"/settings/webhooks/{hook.pk}/delete/").status_code == 200
    response = client.post(f"/settings/webhooks/{hook.pk}/delete/")
    assert response.status_code == 302 and not WebhookSubscription.objects.exists()


def test_the_log_and_its_redeliver_button(page_client, django_capture_on_commit_callbacks):
    delivery = WebhookDeliveryFactory(state="failed", response_status=500)
    hook = delivery.subscription
    client = page_client(admin=ALL)
    page = client.get(f"/settings/webhooks/{hook.pk}/").content.decode()
    assert f"/settings/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/" in page
    assert "HTTP 500" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/settings/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302 and len(queued) == 1
    assert WebhookDelivery.objects.filter(subscription=hook).count() == 2
    # Another subscription's delivery is not found under this one.
    stranger = WebhookDeliveryFactory()
    url = f"/settings/webhooks/{hook.pk}/deliveries/{stranger.pk}/redeliver/"
    assert client.post(url).status_code == 404


def test_a_viewer_sees_no_buttons(page_client):
    delivery = WebhookDeliveryFactory()
    client = page_client(admin=["view"])
    page = client.get(f"/settings/webhooks/{delivery.subscription_id}/").content.decode()
    assert "Redeliver" not in page and "Rotate secret" not in page
    assert "Add webhook" not in client.get("/settings/webhooks/").content.decode()


def test_the_secret_is_on_no_page_and_not_in_the_admin(page_client, make_user):
    hook = WebhookSubscriptionFactory()
    client = page_client(admin=ALL)
    for url in ("/settings/webhooks/", f"/settings/webhooks/{hook.pk}/",
                f"/settings/webhooks/{hook.pk}/edit/"):  # fmt: skip
        assert hook.secret not in client.get(url).content.decode()
    admin = page_client(staff=True)
    admin.force_login(make_user(superuser=True))
    page = admin.get(f"/admin/webhooks/webhooksubscription/{hook.pk}/change/")
    assert page.status_code == 200
    assert hook.secret not in page.content.decode()


@pytest.mark.parametrize("rows", [1, 6])
def test_the_pages_query_counts_do_not_grow_with_rows(page_client, django_assert_num_queries, rows):
    hook = WebhookSubscriptionFactory()
    for _ in range(rows):
        WebhookDeliveryFactory(subscription=hook)
        WebhookSubscriptionFactory()
    client = page_client(admin=ALL)
    client.get("/settings/webhooks/")  # the session and the user's permissions, once
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/settings/webhooks/").status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/settings/webhooks/{hook.pk}/").status_code == 200


# The session, the user (with its permissions) and the site settings the navigation reads,
# then the subscriptions with their owners.
LIST_QUERIES = 4
# As above, then the subscription with its owner, and the log's count and page.
DETAIL_QUERIES = 6


NAV_LINK = 'href="/settings/webhooks/">Webhooks</a>'


def test_the_admin_role_without_staff_finds_the_webhooks_in_the_navigation(page_client):
    """The settings page (which links to the webhooks for staff) is not theirs: the main
    navigation links to the Webhooks page itself, marked current there."""
    admin = page_client(admin=["view"])
    home = admin.get("/").content.decode()
    assert NAV_LINK in home
    assert 'href="/returns/settings/"' not in home
    listing = admin.get("/settings/webhooks/").content.decode()
    assert 'class="nav-link active" aria-current="page" ' + NAV_LINK in listing


def test_no_webhooks_link_for_those_who_may_not_see_the_page(page_client):
    # Every other role, but not the admin role: the page would be a 403.
    clerk = page_client(return_order=ALL, stock=ALL)
    assert NAV_LINK not in clerk.get("/").content.decode()
    assert clerk.get("/settings/webhooks/").status_code == 403
    # Staff reach it through the settings page (its Webhooks section), not a second link.
    staff = page_client(staff=True, admin=["view"])
    home = staff.get("/").content.decode()
    assert NAV_LINK not in home and 'href="/returns/settings/"' in home
    assert 'href="/settings/webhooks/"' in staff.get("/returns/settings/").content.decode()
