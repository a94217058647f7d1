"""The Django side of the multi-process test (``test_multi_process.py``), run in a process of
its own with the cluster's environment, so that it reads and writes the throwaway database and
nothing else:

    python -m tests.deploy.cluster_data seed <params.json> <out.json>
    python -m tests.deploy.cluster_data report <params.json> <out.json>

``seed`` migrates and fills the database (``bench.harness.seed``), then adds what the test
needs besides: the owner made responsible for the new orders (so that issuing and receiving
send e-mail), and a webhook subscription to every event, at the test's receiver.

``report`` waits until the worker has nothing left to do (no job, delivery or e-mail
unfinished, nothing queued or unacknowledged in the broker), then writes what the test checks:
the consistency rules that do not hold (``bench.harness.check_consistency``), and every job,
webhook event and delivery, e-mail and history row, as plain data.
"""

import json
import sys
import time
from pathlib import Path

from bench.harness import check_consistency, seed, setup_django

LOAD = "load"  # the description of every order the clients create (as bench/load.py's)


def seed_cluster(params: dict) -> dict:
    data = seed(flows=params["flows"], clerks=params["clerks"], orders=params["orders"])

    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

    from reports.models import ReportTemplate
    from users.models import Owner
    from webhooks import services as webhook_services
    from webhooks.models import EVENT_TYPE_NAMES

    lead = User.objects.create_user("lead", email="lead@example.com", password=None)
    owner = Owner.objects.get(owner_type=ContentType.objects.get_for_model(User), owner_id=lead.pk)
    _subscription, secret = webhook_services.subscription_create(
        user=None, name="Receiver", url=params["receiver_url"], events=sorted(EVENT_TYPE_NAMES)
    )
    template = ReportTemplate.objects.filter(model_type="returnorder", enabled=True).first()
    return {**data, "owner": owner.pk, "secret": secret, "template": template.pk}


def _outstanding() -> list[str]:
    """What the worker still has to do; empty once it is idle."""
    import redis
    from django.conf import settings

    from config.celery import app
    from jobs.models import Job, OutgoingMail
    from webhooks.models import WebhookDelivery

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    counts = {
        "jobs": Job.objects.exclude(state__in=Job.FINISHED_STATES).count(),
        "deliveries": WebhookDelivery.objects.filter(state__in=WebhookDelivery.UNFINISHED).count(),
        "e-mails": OutgoingMail.objects.filter(
            state__in=[OutgoingMail.State.PENDING, OutgoingMail.State.SENDING]
        ).count(),
        "queued tasks": broker.llen(app.conf.task_default_queue),
        "unacknowledged tasks": broker.hlen("unacked"),
    }
    return [f"{count} {what}" for what, count in counts.items() if count]


def _drain(timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        outstanding = _outstanding()
        if not outstanding or time.monotonic() > deadline:
            return outstanding
        time.sleep(0.2)


def report(params: dict) -> dict:
    from django.db.models import Count

    from jobs.models import Job, OutgoingMail
    from returns.models import ReturnOrder, ReturnOrderHistory
    from returns.statuses import ReturnOrderStatus
    from webhooks.models import WebhookDelivery, WebhookEvent

    outstanding = _drain(params["timeout"])
    media = Path(params["media_root"])
    return {
        "outstanding": outstanding,
        "problems": check_consistency(
            seeded_orders=params["seeded_orders"],
            created=params["created"],
            access_logs=[Path(log) for log in params["access_logs"]],
        ),
        "jobs": list(
            Job.objects.order_by("pk").values(
                "pk", "kind", "user_id", "state", "attempts", "error", "result", "result_name"
            )
        ),
        "job_files": sorted(
            str(path.relative_to(media)) for path in media.glob("jobs/**/*") if path.is_file()
        ),
        "events": list(
            WebhookEvent.objects.order_by("pk").values("message_id", "type", "ordering_key")
        ),
        "deliveries": list(
            WebhookDelivery.objects.order_by("pk").values(
                "event__message_id", "state", "attempts", "response_status", "error"
            )
        ),
        "mails": list(
            OutgoingMail.objects.order_by("pk").values("message_id", "state", "attempts", "error")
        ),
        "history": dict(
            ReturnOrderHistory.objects.filter(order__description=LOAD)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        ),
        "completed": ReturnOrder.objects.filter(
            description=LOAD, status=ReturnOrderStatus.COMPLETE
        ).count(),
    }


COMMANDS = {"seed": seed_cluster, "report": report}

if __name__ == "__main__":
    command, params_file, out_file = sys.argv[1:4]
    setup_django({})  # the environment is the cluster's, as the test started this process
    result = COMMANDS[command](json.loads(Path(params_file).read_text()))
    Path(out_file).write_text(json.dumps(result, default=str))
