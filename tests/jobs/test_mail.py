"""Notification e-mail: recorded in the change's transaction, sent by a task after commit,
never twice, retried with backoff while the mail server fails."""

import datetime
import io
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jobs import mail as job_mail
from jobs import tasks
from jobs.models import Job, OutgoingMail
from returns import services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from tests.factories import UserFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_with_owner():
    order = ReturnOrderFactory()
    ReturnOrderLineItemFactory(order=order)
    lead = UserFactory(email="lead@example.com", password=None)
    ReturnOrder.objects.filter(pk=order.pk).update(responsible=owner_of(lead))
    return ReturnOrder.objects.get(pk=order.pk)


def test_a_change_records_its_mail_and_sends_it_after_commit(
    order_with_owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.return_order_issue(order=order_with_owner, user=UserFactory(password=None))
    record = OutgoingMail.objects.get()
    assert record.to == ["lead@example.com"]
    assert record.state == OutgoingMail.State.PENDING
    assert mailoutbox == []

    for callback in callbacks:
        callback()

    assert [m.to for m in mailoutbox] == [["lead@example.com"]]
    assert "issued" in mailoutbox[0].subject
    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.SENT, 1)
    assert record.sent is not None


def test_a_rolled_back_change_sends_nothing(
    order_with_owner, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.return_order_issue(order=order_with_owner, user=None)
        raise RuntimeError("the request failed later")

    assert mailoutbox == []
    assert not OutgoingMail.objects.exists()


def test_a_redelivered_mail_task_sends_once(mailoutbox):
    record = OutgoingMail.objects.create(subject="Hello", body="Body", to=["a@example.com"])

    tasks.send_mail.delay(record.pk)
    tasks.send_mail.delay(record.pk)

    assert len(mailoutbox) == 1
    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.SENT, 1)


class FlakySMTP(BaseEmailBackend):
    """An e-mail backend whose server refuses the first ``failures`` connections; ``tried``
    holds the Message-ID of every message offered to it, refused or not."""

    failures = 0
    sent: list = []
    tried: list = []

    def send_messages(self, messages):
        FlakySMTP.tried.extend(m.message()["Message-ID"] for m in messages)
        if FlakySMTP.failures:
            FlakySMTP.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        FlakySMTP.sent.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakySMTP"
    settings.MAIL_MAX_ATTEMPTS = 3
    FlakySMTP.sent = []
    FlakySMTP.tried = []
    return FlakySMTP


class WorkerKilled(BaseException):
    """What the worker's process sees of a SIGKILL, as near as a test gets: nothing after it
    runs (not an Exception, so no handler of the code under test catches it)."""


class AcceptsThenDies(BaseEmailBackend):
    """A mail server that accepts the message, after which the worker dies at once."""

    sent: list = []

    def send_messages(self, messages):
        AcceptsThenDies.sent.extend(messages)
        raise WorkerKilled


def test_smtp_errors_are_retried_and_the_mail_goes_out_once(flaky_smtp, monkeypatch):
    countdowns = []
    original = job_mail.mail_retry_countdown
    monkeypatch.setattr(
        job_mail,
        "mail_retry_countdown",
        lambda attempts: countdowns.append(original(attempts)) or 0,
    )
    flaky_smtp.failures = 2
    record = OutgoingMail.objects.create(subject="Hello", body="Body", to=["a@example.com"])

    tasks.send_mail.delay(record.pk)

    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.SENT, 3)
    assert len(flaky_smtp.sent) == 1
    assert countdowns == [30, 60]  # MAIL_RETRY_BACKOFF, doubled


def test_a_mail_server_down_for_good_fails_the_record(flaky_smtp):
    flaky_smtp.failures = 10
    record = OutgoingMail.objects.create(subject="Hello", body="Body", to=["a@example.com"])

    tasks.send_mail.delay(record.pk)

    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.FAILED, 3)
    assert "SMTPServerDisconnected" in record.error
    assert flaky_smtp.sent == []


def test_the_overdue_check_runs_as_a_scheduled_job_and_mails_once(
    order_with_owner, mailoutbox, django_capture_on_commit_callbacks
):
    ReturnOrder.objects.filter(pk=order_with_owner.pk).update(
        status=ReturnOrderStatus.IN_PROGRESS,
        target_date=datetime.date.today() - datetime.timedelta(days=3),
    )

    with django_capture_on_commit_callbacks(execute=True):
        pk = tasks.run_scheduled.delay("returns.check_overdue").get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_job.delay(pk)  # delivered again: the job has finished

    job = Job.objects.get(pk=pk)
    assert (job.kind, job.state) == ("returns.check_overdue", Job.State.SUCCEEDED)
    assert job.message == "Notified 1 overdue return order(s)."
    assert [m.to for m in mailoutbox] == [["lead@example.com"]]
    assert "overdue" in mailoutbox[0].subject


def test_a_worker_killed_after_the_server_accepted_the_mail_never_sends_it_again(settings):
    """The issue's promise: a receipt e-mail is never sent twice. The record is claimed
    (``sending``, committed) before the server is reached, so the task the broker delivers
    again finds it claimed and sends nothing; the sweep then says the outcome is unknown."""
    settings.EMAIL_BACKEND = f"{__name__}.AcceptsThenDies"
    AcceptsThenDies.sent = []
    with transaction.atomic():
        record = job_mail.mail_queue(subject="Received", body="Body", to=["a@example.com"])

    with pytest.raises(WorkerKilled):
        job_mail.mail_send(record.pk)
    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.SENDING, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.send_mail.delay(record.pk)  # the broker delivers the unacknowledged task again
    tasks.send_mail.delay(record.pk)

    assert len(AcceptsThenDies.sent) == 1
    assert mail.outbox == []
    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.SENDING, 1)

    assert tasks.sweep_stale.delay().get() == 0  # still within MAIL_SENDING_TIMEOUT
    OutgoingMail.objects.filter(pk=record.pk).update(
        sending_since=timezone.now() - datetime.timedelta(seconds=settings.MAIL_SENDING_TIMEOUT + 1)
    )
    assert tasks.sweep_stale.delay().get() == 1
    record.refresh_from_db()
    assert record.state == OutgoingMail.State.UNKNOWN
    assert "may or may not have been delivered" in record.error
    assert "not sent again" in record.error
    tasks.send_mail.delay(record.pk)
    assert mail.outbox == []


def test_every_try_carries_the_same_message_id(flaky_smtp):
    flaky_smtp.failures = 1
    with transaction.atomic():
        record = job_mail.mail_queue(subject="Hello", body="Body", to=["a@example.com"])

    tasks.send_mail.delay(record.pk)  # refused, then tried again (eagerly) and sent

    record.refresh_from_db()
    assert record.state == OutgoingMail.State.SENT
    assert record.message_id.startswith("<") and record.message_id.endswith("@testserver>")
    assert flaky_smtp.tried == [record.message_id, record.message_id]
    assert flaky_smtp.sent[0].message()["Message-ID"] == record.message_id


def test_a_refused_mail_goes_back_to_pending_until_its_next_try(flaky_smtp, monkeypatch):
    monkeypatch.setattr(job_mail, "_queue", lambda pk: None)
    flaky_smtp.failures = 1
    record = OutgoingMail.objects.create(subject="Hello", body="Body", to=["a@example.com"])

    assert job_mail.mail_send(record.pk) == 30  # MAIL_RETRY_BACKOFF

    record.refresh_from_db()
    assert (record.state, record.attempts, record.sending_since) == ("pending", 1, None)
    assert "SMTPServerDisconnected" in record.error
    assert record.message_id  # given on the first try to a record that had none
    assert job_mail.mail_send(record.pk) is None
    record.refresh_from_db()
    assert (record.state, record.attempts) == ("sent", 2)


def test_an_unexpected_error_fails_the_mail_without_trying_again(settings, monkeypatch):
    def broken(self, fail_silently=False):
        raise ValueError("a header the backend cannot encode")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    record = OutgoingMail.objects.create(subject="Hello", body="Body", to=["a@example.com"])

    tasks.send_mail.delay(record.pk)

    record.refresh_from_db()
    assert (record.state, record.attempts) == (OutgoingMail.State.FAILED, 1)
    assert "ValueError" in record.error


def test_without_a_broker_cron_runs_the_sweep(settings):
    """``manage.py jobs_sweep``: what beat's sweep does, for a deployment without a broker."""
    with transaction.atomic():
        record = job_mail.mail_queue(subject="Received", body="Body", to=["a@example.com"])
    stale = timezone.now() - datetime.timedelta(seconds=settings.MAIL_SENDING_TIMEOUT + 1)
    OutgoingMail.objects.filter(pk=record.pk).update(
        state=OutgoingMail.State.SENDING, sending_since=stale
    )
    out = io.StringIO()

    call_command("jobs_sweep", stdout=out)

    record.refresh_from_db()
    assert record.state == OutgoingMail.State.UNKNOWN
    assert "0 stale jobs failed, 1 e-mails marked unknown" in out.getvalue()


class AcceptsThenQuitFails(BaseEmailBackend):
    """Like Django's SMTP backend: a connection it opens itself it also closes after sending;
    this server accepts the message, then errs on QUIT."""

    sent: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened = False

    def open(self):
        if self.opened:
            return False
        self.opened = True
        return True

    def close(self):
        self.opened = False
        raise smtplib.SMTPResponseException(421, b"closing")

    def send_messages(self, messages):
        new = self.open()
        AcceptsThenQuitFails.sent.extend(messages)
        if new:
            self.close()
        return len(messages)


def test_an_error_on_quit_after_the_server_accepted_the_mail_does_not_send_it_again(settings):
    settings.EMAIL_BACKEND = f"{__name__}.AcceptsThenQuitFails"
    AcceptsThenQuitFails.sent = []
    with transaction.atomic():
        record = job_mail.mail_queue(subject="Received", body="Body", to=["a@example.com"])

    assert job_mail.mail_send(record.pk) is None  # no retry

    record.refresh_from_db()
    assert record.state == OutgoingMail.State.SENT
    assert len(AcceptsThenQuitFails.sent) == 1
