"""Celery tasks: one per delivery attempt, and the sweep that queues due retries."""

from celery import shared_task

from webhooks import services


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    services.delivery_attempt(delivery_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due() -> None:
    services.deliveries_due()
