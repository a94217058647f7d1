"""E-mail sent by a task after the transaction that asked for it commits, at most once.

``mail_queue`` records one ``OutgoingMail`` per message in the caller's transaction (so a
rolled-back change sends nothing) and queues ``jobs.send_mail`` for it on commit. The task
sends a message only while its record is pending, holding the record's row lock while it
talks to the mail server, so a redelivered task finds it sent and does nothing. SMTP and
connection errors are retried with exponential backoff, up to MAIL_MAX_ATTEMPTS tries; then
the record says why it failed.
"""

import logging
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from jobs.models import OutgoingMail
from jobs.services import error_text

logger = logging.getLogger(__name__)

RETRY_ON = (smtplib.SMTPException, ConnectionError, TimeoutError)


def _queue(pk: int) -> None:
    from jobs.tasks import send_mail

    send_mail.delay(pk)


def mail_queue(*, subject: str, body: str, to: list[str], from_email: str = "") -> OutgoingMail:
    mail = OutgoingMail.objects.create(
        subject=subject[:255],
        body=body,
        to=list(to),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
    )
    transaction.on_commit(partial(_queue, mail.pk))
    return mail


def mail_retry_countdown(attempts: int) -> float:
    base = float(settings.MAIL_RETRY_BACKOFF)
    return min(base * 2 ** max(attempts - 1, 0), float(settings.JOBS_RETRY_BACKOFF_MAX))


def mail_send(pk: int) -> float | None:
    """Send the pending message ``pk``; the seconds to wait before trying again, or None."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=pk).first()
        if mail is None or mail.state != OutgoingMail.State.PENDING:
            return None
        mail.attempts += 1
        message = EmailMessage(mail.subject, mail.body, mail.from_email, mail.to)
        try:
            message.send(fail_silently=False)
        except RETRY_ON as exc:
            mail.error = error_text(exc)
            if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
                logger.error("E-mail %s not sent after %s tries: %r", pk, mail.attempts, exc)
                mail.state = OutgoingMail.State.FAILED
                mail.save(update_fields=["attempts", "error", "state"])
                return None
            mail.save(update_fields=["attempts", "error"])
            countdown = mail_retry_countdown(mail.attempts)
            logger.warning("E-mail %s not sent, trying again in %ss: %r", pk, countdown, exc)
            return countdown
        mail.state = OutgoingMail.State.SENT
        mail.sent = timezone.now()
        mail.error = ""
        mail.save(update_fields=["attempts", "error", "state", "sent"])
        return None
