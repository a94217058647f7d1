"""The customer portal in the admin: who may sign in, their sign-in links and sessions.

Everything here is read-only. Access is granted and revoked on the company page (so the
invitation is e-mailed and the contact's sessions end with it), domains are set there too, and
links and sessions are made only by signing in. Only their hashes are stored, and the admin does
not show even those. Deleting a session from the admin signs that visitor out.
"""

from django.contrib import admin

from portal.models import PortalAccess, PortalDomain, PortalSession, PortalSignInLink


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PortalAccess)
class PortalAccessAdmin(ViewOnlyAdmin):
    list_display = ["contact", "contact__company", "source", "created_at", "revoked_at"]
    list_select_related = ["contact__company"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["contact__name", "contact__email", "contact__company__name"]
    fields = [
        "contact",
        "source",
        "invited_by",
        "created_at",
        "revoked_at",
        "revoked_by",
        "last_sign_in",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked on the company page, which ends the sessions too


@admin.register(PortalDomain)
class PortalDomainAdmin(ViewOnlyAdmin):
    list_display = ["domain", "company", "created_by", "created_at"]
    list_select_related = ["company", "created_by"]
    search_fields = ["domain", "company__name"]
    fields = ["domain", "company", "created_by", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # set on the company page


@admin.register(PortalSignInLink)
class PortalSignInLinkAdmin(ViewOnlyAdmin):
    list_display = ["email", "company", "contact", "created_at", "expires_at", "used_at"]
    list_select_related = ["company", "contact"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "company__name"]
    fields = ["email", "company", "contact", "created_at", "expires_at", "used_at"]


@admin.register(PortalSession)
class PortalSessionAdmin(ViewOnlyAdmin):
    list_display = ["contact", "contact__company", "created_at", "expires_at"]
    list_select_related = ["contact__company"]
    search_fields = ["contact__name", "contact__email", "contact__company__name"]
    fields = ["contact", "created_at", "expires_at"]
