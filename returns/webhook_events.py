"""The webhook events of return orders, their lines and the stock they bring back.

Every status change and workflow step writes a ``ReturnOrderHistory`` row
(``returns.services.base._history``); each row is mapped here to its events, which are
emitted once the transaction that wrote it commits (a change rolled back sends nothing).
The payload's ``data`` is the object's API representation (the serializers the API answers
with), read right after the commit and stored with the event: a later change does not alter
what is delivered. Events of one order share the ordering key ``return_order:<pk>``, so a
subscriber receives them in the order they happened.
"""

import json

from rest_framework.renderers import JSONRenderer

from returns.models import ReturnOrderHistory
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from webhooks import services as webhook_services

Kind = ReturnOrderHistory.Kind

STATUS_EVENTS = {
    ReturnOrderStatus.IN_PROGRESS: "return_order.issued",
    ReturnOrderStatus.ON_HOLD: "return_order.held",
    ReturnOrderStatus.CANCELLED: "return_order.cancelled",
    ReturnOrderStatus.COMPLETE: "return_order.completed",
}
KIND_EVENTS = {
    Kind.CREATED: "return_order.created",
    Kind.AUTHORIZED: "return_order.authorized",
    Kind.DECLINED: "return_order.declined",
}


def _plain(data) -> dict:
    """The serializer's output as the API renders it (strings for decimals, dates, times)."""
    return json.loads(JSONRenderer().render(data))


def order_data(pk: int) -> dict | None:
    from returns import selectors
    from returns.serializers import ReturnOrderSerializer

    order = selectors.return_order_list().filter(pk=pk).first()
    return None if order is None else _plain(ReturnOrderSerializer(order).data)


def line_data(pk: int) -> dict | None:
    from returns.api import line_queryset
    from returns.serializers import ReturnOrderLineItemSerializer

    line = line_queryset(with_orders=True).filter(pk=pk).first()
    return None if line is None else _plain(ReturnOrderLineItemSerializer(line).data)


def stock_item_data(pk: int) -> dict | None:
    from stock.selectors import stock_item_list
    from stock.serializers import StockItemSerializer

    item = stock_item_list().filter(pk=pk).first()
    return None if item is None else _plain(StockItemSerializer(item).data)


def ordering_key(order_pk: int) -> str:
    return f"return_order:{order_pk}"


def _emit(event_type: str, reader, pk: int, order_pk: int, *, among=None) -> None:
    if among is None:
        among = webhook_services.active_subscriptions()
    if not webhook_services.subscribers(event_type, among=among):
        return
    data = reader(pk)
    if data is None:  # deleted since, in the same transaction
        return
    webhook_services.event_emit(
        event_type=event_type, data=data, ordering_key=ordering_key(order_pk), among=among
    )


def events_for(kind: str, *, to_status, data: dict) -> list[tuple[str, str, int]]:
    """``(event type, object kind, pk)`` for one history row; the order's pk is implied."""
    data = data or {}
    if kind in KIND_EVENTS:
        return [(KIND_EVENTS[kind], "order", None)]
    if kind == Kind.STATUS:
        return [(STATUS_EVENTS.get(to_status, "return_order.updated"), "order", None)]
    if kind == Kind.RECEIVED:
        return [
            *(("return_order_line.received", "line", pk) for pk in data.get("lines", [])),
            *(("stock_item.returned", "stock", pk) for pk in data.get("stock_items", [])),
        ]
    if kind == Kind.RESOLVED and data.get("line"):
        return [("return_order_line.resolved", "line", data["line"])]
    if kind == Kind.UNDONE and data.get("line"):
        return [("return_order_line.unresolved", "line", data["line"])]
    if kind == Kind.OUTCOME and data.get("line"):
        event = (
            "return_order_line.unresolved"
            if data.get("to") == ReturnOrderLineStatus.PENDING
            else "return_order_line.resolved"
        )
        return [(event, "line", data["line"])]
    return []


READERS = {"order": order_data, "line": line_data, "stock": stock_item_data}


def emit_for_history(order_pk: int, kind: str, *, to_status=None, data=None) -> None:
    """The events of one history row. The subscriptions are read once for all of them, so
    receiving a hundred lines with nobody subscribed costs one query, not two hundred."""
    events = events_for(kind, to_status=to_status, data=data)
    if not events:
        return
    among = webhook_services.active_subscriptions()
    for event_type, what, pk in events:
        _emit(event_type, READERS[what], order_pk if pk is None else pk, order_pk, among=among)


def on_history(order_pk: int, kind: str, *, to_status=None, data=None) -> None:
    """Called for each history row, inside the transaction that writes it."""
    # A receiver, a broker or a payload that fails is logged; the change stands.
    webhook_services.after_commit(
        emit_for_history, order_pk, kind, to_status=to_status, data=dict(data or {})
    )


def on_order_updated(order_pk: int) -> None:
    """An order's fields were edited (``return_order_update``)."""
    webhook_services.after_commit(_emit, "return_order.updated", order_data, order_pk, order_pk)
