"""Resolving returned lines: what each outcome does to stock and records, undo, and the guards.

Snapshots compare every column of the touched rows (``.values()``), leaving out only the
``updated`` timestamps, so an undo that forgets a field shows.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from djmoney.money import Money

from common.exchange import set_rate
from returns import services
from returns.models import (
    ReturnOrder,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
)
from returns.services import PartUse
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock import services as stock_services
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

Code = StockHistoryCode
History = ReturnOrderHistory.Kind


# -- helpers -------------------------------------------------------------------------------


def new_order(**fields):
    fields.setdefault("status", ReturnOrderStatus.IN_PROGRESS)
    if "customer" not in fields:
        fields.setdefault("customer__currency", "USD")
    return ReturnOrderFactory(**fields)


def add_line(order, *, item=None, quantity=Decimal(1)):
    item = item or CustomerStockItemFactory(customer=order.customer)
    return ReturnOrderLineItemFactory(order=order, item=item, quantity=quantity)


def receive(line, user, location, status=None):
    services.return_order_receive(
        order=line.order, lines=[(line.pk, status)], location=location, user=user
    )
    line.refresh_from_db()
    return line


def received_line(user, location, *, order=None, item=None, quantity=Decimal(1)):
    order = order or new_order()
    return receive(add_line(order, item=item, quantity=quantity), user, location)


def rows(pks) -> dict[int, dict]:
    """Every column of the stock items but ``updated``."""
    found = StockItem.objects.filter(pk__in=list(pks)).order_by("pk").values()
    return {row["id"]: {k: v for k, v in row.items() if k != "updated"} for row in found}


def line_row(line) -> dict:
    return ReturnOrderLineItem.objects.filter(pk=line.pk).values().get()


def order_totals(order) -> dict:
    return (
        ReturnOrder.objects.filter(pk=order.pk)
        .values(
            "status",
            "total_price",
            "total_price_currency",
            "total_price_note",
            "total_refunded",
            "total_refunded_currency",
            "total_refunded_note",
        )
        .get()
    )


def state(order, line, pks) -> dict:
    return {"stock": rows(pks), "line": line_row(line), "order": order_totals(order)}


def tracking(item, code=None):
    entries = StockItemTracking.objects.filter(item_id=item.pk if hasattr(item, "pk") else item)
    if code is not None:
        entries = entries.filter(tracking_type=code)
    return list(entries.order_by("pk"))


def standing(line) -> ReturnOrderLineResolution:
    return ReturnOrderLineResolution.objects.get(line=line, reversed_at__isnull=True)


def last_history(order) -> ReturnOrderHistory:
    return ReturnOrderHistory.objects.filter(order=order).order_by("-pk").first()


def fresh(item) -> StockItem:
    return StockItem.objects.get(pk=item.pk if hasattr(item, "pk") else item)


def messages(exc) -> dict:
    return exc.value.message_dict


@pytest.fixture
def shelf(db):
    return LocationFactory(name="Spares")


# -- return --------------------------------------------------------------------------------


def test_return_sends_the_unit_back_to_the_customer_with_status_ok(user, location):
    line = received_line(user, location)
    order = line.order
    unit = fresh(line.item_id)
    assert (unit.customer_id, unit.status) == (None, StockStatus.QUARANTINED)

    services.line_resolve_return(line=line, user=user, notes="Works as designed")

    unit = fresh(unit)
    assert unit.customer_id == order.customer_id
    assert unit.status == StockStatus.OK
    sent = tracking(unit, Code.SENT_TO_CUSTOMER)[-1]
    assert sent.deltas == {
        "customer": order.customer_id,
        "customer_name": order.customer.name,
        "status": StockStatus.OK,
        "returnorder": order.pk,
    }
    assert sent.notes == f"Returned to the customer ({order.reference})"
    assert sent.user == user
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.RETURN
    resolution = standing(line)
    assert (resolution.kind, resolution.created_by, resolution.notes) == (
        "return",
        user,
        "Works as designed",
    )
    assert resolution.previous_outcome == ReturnOrderLineStatus.PENDING
    assert resolution.tracking_entries == [sent.pk]
    history = last_history(order)
    assert history.kind == History.RESOLVED
    assert history.data == {
        "line": line.pk,
        "resolution": resolution.pk,
        "kind": "return",
        "item": unit.pk,
        "serial": unit.serial,
    }


def test_return_of_a_bulk_line_sends_back_exactly_the_returned_quantity(user, location):
    order = new_order()
    held = CustomerBulkStockItemFactory(customer=order.customer)  # 10 held, 4 come back
    line = received_line(user, location, order=order, item=held, quantity=Decimal(4))
    assert line.item_id != held.pk and fresh(line.item_id).quantity == 4

    services.line_resolve_return(line=line, user=user)

    assert fresh(line.item_id).customer_id == order.customer_id
    assert fresh(line.item_id).quantity == 4
    assert fresh(held).quantity == 6  # the part never returned is untouched


# -- repair --------------------------------------------------------------------------------


def test_repair_consumes_a_serialized_spare_part_of_a_bulk_item_and_a_part_from_a_location(
    user, location, shelf
):
    line = received_line(user, location)
    order = line.order
    unit = fresh(line.item_id)
    technician = UserFactory()
    spare = StockItemFactory(location=shelf)  # serialized
    screws = BulkStockItemFactory(location=shelf, quantity=Decimal(10))
    pads_part = PartFactory(trackable=False)
    pads = [
        BulkStockItemFactory(part=pads_part, location=shelf, quantity=Decimal(q)) for q in (2, 3)
    ]
    BulkStockItemFactory(part=pads_part, location=LocationFactory(), quantity=Decimal(50))

    services.line_resolve_repair(
        line=line,
        user=user,
        fault="Cracked housing",
        work_done="Housing, screws and pads replaced",
        technician=technician,
        labour_minutes=45,
        under_warranty=True,
        cost_amount=Decimal("12.50"),
        cost_currency="EUR",
        parts=[
            PartUse(item=spare.pk, quantity=Decimal(1)),
            PartUse(item=screws.pk, quantity=Decimal(3)),
            PartUse(part=pads_part.pk, location=shelf.pk, quantity=Decimal(4)),
        ],
    )

    repair = ReturnOrderRepair.objects.get(resolution__line=line)
    assert (repair.fault, repair.work_done, repair.technician) == (
        "Cracked housing",
        "Housing, screws and pads replaced",
        technician,
    )
    assert (repair.labour_minutes, repair.under_warranty) == (45, True)
    assert repair.cost == Money(Decimal("12.50"), "EUR")
    assert repair.finished_at is None and repair.started_at is not None
    # The serialized spare is installed whole.
    spare = fresh(spare)
    assert spare.belongs_to_id == unit.pk and not spare.in_stock
    # Three screws split off and installed; seven left.
    assert fresh(screws).quantity == 7
    child = StockItem.objects.get(parent=screws)
    assert (child.quantity, child.belongs_to_id) == (3, unit.pk)
    # Four pads drawn from the shelf: all of the first item (2), two of the second (3).
    assert fresh(pads[0]).belongs_to_id == unit.pk and fresh(pads[0]).quantity == 2
    assert fresh(pads[1]).quantity == 1
    assert StockItem.objects.get(parent=pads[1]).quantity == 2
    assert sum(
        i.quantity for i in StockItem.objects.in_stock().filter(part=pads_part, location=shelf)
    ) == Decimal(1)
    parts = list(repair.parts.order_by("pk"))
    assert [(p.source_item_id, p.quantity, p.serial) for p in parts] == [
        (spare.pk, 1, spare.serial),
        (screws.pk, 3, ""),
        (pads[0].pk, 2, ""),
        (pads[1].pk, 2, ""),
    ]
    assert all(p.location_id == shelf.pk for p in parts)
    assert parts[1].item_id == child.pk
    # Tracking on the unit (one per installed item) and on each part.
    installed = tracking(unit, Code.INSTALLED_CHILD_ITEM)
    assert [e.deltas["stockitem"] for e in installed] == [p.item_id for p in parts]
    assert all(e.notes == f"Used in a repair ({order.reference})" for e in installed)
    for part in parts:
        [entry] = tracking(part.item_id, Code.INSTALLED_INTO_ASSEMBLY)
        assert entry.deltas == {"stockitem": unit.pk, "quantity": float(part.quantity)}
    [split] = tracking(screws, Code.SPLIT_CHILD_ITEM)
    assert split.deltas == {"removed": 3.0, "quantity": 7.0, "stockitem": child.pk}
    # Not finished: the unit stays here, in quarantine.
    unit = fresh(unit)
    assert (unit.customer_id, unit.status) == (None, StockStatus.QUARANTINED)
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.REPAIR
    assert last_history(order).data["parts"] == 4


def test_repair_finished_at_once_sets_ok_and_sends_the_unit_back(user, location):
    line = received_line(user, location)
    order = line.order

    services.line_resolve_repair(line=line, user=user, fault="Loose cable", finish=True)

    unit = fresh(line.item_id)
    assert (unit.status, unit.customer_id) == (StockStatus.OK, order.customer_id)
    sent = tracking(unit, Code.SENT_TO_CUSTOMER)[-1]
    assert sent.notes == f"Repaired and returned to the customer ({order.reference})"
    assert sent.deltas["status"] == StockStatus.OK
    assert ReturnOrderRepair.objects.get(resolution__line=line).finished


def test_repair_saved_unfinished_then_parts_added_and_finished_later(user, location, shelf):
    line = received_line(user, location)
    order = line.order
    services.line_resolve_repair(line=line, user=user, fault="No power")
    repair = ReturnOrderRepair.objects.get(resolution__line=line)
    fuses = BulkStockItemFactory(location=shelf, quantity=Decimal(5))

    services.repair_update(
        repair=repair,
        user=user,
        data={"work_done": "Fuse replaced", "labour_minutes": 20, "cost_amount": Decimal(8)},
        parts=[PartUse(item=fuses.pk, quantity=Decimal(2))],
    )
    repair.refresh_from_db()
    assert (repair.work_done, repair.labour_minutes) == ("Fuse replaced", 20)
    assert repair.cost == Money(8, "USD")  # the order's currency when none is given
    assert not repair.finished
    assert fresh(fuses).quantity == 3
    assert fresh(line.item_id).customer_id is None
    assert last_history(order).kind == History.REPAIR

    services.repair_update(repair=repair, user=user, data={}, finish=True)

    repair.refresh_from_db()
    assert repair.finished
    unit = fresh(line.item_id)
    assert (unit.status, unit.customer_id) == (StockStatus.OK, order.customer_id)
    assert last_history(order).data == {
        "line": line.pk,
        "repair": repair.pk,
        "parts_added": 0,
        "finished": True,
    }
    # The later stock changes belong to the resolution: undo takes them back too.
    resolution = standing(line)
    assert str(fuses.pk) in resolution.stock_before
    assert len(resolution.created_items) == 1


def test_a_finished_repair_takes_no_more_parts_and_cannot_finish_again(user, location, shelf):
    line = received_line(user, location)
    services.line_resolve_repair(line=line, user=user, finish=True)
    repair = ReturnOrderRepair.objects.get(resolution__line=line)
    spare = BulkStockItemFactory(location=shelf)

    with pytest.raises(ValidationError, match="This repair is finished"):
        services.repair_update(
            repair=repair, user=user, data={}, parts=[PartUse(item=spare.pk, quantity=1)]
        )
    with pytest.raises(ValidationError, match="This repair is finished"):
        services.repair_update(repair=repair, user=user, data={}, finish=True)
    # Its notes stay editable.
    services.repair_update(repair=repair, user=user, data={"work_done": "Cable re-crimped"})
    assert ReturnOrderRepair.objects.get(pk=repair.pk).work_done == "Cable re-crimped"


def test_repair_update_refuses_an_undone_repair(user, location):
    line = received_line(user, location)
    services.line_resolve_repair(line=line, user=user)
    repair = ReturnOrderRepair.objects.get(resolution__line=line)
    services.line_resolution_undo(line=line, user=user)

    with pytest.raises(ValidationError, match="This repair has been undone"):
        services.repair_update(repair=repair, user=user, data={}, finish=True)
    assert fresh(line.item_id).customer_id is None


@pytest.mark.parametrize(
    ("part_use", "message"),
    [
        (lambda unit, spares: PartUse(item=unit.pk, quantity=1), "0: The returned unit"),
        (
            lambda unit, spares: PartUse(item=spares.pk, quantity=Decimal(11)),
            "holds 10, not 11",
        ),
        (
            lambda unit, spares: PartUse(
                part=spares.part_id, location=spares.location_id, quantity=11
            ),
            "0: Only 10 of this part are in stock in",
        ),
        (lambda unit, spares: PartUse(item=spares.pk, quantity=0), "0: Quantity must be greater"),
        (lambda unit, spares: PartUse(part=spares.part_id, quantity=1), "0: Give a stock item"),
        (lambda unit, spares: PartUse(item=999999, quantity=1), "0: Stock item 999999 does not"),
    ],
)
def test_repair_refuses_bad_parts_under_the_parts_field(user, location, shelf, part_use, message):
    line = received_line(user, location)
    spares = BulkStockItemFactory(location=shelf, quantity=Decimal(10))
    before = state(line.order, line, [line.item_id, spares.pk])

    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(
            line=line, user=user, parts=[part_use(fresh(line.item_id), spares)]
        )

    assert list(messages(exc)) == ["parts"]
    assert any(message in text for text in messages(exc)["parts"]), messages(exc)
    assert state(line.order, line, [line.item_id, spares.pk]) == before
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


def test_repair_part_errors_are_numbered_as_given_and_all_reported(user, location, shelf):
    line = received_line(user, location)
    spare = StockItemFactory(location=shelf)
    scrapped = BulkStockItemFactory(location=shelf, status=StockStatus.DESTROYED)
    pads = BulkStockItemFactory(location=shelf, quantity=Decimal(5))

    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(
            line=line,
            user=user,
            parts=[
                PartUse(part=pads.part_id, location=shelf.pk, quantity=Decimal(2)),
                PartUse(item=scrapped.pk, quantity=Decimal(1)),
                PartUse(item=spare.pk, quantity=Decimal("0.5")),
            ],
        )

    assert messages(exc)["parts"] == [
        f"1: Stock item {scrapped} is not available in stock",
        f"2: Stock item {spare} is serialized: use all of it (quantity 1)",
    ]


def test_repair_refuses_negative_labour_and_bad_cost_fields_by_name(user, location):
    line = received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(line=line, user=user, labour_minutes=-5)
    assert list(messages(exc)) == ["labour_minutes"]
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(line=line, user=user, cost_amount=1, cost_currency="XXX")
    assert messages(exc) == {"cost_currency": ["Invalid currency code"]}
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(line=line, user=user, cost_amount=Decimal("1e14"))
    assert list(messages(exc)) == ["cost_amount"]
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


def test_failure_on_the_second_part_leaves_nothing_half_done(user, location, shelf, monkeypatch):
    line = received_line(user, location)
    order = line.order
    first = BulkStockItemFactory(location=shelf, quantity=Decimal(10))
    second = StockItemFactory(location=shelf)
    pks = [line.item_id, first.pk, second.pk]
    before = state(order, line, pks)
    tracking_before = StockItemTracking.objects.count()
    items_before = StockItem.objects.count()
    history_before = ReturnOrderHistory.objects.filter(order=order).count()
    real = stock_services.stock_item_consume
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["item"].pk)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(stock_services, "stock_item_consume", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        services.line_resolve_repair(
            line=line,
            user=user,
            parts=[
                PartUse(item=first.pk, quantity=Decimal(4)),
                PartUse(item=second.pk, quantity=Decimal(1)),
            ],
            finish=True,
        )

    assert calls == [first.pk, second.pk]
    assert state(order, line, pks) == before
    assert StockItem.objects.count() == items_before  # the split-off child is gone
    assert StockItemTracking.objects.count() == tracking_before
    assert ReturnOrderHistory.objects.filter(order=order).count() == history_before
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()
    assert not ReturnOrderRepairPart.objects.exists()


# -- replace -------------------------------------------------------------------------------


def test_replace_assigns_the_replacement_and_the_faulty_unit_gets_the_chosen_status(
    user, location, shelf
):
    line = received_line(user, location)
    order = line.order
    unit = fresh(line.item_id)
    replacement = StockItemFactory(part=unit.part, location=shelf)

    services.line_resolve_replace(
        line=line, user=user, replacement_item=replacement, unit_status=StockStatus.DAMAGED
    )

    replacement = fresh(replacement)
    assert replacement.customer_id == order.customer_id
    assert replacement.status == StockStatus.OK
    unit = fresh(unit)
    assert (unit.status, unit.customer_id, unit.location_id) == (
        StockStatus.DAMAGED,
        None,
        location.pk,
    )
    sent = tracking(replacement, Code.SENT_TO_CUSTOMER)[-1]
    assert sent.deltas == {
        "customer": order.customer_id,
        "customer_name": order.customer.name,
        "returnorder": order.pk,
        "replaces": unit.pk,
    }
    updated = tracking(unit, Code.STOCK_UPDATE)[-1]
    assert updated.deltas == {
        "status": StockStatus.DAMAGED,
        "returnorder": order.pk,
        "replaced_by": replacement.pk,
    }
    assert updated.notes == f"Replaced ({order.reference})"
    resolution = standing(line)
    assert (resolution.replacement_item_id, resolution.unit_status) == (
        replacement.pk,
        StockStatus.DAMAGED,
    )
    assert last_history(order).data["replacement_serial"] == replacement.serial
    assert last_history(order).data["advance"] is False
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.REPLACE


def test_replace_without_a_status_leaves_the_unit_as_it_is(user, location, shelf):
    line = received_line(user, location)
    replacement = StockItemFactory(part=fresh(line.item_id).part, location=shelf)
    services.line_resolve_replace(line=line, user=user, replacement_item=replacement.pk)
    unit = fresh(line.item_id)
    assert unit.status == StockStatus.QUARANTINED
    assert tracking(unit, Code.STOCK_UPDATE)[-1].deltas == {
        "returnorder": line.order_id,
        "replaced_by": replacement.pk,
    }


def test_an_allowed_substitute_may_replace_the_unit(user, location, shelf):
    line = received_line(user, location)
    unit = fresh(line.item_id)
    newer = PartFactory(name="Motor M500")
    unit.part.substitutes.add(newer)
    replacement = StockItemFactory(part=newer, location=shelf)

    services.line_resolve_replace(line=line, user=user, replacement_item=replacement)

    assert fresh(replacement).customer_id == line.order.customer_id


def test_a_bulk_replacement_is_split_to_the_line_quantity(user, location, shelf):
    order = new_order()
    held = CustomerBulkStockItemFactory(customer=order.customer)
    line = received_line(user, location, order=order, item=held, quantity=Decimal(4))
    stock = BulkStockItemFactory(part=held.part, location=shelf, quantity=Decimal(10))

    services.line_resolve_replace(line=line, user=user, replacement_item=stock)

    sent = StockItem.objects.get(parent=stock)
    assert (sent.quantity, sent.customer_id) == (4, order.customer_id)
    assert fresh(stock).quantity == 6 and fresh(stock).customer_id is None
    resolution = standing(line)
    assert resolution.replacement_item_id == sent.pk
    assert resolution.created_items == [sent.pk]


def _other_open_order_item(part, shelf, user):
    other = new_order()
    item = StockItemFactory(part=part, location=shelf)
    stock_services.stock_items_assign(items=[item], customer=other.customer, user=user)
    line = add_line(other, item=item)
    receive(line, user, shelf, status=StockStatus.OK)
    return fresh(item), other


@pytest.mark.parametrize(
    "case",
    ["itself", "wrong part", "assigned", "status", "empty", "installed", "elsewhere", "short"],
)
def test_replacement_checks(user, location, shelf, case):
    order = new_order()
    if case == "short":
        held = CustomerBulkStockItemFactory(customer=order.customer)
        line = received_line(user, location, order=order, item=held, quantity=Decimal(4))
    else:
        line = received_line(user, location, order=order)
    unit = fresh(line.item_id)
    part = unit.part
    if case == "itself":
        candidate, expected = unit, "The returned unit cannot replace itself"
    elif case == "wrong part":
        candidate = StockItemFactory(location=shelf)
        expected = f"Stock item {candidate} is not {part.full_name} or an allowed substitute"
    elif case == "assigned":
        candidate = StockItemFactory(part=part, location=shelf, customer=CustomerFactory())
        expected = f"Stock item {candidate} is already assigned to a customer"
    elif case == "status":
        candidate = StockItemFactory(part=part, location=shelf, status=StockStatus.QUARANTINED)
        expected = f"Stock item {candidate} is not in stock"
    elif case == "empty":
        candidate = BulkStockItemFactory(part=part, location=shelf, quantity=Decimal(0))
        expected = f"Stock item {candidate} is not in stock"
    elif case == "installed":
        candidate = StockItemFactory(part=part, location=shelf, belongs_to=StockItemFactory())
        expected = f"Stock item {candidate} is not in stock"
    elif case == "elsewhere":
        candidate, other = _other_open_order_item(part, shelf, user)
        expected = f"Stock item {candidate} is on open return order {other.reference}"
    else:
        candidate = BulkStockItemFactory(part=part, location=shelf, quantity=Decimal(3))
        expected = f"Stock item {candidate} holds 3; the line needs 4"
    before = state(order, line, [unit.pk, candidate.pk])

    assert services.replacement_errors(line=line, item=fresh(candidate)) == [expected]
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_replace(line=line, user=user, replacement_item=candidate.pk)

    assert messages(exc) == {"replacement_item": [expected]}
    assert state(order, line, [unit.pk, candidate.pk]) == before


def test_replace_refuses_a_missing_item_and_a_bad_status(user, location, shelf):
    line = received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_replace(line=line, user=user, replacement_item=999999)
    assert messages(exc) == {"replacement_item": ["Stock item 999999 does not exist"]}
    replacement = StockItemFactory(part=fresh(line.item_id).part, location=shelf)
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_replace(
            line=line, user=user, replacement_item=replacement, unit_status=12345
        )
    assert messages(exc) == {"unit_status": ["Invalid stock status"]}


def test_advance_replacement_then_receipt_applies_the_chosen_status(user, location, shelf):
    order = new_order()
    line = add_line(order)
    unit = fresh(line.item_id)
    replacement = StockItemFactory(part=unit.part, location=shelf)

    services.line_resolve_replace(
        line=line, user=user, replacement_item=replacement, unit_status=StockStatus.REJECTED
    )

    # Sent ahead: the faulty unit is still with the customer, untouched but for a note.
    unit = fresh(unit)
    assert (unit.customer_id, unit.status) == (order.customer_id, StockStatus.OK)
    assert tracking(unit, Code.STOCK_UPDATE)[-1].notes == (
        f"Replacement sent ahead of the return ({order.reference})"
    )
    assert fresh(replacement).customer_id == order.customer_id
    line.refresh_from_db()
    assert (line.outcome, line.received_date) == (ReturnOrderLineStatus.REPLACE, None)
    assert last_history(order).data["advance"] is True

    receive(line, user, location)

    unit = fresh(unit)
    assert (unit.status, unit.customer_id, unit.location_id) == (
        StockStatus.REJECTED,
        None,
        location.pk,
    )
    assert tracking(unit, Code.RETURNED_AGAINST_RETURN_ORDER)[-1].deltas["status"] == (
        StockStatus.REJECTED
    )
    line.refresh_from_db()
    assert line.received_date is not None and line.outcome == ReturnOrderLineStatus.REPLACE


def test_an_explicit_receive_status_wins_over_the_chosen_one(user, location, shelf):
    order = new_order()
    line = add_line(order)
    replacement = StockItemFactory(part=line.item.part, location=shelf)
    services.line_resolve_replace(
        line=line, user=user, replacement_item=replacement, unit_status=StockStatus.REJECTED
    )
    receive(line, user, location, status=StockStatus.ATTENTION)
    assert fresh(line.item_id).status == StockStatus.ATTENTION


def test_advance_replacement_of_a_bulk_line_then_receipt(user, location, shelf):
    order = new_order()
    held = CustomerBulkStockItemFactory(customer=order.customer)
    line = add_line(order, item=held, quantity=Decimal(4))
    stock = BulkStockItemFactory(part=held.part, location=shelf, quantity=Decimal(10))
    services.line_resolve_replace(
        line=line, user=user, replacement_item=stock, unit_status=StockStatus.DAMAGED
    )
    assert StockItem.objects.get(parent=stock).quantity == 4
    assert fresh(held).quantity == 10  # nothing taken from the customer's item yet

    receive(line, user, location)

    returned = fresh(line.item_id)
    assert returned.pk != held.pk
    assert (returned.quantity, returned.status) == (4, StockStatus.DAMAGED)
    assert fresh(held).quantity == 6


# -- refund --------------------------------------------------------------------------------


def test_refund_records_the_refund_and_sets_the_unit_status(user, location, set_setting):
    set_setting("RETURNORDER_REFUND_METHODS", "Bank transfer, Card")
    line = received_line(user, location)
    order = line.order

    services.line_resolve_refund(
        line=line,
        user=user,
        amount=Decimal("49.90"),
        currency="usd",
        method="Card",
        reference="CN-2041",
        date=datetime.date(2026, 3, 1),
        unit_status=StockStatus.DESTROYED,
    )

    refund = standing(line).refund
    assert refund.amount == Money(Decimal("49.90"), "USD")
    assert (refund.method, refund.reference, refund.date) == (
        "Card",
        "CN-2041",
        datetime.date(2026, 3, 1),
    )
    unit = fresh(line.item_id)
    assert (unit.status, unit.customer_id) == (StockStatus.DESTROYED, None)
    entry = tracking(unit, Code.STOCK_UPDATE)[-1]
    assert entry.deltas == {"status": StockStatus.DESTROYED, "returnorder": order.pk}
    order.refresh_from_db()
    assert order.total_refunded == Money(Decimal("49.90"), "USD")
    assert last_history(order).data["reference"] == "CN-2041"
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.REFUND


def test_refund_before_receipt_defaults_the_date_and_waits_for_the_unit(user, location):
    order = new_order()
    line = add_line(order)
    services.line_resolve_refund(
        line=line, user=user, amount=Decimal(10), unit_status=StockStatus.DAMAGED
    )
    refund = standing(line).refund
    assert refund.date == timezone.localdate()
    assert refund.amount == Money(10, "USD")
    assert fresh(line.item_id).customer_id == order.customer_id  # not here yet
    receive(line, user, location)
    assert fresh(line.item_id).status == StockStatus.DAMAGED


def test_refund_totals_convert_across_currencies_and_follow_undo(user):
    set_rate("EUR", Decimal("0.9"))  # 1 USD = 0.9 EUR
    set_rate("GBP", Decimal("0.8"))
    order = new_order(order_currency="USD")
    eur, gbp, chf = (add_line(order) for _ in range(3))
    services.line_resolve_refund(line=eur, user=user, amount=Decimal(9), currency="EUR")
    services.line_resolve_refund(line=gbp, user=user, amount=Decimal(8), currency="GBP")
    order.refresh_from_db()
    assert order.total_refunded == Money(20, "USD")  # 10 + 10
    assert order.total_refunded_note == ""

    services.line_resolve_refund(line=chf, user=user, amount=Decimal(5), currency="CHF")
    order.refresh_from_db()
    assert order.total_refunded is None
    assert order.total_refunded_note == "No exchange rate from CHF to USD"

    services.line_resolution_undo(line=chf, user=user)
    order.refresh_from_db()
    assert (order.total_refunded, order.total_refunded_note) == (Money(20, "USD"), "")
    services.line_resolution_undo(line=gbp, user=user)
    order.refresh_from_db()
    assert order.total_refunded == Money(10, "USD")

    services.return_order_update(order=order, user=user, data={"order_currency": "GBP"})
    order.refresh_from_db()
    assert order.total_refunded == Money(8, "GBP")  # 9 EUR = 10 USD = 8 GBP


def test_refund_refusals_name_their_fields(user, location, set_setting):
    line = received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_refund(line=line, user=user, amount=Decimal(0), currency="XXX")
    assert messages(exc) == {
        "currency": ["Invalid currency code"],
        "amount": ["The refund amount must be greater than zero"],
    }
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_refund(line=line, user=user, amount=None)
    assert list(messages(exc)) == ["amount"]
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_refund(line=line, user=user, amount="ten")
    assert list(messages(exc)) == ["amount"]
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_refund(line=line, user=user, amount=Decimal("1e13"))
    assert list(messages(exc)) == ["amount"]

    set_setting("RETURNORDER_REFUND_METHODS", "Bank transfer,Card")
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_refund(line=line, user=user, amount=Decimal(5), method="Cash")
    assert messages(exc) == {
        "method": ["Choose one of the configured refund methods: Bank transfer, Card"]
    }
    assert services.refund_methods() == ["Bank transfer", "Card"]
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


def test_refund_methods_are_free_text_when_none_are_configured(user, location):
    line = received_line(user, location)
    assert services.refund_methods() == []
    services.line_resolve_refund(line=line, user=user, amount=Decimal(5), method="Store credit")
    assert standing(line).refund.method == "Store credit"


# -- reject --------------------------------------------------------------------------------


def test_reject_sends_the_unit_back_unchanged(user, location):
    line = received_line(user, location)
    order = line.order
    services.line_resolve_reject(line=line, user=user, reason="  Outside the return window ")

    unit = fresh(line.item_id)
    assert (unit.customer_id, unit.status) == (order.customer_id, StockStatus.QUARANTINED)
    sent = tracking(unit, Code.SENT_TO_CUSTOMER)[-1]
    assert "status" not in sent.deltas
    assert sent.notes == f"Return rejected: sent back ({order.reference})"
    resolution = standing(line)
    assert (resolution.reason, resolution.disposition, resolution.unit_status) == (
        "Outside the return window",
        "return",
        None,
    )
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.REJECT


@pytest.mark.parametrize("status", [StockStatus.REJECTED, StockStatus.DESTROYED])
def test_reject_with_scrap_keeps_the_unit_and_scraps_it(user, location, status):
    line = received_line(user, location)
    order = line.order
    services.line_resolve_reject(
        line=line, user=user, reason="Tampered with", disposition="scrap", scrap_status=status
    )
    unit = fresh(line.item_id)
    assert (unit.customer_id, unit.status, unit.in_stock) == (None, status, False)
    entry = tracking(unit, Code.STOCK_UPDATE)[-1]
    assert entry.deltas == {"status": status, "returnorder": order.pk}
    assert standing(line).unit_status == status


def test_reject_refusals(user, location):
    line = received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_reject(line=line, user=user, reason="  ")
    assert messages(exc) == {"reason": ["Say why the return is rejected"]}
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_reject(line=line, user=user, reason="x", disposition="burn")
    assert list(messages(exc)) == ["disposition"]
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_reject(
            line=line, user=user, reason="x", disposition="scrap", scrap_status=StockStatus.OK
        )
    assert list(messages(exc)) == ["scrap_status"]


# -- guards shared by every outcome --------------------------------------------------------


def _resolve(kind, line, user, shelf):
    if kind == "return":
        return services.line_resolve_return(line=line, user=user)
    if kind == "repair":
        return services.line_resolve_repair(line=line, user=user)
    if kind == "replace":
        part = ReturnOrderLineItem.objects.get(pk=line.pk).item.part
        spare = StockItemFactory(part=part, location=shelf)
        return services.line_resolve_replace(line=line, user=user, replacement_item=spare)
    if kind == "refund":
        return services.line_resolve_refund(line=line, user=user, amount=Decimal(5))
    return services.line_resolve_reject(line=line, user=user, reason="Misuse")


KINDS = ["return", "repair", "replace", "refund", "reject"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "status", [ReturnOrderStatus.PENDING, ReturnOrderStatus.ON_HOLD, ReturnOrderStatus.COMPLETE]
)
def test_lines_are_resolved_only_on_orders_in_progress(user, location, shelf, kind, status):
    line = received_line(user, location)
    ReturnOrder.objects.filter(pk=line.order_id).update(status=status)
    with pytest.raises(ValidationError, match="Lines can only be resolved on orders that are in"):
        _resolve(kind, line, user, shelf)
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_resolved_line_cannot_be_resolved_again(user, location, shelf, kind):
    line = received_line(user, location)
    services.line_resolve_refund(line=line, user=user, amount=Decimal(1))
    with pytest.raises(ValidationError, match=r"already resolved \(Refund\); undo that first"):
        _resolve(kind, line, user, shelf)
    assert ReturnOrderLineResolution.objects.filter(line=line).count() == 1


@pytest.mark.parametrize("kind", ["return", "repair", "reject"])
def test_outcomes_that_need_the_unit_refuse_an_unreceived_line(user, shelf, kind):
    line = add_line(new_order())
    with pytest.raises(ValidationError, match="needs the returned unit: receive this line first"):
        _resolve(kind, line, user, shelf)


@pytest.mark.parametrize("kind", ["return", "repair", "reject", "replace"])
def test_a_unit_that_left_stock_after_receipt_is_not_taken_back(user, location, shelf, kind):
    """Received with status OK, the unit was sold to someone else before the line was resolved."""
    line = receive(add_line(new_order()), user, location, status=StockStatus.OK)
    stranger = CustomerFactory()
    stock_services.stock_items_assign(items=[fresh(line.item_id)], customer=stranger, user=user)

    with pytest.raises(ValidationError, match="has left stock since it was received"):
        _resolve(kind, line, user, shelf)
    assert fresh(line.item_id).customer_id == stranger.pk


# -- undo ----------------------------------------------------------------------------------


UNDO_KINDS = ["return", "repair", "replace", "refund", "reject", "reject-scrap"]


def _bulk_received(user, location):
    order = new_order()
    held = CustomerBulkStockItemFactory(customer=order.customer)
    return received_line(user, location, order=order, item=held, quantity=Decimal(4))


def _resolve_fully(kind, line, user, shelf):
    """Resolve ``line`` with as many stock effects as the kind has; answer the touched pks."""
    unit = fresh(line.item_id)
    if kind == "repair":
        spare = StockItemFactory(location=shelf)
        bulk = BulkStockItemFactory(location=shelf, quantity=Decimal(10))
        services.line_resolve_repair(
            line=line,
            user=user,
            parts=[PartUse(item=spare.pk, quantity=1), PartUse(item=bulk.pk, quantity=3)],
        )
        services.repair_update(
            repair=ReturnOrderRepair.objects.get(resolution__line=line),
            user=user,
            data={},
            parts=[PartUse(item=bulk.pk, quantity=2)],
            finish=True,
        )
        return [unit.pk, spare.pk, bulk.pk]
    if kind == "replace":
        stock = BulkStockItemFactory(part=unit.part, location=shelf, quantity=Decimal(10))
        services.line_resolve_replace(
            line=line, user=user, replacement_item=stock, unit_status=StockStatus.DAMAGED
        )
        return [unit.pk, stock.pk]
    if kind == "refund":
        services.line_resolve_refund(
            line=line, user=user, amount=Decimal(5), unit_status=StockStatus.DESTROYED
        )
        return [unit.pk]
    if kind == "reject-scrap":
        services.line_resolve_reject(line=line, user=user, reason="Misuse", disposition="scrap")
        return [unit.pk]
    _resolve(kind, line, user, shelf)
    return [unit.pk]


@pytest.mark.parametrize("kind", UNDO_KINDS)
def test_undo_reverses_tracking_removes_split_items_and_restores_the_outcome(
    user, location, shelf, kind
):
    line = _bulk_received(user, location)
    order = line.order
    # Set the outcome label first: undo must put back this one, not Pending.
    services.return_order_line_update(
        line=line, user=user, data={"outcome": ReturnOrderLineStatus.RETURN}
    )
    line.refresh_from_db()
    items_before = set(StockItem.objects.values_list("pk", flat=True))
    floor = StockItemTracking.objects.order_by("-pk").values_list("pk", flat=True).first()
    _resolve_fully(kind, line, user, shelf)
    resolution = standing(line)
    ours = resolution.tracking_entries
    created = resolution.created_items
    written = set(StockItemTracking.objects.filter(pk__gt=floor).values_list("pk", flat=True))
    assert written and written == set(ours), "the resolution records every entry it wrote"
    split_off = StockItem.objects.exclude(pk__in=items_before).filter(parent__isnull=False)
    assert set(created) == set(split_off.values_list("pk", flat=True))
    if kind in ("repair", "replace"):
        assert created, "a bulk part or replacement was split off"

    services.line_resolution_undo(line=line, user=user, note="Wrong outcome")

    assert not StockItem.objects.filter(pk__in=created).exists()
    # Entries on items that remain are kept and marked reversed; none was deleted but those
    # of the removed split-off items.
    kept = StockItemTracking.objects.filter(pk__in=ours)
    assert kept.exists() and all(entry.reversed for entry in kept)
    on_created = {pk for pk in ours if not StockItemTracking.objects.filter(pk=pk).exists()}
    assert bool(on_created) == bool(created)
    resolution.refresh_from_db()
    assert resolution.reversed_at is not None and resolution.reversed_by == user
    history = last_history(order)
    assert history.kind == History.UNDONE and history.note == "Wrong outcome"
    assert history.data == {"line": line.pk, "resolution": resolution.pk, "kind": resolution.kind}
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.RETURN


@pytest.mark.parametrize("kind", UNDO_KINDS)
def test_undo_matches_a_full_snapshot_taken_before_resolving(user, location, shelf, kind):
    """Every column of every touched row, the line and the order totals, as they were."""
    line = _bulk_received(user, location)
    order = line.order
    # The rows a resolution of this kind will touch exist before it runs: build them first.
    unit = fresh(line.item_id)
    spare = StockItemFactory(location=shelf)
    bulk = BulkStockItemFactory(location=shelf, quantity=Decimal(10))
    stock = BulkStockItemFactory(part=unit.part, location=shelf, quantity=Decimal(10))
    pks = [unit.pk, spare.pk, bulk.pk, stock.pk]
    before = state(order, line, pks)
    items_before = StockItem.objects.count()

    if kind == "repair":
        services.line_resolve_repair(
            line=line,
            user=user,
            parts=[PartUse(item=spare.pk, quantity=1), PartUse(item=bulk.pk, quantity=3)],
            cost_amount=Decimal(20),
        )
        services.repair_update(
            repair=ReturnOrderRepair.objects.get(resolution__line=line),
            user=user,
            data={},
            parts=[PartUse(part=bulk.part_id, location=shelf.pk, quantity=2)],
            finish=True,
        )
    elif kind == "replace":
        services.line_resolve_replace(
            line=line, user=user, replacement_item=stock, unit_status=StockStatus.DAMAGED
        )
    elif kind == "refund":
        services.line_resolve_refund(
            line=line, user=user, amount=Decimal(5), unit_status=StockStatus.DESTROYED
        )
    elif kind == "reject-scrap":
        services.line_resolve_reject(line=line, user=user, reason="Misuse", disposition="scrap")
    else:
        _resolve(kind, line, user, shelf)
    assert state(order, line, pks) != before

    services.line_resolution_undo(line=line, user=user)

    assert state(order, line, pks) == before
    assert StockItem.objects.count() == items_before


def test_undo_is_refused_on_completed_and_cancelled_orders(user, location):
    line = received_line(user, location)
    services.line_resolve_return(line=line, user=user)
    services.return_order_complete(order=line.order, user=user)
    with pytest.raises(ValidationError, match="cannot be undone once the order is Complete"):
        services.line_resolution_undo(line=line, user=user)

    other = add_line(new_order())
    services.line_resolve_refund(line=other, user=user, amount=Decimal(3))
    services.return_order_cancel(order=other.order, user=user)
    with pytest.raises(ValidationError, match="cannot be undone once the order is Cancelled"):
        services.line_resolution_undo(line=other, user=user)
    assert standing(line) and standing(other)


def test_undo_is_refused_when_the_stock_changed_since(user, location, shelf):
    line = received_line(user, location)
    unit = fresh(line.item_id)
    replacement = StockItemFactory(part=unit.part, location=shelf)
    services.line_resolve_replace(
        line=line, user=user, replacement_item=replacement, unit_status=StockStatus.DAMAGED
    )
    # The faulty unit stays here; someone moves it to the scrap shelf.
    stock_services.stock_items_transfer(
        items=[stock_services.StockAdjustment(pk=unit.pk, quantity=1)],
        location=LocationFactory(name="Scrap"),
        user=user,
    )
    snapshot = state(line.order, line, [unit.pk, replacement.pk])

    with pytest.raises(ValidationError, match=rf"Stock item\(s\) {unit.pk} have changed since"):
        services.line_resolution_undo(line=line, user=user)

    assert state(line.order, line, [unit.pk, replacement.pk]) == snapshot
    assert standing(line).replacement_item_id == replacement.pk
    assert not StockItemTracking.objects.filter(item=unit, reversed=True).exists()


def test_undo_is_refused_when_a_split_off_item_was_used_since(user, location, shelf):
    line = _bulk_received(user, location)
    stock = BulkStockItemFactory(part=fresh(line.item_id).part, location=shelf)
    services.line_resolve_replace(line=line, user=user, replacement_item=stock)
    sent = StockItem.objects.get(parent=stock)
    # The customer sends the replacement back on another order, which splits it.
    later = new_order(customer=line.order.customer)
    back = add_line(later, item=sent, quantity=Decimal(1))
    receive(back, user, location)
    with pytest.raises(ValidationError):
        services.line_resolution_undo(line=line, user=user)
    assert standing(line)


def test_undo_without_a_resolution_is_refused(user, location):
    line = received_line(user, location)
    with pytest.raises(ValidationError, match="This line has no resolution to undo"):
        services.line_resolution_undo(line=line, user=user)


def test_a_line_may_be_resolved_again_after_undo(user, location, shelf):
    line = received_line(user, location)
    services.line_resolve_return(line=line, user=user)
    services.line_resolution_undo(line=line, user=user)
    services.line_resolve_reject(line=line, user=user, reason="Misuse", disposition="scrap")
    assert ReturnOrderLineResolution.objects.filter(line=line).count() == 2
    assert standing(line).kind == "reject"
    assert fresh(line.item_id).status == StockStatus.REJECTED


# -- completion, line edits ----------------------------------------------------------------


def test_completion_needs_every_line_resolved_unless_accepted(user, location):
    order = new_order()
    done = receive(add_line(order), user, location)
    repaired = receive(add_line(order), user, location)
    services.line_resolve_return(line=done, user=user)
    services.line_resolve_repair(line=repaired, user=user)  # not finished

    with pytest.raises(ValidationError) as exc:
        services.return_order_complete(order=order, user=user)
    assert messages(exc) == {
        "accept_incomplete": [
            "1 of 2 line(s) are not resolved yet (no outcome, or a repair not finished). "
            "Resolve them first, or complete with accept_incomplete set to true."
        ]
    }
    services.repair_update(
        repair=ReturnOrderRepair.objects.get(resolution__line=repaired),
        user=user,
        data={},
        finish=True,
    )
    services.return_order_complete(order=order, user=user)
    assert ReturnOrder.objects.get(pk=order.pk).status == ReturnOrderStatus.COMPLETE


def test_a_plain_outcome_counts_as_resolved_and_accept_incomplete_skips_the_check(user, location):
    order = new_order()
    line = receive(add_line(order), user, location)
    pending = receive(add_line(order), user, location)
    services.return_order_line_update(
        line=line, user=user, data={"outcome": ReturnOrderLineStatus.REPAIR}
    )
    with pytest.raises(ValidationError, match="1 of 2 line"):
        services.return_order_complete(order=order, user=user)
    services.return_order_complete(order=order, user=user, accept_incomplete=True)
    assert ReturnOrder.objects.get(pk=order.pk).status == ReturnOrderStatus.COMPLETE
    assert ReturnOrderLineItem.objects.get(pk=pending.pk).outcome == ReturnOrderLineStatus.PENDING


def test_a_plain_outcome_change_writes_an_outcome_history_row(user, location):
    line = received_line(user, location)
    services.return_order_line_update(
        line=line, user=user, data={"outcome": ReturnOrderLineStatus.REFUND}
    )
    history = last_history(line.order)
    assert history.kind == History.OUTCOME
    assert history.data == {
        "line": line.pk,
        "item": line.item_id,
        "from": ReturnOrderLineStatus.PENDING,
        "to": ReturnOrderLineStatus.REFUND,
        "from_label": "Pending",
        "to_label": "Refund",
    }


def test_a_resolved_line_keeps_its_outcome_item_and_quantity(user, location):
    order = new_order()
    line = add_line(order, item=CustomerBulkStockItemFactory(customer=order.customer), quantity=2)
    services.line_resolve_refund(line=line, user=user, amount=Decimal(5))
    line.refresh_from_db()
    message = (
        "This line is resolved (Refund): undo the resolution before changing its outcome, "
        "item or quantity"
    )
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(
            line=line, user=user, data={"outcome": ReturnOrderLineStatus.RETURN}
        )
    assert messages(exc) == {"outcome": [message]}
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(line=line, user=user, data={"quantity": Decimal(3)})
    assert messages(exc) == {"quantity": [message]}
    other = CustomerStockItemFactory(customer=order.customer)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(line=line, user=user, data={"item": other})
    assert messages(exc) == {"item": [message]}
    # Other fields stay editable.
    services.return_order_line_update(line=line, user=user, data={"notes": "Credit sent"})
    assert ReturnOrderLineItem.objects.get(pk=line.pk).notes == "Credit sent"


def test_a_resolved_unreceived_line_cannot_be_deleted(user):
    line = add_line(new_order())
    services.line_resolve_refund(line=line, user=user, amount=Decimal(5))
    with pytest.raises(ValidationError, match=r"resolved \(Refund\): undo the resolution before"):
        services.return_order_line_delete(line=line, user=user)
    services.line_resolution_undo(line=line, user=user)
    services.return_order_line_delete(line=line, user=user)
    assert not ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_repair_refuses_a_unit_another_open_return_is_handling(user, location, shelf):
    # Received back as OK, the other order's unit counts as stock, but it is not a spare: it
    # is refused by pk, and a part+location use does not draw on it.
    line = received_line(user, location)
    other_unit, other = _other_open_order_item(PartFactory(), shelf, user)
    assert other_unit.in_stock
    with pytest.raises(ValidationError) as exc:
        services.line_resolve_repair(
            line=line, user=user, parts=[PartUse(item=other_unit.pk, quantity=Decimal(1))]
        )
    assert messages(exc)["parts"] == [
        f"0: Stock item {other_unit} is on open return order {other.reference}"
    ]
    assert not line.resolutions.exists()
    bulk = BulkStockItemFactory(part=other_unit.part, location=shelf, quantity=Decimal(2))
    bulk.serial = None
    bulk.save()
    services.line_resolve_repair(
        line=line,
        user=user,
        parts=[PartUse(part=other_unit.part_id, location=shelf.pk, quantity=Decimal(2))],
    )
    assert fresh(other_unit).belongs_to_id is None
    assert fresh(bulk).belongs_to_id == line.item_id
