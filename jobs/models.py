"""A job: work done by a Celery worker for a user (a large print or export) or on a
schedule (clean-ups), with its progress and, when it is done, its file or its error."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _result_path(instance, filename: str) -> str:
    # A random name: the file is served only through the owner-checking download view.
    return f"jobs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    FINISHED_STATES = (State.SUCCEEDED, State.FAILED)

    kind = models.CharField(_("kind"), max_length=100, help_text=_("A registered job kind"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.FileField(_("result"), upload_to=_result_path, max_length=255, blank=True)
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="job_user_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES

    @property
    def output_url(self) -> str | None:
        """Where the result file is downloaded, once the job has succeeded with one."""
        if self.state != self.State.SUCCEEDED or not self.result or not self.result_name:
            return None
        return reverse("job-result-download", kwargs={"pk": self.pk, "filename": self.result_name})


class OutgoingMail(models.Model):
    """One e-mail to send, recorded in the transaction that caused it, and sent by a task
    after it commits, at most once (see ``jobs.mail``): ``sending`` while a worker talks to
    the mail server, ``unknown`` when that worker stopped before it could say how it went."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown: may have been sent")

    subject = models.CharField(max_length=255)
    body = models.TextField()
    # An HTML alternative to ``body`` (empty: plain text only).
    html_body = models.TextField(blank=True, default="")
    # Files made when the message is sent: ``[{"provider": name, "args": {...}}]``, each a
    # function registered with ``jobs.mail.register_attachment``.
    attachments = models.JSONField(default=list, blank=True)
    from_email = models.CharField(max_length=255)
    to = models.JSONField(default=list)
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    # The Message-ID header, the same on every try: a receiving server that got the message
    # once can drop a second copy, and staff can look it up in the mail server's log.
    message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.subject
