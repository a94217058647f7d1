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


@receiver(post_save, sender=User)
def _password_changed(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """Every saved password change (API, admin, Django's password views, ``changepassword``)
    revokes the user's API tokens.

    ``set_password`` leaves the new password on ``_password`` until the save completes, and
    Django clears it for mere hash upgrades, so this fires for real changes only.
    """
    if raw or created or getattr(instance, "_password", None) is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    services.user_password_changed(user=instance)
