from django.contrib import admin

from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    # The secret is left out: it is shown once, when issued (the pages and the API).
    fields = [
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
    readonly_fields = ["consecutive_failures", "disabled_at", "created_at", "updated_at"]
    list_display = ["name", "url", "active", "consecutive_failures", "disabled_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["owner"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["type", "message_id", "occurred_at", "ordering_key"]
    list_filter = ["type"]
    search_fields = ["message_id", "ordering_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "subscription", "event", "state", "attempts", "response_status"]
    list_filter = ["state"]
    list_select_related = ["subscription", "event"]
    raw_id_fields = ["subscription", "event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
