"""E-mail notifications to an order's responsible owner. Called only after commit."""

import logging

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.mail import send_mass_mail

logger = logging.getLogger(__name__)


def owner_recipients(owner, *, exclude=None) -> list[str]:
    """E-mail addresses behind an owner: the user, or every active member of the group."""
    if owner is None:
        return []
    target = owner.owner
    if isinstance(target, User):
        users = [target]
    elif isinstance(target, Group):
        users = list(target.user_set.filter(is_active=True))
    else:
        users = []
    exclude_pk = getattr(exclude, "pk", None)
    return sorted({u.email for u in users if u.email and u.is_active and u.pk != exclude_pk})


def send_order_notification(
    *, order, subject: str, body: str, exclude_user=None, extra_users=()
) -> int:
    recipients = set(owner_recipients(order.responsible, exclude=exclude_user))
    recipients.update(u.email for u in extra_users if u is not None and u.email and u.is_active)
    if not recipients:
        return 0
    url = f"{settings.BOOMERANG_BASE_URL}{order.get_absolute_url()}"
    message = (
        f"{body}\n\n{order.reference} - {order.customer.name if order.customer_id else ''}\n{url}\n"
    )
    prefix = f"[{settings.BOOMERANG_INSTANCE_NAME}] "
    try:
        return send_mass_mail(
            [
                (prefix + subject, message, settings.DEFAULT_FROM_EMAIL, [to])
                for to in sorted(recipients)
            ],
            fail_silently=False,
        )
    except Exception:  # a mail server outage must not break the request that committed
        logger.exception("Could not send notification for return order %s", order.pk)
        return 0
