"""The customer hears what happened to their return: the order's history rows and staff
messages, as they are written, queue the customer e-mails (``portal.emails``).

Receivers only record e-mail, in the transaction of the change (sent after it commits);
they never change domain state.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from portal import emails
from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderMessage
from returns.statuses import ReturnOrderStatus

Kind = ReturnOrderHistory.Kind


def _event(row: ReturnOrderHistory, order: ReturnOrder) -> str | None:
    if row.kind == Kind.CREATED:
        return "request_received" if order.from_portal else None
    if row.kind == Kind.AUTHORIZED:
        return "authorized"
    if row.kind == Kind.DECLINED:
        return "declined"
    if row.kind == Kind.RECEIVED:
        return "items_received"
    if row.kind == Kind.RESOLVED:
        return "line_resolved"
    if row.kind == Kind.STATUS and row.to_status == ReturnOrderStatus.IN_PROGRESS:
        return "issued" if row.from_status == ReturnOrderStatus.PENDING else None
    if row.kind == Kind.STATUS and row.to_status == ReturnOrderStatus.COMPLETE:
        return "completed"
    return None


def _resolved_line_words(row: ReturnOrderHistory) -> str:
    from portal import progress
    from portal.selectors import portal_order_lines

    pk = (row.data or {}).get("line")
    line = next((x for x in portal_order_lines(row.order) if x.pk == pk), None)
    if line is None:
        return ""
    label = line.item.part.name + (f" ({line.item.serial})" if line.item.serial else "")
    return f"{label}: {progress.line_resolution(line)}"


@receiver(post_save, sender=ReturnOrderHistory)
def _history_written(sender, instance, created=False, raw=False, **kwargs):
    if not created or raw:
        return
    # The order the service wrote the row with (no query); an order without a contact, or
    # hidden from the customer, tells nobody.
    order = instance.order
    if order.contact_id is None or not order.visible_to_customer:
        return
    event = _event(instance, order)
    if event is None:
        return
    emails.customer_email_queue(
        order=order,
        event=event,
        line=_resolved_line_words(instance) if event == "line_resolved" else "",
        note=instance.note if event == "declined" else "",
    )


@receiver(post_save, sender=ReturnOrderMessage)
def _message_written(sender, instance, created=False, raw=False, **kwargs):
    if not created or raw or instance.from_customer:
        return
    order = instance.order
    if order.contact_id is None or not order.visible_to_customer:
        return
    emails.customer_email_queue(order=order, event="message", message=instance.body)
