"""The warranty answer for a returned line: in warranty, out of warranty, or unknown.

A part's ``warranty_months`` runs from the day its unit was delivered to the customer. That
day is the first "Sent to customer" (or "Shipped to customer") entry in the unit's tracking
that names the customer who holds it now and was not undone, unless a user enters another
start date on the line. Expiry is the start plus the period in calendar months; when the
start's day does not exist in the expiry month, the month's last day is taken (31 January
plus one month is 28 or 29 February). The expiry day itself is still in warranty: a line
added on it is *in*, one added the day after is *out*. Without a period or a start date the
answer is *unknown*.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from returns.statuses import WarrantyStartSource, WarrantyStatus
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode

# Tracking entries that record a unit reaching a customer.
DELIVERY_CODES = (StockHistoryCode.SENT_TO_CUSTOMER, StockHistoryCode.SHIPPED_AGAINST_SALES_ORDER)


@dataclass(frozen=True)
class WarrantyAnswer:
    status: str
    start: datetime.date | None
    source: str
    expiry: datetime.date | None


def add_months(start: datetime.date, months: int) -> datetime.date | None:
    """``start`` plus ``months`` calendar months, clamped to the month's end; None past 9999."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    if year > datetime.MAXYEAR:
        return None
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


def warranty_answer(
    *, months: int | None, start: datetime.date | None, source: str, on: datetime.date
) -> WarrantyAnswer:
    """The answer for a unit delivered on ``start`` under a ``months`` period, judged ``on``."""
    if start is None:
        return WarrantyAnswer(WarrantyStatus.UNKNOWN, None, "", None)
    if not months:
        return WarrantyAnswer(WarrantyStatus.UNKNOWN, start, source, None)
    expiry = add_months(start, months)
    # A period that runs past the calendar's end has not run out.
    status = (
        WarrantyStatus.IN_WARRANTY
        if expiry is None or on <= expiry
        else WarrantyStatus.OUT_OF_WARRANTY
    )
    return WarrantyAnswer(status, start, source, expiry)


def delivery_dates(*, item_pks: Iterable[int], customer_pk: int | None) -> dict[int, datetime.date]:
    """Each item's first delivery to ``customer_pk``, as a local date: one query."""
    pks = list(item_pks)
    if not pks or customer_pk is None:
        return {}
    rows = (
        StockItemTracking.objects.filter(
            item_id__in=pks,
            tracking_type__in=DELIVERY_CODES,
            reversed=False,
            deltas__customer=customer_pk,
        )
        .order_by()
        .values("item_id")
        .annotate(first=Min("date"))
        .values_list("item_id", "first")
    )
    return {pk: timezone.localdate(first) for pk, first in rows}


def apply_warranty(line, *, delivered: datetime.date | None) -> None:
    """Set the line's computed warranty fields (not saved).

    An entered start (``warranty_start_source`` *entered*) wins over ``delivered``, the date
    found in tracking. The line's ``item.part`` must be loaded.
    """
    if line.warranty_start_source == WarrantyStartSource.ENTERED and line.warranty_start:
        start, source = line.warranty_start, WarrantyStartSource.ENTERED
    elif delivered is not None:
        start, source = delivered, WarrantyStartSource.TRACKING
    else:
        start, source = None, ""
    on = line.creation_date or timezone.localdate()
    answer = warranty_answer(
        months=line.item.part.warranty_months, start=start, source=source, on=on
    )
    line.warranty_status = answer.status
    line.warranty_start = answer.start
    line.warranty_start_source = answer.source
    line.warranty_expiry = answer.expiry
