"""The line-resolution REST API: ``ro-line/<pk>/resolve/<kind>/``, undo, the repair PATCH,
and the repair and refund lists.

Each endpoint answers 201 with the line (``resolution_detail`` included), 400 with field
messages for input the services refuse, 403 without both the return-order change and the stock
change permission, and 404 for an unknown line.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from djmoney.money import Money

from returns import services
from returns.models import ReturnOrderLineResolution, ReturnOrderRepair
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
LINES = "/api/order/ro-line/"
REPAIRS = "/api/order/ro-repair/"
REFUNDS = "/api/order/ro-refund/"
KINDS = ("return", "repair", "replace", "refund", "reject", "undo")
PERMISSION_QUERIES = 1  # the user's own and its groups' permissions, in one query


def resolve_url(line_pk, kind):
    return f"{LINES}{line_pk}/resolve/{kind}/"


@pytest.fixture
def clerk(client_for):
    """Works return orders and moves stock: the two permissions resolving needs."""
    return client_for(return_order=["view", "change"], stock=["view", "change"])


def new_line(order=None, **kwargs):
    order = order or ReturnOrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    return ReturnOrderLineItemFactory(order=order, **kwargs)


def received(line, location, user=None):
    services.return_order_receive(
        order=line.order, lines=[(line.pk, None)], location=location, user=user or UserFactory()
    )
    line.refresh_from_db()
    return line


@pytest.fixture
def line(location):
    """A received line: its unit is QUARANTINED in ``location``, no longer the customer's."""
    return received(new_line(), location)


def post(client, line_pk, kind, body=None):
    return client.post(resolve_url(line_pk, kind), body or {}, format="json")


def created(response):
    assert response.status_code == 201, response.content
    return response.json()


def unit(line):
    return StockItem.objects.get(pk=line.item_id)


# -- each outcome: 201 with the line and its resolution_detail -----------------------------


def test_resolve_return_sends_the_unit_back_and_shows_the_resolution(clerk, line):
    body = created(post(clerk, line.pk, "return", {"notes": "Works as designed"}))
    assert body["pk"] == line.pk
    assert body["outcome"] == ReturnOrderLineStatus.RETURN
    assert body["outcome_text"] == "Return"
    assert body["item_detail"]["customer"] == line.order.customer_id
    assert body["order_detail"]["pk"] == line.order_id  # the normal line serializer, in full
    detail = body["resolution_detail"]
    assert detail["kind"] == "return"
    assert detail["kind_text"] == "Return"
    assert detail["notes"] == "Works as designed"
    assert detail["created_by"]["username"] == clerk.user.username
    assert detail["awaiting_unit"] is False
    assert detail["repair"] is None and detail["refund"] is None
    assert detail["replacement_item"] is None and detail["replacement_detail"] is None
    assert detail["pk"] == ReturnOrderLineResolution.objects.get(line=line).pk
    item = unit(line)
    assert (item.customer_id, item.status) == (line.order.customer_id, StockStatus.OK)
    assert item.tracking_info.filter(tracking_type=StockHistoryCode.SENT_TO_CUSTOMER).exists()


def test_resolve_repair_consumes_parts_and_finishes(clerk, line):
    stores = LocationFactory(name="Stores")
    spares = BulkStockItemFactory(location=stores, quantity=Decimal(10))
    board = StockItemFactory(location=stores, serial="PCB-1")
    technician = UserFactory(username="tech")
    body = created(
        post(
            clerk,
            line.pk,
            "repair",
            {
                "fault": "Broken fan",
                "work_done": "Replaced fan and board",
                "technician": technician.pk,
                "labour_minutes": 45,
                "cost": 12.5,
                "cost_currency": "EUR",
                "under_warranty": True,
                "parts": [
                    {"item": board.pk, "quantity": 1},
                    {"part": spares.part_id, "location": stores.pk, "quantity": 3},
                ],
                "finish": True,
                "notes": "Customer informed",
            },
        )
    )
    assert body["outcome"] == ReturnOrderLineStatus.REPAIR
    detail = body["resolution_detail"]
    assert detail["kind"] == "repair"
    assert detail["notes"] == "Customer informed"
    repair = detail["repair"]
    assert repair["fault"] == "Broken fan"
    assert repair["work_done"] == "Replaced fan and board"
    assert repair["technician"] == technician.pk
    assert repair["technician_detail"]["username"] == "tech"
    assert repair["labour_minutes"] == 45
    assert (repair["cost"], repair["cost_currency"]) == (12.5, "EUR")
    assert repair["under_warranty"] is True
    assert repair["finished"] is True and repair["finished_at"]
    parts = repair["parts"]
    assert [(p["part"], p["quantity"], p["serial"]) for p in parts] == [
        (board.part_id, 1.0, "PCB-1"),
        (spares.part_id, 3.0, ""),
    ]
    assert parts[0]["part_name"] == board.part.full_name
    assert parts[1]["source_item"] == spares.pk and parts[1]["location"] == stores.pk
    spares.refresh_from_db()
    assert spares.quantity == 7
    consumed = StockItem.objects.get(pk=parts[1]["item"])
    assert (consumed.belongs_to_id, consumed.quantity) == (line.item_id, 3)
    item = unit(line)
    assert (item.status, item.customer_id) == (StockStatus.OK, line.order.customer_id)


def test_resolve_repair_unfinished_then_patch_adds_parts_and_finishes(clerk, line):
    stores = LocationFactory()
    spares = BulkStockItemFactory(location=stores, quantity=Decimal(5))
    body = created(post(clerk, line.pk, "repair", {"fault": "Noisy"}))
    repair = body["resolution_detail"]["repair"]
    assert repair["finished"] is False and repair["parts"] == []
    assert unit(line).customer_id is None  # still here while the repair is open

    url = f"{REPAIRS}{repair['pk']}/"
    response = clerk.patch(
        url,
        {"work_done": "New bearing", "labour_minutes": 30, "parts": [{"item": spares.pk}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["fault"], data["work_done"], data["labour_minutes"]) == (
        "Noisy",
        "New bearing",
        30,
    )
    assert data["finished"] is False and len(data["parts"]) == 1

    response = clerk.patch(
        url,
        {"parts": [{"part": spares.part_id, "location": stores.pk, "quantity": 2}], "finish": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["finished"] is True
    assert [p["quantity"] for p in data["parts"]] == [1.0, 2.0]  # appended
    assert (data["line"], data["order"], data["reversed"]) == (line.pk, line.order_id, False)
    spares.refresh_from_db()
    assert spares.quantity == 2
    item = unit(line)
    assert (item.status, item.customer_id) == (StockStatus.OK, line.order.customer_id)

    # A finished repair takes no more parts.
    response = clerk.patch(url, {"parts": [{"item": spares.pk}]}, format="json")
    assert response.status_code == 400
    assert "finished" in str(response.json())


def test_resolve_replace_sends_the_replacement_and_sets_the_unit_status(clerk, line):
    spare = StockItemFactory(part=line.item.part, serial="SN-NEW")
    body = created(
        post(
            clerk,
            line.pk,
            "replace",
            {"replacement_item": spare.pk, "unit_status": StockStatus.DAMAGED, "notes": "x"},
        )
    )
    assert body["outcome"] == ReturnOrderLineStatus.REPLACE
    detail = body["resolution_detail"]
    assert detail["kind"] == "replace"
    assert detail["replacement_item"] == spare.pk
    assert detail["replacement_detail"] == {
        "pk": spare.pk,
        "serial": "SN-NEW",
        "part": line.item.part_id,
        "part_name": line.item.part.full_name,
    }
    assert (detail["unit_status"], detail["unit_status_text"]) == (55, "Damaged")
    assert detail["awaiting_unit"] is False
    spare.refresh_from_db()
    assert spare.customer_id == line.order.customer_id
    assert unit(line).status == StockStatus.DAMAGED


def test_advance_replacement_awaits_the_unit_until_it_is_received(clerk, location):
    line = new_line()
    spare = StockItemFactory(part=line.item.part)
    body = created(post(clerk, line.pk, "replace", {"replacement_item": spare.pk}))
    assert body["received"] is False
    assert body["resolution_detail"]["awaiting_unit"] is True
    received(line, location)
    detail = clerk.get(f"{LINES}{line.pk}/").json()["resolution_detail"]
    assert (detail["kind"], detail["awaiting_unit"]) == ("replace", False)


def test_resolve_refund_before_receipt_and_order_totals(clerk):
    line = new_line()
    body = created(
        post(
            clerk,
            line.pk,
            "refund",
            {
                "amount": 25.5,
                "currency": "USD",
                "method": "Bank transfer",
                "reference": "CN-7",
                "date": "2026-03-01",
                "unit_status": StockStatus.REJECTED,
                "notes": "Goodwill",
            },
        )
    )
    assert body["outcome"] == ReturnOrderLineStatus.REFUND
    detail = body["resolution_detail"]
    assert detail["kind"] == "refund"
    assert detail["awaiting_unit"] is True
    assert detail["unit_status"] == StockStatus.REJECTED
    refund = detail["refund"]
    assert refund["pk"]
    assert {k: v for k, v in refund.items() if k != "pk"} == {
        "amount": 25.5,
        "currency": "USD",
        "method": "Bank transfer",
        "reference": "CN-7",
        "date": "2026-03-01",
    }
    order = clerk.get(f"/api/order/ro/{line.order_id}/").json()
    assert (order["total_refunded"], order["total_refunded_currency"]) == (25.5, "USD")


def test_refund_without_a_positive_amount_or_with_a_bad_currency_is_a_400(clerk):
    line = new_line()
    response = post(clerk, line.pk, "refund", {"amount": 0})
    assert response.status_code == 400
    assert "amount" in response.json()
    response = post(clerk, line.pk, "refund", {})
    assert response.json() == {"amount": ["This field is required."]}
    response = post(clerk, line.pk, "refund", {"amount": 5, "currency": "XXX"})
    assert "currency" in response.json()
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


def test_resolve_reject_and_scrap(clerk, line):
    body = created(
        post(
            clerk,
            line.pk,
            "reject",
            {"reason": "Water damage", "disposition": "scrap", "scrap_status": 60},
        )
    )
    assert body["outcome"] == ReturnOrderLineStatus.REJECT
    detail = body["resolution_detail"]
    assert (detail["kind"], detail["reason"], detail["disposition"]) == (
        "reject",
        "Water damage",
        "scrap",
    )
    assert detail["unit_status"] == StockStatus.DESTROYED
    item = unit(line)
    assert (item.status, item.customer_id) == (StockStatus.DESTROYED, None)


def test_resolve_reject_sends_the_unit_back_unchanged(clerk, line):
    body = created(post(clerk, line.pk, "reject", {"reason": "Out of warranty"}))
    assert body["resolution_detail"]["disposition"] == "return"
    item = unit(line)
    assert (item.status, item.customer_id) == (StockStatus.QUARANTINED, line.order.customer_id)


def test_reject_needs_a_reason_and_a_scrap_status_of_rejected_or_destroyed(clerk, line):
    response = post(clerk, line.pk, "reject", {"reason": "  "})
    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the return is rejected"]}
    response = post(
        clerk, line.pk, "reject", {"reason": "x", "disposition": "scrap", "scrap_status": 10}
    )
    assert response.status_code == 400
    assert response.json() == {"scrap_status": ['"10" is not a valid choice.']}
    assert unit(line).status == StockStatus.QUARANTINED


# -- undo ----------------------------------------------------------------------------------


def test_undo_restores_the_line_and_the_stock(clerk, line, location):
    created(post(clerk, line.pk, "return"))
    body = created(post(clerk, line.pk, "undo", {"note": "Wrong line"}))
    assert body["outcome"] == ReturnOrderLineStatus.PENDING
    assert body["resolution_detail"] is None
    item = unit(line)
    assert (item.customer_id, item.location_id, item.status) == (
        None,
        location.pk,
        StockStatus.QUARANTINED,
    )
    assert StockItemTracking.objects.filter(
        item=item, tracking_type=StockHistoryCode.SENT_TO_CUSTOMER, reversed=True
    ).exists()
    history = clerk.get(f"/api/order/ro/{line.order_id}/history/").json()
    assert history[0]["kind"] == "undone" and history[0]["note"] == "Wrong line"

    response = post(clerk, line.pk, "undo")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This line has no resolution to undo"]}
    # Resolved again after the undo: a new standing resolution.
    created(post(clerk, line.pk, "return"))
    assert ReturnOrderLineResolution.objects.filter(line=line).count() == 2


def test_undo_of_a_refund_lowers_the_order_total(clerk):
    line = new_line()
    created(post(clerk, line.pk, "refund", {"amount": 10}))
    created(post(clerk, line.pk, "undo"))
    order = clerk.get(f"/api/order/ro/{line.order_id}/").json()
    assert not order["total_refunded"]


def test_undo_is_refused_once_the_order_is_completed(clerk, line):
    created(post(clerk, line.pk, "return"))
    services.return_order_complete(order=line.order, user=clerk.user)
    response = post(clerk, line.pk, "undo")
    assert response.status_code == 400
    assert "Complete" in response.json()["non_field_errors"][0]
    assert unit(line).customer_id == line.order.customer_id


# -- 400: what the issue lists -------------------------------------------------------------


def test_replace_refuses_a_wrong_part(clerk, line):
    other = StockItemFactory(part=PartFactory())
    response = post(clerk, line.pk, "replace", {"replacement_item": other.pk})
    assert response.status_code == 400
    (message,) = response.json()["replacement_item"]
    assert "is not" in message and "allowed substitute" in message
    assert StockItem.objects.get(pk=other.pk).customer_id is None


def test_replace_accepts_an_allowed_substitute(clerk, line):
    substitute = PartFactory()
    line.item.part.substitutes.add(substitute)
    spare = StockItemFactory(part=substitute)
    body = created(post(clerk, line.pk, "replace", {"replacement_item": spare.pk}))
    assert body["resolution_detail"]["replacement_detail"]["part"] == substitute.pk


def test_replace_refuses_an_item_already_assigned(clerk, line):
    assigned = CustomerStockItemFactory(part=line.item.part)
    response = post(clerk, line.pk, "replace", {"replacement_item": assigned.pk})
    assert response.status_code == 400
    assert response.json() == {
        "replacement_item": [f"Stock item {assigned} is already assigned to a customer"]
    }


@pytest.mark.parametrize(
    "fields",
    [{"status": StockStatus.DESTROYED}, {"quantity": Decimal(0), "serial": None}],
    ids=["scrapped", "empty"],
)
def test_replace_refuses_an_item_not_in_stock(clerk, line, fields):
    gone = StockItemFactory(part=line.item.part, **fields)
    response = post(clerk, line.pk, "replace", {"replacement_item": gone.pk})
    assert response.status_code == 400
    assert response.json() == {"replacement_item": [f"Stock item {gone} is not in stock"]}


def test_replace_refuses_an_item_on_another_open_order(clerk, line, location):
    elsewhere = received(new_line(item__part=line.item.part), location)
    # Received and released from quarantine, but still on its own open order.
    StockItem.objects.filter(pk=elsewhere.item_id).update(status=StockStatus.OK)
    response = post(clerk, line.pk, "replace", {"replacement_item": elsewhere.item_id})
    assert response.status_code == 400
    assert response.json() == {
        "replacement_item": [
            f"Stock item {unit(elsewhere)} is on open return order {elsewhere.order.reference}"
        ]
    }


def test_replace_refuses_an_unknown_item_or_status(clerk, line):
    response = post(clerk, line.pk, "replace", {"replacement_item": 999999})
    assert response.json() == {"replacement_item": ['Invalid pk "999999" - object does not exist.']}
    spare = StockItemFactory(part=line.item.part)
    response = post(clerk, line.pk, "replace", {"replacement_item": spare.pk, "unit_status": 3})
    assert response.json() == {"unit_status": ['"3" is not a valid choice.']}


def test_repair_refuses_a_quantity_beyond_the_location(clerk, line):
    stores = LocationFactory(name="Shelf")
    spares = BulkStockItemFactory(location=stores, quantity=Decimal(2))
    response = post(
        clerk,
        line.pk,
        "repair",
        {"parts": [{"part": spares.part_id, "location": stores.pk, "quantity": 5}]},
    )
    assert response.status_code == 400
    assert response.json() == {"parts": ["0: Only 2 of this part are in stock in Shelf"]}
    spares.refresh_from_db()
    assert spares.quantity == 2
    assert not ReturnOrderRepair.objects.exists()


def test_repair_refuses_a_part_not_in_stock_and_keeps_stock_untouched(clerk, line):
    stores = LocationFactory()
    spares = BulkStockItemFactory(location=stores, quantity=Decimal(4))
    gone = StockItemFactory(status=StockStatus.DESTROYED)
    response = post(
        clerk,
        line.pk,
        "repair",
        {"parts": [{"item": spares.pk, "quantity": 2}, {"item": gone.pk}], "finish": True},
    )
    assert response.status_code == 400
    assert response.json() == {"parts": [f"1: Stock item {gone} is not available in stock"]}
    spares.refresh_from_db()
    assert spares.quantity == 4
    assert unit(line).status == StockStatus.QUARANTINED


def test_repair_body_shape_errors(clerk, line):
    response = post(
        clerk,
        line.pk,
        "repair",
        {"labour_minutes": -1, "parts": [{"quantity": 1}], "technician": 999999},
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["labour_minutes"] == ["Ensure this value is greater than or equal to 0."]
    assert errors["technician"] == ['Invalid pk "999999" - object does not exist.']
    # DRF keys a list's errors by the index of each refused entry.
    assert errors["parts"] == {
        "0": {"non_field_errors": ["Give a stock item, or a part and the location to take it from"]}
    }
    response = post(clerk, line.pk, "repair", {"labour_minutes": 10**7})
    assert "labour_minutes" in response.json()
    response = post(clerk, line.pk, "repair", {"parts": [{"item": line.item_id}] * 101})
    assert response.status_code == 400
    assert "parts" in response.json()


@pytest.mark.parametrize("kind", ["return", "repair", "reject"])
def test_outcomes_that_need_the_unit_refuse_an_unreceived_line(clerk, kind):
    line = new_line()
    response = post(clerk, line.pk, kind, {"reason": "x"})
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert message.endswith("needs the returned unit: receive this line first")
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.PENDING


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED, S.PENDING, S.ON_HOLD])
@pytest.mark.parametrize("kind", ["return", "refund"])
def test_resolving_needs_an_order_in_progress(clerk, location, kind, status):
    line = new_line()
    if kind == "return":
        received(line, location)
    type(line.order).objects.filter(pk=line.order_id).update(status=status)
    response = post(clerk, line.pk, kind, {"amount": 5})
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert message.startswith("Lines can only be resolved on orders that are in progress")
    assert str(S(status).label) in message
    assert not ReturnOrderLineResolution.objects.filter(line=line).exists()


def test_a_resolved_line_must_be_undone_before_it_is_resolved_again(clerk, line):
    created(post(clerk, line.pk, "return"))
    response = post(clerk, line.pk, "reject", {"reason": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This line is already resolved (Return); undo that first"]
    }


# -- 403 and 404 ---------------------------------------------------------------------------


def bodies(line):
    spare = StockItemFactory(part=line.item.part)
    return {
        "return": {},
        "repair": {"finish": True},
        "replace": {"replacement_item": spare.pk},
        "refund": {"amount": 5},
        "reject": {"reason": "x"},
        "undo": {},
    }


@pytest.mark.parametrize(
    "roles",
    [
        {"return_order": ["view", "add", "change", "delete"]},
        {"stock": ["view", "add", "change", "delete"], "return_order": ["view", "add"]},
    ],
    ids=["no stock change", "no return-order change"],
)
def test_resolving_needs_both_change_permissions(client_for, line, roles):
    client = client_for(**roles)
    for kind, body in bodies(line).items():
        response = post(client, line.pk, kind, body)
        assert response.status_code == 403, (kind, response.content)
    repair = ReturnOrderRepair.objects.create(
        resolution=ReturnOrderLineResolution.objects.create(
            line=line, order=line.order, kind="repair", previous_outcome=10
        )
    )
    response = client.patch(f"{REPAIRS}{repair.pk}/", {"finish": True}, format="json")
    assert response.status_code == 403
    item = unit(line)
    assert (item.customer_id, item.status) == (None, StockStatus.QUARANTINED)
    assert client.get(f"{REPAIRS}{repair.pk}/").status_code == 200  # reading needs view only


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_line_is_a_404(clerk, kind):
    assert post(clerk, 999999, kind, {"amount": 1, "reason": "x"}).status_code == 404


def test_an_unknown_repair_or_refund_is_a_404(clerk):
    assert clerk.patch(f"{REPAIRS}999999/", {}, format="json").status_code == 404
    assert clerk.get(f"{REPAIRS}999999/").status_code == 404
    assert clerk.get(f"{REFUNDS}999999/").status_code == 404


# -- the lists -----------------------------------------------------------------------------


def refunded_line(order, amount, user):
    line = new_line(order)
    services.line_resolve_refund(line=line, user=user, amount=Decimal(amount), reference="CN")
    return line


def get_counted(client, url, params, queries, django_assert_num_queries):
    client.force_authenticate(User.objects.get(pk=client.user.pk))
    with django_assert_num_queries(PERMISSION_QUERIES + queries):
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_refund_list_filters_by_order_and_marks_undone_refunds(
    clerk, user, django_assert_num_queries
):
    order = ReturnOrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    other = ReturnOrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    lines = [refunded_line(order, n + 1, user) for n in range(3)]
    refunded_line(other, 9, user)
    services.line_resolution_undo(line=lines[0], user=user)

    # The filter's check that the order exists, then the refunds with their resolutions.
    rows = get_counted(clerk, REFUNDS, {"order": order.pk}, 2, django_assert_num_queries)
    assert len(rows) == 3  # undone refunds are listed too
    by_line = {row["line"]: row for row in rows}
    assert by_line[lines[0].pk]["reversed"] is True and by_line[lines[0].pk]["reversed_at"]
    assert by_line[lines[1].pk]["reversed"] is False
    assert {row["order"] for row in rows} == {order.pk}
    assert by_line[lines[2].pk]["amount"] == 3.0 and by_line[lines[2].pk]["currency"] == "USD"

    for _ in range(5):
        refunded_line(order, 1, user)
    rows = get_counted(clerk, REFUNDS, {"order": order.pk}, 2, django_assert_num_queries)
    assert len(rows) == 8
    page = get_counted(  # the count, then the page
        clerk, REFUNDS, {"order": order.pk, "limit": 2}, 3, django_assert_num_queries
    )
    assert page["count"] == 8 and len(page["results"]) == 2

    standing = clerk.get(REFUNDS, {"order": order.pk, "reversed": "false"}).json()
    assert len(standing) == 7
    assert len(clerk.get(REFUNDS).json()) == 9
    assert [r["line"] for r in clerk.get(REFUNDS, {"line": lines[1].pk}).json()] == [lines[1].pk]
    assert clerk.get(REFUNDS, {"order": 999999}).status_code == 400


def test_repair_list_filters_by_order_with_a_constant_query_count(
    clerk, user, location, django_assert_num_queries
):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    stores = LocationFactory()

    def repaired(finish=False):
        line = received(new_line(order), location, user)
        spares = BulkStockItemFactory(location=stores)
        services.line_resolve_repair(
            line=line,
            user=user,
            technician=UserFactory(),
            parts=[services.PartUse(item=spares.pk, quantity=Decimal(2))],
            finish=finish,
        )
        return line

    first = [repaired(finish=n == 0) for n in range(3)]
    repaired_elsewhere = received(new_line(), location, user)
    services.line_resolve_repair(line=repaired_elsewhere, user=user)

    # The order's existence (the filter), the repairs with their resolutions and technicians,
    # then their parts.
    rows = get_counted(clerk, REPAIRS, {"order": order.pk}, 3, django_assert_num_queries)
    assert len(rows) == 3
    assert {row["line"] for row in rows} == {line.pk for line in first}
    assert all(row["technician_detail"]["username"] for row in rows)
    assert all(row["parts"][0]["part_name"] for row in rows)
    for _ in range(5):
        repaired()
    rows = get_counted(clerk, REPAIRS, {"order": order.pk}, 3, django_assert_num_queries)
    assert len(rows) == 8
    assert len(clerk.get(REPAIRS, {"order": order.pk, "finished": "true"}).json()) == 1
    assert len(clerk.get(REPAIRS).json()) == 9
    assert [r["line"] for r in clerk.get(REPAIRS, {"line": first[1].pk}).json()] == [first[1].pk]
    detail = clerk.get(f"{REPAIRS}{rows[0]['pk']}/").json()
    assert detail == rows[0]


def test_line_list_shows_every_kind_of_resolution_at_a_constant_query_count(
    clerk, user, location, django_assert_num_queries
):
    order = ReturnOrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    stores = LocationFactory()

    def resolve_each_kind():
        lines = [received(new_line(order), location, user) for _ in range(4)]
        services.line_resolve_return(line=lines[0], user=user)
        services.line_resolve_repair(
            line=lines[1],
            user=user,
            technician=UserFactory(),
            parts=[services.PartUse(item=BulkStockItemFactory(location=stores).pk, quantity=1)],
        )
        replacement = StockItemFactory(part=lines[2].item.part)
        services.line_resolve_replace(line=lines[2], user=user, replacement_item=replacement)
        services.line_resolve_reject(line=lines[3], user=user, reason="No")
        services.line_resolve_refund(line=new_line(order), user=UserFactory(), amount=Decimal(3))
        new_line(order)  # unresolved

    resolve_each_kind()
    # The order's existence (the filter); the lines; their standing resolutions (with repair,
    # refund, replacement and users); the repairs' parts.
    rows = get_counted(clerk, LINES, {"order": order.pk}, 4, django_assert_num_queries)
    assert len(rows) == 6
    resolve_each_kind()
    rows = get_counted(clerk, LINES, {"order": order.pk}, 4, django_assert_num_queries)
    assert len(rows) == 12
    kinds = [row["resolution_detail"]["kind"] if row["resolution_detail"] else None for row in rows]
    assert kinds[:6] == ["return", "repair", "replace", "reject", "refund", None]
    repair = rows[1]["resolution_detail"]["repair"]
    assert repair["parts"][0]["part_name"] and repair["technician_detail"]["username"]
    assert rows[2]["resolution_detail"]["replacement_detail"]["part_name"]
    assert rows[4]["resolution_detail"]["refund"]["amount"] == 3.0
    assert rows[4]["resolution_detail"]["created_by"]["username"]


# -- fields added elsewhere ----------------------------------------------------------------


def test_order_shows_the_refunded_total_converted_to_its_currency(clerk, user):
    from common.exchange import set_rate

    set_rate("EUR", Decimal("0.5"))  # 1 USD = 0.5 EUR
    order = ReturnOrderFactory(status=S.IN_PROGRESS, order_currency="USD")
    fresh = clerk.get(f"/api/order/ro/{order.pk}/").json()
    assert fresh["total_refunded"] is None
    services.line_resolve_refund(line=new_line(order), user=user, amount=Decimal(10))
    services.line_resolve_refund(line=new_line(order), user=user, amount=Decimal(5), currency="EUR")
    data = clerk.get(f"/api/order/ro/{order.pk}/").json()
    assert (data["total_refunded"], data["total_refunded_currency"]) == (20.0, "USD")
    listed = clerk.get("/api/order/ro/", {"customer": order.customer_id}).json()
    assert listed[0]["total_refunded"] == 20.0


def test_stock_item_shows_what_it_is_installed_into(clerk, line):
    spares = BulkStockItemFactory(location=LocationFactory())
    services.line_resolve_repair(
        line=line, user=clerk.user, parts=[services.PartUse(item=spares.pk, quantity=1)]
    )
    consumed = StockItem.objects.get(parent=spares)
    data = clerk.get(f"/api/stock/{consumed.pk}/").json()
    assert data["belongs_to"] == line.item_id
    assert data["in_stock"] is False
    assert clerk.get(f"/api/stock/{spares.pk}/").json()["belongs_to"] is None
    # Read-only: a PATCH cannot install or uninstall an item.
    response = clerk.patch(f"/api/stock/{spares.pk}/", {"belongs_to": line.item_id}, format="json")
    assert response.status_code == 200
    assert StockItem.objects.get(pk=spares.pk).belongs_to_id is None


def test_line_fields_keep_inventree_names(clerk, line):
    data = clerk.get(f"{LINES}{line.pk}/").json()
    assert {
        "pk",
        "order",
        "item",
        "quantity",
        "received_date",
        "outcome",
        "price",
        "price_currency",
        "reference",
        "notes",
        "link",
        "target_date",
        "resolution_detail",
    } <= set(data)
    assert data["resolution_detail"] is None


def test_refund_date_defaults_to_today(clerk):
    line = new_line()
    body = created(post(clerk, line.pk, "refund", {"amount": "7.25", "currency": "EUR"}))
    refund = body["resolution_detail"]["refund"]
    assert refund["date"] == datetime.date.today().isoformat()
    assert (refund["amount"], refund["currency"]) == (7.25, "EUR")
    assert Money(Decimal("7.25"), "EUR") == line.resolutions.get().refund.amount
