from django.urls import path

from webhooks import api

subscription_urlpatterns = [
    path("", api.WebhookSubscriptionList.as_view(), name="api-webhook-list"),
    path("<int:pk>/", api.WebhookSubscriptionDetail.as_view(), name="api-webhook-detail"),
    path(
        "<int:pk>/rotate-secret/",
        api.WebhookRotateSecret.as_view(),
        name="api-webhook-rotate-secret",
    ),
]

delivery_urlpatterns = [
    path("", api.WebhookDeliveryList.as_view(), name="api-webhook-delivery-list"),
    path("<int:pk>/", api.WebhookDeliveryDetail.as_view(), name="api-webhook-delivery-detail"),
    path(
        "<int:pk>/redeliver/",
        api.WebhookRedeliver.as_view(),
        name="api-webhook-delivery-redeliver",
    ),
]
