from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_admin_groups(sender, **kwargs):
    """Groups holding the admin role get the webhook permissions it now includes."""
    from django.contrib.auth.models import Group

    from users import services as user_services

    for group in Group.objects.filter(rule_sets__name="admin").distinct():
        user_services.group_sync_permissions(group=group)


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        post_migrate.connect(_grant_admin_groups, sender=self, dispatch_uid="webhooks-admin-role")
