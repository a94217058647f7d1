"""The home page's returns dashboard: what needs a clerk's attention, as counts and short lists.

Each panel's ``query`` is the index page's filter for the same orders, so a panel's count is the
number of orders its link lists.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
from returns.statuses import OPEN_STATUSES, ReturnOrderLineStatus, ReturnOrderStatus
from users.models import Owner

PANEL_SIZE = 5
RECENT_DAYS = 7


@dataclass
class Panel:
    key: str
    title: str
    empty: str
    query: dict
    count: int = 0
    orders: list = field(default_factory=list)

    @property
    def query_string(self) -> str:
        return urlencode(self.query)


def awaiting_receipt_q() -> Q:
    """Issued orders with a line not yet received (only an issued order can receive)."""
    unreceived = ReturnOrderLineItem.objects.filter(
        order=OuterRef("pk"), received_date__isnull=True
    )
    return Q(status=ReturnOrderStatus.IN_PROGRESS) & Q(Exists(unreceived))


def received_unresolved_q() -> Q:
    """Open orders with a received line whose outcome is not decided yet."""
    waiting = ReturnOrderLineItem.objects.filter(
        order=OuterRef("pk"),
        received_date__isnull=False,
        outcome=ReturnOrderLineStatus.PENDING,
    )
    return Q(status__in=OPEN_STATUSES) & Q(Exists(waiting))


def changed_since_q(since: datetime.date) -> Q:
    """Orders with a history entry (created, status, receipt, outcome…) on or after ``since``."""
    changes = ReturnOrderHistory.objects.filter(order=OuterRef("pk"), date__date__gte=since)
    return Q(Exists(changes))


def _by_target(queryset: QuerySet[ReturnOrder]) -> QuerySet[ReturnOrder]:
    return queryset.order_by(F("target_date").asc(nulls_last=True), "reference_int", "pk")


# Shown only while some order awaits authorization (RETURNORDER_REQUIRE_AUTHORIZATION).
OPTIONAL_PANELS = ("awaiting_authorization",)


def return_order_dashboard(*, user) -> list[Panel]:
    """The five panels for ``user``: one query for every count, then one per panel's list.

    The lists load the customer, so a panel reads nothing more (six queries in all). A sixth
    panel, "Awaiting authorization", is counted in the same query and shown only when some
    order is Requested (then with one query more for its list).
    """
    today = timezone.localdate()
    since = today - datetime.timedelta(days=RECENT_DAYS)
    overdue = Q(status__in=OPEN_STATUSES, target_date__isnull=False, target_date__lt=today)
    mine = Q(status__in=OPEN_STATUSES, responsible__in=Owner.objects.for_user(user))
    last_change = (
        ReturnOrderHistory.objects.filter(order=OuterRef("pk")).order_by("-date").values("date")[:1]
    )
    base = ReturnOrder.objects.select_related("customer")
    panels = [
        (
            Panel(
                "awaiting_authorization",
                _("Awaiting authorization"),
                _("No return waits for authorization."),
                {"status": str(ReturnOrderStatus.REQUESTED.value)},
            ),
            Q(status=ReturnOrderStatus.REQUESTED),
            _by_target,
        ),
        (
            Panel(
                "overdue",
                _("Overdue"),
                _("No open order is past its target date."),
                {"overdue": "true"},
            ),
            overdue,
            _by_target,
        ),
        (
            Panel(
                "awaiting_receipt",
                _("Awaiting receipt"),
                _("No issued order is waiting for items."),
                {"awaiting_receipt": "true"},
            ),
            awaiting_receipt_q(),
            _by_target,
        ),
        (
            Panel(
                "received_unresolved",
                _("Received, outcome to set"),
                _("Every received item has its outcome."),
                {"received_unresolved": "true"},
            ),
            received_unresolved_q(),
            _by_target,
        ),
        (
            Panel(
                "assigned_to_me",
                _("Assigned to me"),
                _("No open order is assigned to you or your groups."),
                {"assigned_to_me": "true", "outstanding": "true"},
            ),
            mine,
            _by_target,
        ),
        (
            Panel(
                "recently_changed",
                _("Recently changed"),
                _("Nothing changed in the last %(days)s days.") % {"days": RECENT_DAYS},
                {"changed_after": since.isoformat()},
            ),
            changed_since_q(since),
            lambda qs: qs.annotate(last_change=last_change).order_by("-last_change", "-pk"),
        ),
    ]
    counts = ReturnOrder.objects.aggregate(
        **{panel.key: Count("pk", filter=condition) for panel, condition, _order in panels}
    )
    for panel, condition, order in panels:
        panel.count = counts[panel.key]
        if panel.count:
            panel.orders = list(order(base.filter(condition))[:PANEL_SIZE])
    return [
        panel
        for panel, _condition, _order in panels
        if panel.count or panel.key not in OPTIONAL_PANELS
    ]
