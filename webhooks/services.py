"""Webhook operations: subscriptions and their secrets, recording events, sending deliveries.

``event_emit`` is what other apps call (after their transaction commits); it records the event
with its payload as given, one delivery per active subscription that wants the type, and
queues the deliveries. Deliveries that share a subscription and an ordering key are sent one
at a time, oldest first: the next is queued when the one before it is delivered or has failed.
"""

import base64
import datetime
import json
import logging
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from webhooks import safety, sender
from webhooks.models import EVENT_TYPE_NAMES, WebhookDelivery, WebhookEvent, WebhookSubscription

logger = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = {"name", "url", "events", "active", "owner"}
SECRET_BYTES = 32
State = WebhookDelivery.State


def after_commit(func, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` once the transaction commits; if it fails the error is
    logged and the committed change stands (a broker or receiver down is not the caller's
    failure)."""

    def run():
        func(*args, **kwargs)

    run.__qualname__ = getattr(func, "__qualname__", "callback")
    transaction.on_commit(run, robust=True)


# -- subscriptions -------------------------------------------------------------------------


def secret_generate() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _validate(subscription: WebhookSubscription) -> None:
    errors: dict[str, list[str]] = {}
    if not (subscription.name or "").strip():
        errors["name"] = [_("This field may not be blank.")]
    try:
        safety.check_url(subscription.url or "")
    except ValidationError as exc:
        errors["url"] = exc.messages
    events = subscription.events
    if not isinstance(events, list) or not events:
        errors["events"] = [_("Choose at least one event.")]
    else:
        unknown = sorted({str(e) for e in events} - EVENT_TYPE_NAMES)
        if unknown:
            errors["events"] = [
                _("Unknown event type(s): %(types)s") % {"types": ", ".join(unknown)}
            ]
    if errors:
        raise ValidationError(errors)


def _event_list(events) -> list[str]:
    # As EVENT_TYPES lists them, each once.
    chosen = set(events or [])
    return [name for name in sorted(EVENT_TYPE_NAMES) if name in chosen]


@transaction.atomic
def subscription_create(
    *, user, name: str, url: str, events: list[str], active: bool = True, owner=None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret: the only time the secret is handed out, with
    ``subscription_rotate_secret``'s."""
    subscription = WebhookSubscription(
        name=name,
        url=url,
        events=list(events or []),
        active=active,
        owner=owner if owner is not None else (user if user and user.is_authenticated else None),
    )
    _validate(subscription)
    subscription.events = _event_list(subscription.events)
    secret = secret_generate()
    subscription.secret = secret
    subscription.save()
    return subscription, secret


@transaction.atomic
def subscription_update(*, subscription: WebhookSubscription, data: dict) -> WebhookSubscription:
    """Edit a subscription. Turning a disabled one back on clears its failure count."""
    unknown = set(data) - SUBSCRIPTION_FIELDS
    if unknown:
        raise TypeError(f"Unknown webhook subscription fields: {sorted(unknown)}")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    was_active = subscription.active
    for field, value in data.items():
        setattr(subscription, field, value)
    _validate(subscription)
    subscription.events = _event_list(subscription.events)
    if subscription.active and not was_active:
        subscription.consecutive_failures = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    subscription.save()
    return subscription


@transaction.atomic
def subscription_rotate_secret(
    *, subscription: WebhookSubscription
) -> tuple[WebhookSubscription, str]:
    """A new secret; deliveries from now on are signed with it."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    secret = secret_generate()
    subscription.secret = secret
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription, secret


def subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Delete a subscription with its delivery log."""
    subscription.delete()


# -- events --------------------------------------------------------------------------------


def envelope(event_type: str, occurred_at: datetime.datetime, data: dict) -> dict:
    """Standard Webhooks' payload shape."""
    return {
        "type": event_type,
        "timestamp": occurred_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def active_subscriptions() -> list[WebhookSubscription]:
    """Every active subscription, in one query: callers with many events read them once."""
    return list(WebhookSubscription.objects.filter(active=True))


def subscribers(
    event_type: str, *, among: list[WebhookSubscription] | None = None
) -> list[WebhookSubscription]:
    """The active subscriptions that want ``event_type`` (from ``among`` when given)."""
    candidates = active_subscriptions() if among is None else among
    return [s for s in candidates if s.wants(event_type)]


def event_emit(
    *,
    event_type: str,
    data,
    ordering_key: str = "",
    occurred_at=None,
    among: list[WebhookSubscription] | None = None,
) -> WebhookEvent | None:
    """Record an event for every active subscription that wants it, and queue the deliveries.

    ``data`` is the payload's ``data`` or a callable that makes it (called only when some
    subscription wants the event). Meant to run after the caller's transaction commits.
    ``among``: the active subscriptions, if the caller has read them already.
    """
    if event_type not in EVENT_TYPE_NAMES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    wanted = subscribers(event_type, among=among)
    if not wanted:
        return None
    occurred_at = occurred_at or timezone.now()
    payload = envelope(event_type, occurred_at, data() if callable(data) else data)
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            type=event_type,
            message_id=f"msg_{uuid.uuid4().hex}",
            occurred_at=occurred_at,
            payload=payload,
            ordering_key=ordering_key,
        )
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(subscription=s, event=event, ordering_key=ordering_key) for s in wanted
        )
        pks = [d.pk for d in deliveries]
        if pks[0] is None:  # databases that do not return bulk-created keys
            pks = list(event.deliveries.values_list("pk", flat=True))
        for pk in pks:
            after_commit(queue_delivery, pk)
    return event


# -- deliveries ----------------------------------------------------------------------------


def queue_delivery(pk: int, *, countdown: int | None = None) -> None:
    from webhooks.tasks import deliver

    if countdown is not None and settings.CELERY_TASK_ALWAYS_EAGER:
        # Without a worker a delayed task would run now: the due-delivery sweep
        # (``deliver_due``) sends it when its time comes.
        return
    if countdown is None:
        deliver.delay(pk)
    else:
        deliver.apply_async((pk,), countdown=countdown)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling each time from
    WEBHOOK_RETRY_BASE_SECONDS, at most WEBHOOK_RETRY_MAX_SECONDS."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS))


def _earlier_unfinished(delivery: WebhookDelivery) -> bool:
    return WebhookDelivery.objects.filter(
        subscription_id=delivery.subscription_id,
        ordering_key=delivery.ordering_key,
        state__in=WebhookDelivery.UNFINISHED,
        pk__lt=delivery.pk,
    ).exists()


def _queue_next(delivery: WebhookDelivery) -> None:
    """After ``delivery`` finished, once that has committed: queue the oldest unfinished one
    behind it (see ``_queue_first_in_line``)."""
    after_commit(_queue_first_in_line, delivery.subscription_id, delivery.ordering_key)


def _queue_first_in_line(subscription_id: int, ordering_key: str) -> None:
    """Queue the oldest unfinished delivery of a line, when it is due.

    Looked up after the finished one's commit, not before it: a delivery queued meanwhile
    was turned away while it saw the finished one still pending, and a lookup made before the
    commit could have missed it (it was not committed yet), leaving it for the sweep.
    """
    following = (
        WebhookDelivery.objects.filter(
            subscription_id=subscription_id,
            ordering_key=ordering_key,
            state__in=WebhookDelivery.UNFINISHED,
        )
        .order_by("pk")
        .first()
    )
    if following is None:
        return
    now = timezone.now()
    countdown = None
    if following.next_attempt_at and following.next_attempt_at > now:
        countdown = int((following.next_attempt_at - now).total_seconds()) + 1
    queue_delivery(following.pk, countdown=countdown)


def signed_headers(secret: str, message_id: str, sent_at: datetime.datetime, body: str) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Boomerang-Webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


def _retryable(answer: sender.Answer) -> bool:
    if answer.status is None:
        return True  # a timeout or a connection error
    return answer.status >= 500 or answer.status == 429


def _record_failure(subscription: WebhookSubscription, why: str) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    subscription.refresh_from_db(fields=["consecutive_failures", "active"])
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if subscription.active and limit and subscription.consecutive_failures >= limit:
        subscription_disable(
            subscription=subscription,
            reason=_("%(count)s consecutive failed attempts; the last: %(why)s")
            % {"count": subscription.consecutive_failures, "why": why},
        )


def subscription_disable(*, subscription: WebhookSubscription, reason: str) -> None:
    """Turn a subscription off and, after commit, tell its owner."""
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_at=now, disabled_reason=reason[:500], updated_at=now
    )
    subscription.active, subscription.disabled_at = False, now
    subscription.disabled_reason = reason[:500]
    owner = subscription.owner
    if owner is not None and owner.email:
        after_commit(_mail_disabled, subscription.pk, owner.email, reason)


def _mail_disabled(pk: int, address: str, reason: str) -> None:
    subscription = WebhookSubscription.objects.filter(pk=pk).first()
    if subscription is None:
        return
    try:
        send_mail(
            _("Webhook %(name)s disabled") % {"name": subscription.name},
            _(
                "The webhook subscription %(name)s (%(url)s) has been disabled: %(reason)s\n\n"
                "Turn it back on from the Webhooks settings once the receiver works again: "
                "%(link)s"
            )
            % {
                "name": subscription.name,
                "url": subscription.url,
                "reason": reason,
                "link": f"{settings.BOOMERANG_BASE_URL}/settings/webhooks/{pk}/",
            },
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
    except Exception:  # the subscription stays disabled whether or not the mail went out
        logger.exception("Could not e-mail the owner of disabled webhook %s", pk)


def _finish(delivery: WebhookDelivery, state: str, **fields) -> None:
    delivery.state = state
    delivery.next_attempt_at = None
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()
    _queue_next(delivery)


def delivery_attempt(pk: int) -> WebhookDelivery | None:
    """Send delivery ``pk`` once, if it is unfinished, due and first in its line."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("event", "subscription__owner")
            .filter(pk=pk)
            .first()
        )
        if delivery is None or delivery.state not in WebhookDelivery.UNFINISHED:
            return delivery
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return delivery  # queued early (a duplicate or a sweep); its own turn comes
        if _earlier_unfinished(delivery):
            return delivery  # queued when the one before it finishes
        subscription = delivery.subscription
        if not subscription.active:
            _finish(delivery, State.FAILED, error=_("The subscription is disabled."))
            return delivery
        delivery.attempts += 1
        body = json.dumps(delivery.event.payload, separators=(",", ":"), ensure_ascii=False)
        headers = signed_headers(subscription.secret, delivery.event.message_id, now, body)
        delivery.request_headers = {k: v for k, v in headers.items() if k != "webhook-signature"}
        delivery.request_body = body
        try:
            target = safety.check_url(subscription.url)
        except safety.Unresolvable as exc:
            # As a connection error: the name may resolve again later.
            answer = sender.Answer(None, "", 0, error=" ".join(exc.messages))
        except ValidationError as exc:
            why = " ".join(exc.messages)
            delivery.response_status, delivery.response_body, delivery.duration_ms = None, "", 0
            _finish(delivery, State.FAILED, error=why[:500])
            _record_failure(subscription, why)
            return delivery
        else:
            answer = sender.post(
                target, body.encode("utf-8"), headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
            )
        delivery.response_status = answer.status
        delivery.response_body = answer.body
        delivery.duration_ms = answer.duration_ms
        if answer.status is not None and 200 <= answer.status < 300:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
            _finish(delivery, State.DELIVERED, error="", delivered_at=timezone.now())
            return delivery
        why = answer.error or _("HTTP %(status)s") % {"status": answer.status}
        if _retryable(answer) and delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
            delay = retry_delay(delivery.attempts)
            delivery.state = State.RETRYING
            delivery.error = why[:500]
            delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
            delivery.save()
            after_commit(queue_delivery, delivery.pk, countdown=delay)
        else:
            _finish(delivery, State.FAILED, error=why[:500])
        _record_failure(subscription, why)
    return delivery


def deliveries_due(*, now=None) -> int:
    """Queue every unfinished delivery whose time has come and that is first in its line
    (the beat schedule runs this each minute; it also picks up deliveries a stopped worker
    left behind)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(state__in=WebhookDelivery.UNFINISHED).filter(
        next_attempt_at__lte=now
    ) | WebhookDelivery.objects.filter(
        state=State.PENDING,
        next_attempt_at__isnull=True,
        created_at__lte=now - datetime.timedelta(minutes=5),
    )
    count = 0
    for delivery in due.order_by("pk"):
        if not _earlier_unfinished(delivery):
            queue_delivery(delivery.pk)
            count += 1
    return count


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a logged delivery's event again, as a new delivery (same message id, so that a
    receiver can tell it is the same message); it waits behind unfinished ones of its order."""
    subscription = delivery.subscription
    if not subscription.active:
        raise ValidationError(
            _("The subscription %(name)s is disabled; turn it on before redelivering.")
            % {"name": subscription.name}
        )
    fresh = WebhookDelivery.objects.create(
        subscription=subscription, event=delivery.event, ordering_key=delivery.ordering_key
    )
    after_commit(queue_delivery, fresh.pk)
    return fresh
