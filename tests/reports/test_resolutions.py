"""The return order report shows how each line was resolved and what was refunded."""

import datetime
from decimal import Decimal

import pytest

from common.exchange import set_rate
from reports import services
from returns import services as return_services
from returns.reports import report_context, report_queryset
from returns.services import PartUse
from returns.statuses import ReturnOrderStatus
from stock.statuses import StockStatus
from tests.factories import (
    BulkStockItemFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.reports.conftest import pdf_text
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db


def _line(order, serial, user, location, *, receive=True):
    part = PartFactory(name=f"Drive {serial}", IPN=f"DRV-{serial}")
    item = CustomerStockItemFactory(customer=order.customer, part=part, serial=serial)
    line = ReturnOrderLineItemFactory(order=order, item=item)
    if receive:
        return_services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )
        line.refresh_from_db()
    return line


def resolved_order(reference="RMA-0100", reference_int=100):
    """One line of each kind, a repair with parts, an advance replacement, refunds in EUR."""
    set_rate("EUR", Decimal("0.9"))
    user = UserFactory(first_name="Robin", last_name="Tech")
    location = LocationFactory()
    shelf = LocationFactory()
    order = ReturnOrderFactory(
        status=ReturnOrderStatus.IN_PROGRESS,
        reference=reference,
        reference_int=reference_int,
        customer__currency="USD",
    )
    returned = _line(order, "R-1", user, location)
    return_services.line_resolve_return(line=returned, user=user)

    repaired = _line(order, "P-1", user, location)
    fan = StockItemFactory(
        part=PartFactory(name="Cooling fan", IPN="FAN-9"), serial="FS-31", location=shelf
    )
    screws = BulkStockItemFactory(
        part=PartFactory(name="M3 screw", IPN="SCR-3", trackable=False),
        location=shelf,
        quantity=Decimal(50),
    )
    return_services.line_resolve_repair(
        line=repaired,
        user=user,
        fault="Fan seized",
        work_done="Fan replaced",
        technician=user,
        labour_minutes=35,
        under_warranty=True,
        cost_amount=Decimal("18.00"),
        parts=[
            PartUse(item=fan.pk, quantity=Decimal(1)),
            PartUse(part=screws.part_id, location=shelf.pk, quantity=Decimal(4)),
        ],
        finish=True,
    )

    replaced = _line(order, "X-1", user, location)
    spare = StockItemFactory(part=replaced.item.part, serial="X-NEW-7", location=shelf)
    return_services.line_resolve_replace(
        line=replaced, user=user, replacement_item=spare, unit_status=StockStatus.DAMAGED
    )
    advance = _line(order, "A-1", user, location, receive=False)
    ahead = StockItemFactory(part=advance.item.part, serial="A-NEW-2", location=shelf)
    return_services.line_resolve_replace(line=advance, user=user, replacement_item=ahead)

    refunded = _line(order, "F-1", user, location)
    return_services.line_resolve_refund(
        line=refunded,
        user=user,
        amount=Decimal("45.00"),
        currency="EUR",
        method="Bank transfer",
        reference="CN-5531",
        date=datetime.date(2026, 2, 3),
        unit_status=StockStatus.DESTROYED,
    )
    rejected = _line(order, "J-1", user, location)
    return_services.line_resolve_reject(
        line=rejected,
        user=user,
        reason="Outside warranty: water damage",
        disposition="scrap",
        scrap_status=StockStatus.REJECTED,
    )
    _line(order, "U-1", user, location)  # not resolved
    return order


def _render(template, *orders):
    user = UserFactory(is_superuser=True, password=None)
    instances = services.report_instances(
        template=template, items=[o.pk for o in orders], user=user
    )
    return services.report_render(template=template, instances=instances, user=user)


def test_context_carries_each_lines_resolution_and_the_refunded_total():
    order = report_queryset().get(pk=resolved_order().pk)

    context = report_context(order)

    by_serial = {line["item"]["serial"]: line["resolution"] for line in context["lines"]}
    assert by_serial["U-1"] is None
    assert by_serial["R-1"]["kind"] == "return"
    repair = by_serial["P-1"]["repair"]
    assert (repair["fault"], repair["work_done"], repair["labour_minutes"]) == (
        "Fan seized",
        "Fan replaced",
        35,
    )
    assert repair["finished"] and repair["under_warranty"]
    assert str(repair["technician"]) == "Robin Tech"
    assert [str(part) for part in repair["parts"]] == ["Cooling fan # FS-31", "4 x M3 screw"]
    assert by_serial["X-1"]["replacement_serial"] == "X-NEW-7"
    assert by_serial["X-1"]["unit_status_text"] == "Damaged"
    assert not by_serial["X-1"]["advance"]
    assert by_serial["A-1"]["advance"]
    refund = by_serial["F-1"]["refund"]
    assert (str(refund["amount"]), refund["reference"], refund["method"]) == (
        "€45.00",
        "CN-5531",
        "Bank transfer",
    )
    assert by_serial["J-1"]["reason"] == "Outside warranty: water damage"
    assert by_serial["J-1"]["disposition"] == "scrap"
    assert [line["item"]["serial"] for line in context["resolved_lines"]] == [
        "R-1",
        "P-1",
        "X-1",
        "A-1",
        "F-1",
        "J-1",
    ]
    assert str(context["total_refunded"]) == "$50.00"  # 45 EUR at 0.9
    assert context["order"]["total_refunded"] == context["total_refunded"]


def test_default_report_prints_every_resolution_and_the_refunded_total(default_template):
    order = resolved_order()

    text = pdf_text(_render(default_template, order).pdf)

    assert "RESOLUTIONS" in text  # the heading, upper-cased by the style sheet
    # Replace: faulty serial to replacement serial; the advance one says it is waiting.
    assert "X-NEW-7" in text and "A-NEW-2" in text
    assert "awaiting faulty unit" in text
    # Refund: amount, method and credit note.
    assert "€45.00" in text and "CN-5531" in text and "Bank transfer" in text
    # Repair: fault, work, technician, labour, warranty, cost and the parts.
    for words in ("Fan seized", "Fan replaced", "Robin Tech", "35 min", "under warranty"):
        assert words in text, words
    assert "$18.00" in text
    assert "Cooling fan" in text and "4 x M3 screw" in text and "FAN-9" in text
    # Reject with its reason and what became of the unit.
    assert "Outside warranty: water damage" in text
    assert "Scrapped (Rejected)" in text
    assert "Returned to the customer" in text
    # The order's refunded total, converted to its currency.
    assert "Refunded" in text and "$50.00" in text


def test_report_notes_a_refunded_total_that_cannot_be_converted(default_template):
    order = ReturnOrderFactory(
        status=ReturnOrderStatus.IN_PROGRESS,
        reference="RMA-0300",
        reference_int=300,
        customer__currency="USD",
    )
    line = ReturnOrderLineItemFactory(order=order)
    return_services.line_resolve_refund(
        line=line, user=UserFactory(), amount=Decimal(10), currency="SEK"
    )
    text = pdf_text(_render(default_template, order).pdf)
    assert "No exchange rate from SEK to USD" in text


def test_an_undone_resolution_is_not_printed(default_template):
    user = UserFactory()
    order = ReturnOrderFactory(
        status=ReturnOrderStatus.IN_PROGRESS, reference="RMA-0400", reference_int=400
    )
    line = _line(order, "Z-1", user, LocationFactory())
    return_services.line_resolve_reject(line=line, user=user, reason="Scratched casing")
    return_services.line_resolution_undo(line=line, user=user)

    text = pdf_text(_render(default_template, order).pdf)

    assert "Scratched casing" not in text
    assert "RESOLUTIONS" not in text
    assert "Refunded" not in text


def test_rendering_resolved_orders_runs_a_fixed_number_of_queries(
    default_template, django_assert_num_queries
):
    orders = [resolved_order(f"RMA-02{i}", 200 + i) for i in range(2)]
    user = UserFactory(is_superuser=True, password=None)

    # Orders, lines, standing resolutions (with replacement, refund, repair), repair parts and
    # extra lines: five queries for any number of orders and lines; rendering adds none.
    with django_assert_num_queries(5):
        instances = services.report_instances(
            template=default_template, items=[o.pk for o in orders], user=user
        )
        services.report_render(template=default_template, instances=instances, user=user)
