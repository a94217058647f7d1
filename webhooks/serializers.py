"""Webhook API representations. The secret is never part of a subscription's representation:
only the create and rotate answers carry it (``IssuedSecretSerializer``)."""

from django.contrib.auth.models import User
from rest_framework import serializers

from common.serializers import BaseModelSerializer, BaseSerializer
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookSubscription


class WebhookSubscriptionSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), allow_empty=False, max_length=50
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "pk",
            "name",
            "url",
            "events",
            "active",
            "owner",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]


class IssuedSecretSerializer(WebhookSubscriptionSerializer):
    """A subscription with its secret: the answer to create and rotate-secret, once."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    message_id = serializers.CharField(source="event.message_id", read_only=True)
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)
    subscription_name = serializers.CharField(source="subscription.name", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "pk",
            "subscription",
            "subscription_name",
            "event",
            "event_type",
            "message_id",
            "occurred_at",
            "ordering_key",
            "state",
            "attempts",
            "next_attempt_at",
            "request_headers",
            "request_body",
            "response_status",
            "response_body",
            "error",
            "duration_ms",
            "created_at",
            "updated_at",
            "delivered_at",
        ]
        read_only_fields = fields


class RedeliverSerializer(BaseSerializer):
    """No input: the logged delivery's event is sent again."""
