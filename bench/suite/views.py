"""Reference views: what the same answers cost without the product's machinery.

* the FLOOR: the 50 orders of the list endpoint's first page, and the rows of the calendar
  feed, read with ``values()`` and returned as ``JsonResponse``; no authentication, no
  serializer, no joins beyond what the rows name;
* the CEILING: a constant small JSON document, the most a worker can answer per second.
"""

from django.http import JsonResponse

from returns.models import ReturnOrder
from returns.selectors import CALENDAR_FIELDS
from returns.statuses import OPEN_STATUSES

PAGE = 50
# The list endpoint's default order (``ordering = ["-reference"]``, aliased).
LIST_ORDER = ("-reference_int", "-reference")
# The feed's own columns, without the line counts (the floor reads no other table).
FEED_FIELDS = tuple(f for f in CALENDAR_FIELDS if f not in ("line_items", "received_lines"))
CEILING = {"ok": True, "name": "ceiling"}


def list_floor(request):
    rows = list(ReturnOrder.objects.order_by(*LIST_ORDER).values()[:PAGE])
    return JsonResponse({"count": len(rows), "results": rows})


def feed_floor(request):
    rows = list(
        ReturnOrder.objects.filter(target_date__isnull=False, status__in=OPEN_STATUSES)
        .order_by("target_date", "pk")
        .values(*FEED_FIELDS)
    )
    return JsonResponse({"count": len(rows), "results": rows})


def ceiling(request):
    return JsonResponse(CEILING)
