"""Webhook subscriptions, the events they are sent, and one delivery per (subscription, event).

An event holds its payload as it was when it happened; a delivery records what was sent and
what came back, attempt by attempt (the last attempt's request and answer are kept).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EVENT_TYPES = (
    ("return_order.created", _("Return order created")),
    ("return_order.updated", _("Return order updated")),
    ("return_order.issued", _("Return order issued")),
    ("return_order.held", _("Return order placed on hold")),
    ("return_order.cancelled", _("Return order cancelled")),
    ("return_order.completed", _("Return order completed")),
    ("return_order.authorized", _("Return order authorized")),
    ("return_order.declined", _("Return order declined")),
    ("return_order_line.received", _("Return order line received")),
    ("return_order_line.resolved", _("Return order line resolved")),
    ("return_order_line.unresolved", _("Return order line resolution undone")),
    ("stock_item.returned", _("Stock item returned")),
)
EVENT_TYPE_NAMES = frozenset(name for name, _label in EVENT_TYPES)


class WebhookSubscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("target URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("Event types sent"))
    # Standard Webhooks' "whsec_" + base64 secret; never shown after it is issued.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
        help_text=_("Told by e-mail when the subscription is disabled"),
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in (self.events or [])


class WebhookEvent(models.Model):
    type = models.CharField(max_length=50, choices=EVENT_TYPES, db_index=True)
    message_id = models.CharField(max_length=64, unique=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField()
    # Events that share a key reach each subscription in the order they happened.
    ordering_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    ordering_key = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    UNFINISHED = (State.PENDING, State.RETRYING)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["subscription", "ordering_key", "state"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.event_id} {self.state}"
