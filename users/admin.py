"""The Django admin for accounts, groups, roles and tokens.

Staff who are not superusers get the same rule as the API (``users.services``): they change
no staff or superuser account, no account holding permissions they lack, and hand out no
permission, group or role they do not hold themselves.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError

from users import services
from users.models import ApiToken, Owner, RuleSet

# Fields only a superuser edits: they decide what an account may do outside the roles.
SUPERUSER_ONLY_USER_FIELDS = ("is_staff", "is_superuser", "user_permissions")


def _rule_set_permissions(cleaned_data: dict) -> set[str]:
    rule_set = RuleSet(
        name=cleaned_data.get("name", ""),
        **{
            f"can_{a}": bool(cleaned_data.get(f"can_{a}"))
            for a in ("view", "add", "change", "delete")
        },
    )
    return services.role_permission_names(rule_set.name, rule_set.actions())


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.account_manage_refusal(actor=request.user, target=obj) is None

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.account_manage_refusal(actor=request.user, target=obj) is None

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += [f for f in SUPERUSER_ONLY_USER_FIELDS if f not in fields]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or "groups" not in form.base_fields:
            return form
        actor = request.user

        class GroupsGrantedByActorForm(form):
            def clean_groups(self):
                groups = self.cleaned_data["groups"]
                current = (
                    set(self.instance.groups.values_list("pk", flat=True))
                    if self.instance.pk
                    else set()
                )
                refusal = services.groups_grant_refusal(
                    actor=actor, groups=[g for g in groups if g.pk not in current]
                )
                if refusal:
                    raise ValidationError(refusal)
                return groups

        return GroupsGrantedByActorForm


class RuleSetInlineFormSet(forms.BaseInlineFormSet):
    actor = None  # set per request by RuleSetInline.get_formset

    def clean(self):
        super().clean()
        if self.actor is None or self.actor.is_superuser:
            return
        for form in self.forms:
            if not form.has_changed() or not getattr(form, "cleaned_data", None):
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            refusal = services.permissions_grant_refusal(
                actor=self.actor,
                permissions=_rule_set_permissions(form.cleaned_data),
                what=f"role {form.cleaned_data.get('name')!r}",
            )
            if refusal:
                raise ValidationError(refusal)


class RuleSetInline(admin.TabularInline):
    model = RuleSet
    formset = RuleSetInlineFormSet
    extra = 0
    fields = ["name", "can_view", "can_add", "can_change", "can_delete"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    inlines = [RuleSetInline]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.group_change_refusal(actor=request.user, group=obj) is None

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.group_change_refusal(actor=request.user, group=obj, delete=True) is None

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or "permissions" not in form.base_fields:
            return form
        actor = request.user

        class PermissionsGrantedByActorForm(form):
            def clean_permissions(self):
                chosen = self.cleaned_data["permissions"]
                current = (
                    set(self.instance.permissions.values_list("pk", flat=True))
                    if self.instance.pk
                    else set()
                )
                refusal = services.permissions_grant_refusal(
                    actor=actor,
                    permissions=[
                        f"{p.content_type.app_label}.{p.codename}"
                        for p in chosen
                        if p.pk not in current
                    ],
                    what="permissions",
                )
                if refusal:
                    raise ValidationError(refusal)
                return chosen

        return PermissionsGrantedByActorForm

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


class RuleSetAdminForm(forms.ModelForm):
    actor = None  # set per request by RuleSetAdmin.get_form

    class Meta:
        model = RuleSet
        fields = ["group", "name", "can_view", "can_add", "can_change", "can_delete"]

    def clean(self):
        cleaned = super().clean()
        actor = self.actor
        if actor is None or actor.is_superuser:
            return cleaned
        group = cleaned.get("group")
        refusal = group is not None and services.group_change_refusal(actor=actor, group=group)
        refusal = refusal or services.permissions_grant_refusal(
            actor=actor,
            permissions=_rule_set_permissions(cleaned),
            what=f"role {cleaned.get('name')!r}",
        )
        if refusal:
            raise ValidationError(refusal)
        return cleaned


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetAdminForm
    list_display = ["group", "name", "can_view", "can_add", "can_change", "can_delete"]
    list_select_related = ["group"]
    list_filter = ["name", "group"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return services.group_change_refusal(actor=request.user, group=obj.group) is None

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj) and super().has_delete_permission(
            request, obj
        )

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
