"""The webhook API: the secret is shown only when created or rotated; the log and redelivery."""

import pytest
from standardwebhooks.webhooks import Webhook

from tests.webhooks.factories import (
    WebhookDeliveryFactory,
    WebhookEventFactory,
    WebhookSubscriptionFactory,
)
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
HOOKS = "/api/webhook/"
DELIVERIES = "/api/webhook-delivery/"
PUBLIC = "https://93.184.216.34/in"
PERMISSION_QUERIES = 1  # the user's own and its groups' permissions


def _create(client, **body):
    return client.post(
        HOOKS, {"name": "ERP", "url": PUBLIC, "events": ["return_order.created"], **body}
    )


def test_the_secret_is_returned_by_create_only(admin_client_api):
    response = _create(admin_client_api)
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # Standard Webhooks reads it
    assert body["owner"] == admin_client_api.user.pk
    pk = body["pk"]
    assert "secret" not in admin_client_api.get(f"{HOOKS}{pk}/").json()
    assert all("secret" not in row for row in admin_client_api.get(HOOKS).json())
    patched = admin_client_api.patch(f"{HOOKS}{pk}/", {"name": "ERP 2", "secret": "whsec_x"})
    assert patched.status_code == 200 and "secret" not in patched.json()
    assert WebhookSubscription.objects.get(pk=pk).secret == secret  # not writable
    assert secret not in admin_client_api.get(f"{HOOKS}{pk}/").content.decode()


def test_rotating_answers_with_the_new_secret_once(admin_client_api):
    pk = _create(admin_client_api).json()["pk"]
    old = WebhookSubscription.objects.get(pk=pk).secret
    response = admin_client_api.post(f"{HOOKS}{pk}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != old and WebhookSubscription.objects.get(pk=pk).secret == new
    assert admin_client_api.post(f"{HOOKS}987654/rotate-secret/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1/x"}, "url"),
        ({"url": "http://[::ffff:169.254.169.254]/x"}, "url"),
        ({"url": "ftp://93.184.216.34/x"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["order.exploded"]}, "events"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_client_api, settings, body, field):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = _create(admin_client_api, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not WebhookSubscription.objects.exists()


def test_an_update_to_an_internal_url_is_refused_and_changes_nothing(admin_client_api, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    hook = WebhookSubscriptionFactory(name="Before")
    response = admin_client_api.patch(
        f"{HOOKS}{hook.pk}/", {"name": "After", "url": "http://10.0.0.8/"}
    )
    assert response.status_code == 400 and "url" in response.json()
    hook.refresh_from_db()
    assert (hook.name, hook.url) == ("Before", PUBLIC.replace("/in", "/hook"))


def test_delete(admin_client_api):
    delivery = WebhookDeliveryFactory()
    response = admin_client_api.delete(f"{HOOKS}{delivery.subscription_id}/")
    assert response.status_code == 204
    assert not WebhookDelivery.objects.exists()


def test_the_delivery_log_filters_and_pages(admin_client_api):
    hook, other = WebhookSubscriptionFactory(), WebhookSubscriptionFactory()
    issued = WebhookEventFactory(type="return_order.issued")
    rows = [
        WebhookDeliveryFactory(subscription=hook),
        WebhookDeliveryFactory(subscription=hook, event=issued, state="failed"),
        WebhookDeliveryFactory(subscription=other),
    ]
    body = admin_client_api.get(DELIVERIES).json()
    assert body["count"] == 3  # paged without asking
    assert [row["pk"] for row in body["results"]] == [r.pk for r in reversed(rows)]
    by_hook = admin_client_api.get(DELIVERIES, {"subscription": hook.pk}).json()
    assert {row["pk"] for row in by_hook["results"]} == {rows[0].pk, rows[1].pk}
    by_type = admin_client_api.get(DELIVERIES, {"event_type": "return_order.issued"}).json()
    assert [row["pk"] for row in by_type["results"]] == [rows[1].pk]
    assert by_type["results"][0]["event_type"] == "return_order.issued"
    by_state = admin_client_api.get(DELIVERIES, {"state": "failed"}).json()
    assert [row["pk"] for row in by_state["results"]] == [rows[1].pk]
    page = admin_client_api.get(DELIVERIES, {"limit": 1, "offset": 1}).json()
    assert [row["pk"] for row in page["results"]] == [rows[1].pk]
    for bad in ({"state": "exploded"}, {"event_type": "x"}, {"subscription": "abc"}):
        assert admin_client_api.get(DELIVERIES, bad).status_code == 400


def test_the_lists_query_counts_do_not_grow_with_rows(client_for, django_assert_num_queries):
    for _ in range(5):
        WebhookDeliveryFactory()
    viewer = client_for(admin=["view"])
    with django_assert_num_queries(PERMISSION_QUERIES + 2):  # the count and the page
        body = viewer.get(DELIVERIES).json()
    assert len(body["results"]) == 5
    viewer = client_for(admin=["view"])
    with django_assert_num_queries(PERMISSION_QUERIES + 1):
        rows = viewer.get(HOOKS).json()
    assert len(rows) == 5


def test_redeliver_queues_a_new_delivery(admin_client_api, django_capture_on_commit_callbacks):
    delivery = WebhookDeliveryFactory(state="failed")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client_api.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 201
    fresh = response.json()
    assert fresh["pk"] != delivery.pk and fresh["state"] == "pending"
    assert fresh["message_id"] == delivery.event.message_id
    assert len(queued) == 1


def test_redelivering_for_a_disabled_subscription_is_a_400(admin_client_api):
    delivery = WebhookDeliveryFactory(subscription=WebhookSubscriptionFactory(active=False))
    response = admin_client_api.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 1


def test_the_admin_role_governs_webhooks(client_for):
    viewer = client_for(admin=["view"])
    assert viewer.get(HOOKS).status_code == 200
    assert viewer.get(DELIVERIES).status_code == 200
    assert _create(viewer).status_code == 403
    others = client_for(return_order=["view", "add", "change", "delete"])
    assert others.get(HOOKS).status_code == 403
    assert others.get(DELIVERIES).status_code == 403
    assert _create(client_for(admin=["add"])).status_code == 201


def test_groups_holding_the_admin_role_get_the_webhook_permissions_on_migrate():
    from django.contrib.auth.models import Permission

    from tests.factories import GroupFactory
    from users.models import RuleSet
    from webhooks.apps import _grant_admin_groups

    group = GroupFactory()
    RuleSet.objects.create(group=group, name="admin", can_view=True, can_change=True)
    other = GroupFactory()
    RuleSet.objects.create(group=other, name="stock", can_view=True)
    _grant_admin_groups(sender=None)
    granted = set(
        Permission.objects.filter(group=group, content_type__app_label="webhooks").values_list(
            "codename", flat=True
        )
    )
    assert granted == {"view_webhooksubscription", "change_webhooksubscription"}
    assert not other.permissions.filter(content_type__app_label="webhooks").exists()
