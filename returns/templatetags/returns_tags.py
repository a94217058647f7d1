from django import template

from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.statuses import StockStatus

register = template.Library()


@register.filter
def order_status_colour(status) -> str:
    return ReturnOrderStatus.colours.get(status, "secondary")


@register.filter
def outcome_colour(outcome) -> str:
    """``outcome-repair``: with ``text-bg-`` a class of the outcome palette (boomerang.css),
    which shares no colour with the order statuses' (Bootstrap's) or the Customer badge's."""
    return f"outcome-{_slug(ReturnOrderLineStatus, outcome)}"


def _slug(choices, value) -> str:
    try:
        return choices(value).name.lower().replace("_", "-")
    except ValueError:
        return "unknown"


@register.filter
def order_status_class(status) -> str:
    """The badge classes of an order status: ``badge text-bg-primary`` for In Progress."""
    return f"badge text-bg-{order_status_colour(status)}"


@register.filter
def outcome_class(outcome) -> str:
    """The badge classes of a line outcome: ``badge text-bg-outcome-repair`` for Repair."""
    return f"badge text-bg-{outcome_colour(outcome)}"


@register.simple_tag
def page_links(page) -> list[dict]:
    """Numbered pagination: the page numbers around ``page`` and at both ends, with gaps.

    ``{% page_links page as links %}``; each item has ``number`` (None for a gap "…") and
    ``current``. Uses the paginator's count, which the page has already read.
    """
    paginator = page.paginator
    return [
        {
            "number": None if number == paginator.ELLIPSIS else number,
            "current": number == page.number,
        }
        for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


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
