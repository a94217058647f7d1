"""The portal's site-wide staff settings: the customer e-mails' wording."""

from django.urls import path

from portal import staff_views

app_name = "portal-settings"

urlpatterns = [
    path("emails/", staff_views.email_templates, name="emails"),
]
