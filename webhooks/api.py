"""Webhook REST endpoints: subscriptions, their secrets, the delivery log and redelivery."""

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as df
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from common.api import ServiceWriteMixin
from common.filters import FilterSet
from common.pagination import LimitOffsetPagination
from webhooks import services
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookSubscription
from webhooks.serializers import (
    IssuedSecretSerializer,
    RedeliverSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionSerializer,
)

WRITE_FIELDS = services.SUBSCRIPTION_FIELDS


def _issued(subscription, secret) -> dict:
    data = IssuedSecretSerializer(subscription).data
    data["secret"] = secret
    return data


class SubscriptionMixin(ServiceWriteMixin):
    serializer_class = WebhookSubscriptionSerializer
    permission_model = WebhookSubscription

    def get_queryset(self):
        return WebhookSubscription.objects.order_by("name", "pk")


class WebhookSubscriptionList(SubscriptionMixin, generics.ListCreateAPIView):
    """``GET/POST /api/webhook/``: the answer to a create carries the secret, once."""

    filterset_fields = ["active"]
    search_fields = ["name", "url"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]

    @extend_schema(responses={201: IssuedSecretSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in WRITE_FIELDS}
        subscription, secret = services.subscription_create(user=request.user, **data)
        return Response(_issued(subscription, secret), status=status.HTTP_201_CREATED)


class WebhookSubscriptionDetail(SubscriptionMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_service_update(self, subscription, data):
        services.subscription_update(
            subscription=subscription, data={k: v for k, v in data.items() if k in WRITE_FIELDS}
        )

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance)


class WebhookRotateSecret(generics.GenericAPIView):
    """``POST /api/webhook/<pk>/rotate-secret/``: a new secret, shown in this answer only."""

    queryset = WebhookSubscription.objects.all()
    serializer_class = RedeliverSerializer
    permission_actions = {"POST": "change"}

    @extend_schema(request=None, responses={200: IssuedSecretSerializer})
    def post(self, request, pk):
        subscription = get_object_or_404(WebhookSubscription, pk=pk)
        subscription, secret = services.subscription_rotate_secret(subscription=subscription)
        return Response(_issued(subscription, secret))


class DeliveryPagination(LimitOffsetPagination):
    """The log is always paged (50 a page unless ``limit`` says otherwise)."""

    default_limit = 50


class DeliveryFilter(FilterSet):
    subscription = df.ModelChoiceFilter(queryset=WebhookSubscription.objects.all())
    event_type = df.ChoiceFilter(field_name="event__type", choices=EVENT_TYPES)
    state = df.ChoiceFilter(choices=WebhookDelivery.State.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "event_type", "state"]


def delivery_list():
    return WebhookDelivery.objects.select_related("event", "subscription")


class DeliveryMixin:
    serializer_class = WebhookDeliverySerializer
    # Reading the log and redelivering are the subscription's view and change.
    permission_model = WebhookSubscription

    def get_queryset(self):
        return delivery_list()


class WebhookDeliveryList(DeliveryMixin, generics.ListAPIView):
    """``GET /api/webhook-delivery/``: the delivery log, newest first."""

    pagination_class = DeliveryPagination
    filterset_class = DeliveryFilter
    ordering_fields = ["created_at", "pk"]
    ordering = ["-pk"]


class WebhookDeliveryDetail(DeliveryMixin, generics.RetrieveAPIView):
    pass


class WebhookRedeliver(DeliveryMixin, generics.GenericAPIView):
    """``POST /api/webhook-delivery/<pk>/redeliver/``: the event sent again as a new delivery
    (201 with it); 400 when the subscription is disabled."""

    serializer_class = RedeliverSerializer
    permission_actions = {"POST": "change"}

    @extend_schema(request=None, responses={201: WebhookDeliverySerializer})
    def post(self, request, pk):
        delivery = get_object_or_404(delivery_list(), pk=pk)
        fresh = services.delivery_redeliver(delivery=delivery)
        return Response(
            WebhookDeliverySerializer(delivery_list().get(pk=fresh.pk)).data,
            status=status.HTTP_201_CREATED,
        )
