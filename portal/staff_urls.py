"""Staff pages that manage portal access, under the company's page."""

from django.urls import path

from portal import staff_views

app_name = "portal-staff"

urlpatterns = [
    path("settings/", staff_views.company_settings, name="settings"),
    path("contacts/<int:contact_pk>/invite/", staff_views.contact_invite, name="invite"),
    path("contacts/<int:contact_pk>/revoke/", staff_views.contact_revoke, name="revoke"),
]
