"""Keep one Owner per user and group."""

from django.contrib.auth.models import Group, User
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from users import services


@receiver(post_save, sender=User)
@receiver(post_save, sender=Group)
def _sync_owner(sender, instance, raw=False, **kwargs):
    if not raw:
        services.owner_sync(instance=instance)


@receiver(post_delete, sender=User)
@receiver(post_delete, sender=Group)
def _delete_owner(sender, instance, **kwargs):
    services.owner_delete_for(instance=instance)
