"""E-mail notifications to an order's responsible owner, queued in the transaction of the
change they report and sent after it commits."""

from django.conf import settings
from django.contrib.auth.models import Group, User

from jobs.mail import mail_queue


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


def queue_order_notification(
    *, order, subject: str, body: str, exclude_user=None, extra_users=()
) -> int:
    """Record one e-mail per recipient in the current transaction; each is sent by a task
    after it commits, at most once, retried while the mail server fails (``jobs.mail``).
    Returns how many were queued."""
    recipients = set(owner_recipients(order.responsible, exclude=exclude_user))
    recipients.update(u.email for u in extra_users if u is not None and u.email and u.is_active)
    if not recipients:
        return 0
    url = f"{settings.BOOMERANG_BASE_URL}{order.get_absolute_url()}"
    message = (
        f"{body}\n\n{order.reference} - {order.customer.name if order.customer_id else ''}\n{url}\n"
    )
    prefix = f"[{settings.BOOMERANG_INSTANCE_NAME}] "
    for to in sorted(recipients):
        mail_queue(subject=prefix + subject, body=message, to=[to])
    return len(recipients)
