from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from webhooks import safety, services
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription


class SubscriptionAdminForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "active", "owner", "disabled_reason"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            safety.check_url(url)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
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

    def save_model(self, request, obj, form, change):
        # Added here, a subscription gets a secret nobody has seen: rotate it on its page.
        if not obj.secret:
            obj.secret = services.secret_generate()
        super().save_model(request, obj, form, change)


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
