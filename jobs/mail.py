"""E-mail sent by a task after the transaction that asked for it commits, at most once.

``mail_queue`` records one ``OutgoingMail`` per message in the caller's transaction (so a
rolled-back change sends nothing) and queues ``jobs.send_mail`` for it on commit.

The task first claims the record: it marks it ``sending`` and commits, and only then talks to
the mail server. A worker can die at any moment, also after the server has accepted the
message and before the record says so; the broker then delivers the task again. The task that
finds its record ``sending`` (or sent, or failed) does nothing, so a message is never sent
twice. What it leaves behind is a record stuck in ``sending``: the sweep (``jobs.sweep``, every
minute) marks one older than MAIL_SENDING_TIMEOUT ``unknown``, with an error telling staff to
check before sending it by hand. Every try carries the record's Message-ID, so a receiving
server that got the message once can also drop a copy.

A server that refuses the message (an SMTP or connection error) has not accepted it: the
record goes back to ``pending`` and is tried again with exponential backoff, up to
MAIL_MAX_ATTEMPTS tries; then it is ``failed``, with the reason.

A message may carry an HTML alternative and attachments. An attachment is recorded as the
name of a provider and its arguments, and made when the message is sent (a PDF is not kept in
the database): apps register providers in ``AppConfig.ready`` with ``register_attachment``.
A provider that fails has sent nothing: the message is tried again like a refused one.
"""

import datetime
import logging
import smtplib
from collections.abc import Callable
from email.utils import make_msgid
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import OutgoingMail
from jobs.services import error_text

logger = logging.getLogger(__name__)

RETRY_ON = (smtplib.SMTPException, ConnectionError, TimeoutError)
State = OutgoingMail.State


def _queue(pk: int) -> None:
    from jobs.tasks import send_mail

    send_mail.delay(pk)


def message_id_new() -> str:
    """A Message-ID in the site's own domain (from BOOMERANG_BASE_URL)."""
    domain = urlsplit(settings.BOOMERANG_BASE_URL).hostname or "boomerang.invalid"
    return make_msgid(idstring="boomerang", domain=domain)


# Attachment providers: name -> function(**args) returning (filename, content, mimetype).
_ATTACHMENTS: dict[str, Callable[..., tuple[str, bytes, str]]] = {}


class AttachmentError(Exception):
    """An attachment could not be made (its provider is missing or failed)."""


def register_attachment(name: str, provider: Callable[..., tuple[str, bytes, str]]) -> None:
    _ATTACHMENTS[name] = provider


def mail_queue(
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str = "",
    html_body: str = "",
    attachments: list[dict] | tuple = (),
) -> OutgoingMail:
    """Record a message, sent once the caller's transaction commits. ``attachments``:
    ``{"provider": name, "args": {...}}`` each, a provider ``register_attachment`` knows."""
    for attachment in attachments:
        if attachment.get("provider") not in _ATTACHMENTS:
            raise ValueError(f"No attachment provider {attachment.get('provider')!r}")
    mail = OutgoingMail.objects.create(
        subject=subject[:255],
        body=body,
        html_body=html_body,
        attachments=[dict(a) for a in attachments],
        to=list(to),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        message_id=message_id_new(),
    )
    transaction.on_commit(partial(_queue, mail.pk))
    return mail


def mail_retry_countdown(attempts: int) -> float:
    base = float(settings.MAIL_RETRY_BACKOFF)
    return min(base * 2 ** max(attempts - 1, 0), float(settings.JOBS_RETRY_BACKOFF_MAX))


def _claim(pk: int) -> OutgoingMail | None:
    """Mark a pending message ``sending`` for one more try, committed before anything is
    sent; None for a message that is not pending (sent, failed, or being sent already)."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=pk).first()
        if mail is None or mail.state != State.PENDING:
            return None
        mail.state = State.SENDING
        mail.attempts += 1
        mail.sending_since = timezone.now()
        mail.message_id = mail.message_id or message_id_new()
        mail.save(update_fields=["state", "attempts", "sending_since", "message_id"])
    return mail


def _settle(mail: OutgoingMail, state: str, **fields) -> None:
    """Record how this try went. A record the sweep has meanwhile called ``unknown`` gets
    the real outcome after all."""
    OutgoingMail.objects.filter(
        pk=mail.pk, attempts=mail.attempts, state__in=[State.SENDING, State.UNKNOWN]
    ).update(state=state, **fields)


def mail_send(pk: int) -> float | None:
    """Send the pending message ``pk`` once; the seconds to wait before trying again, or None.

    Claims the record first (see the module docstring): a message that is not pending is
    never sent, whoever asks.
    """
    mail = _claim(pk)
    if mail is None:
        return None
    # The connection is opened here and closed apart, after the send: an error while saying
    # goodbye (QUIT) to a server that has accepted the message must not count as a failure,
    # or the message would be sent again.
    connection = get_connection(fail_silently=False)
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        mail.from_email,
        mail.to,
        headers={"Message-ID": mail.message_id},
        connection=connection,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    try:
        for filename, content, mimetype in _attachments_made(mail):
            message.attach(filename, content, mimetype)
        connection.open()
        message.send(fail_silently=False)
    except (*RETRY_ON, AttachmentError) as exc:
        _close_quietly(connection, pk)
        # Refused by the server, or no server, or a file not made: nothing was sent.
        error = error_text(exc)
        if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            logger.error("E-mail %s not sent after %s tries: %r", pk, mail.attempts, exc)
            _settle(mail, State.FAILED, error=error, sending_since=None)
            return None
        _settle(mail, State.PENDING, error=error, sending_since=None)
        countdown = mail_retry_countdown(mail.attempts)
        logger.warning("E-mail %s not sent, trying again in %ss: %r", pk, countdown, exc)
        return countdown
    except Exception as exc:
        # Not a refusal we know: whether the message left cannot be told, so it is not tried
        # again (never twice); the record says why.
        _close_quietly(connection, pk)
        logger.exception("E-mail %s could not be sent", pk)
        _settle(mail, State.FAILED, error=error_text(exc), sending_since=None)
        return None
    _settle(mail, State.SENT, error="", sent=timezone.now(), sending_since=None)
    _close_quietly(connection, pk)
    return None


def _attachments_made(mail: OutgoingMail) -> list[tuple[str, bytes, str]]:
    made = []
    for attachment in mail.attachments:
        provider = _ATTACHMENTS.get(attachment.get("provider"))
        if provider is None:
            raise AttachmentError(f"No attachment provider {attachment.get('provider')!r}")
        try:
            made.append(provider(**attachment.get("args", {})))
        except Exception as exc:
            raise AttachmentError(f"{attachment.get('provider')}: {error_text(exc)}") from exc
    return made


def _close_quietly(connection, pk: int) -> None:
    try:
        connection.close()
    except Exception:  # the outcome of the send is already known and recorded
        logger.warning("E-mail %s: closing the mail connection failed", pk, exc_info=True)


def mails_sweep_stale(*, timeout: float | None = None) -> int:
    """Mark ``unknown`` every message ``sending`` for longer than ``timeout`` seconds (by
    default MAIL_SENDING_TIMEOUT): the worker sending it stopped, before or after the mail
    server accepted it. Such a message is not sent again. Returns how many."""
    seconds = timeout if timeout is not None else settings.MAIL_SENDING_TIMEOUT
    cutoff = timezone.now() - datetime.timedelta(seconds=seconds)
    message = _(
        "The worker sending this message stopped (no outcome after %d s). It may or may not "
        "have been delivered, so it is not sent again: look for its Message-ID in the mail "
        "server's log, or ask the recipient, before sending it by hand."
    ) % int(seconds)
    return OutgoingMail.objects.filter(state=State.SENDING, sending_since__lt=cutoff).update(
        state=State.UNKNOWN, error=message
    )
