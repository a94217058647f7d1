from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group

from users import services
from users.models import ApiToken, Owner, RuleSet


class RuleSetInline(admin.TabularInline):
    model = RuleSet
    extra = 0
    fields = ["name", "can_view", "can_add", "can_change", "can_delete"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    inlines = [RuleSetInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Roles are the source of truth for the permissions they manage.
        services.group_sync_permissions(group=form.instance)


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "owner_id"]
    list_select_related = ["owner_type"]
    list_filter = ["owner_type"]
    search_fields = ["name"]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["group", "name", "can_view", "can_add", "can_change", "can_delete"]
    list_select_related = ["group"]
    list_filter = ["name", "group"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.group_sync_permissions(group=obj.group)

    def delete_model(self, request, obj):
        group = obj.group
        super().delete_model(request, obj)
        services.group_sync_permissions(group=group)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "expiry", "revoked", "last_seen"]
    list_select_related = ["user"]
    list_filter = ["revoked"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["key_hash", "prefix", "created", "last_seen"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Keys are shown once, when issued through the API or the profile page.
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token)
