from django import template

from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.statuses import StockStatus

register = template.Library()


@register.filter
def order_status_colour(status) -> str:
    return ReturnOrderStatus.colours.get(status, "secondary")


@register.filter
def outcome_colour(outcome) -> str:
    return ReturnOrderLineStatus.colours.get(outcome, "secondary")


@register.filter
def stock_status_colour(status) -> str:
    return StockStatus.colours.get(status, "secondary")


@register.filter
def money(value) -> str:
    """``€42.00`` from a Money, an empty string for None."""
    if value is None:
        return ""
    return str(value)


@register.simple_tag
def status_label(status) -> str:
    try:
        return str(ReturnOrderStatus(status).label)
    except ValueError:
        return str(status)
