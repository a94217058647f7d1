"""The warranty answer of a returned line: from the part's period and the unit's delivery date
(its tracking, or a date entered), with a manual override; and the repair's default."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from returns import services
from returns.models import ReturnOrderRepair
from returns.services import lines as line_services
from returns.statuses import ReturnOrderStatus, WarrantyStartSource, WarrantyStatus
from returns.warranty import add_months, warranty_answer
from stock import services as stock_services
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

W = WarrantyStatus
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Lines are added on ``TODAY`` (noon UTC)."""
    moment = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def user():
    return UserFactory()


def delivered_unit(customer, *, on: datetime.date | None, months: int | None = 12, **part):
    """A unit of a part with a ``months`` warranty, assigned to ``customer`` on ``on``."""
    item = StockItemFactory(part=PartFactory(warranty_months=months, **part))
    if on is not None:
        stock_services.stock_items_assign(items=[item], customer=customer)
        moment = datetime.datetime.combine(on, datetime.time(9), tzinfo=datetime.UTC)
        StockItemTracking.objects.filter(
            item=item, tracking_type=StockHistoryCode.SENT_TO_CUSTOMER
        ).update(date=moment)
    else:
        item.customer = customer
        item.save()
    item.refresh_from_db()
    return item


def add(order, item, user, **fields):
    return services.return_order_line_create(order=order, item=item, user=user, **fields)


@pytest.fixture
def order():
    return ReturnOrderFactory(status=ReturnOrderStatus.PENDING)


# -- the arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expiry"),
    [
        (datetime.date(2025, 6, 15), 12, datetime.date(2026, 6, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2025, 3, 31), 1, datetime.date(2025, 4, 30)),
        (datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2025, 12, 15), 1, datetime.date(2026, 1, 15)),
        (datetime.date(9999, 1, 1), 12, None),
    ],
)
def test_expiry_is_the_start_plus_calendar_months_clamped_to_the_month_end(start, months, expiry):
    assert add_months(start, months) == expiry


@pytest.mark.parametrize(
    ("offset", "answer"),
    [(-1, W.IN_WARRANTY), (0, W.IN_WARRANTY), (1, W.OUT_OF_WARRANTY)],
    ids=["expiry-1", "expiry", "expiry+1"],
)
def test_the_expiry_day_is_still_in_warranty(offset, answer):
    start = datetime.date(2026, 1, 31)
    expiry = datetime.date(2026, 2, 28)
    result = warranty_answer(
        months=1, start=start, source="tracking", on=expiry + datetime.timedelta(days=offset)
    )
    assert (result.status, result.expiry) == (answer, expiry)


# -- computed when a line is added ---------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered", "answer"),
    [
        (datetime.date(2025, 6, 16), W.IN_WARRANTY),  # expires tomorrow
        (datetime.date(2025, 6, 15), W.IN_WARRANTY),  # expires today
        (datetime.date(2025, 6, 14), W.OUT_OF_WARRANTY),  # expired yesterday
    ],
    ids=["expiry-1", "expiry", "expiry+1"],
)
def test_a_new_line_takes_its_answer_from_the_delivery_in_tracking(order, user, delivered, answer):
    item = delivered_unit(order.customer, on=delivered)
    line = add(order, item, user)
    line.refresh_from_db()
    assert line.creation_date == TODAY
    assert line.warranty_status == answer
    assert line.warranty == answer
    assert line.warranty_start == delivered
    assert line.warranty_start_source == WarrantyStartSource.TRACKING
    assert line.warranty_expiry == delivered.replace(year=delivered.year + 1)


def test_month_end_delivery_expires_at_the_end_of_a_shorter_month(user, monkeypatch):
    moment = datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    order = ReturnOrderFactory()
    in_time = add(
        order, delivered_unit(order.customer, on=datetime.date(2026, 1, 31), months=1), user
    )
    assert (in_time.warranty_status, in_time.warranty_expiry) == (
        W.IN_WARRANTY,
        datetime.date(2026, 2, 28),
    )
    monkeypatch.setattr(timezone, "now", lambda: moment + datetime.timedelta(days=1))
    late = add(order, delivered_unit(order.customer, on=datetime.date(2026, 1, 31), months=1), user)
    assert (late.warranty_status, late.warranty_expiry) == (
        W.OUT_OF_WARRANTY,
        datetime.date(2026, 2, 28),
    )


def test_a_part_without_a_period_is_unknown(order, user):
    line = add(
        order, delivered_unit(order.customer, on=datetime.date(2026, 1, 1), months=None), user
    )
    assert line.warranty_status == W.UNKNOWN
    assert line.warranty_expiry is None
    assert line.warranty_start == datetime.date(2026, 1, 1)


def test_a_unit_without_a_delivery_in_tracking_is_unknown(order, user):
    line = add(order, delivered_unit(order.customer, on=None), user)
    assert (line.warranty_status, line.warranty_start, line.warranty_start_source) == (
        W.UNKNOWN,
        None,
        "",
    )


def test_a_delivery_to_another_customer_or_an_undone_one_does_not_count(order, user):
    item = delivered_unit(order.customer, on=None)
    other = CustomerFactory()
    StockItemTracking.objects.create(
        item=item,
        tracking_type=StockHistoryCode.SENT_TO_CUSTOMER,
        deltas={"customer": other.pk},
        date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    StockItemTracking.objects.create(
        item=item,
        tracking_type=StockHistoryCode.SENT_TO_CUSTOMER,
        deltas={"customer": order.customer_id},
        date=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        reversed=True,
    )
    line = add(order, item, user)
    assert line.warranty_status == W.UNKNOWN


def test_the_first_delivery_to_the_customer_counts_not_a_later_return_after_repair(order, user):
    item = delivered_unit(order.customer, on=datetime.date(2025, 1, 10))
    StockItemTracking.objects.create(
        item=item,
        tracking_type=StockHistoryCode.SENT_TO_CUSTOMER,
        deltas={"customer": order.customer_id},
        date=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
    )
    line = add(order, item, user)
    assert line.warranty_start == datetime.date(2025, 1, 10)
    assert line.warranty_status == W.OUT_OF_WARRANTY


def test_an_entered_start_wins_over_tracking(order, user):
    item = delivered_unit(order.customer, on=datetime.date(2024, 1, 1))
    line = add(order, item, user, warranty_start=datetime.date(2026, 1, 1))
    assert line.warranty_start == datetime.date(2026, 1, 1)
    assert line.warranty_start_source == WarrantyStartSource.ENTERED
    assert line.warranty_status == W.IN_WARRANTY


def test_an_entered_start_after_the_line_was_added_is_refused(order, user):
    item = delivered_unit(order.customer, on=None)
    with pytest.raises(ValidationError) as exc:
        add(order, item, user, warranty_start=TODAY + datetime.timedelta(days=1))
    assert "warranty_start" in exc.value.message_dict
    assert not order.lines.exists()


def test_several_lines_added_together_each_get_their_answer(order, user):
    fresh = delivered_unit(order.customer, on=datetime.date(2026, 1, 1))
    old = delivered_unit(order.customer, on=datetime.date(2020, 1, 1))
    unknown = delivered_unit(order.customer, on=None)
    lines = line_services.return_order_lines_create(
        order=order,
        items=[(fresh, Decimal(1)), (old, Decimal(1)), (unknown, Decimal(1))],
        user=user,
    )
    answers = {line.item_id: line.warranty_status for line in lines}
    assert answers == {fresh.pk: W.IN_WARRANTY, old.pk: W.OUT_OF_WARRANTY, unknown.pk: W.UNKNOWN}
    assert {line.creation_date for line in order.lines.all()} == {TODAY}


def test_bulk_adding_reads_the_tracking_in_one_query(order, user):
    items = [delivered_unit(order.customer, on=datetime.date(2026, 1, 1)) for _ in range(5)]
    with CaptureQueriesContext(connection) as context:
        line_services.return_order_lines_create(
            order=order, items=[(item, Decimal(1)) for item in items], user=user
        )
    tracking = [q for q in context.captured_queries if "stock_stockitemtracking" in q["sql"]]
    assert len(tracking) == 1


# -- changing the start, overriding --------------------------------------------------------


def test_entering_a_start_later_recomputes_and_clearing_it_goes_back_to_tracking(order, user):
    line = add(order, delivered_unit(order.customer, on=datetime.date(2020, 1, 1)), user)
    assert line.warranty_status == W.OUT_OF_WARRANTY
    line = services.return_order_line_update(
        line=line, user=user, data={"warranty_start": datetime.date(2026, 3, 1)}
    )
    line.refresh_from_db()
    assert (line.warranty_status, line.warranty_start_source, line.warranty_expiry) == (
        W.IN_WARRANTY,
        WarrantyStartSource.ENTERED,
        datetime.date(2027, 3, 1),
    )
    services.return_order_line_update(line=line, user=user, data={"warranty_start": None})
    line.refresh_from_db()
    assert (line.warranty_status, line.warranty_start, line.warranty_start_source) == (
        W.OUT_OF_WARRANTY,
        datetime.date(2020, 1, 1),
        WarrantyStartSource.TRACKING,
    )


def test_other_edits_keep_the_answer(order, user):
    line = add(order, delivered_unit(order.customer, on=datetime.date(2026, 1, 1)), user)
    services.return_order_line_update(line=line, user=user, data={"notes": "scratched"})
    line.refresh_from_db()
    assert (line.warranty_status, line.warranty_start_source) == (
        W.IN_WARRANTY,
        WarrantyStartSource.TRACKING,
    )


def test_an_override_needs_a_reason(order, user):
    line = add(order, delivered_unit(order.customer, on=datetime.date(2020, 1, 1)), user)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(
            line=line, user=user, data={"warranty_override": W.IN_WARRANTY}
        )
    assert "warranty_override_reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.return_order_line_update(
            line=line,
            user=user,
            data={"warranty_override": W.IN_WARRANTY, "warranty_override_reason": "   "},
        )
    line.refresh_from_db()
    assert line.warranty == W.OUT_OF_WARRANTY


def test_an_override_with_a_reason_is_the_answer_until_cleared(order, user):
    line = add(order, delivered_unit(order.customer, on=datetime.date(2020, 1, 1)), user)
    services.return_order_line_update(
        line=line,
        user=user,
        data={"warranty_override": W.IN_WARRANTY, "warranty_override_reason": "Goodwill"},
    )
    line.refresh_from_db()
    assert (line.warranty, line.warranty_status, line.warranty_override_reason) == (
        W.IN_WARRANTY,
        W.OUT_OF_WARRANTY,
        "Goodwill",
    )
    services.return_order_line_update(line=line, user=user, data={"warranty_override": ""})
    line.refresh_from_db()
    assert (line.warranty, line.warranty_override_reason) == (W.OUT_OF_WARRANTY, "")


# -- the repair's under-warranty flag ------------------------------------------------------


def _received(order, item, user):
    line = add(order, item, user)
    services.return_order_issue(order=order, user=user)
    services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=LocationFactory(), user=user
    )
    line.refresh_from_db()
    return line


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [(datetime.date(2026, 1, 1), True), (datetime.date(2020, 1, 1), False), (None, False)],
    ids=["in", "out", "unknown"],
)
def test_a_repair_is_under_warranty_when_the_line_is(order, user, delivered, expected):
    line = _received(order, delivered_unit(order.customer, on=delivered), user)
    services.line_resolve_repair(line=line, user=user, fault="Noisy")
    repair = ReturnOrderRepair.objects.get(resolution__line=line)
    assert repair.under_warranty is expected


def test_a_repair_may_say_otherwise(order, user):
    line = _received(order, delivered_unit(order.customer, on=datetime.date(2026, 1, 1)), user)
    services.line_resolve_repair(line=line, user=user, under_warranty=False)
    assert ReturnOrderRepair.objects.get(resolution__line=line).under_warranty is False


def test_an_override_decides_the_repair_default(order, user):
    line = _received(order, delivered_unit(order.customer, on=datetime.date(2020, 1, 1)), user)
    services.return_order_line_update(
        line=line,
        user=user,
        data={"warranty_override": W.IN_WARRANTY, "warranty_override_reason": "Known fault"},
    )
    services.line_resolve_repair(line=line, user=user)
    assert ReturnOrderRepair.objects.get(resolution__line=line).under_warranty is True
