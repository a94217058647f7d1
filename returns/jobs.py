"""Return-order work that runs as scheduled jobs (see CELERY_BEAT_SCHEDULE)."""

from django.utils.translation import gettext as _


def check_overdue(job, progress) -> None:
    """The daily overdue check (also ``manage.py check_overdue_return_orders``)."""
    from returns.services import return_orders_notify_overdue

    count = return_orders_notify_overdue()
    progress(100, _("Notified %d overdue return order(s).") % count)
