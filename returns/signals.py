"""Keep the calendar feeds' Last-Modified moving when what they show changes outside an order.

An event shows its customer's and its responsible owner's names (a line's event its part's
name too), and an "only mine" feed depends on the user's groups; none of those changes
touches an order's ``updated_at``. These
receivers only stamp ``FeedState`` — a cache validator — and never change domain state.
"""

from django.contrib.auth.models import User
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from companies.models import Company
from returns.services import feed_state_touch
from stock.models import Part
from users.models import Owner


@receiver(post_save, sender=Company)
@receiver(post_save, sender=Owner)
@receiver(post_save, sender=Part)
def _shown_name_may_have_changed(sender, instance, created=False, raw=False, **kwargs):
    # A new company or owner has no orders yet.
    if not created and not raw:
        feed_state_touch()


@receiver(post_delete, sender=Owner)
def _owner_deleted(sender, instance, **kwargs):
    # Its orders lose their responsible owner by SET NULL, which no updated_at records.
    feed_state_touch()


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        feed_state_touch()
