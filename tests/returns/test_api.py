"""The return-order REST API: InvenTree's own tests (spec section 8) rewritten for Boomerang,
plus the places where Boomerang deliberately differs (spec section 9)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from djmoney.money import Money

from common.exchange import set_rate
from returns import services
from returns.models import ProjectCode, ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.statuses import TRANSITIONS, ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CustomerFactory,
    GroupFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
    UserFactory,
)
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    CustomerStockItemFactory,
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
LIST = "/api/order/ro/"
LINES = "/api/order/ro-line/"
EXTRA = "/api/order/ro-extra-line/"
TODAY = datetime.date.today


def detail(pk):
    return f"{LIST}{pk}/"


def action(pk, name):
    return f"{LIST}{pk}/{name}/"


@pytest.fixture
def ro_data(db):
    """InvenTree's return_order.yaml: six orders for two customers, one line, one extra line."""
    first = CustomerFactory(name="A customer")
    second = CustomerFactory(name="Another customer")
    rows = [(first, 10), (first, 20), (first, 30), (second, 40), (second, 20), (second, 10)]
    orders = [
        ReturnOrderFactory(
            reference=f"RMA-00{n}",
            reference_int=n,
            customer=customer,
            status=status,
            description="RMA from a customer",
        )
        for n, (customer, status) in enumerate(rows, start=1)
    ]
    line = ReturnOrderLineItemFactory(order=orders[5])
    extra = ReturnOrderExtraLineFactory(order=orders[5], reference="Freight cost")
    return SimpleNamespace(first=first, second=second, orders=orders, line=line, extra=extra)


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


@pytest.fixture
def clerk(client_for):
    """Adds, changes and works orders; may move stock (receive). Each flag is granted on its
    own: add does not imply change."""
    return client_for(return_order=["add", "change"], stock=["change"])


def refs(response):
    return [row["reference"] for row in response.json()]


# -- InvenTree's ReturnOrderTests ----------------------------------------------------------


def test_options_list(ro_data, client_for):
    response = client_for(return_order=["add"]).options(LIST)
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "Return Order List"
    reference = data["actions"]["POST"]["reference"]
    assert reference["default"] == "RMA-0007"
    assert reference["label"] == "Reference"
    assert reference["help_text"] == "Return Order reference"
    assert reference["required"] is True
    assert reference["type"] == "string"
    customer = data["actions"]["POST"]["customer"]
    assert customer["type"] == "related field"
    assert customer["filters"] == {"is_customer": True}
    assert customer["model"] == "company"


def test_options_project_code(ro_data, client_for):
    response = client_for(return_order=["add"]).options(LIST)
    field = response.json()["actions"]["POST"]["project_code"]
    assert field["required"] is False
    assert field["read_only"] is False
    assert field["type"] == "related field"
    assert field["label"] == "Project Code"
    assert field["model"] == "projectcode"
    assert field["api_url"] == "/api/project-code/"


def test_options_without_add_offers_no_post(ro_data, viewer):
    response = viewer.options(LIST)
    assert response.status_code == 200
    assert "POST" not in response.json().get("actions", {})


def test_list(ro_data, viewer):
    response = viewer.get(LIST)
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert len(response.json()) == 6

    response = viewer.get(LIST, {"limit": 1, "ordering": "reference", "customer_detail": "true"})
    data = response.json()
    assert data["count"] == 6
    assert len(data["results"]) == 1
    assert data["results"][0]["reference"] == "RMA-001"
    assert data["results"][0]["customer_detail"]["name"] == "A customer"

    assert refs(viewer.get(LIST, {"ordering": "-reference"}))[0] == "RMA-006"

    for customer in (ro_data.first, ro_data.second):
        rows = viewer.get(LIST, {"customer": customer.pk}).json()
        assert len(rows) == 3
        assert {row["customer"] for row in rows} == {customer.pk}

    rows = viewer.get(LIST, {"status": 20}).json()
    assert len(rows) == 2
    assert {row["status"] for row in rows} == {20}


def test_customer_detail_is_off_by_default(ro_data, viewer):
    row = viewer.get(LIST).json()[0]
    assert "customer_detail" not in row
    assert "notes" not in row  # hidden in lists, as in InvenTree
    assert "notes" in viewer.get(detail(row["pk"])).json()


def test_create(ro_data, viewer, client_for):
    payload = {
        "customer": ro_data.first.pk,
        "customer_reference": "cr",
        "description": "a return order",
    }
    assert viewer.post(LIST, payload, format="json").status_code == 403

    client = client_for(return_order=["add"])
    response = client.post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"] == "RMA-0007"
    assert data["customer_reference"] == "cr"
    assert data["created_by"]["pk"] == client.user.pk
    assert data["status"] == S.PENDING
    assert data["creation_date"] == TODAY().isoformat()
    assert data["customer_detail"]["name"] == "A customer"  # write responses carry details
    order = ReturnOrder.objects.get(pk=data["pk"])
    assert (order.reference_int, order.created_by) == (7, client.user)
    assert order.history.get().kind == "created"


def test_update(ro_data, viewer, client_for):
    order = ro_data.orders[0]
    assert viewer.get(detail(order.pk)).json()["reference"] == "RMA-001"
    assert viewer.patch(detail(order.pk), {"customer_reference": "x"}).status_code == 403

    response = client_for(return_order=["change"]).patch(
        detail(order.pk), {"customer_reference": "my-ref"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["customer_reference"] == "my-ref"
    assert ReturnOrder.objects.get(pk=order.pk).customer_reference == "my-ref"


def test_issue(ro_data, viewer, client_for):
    order = ro_data.orders[0]
    assert (order.status, order.issue_date) == (S.PENDING, None)
    assert viewer.post(action(order.pk, "issue")).status_code == 403

    response = client_for(return_order=["add"]).post(action(order.pk, "issue"))
    assert response.status_code == 201
    assert response.json()["status"] == S.IN_PROGRESS
    assert response.json()["issue_date"] == TODAY().isoformat()
    order.refresh_from_db()
    assert (order.status, order.issue_date) == (S.IN_PROGRESS, TODAY())


def test_receive_serialized(ro_data, client_for, viewer):
    location = LocationFactory()
    part = PartFactory()
    rma = services.return_order_create(user=None, customer=ro_data.first)
    assert rma.reference == "RMA-0007"
    lines = []
    for serial in ("0", "1", "2"):
        item = StockItemFactory(part=part, serial=serial, customer=ro_data.first, location=None)
        lines.append(services.return_order_line_create(order=rma, item=item, user=None))
    for line in lines:
        assert (line.outcome, line.received_date, line.received) == (10, None, False)
    url = action(rma.pk, "receive")
    everything = {"items": [{"item": line.pk} for line in lines], "location": location.pk}

    assert viewer.post(url, everything, format="json").status_code == 403
    client = client_for(return_order=["add"], stock=["change"])

    response = client.post(url, {"items": [], "location": None}, format="json")
    assert response.status_code == 400
    assert "This field may not be null." in response.json()["location"]

    response = client.post(url, {"items": [], "location": location.pk}, format="json")
    assert response.status_code == 400
    assert "Items can only be received against orders which are in progress" in str(response.json())

    response = client.post(action(rma.pk, "issue"))
    assert response.status_code == 201
    assert response.json()["status"] == 20
    assert response.json()["issue_date"] is not None

    response = client.post(url, {"items": [], "location": location.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"items": ["Line items must be provided"]}

    tracking_before = lines[0].item.tracking_info.count()
    response = client.post(url, everything, format="json")
    assert response.status_code == 201, response.json()
    for line in lines:
        line.refresh_from_db()
        assert line.received
        assert line.received_date == TODAY()
    item = lines[0].item
    assert item.tracking_info.count() == tracking_before + 1
    entry = item.tracking_info.order_by("-pk").first()
    assert entry.tracking_type == StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
    assert entry.deltas["status"] == StockStatus.QUARANTINED
    assert entry.deltas["customer"] == ro_data.first.pk
    assert entry.deltas["location"] == location.pk
    assert entry.deltas["returnorder"] == rma.pk
    assert entry.user == client.user


def test_receive_untracked(ro_data, clerk):
    location = LocationFactory()
    part = PartFactory(trackable=False)
    rma = ReturnOrderFactory(customer=ro_data.first, status=S.IN_PROGRESS)
    items = [
        BulkStockItemFactory(part=part, quantity=10, customer=ro_data.first, location=None)
        for _ in range(2)
    ]
    lines = [
        services.return_order_line_create(order=rma, item=item, quantity=qty, user=None)
        for item, qty in zip(items, (5, 10), strict=True)
    ]
    count_before = part.stock_items.count()

    response = clerk.post(
        action(rma.pk, "receive"),
        {"items": [{"item": line.pk, "status": 55} for line in lines], "location": location.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert part.stock_items.count() == count_before + 1
    for line in lines:
        line.refresh_from_db()
        assert line.received and line.received_date is not None
        assert line.item.status == StockStatus.DAMAGED
        assert line.item.customer is None
        assert line.item.location == location
    assert lines[0].item.quantity == 5
    assert StockItem.objects.get(pk=items[0].pk).quantity == 5  # the rest stays out


def test_receive_response_lists_the_moved_stock_items(ro_data, clerk):
    location = LocationFactory()
    rma = ReturnOrderFactory(customer=ro_data.first, status=S.IN_PROGRESS)
    bulk = CustomerBulkStockItemFactory(customer=ro_data.first)
    line = services.return_order_line_create(order=rma, item=bulk, quantity=3, user=None)
    response = clerk.post(
        action(rma.pk, "receive"),
        {"items": [{"item": line.pk}], "location": location.pk, "note": "Opened"},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    line.refresh_from_db()
    assert data["items"] == [{"item": line.pk, "status": None}]
    assert data["location"] == location.pk
    assert data["note"] == "Opened"
    (moved,) = data["stock_items"]
    assert moved["pk"] == line.item_id != bulk.pk
    assert (moved["quantity"], moved["status"], moved["location"]) == (3, 75, location.pk)
    assert moved["customer"] is None
    assert line.item.tracking_info.filter(tracking_type=80).get().notes == "Opened"


def test_receive_needs_stock_change_permission(ro_data, client_for):
    rma = ReturnOrderFactory(customer=ro_data.first, status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=rma)
    payload = {"items": [{"item": line.pk}], "location": LocationFactory().pk}
    response = client_for(return_order=["add"]).post(
        action(rma.pk, "receive"), payload, format="json"
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.received_date is None
    response = client_for(return_order=["add"], stock=["change"]).post(
        action(rma.pk, "receive"), payload, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("path", [LIST, LINES, EXTRA])
def test_metadata(ro_data, client_for, viewer, path):
    obj = {LIST: ro_data.orders[0], LINES: ro_data.line, EXTRA: ro_data.extra}[path]
    model_type = type(obj)._meta.model_name
    client = client_for(return_order=["change"])
    for url in (f"{path}{obj.pk}/metadata/", f"/api/metadata/{model_type}/{obj.pk}/"):
        type(obj).objects.filter(pk=obj.pk).update(metadata=None)
        assert viewer.get(url).json() == {"metadata": {}}
        assert viewer.patch(url, {"metadata": {"a": 1}}, format="json").status_code == 403

        response = client.patch(url, {"metadata": {"abc-1": "xyz-1"}}, format="json")
        assert response.status_code == 200
        client.patch(url, {"metadata": {"abc-2": "xyz-2"}}, format="json")
        assert type(obj).objects.get(pk=obj.pk).metadata == {"abc-1": "xyz-1", "abc-2": "xyz-2"}
        response = client.put(url, {"metadata": {"only": True}}, format="json")
        assert response.json() == {"metadata": {"only": True}}
        response = client.patch(url, {"metadata": ["not", "a", "dict"]}, format="json")
        assert response.status_code == 400
    assert client.get(f"{path}999999/metadata/").status_code == 404


# -- shared order mechanisms (InvenTree tests them on purchase orders) ----------------------


def test_wildcard_reference_pattern(ro_data, admin_client_api):
    response = admin_client_api.patch(
        "/api/settings/global/RETURNORDER_REFERENCE_PATTERN/",
        {"value": "{?:PO}-{ref:04d}"},
        format="json",
    )
    assert response.status_code == 200
    default = admin_client_api.options(LIST).json()["actions"]["POST"]["reference"]["default"]
    assert default.startswith("PO-")
    for reference in ("PO-9991", "P-9992", "T-9993", "ABC-9994"):
        response = admin_client_api.post(
            LIST, {"reference": reference, "customer": ro_data.first.pk}, format="json"
        )
        assert response.status_code == 201, response.json()
    for reference in ("9995", "-9996"):
        response = admin_client_api.post(
            LIST, {"reference": reference, "customer": ro_data.first.pk}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {
            "reference": ["Reference must match required pattern: {?:PO}-{ref:04d}"]
        }


def test_huge_reference(ro_data, clerk):
    reference = "RMA-92233720368547758089999999999999999"
    response = clerk.post(
        LIST, {"reference": reference, "customer": ro_data.first.pk}, format="json"
    )
    assert response.status_code == 201
    order = ReturnOrder.objects.get(pk=response.json()["pk"])
    assert order.reference == reference
    assert order.reference_int == 0x7FFFFFFF
    assert order.created_by == clerk.user


def test_require_responsible(ro_data, clerk, set_setting):
    set_setting("RETURNORDER_REQUIRE_RESPONSIBLE", True)
    response = clerk.post(LIST, {"customer": ro_data.first.pk, "responsible": None}, format="json")
    assert response.status_code == 400
    assert response.json() == {"responsible": ["Responsible user or group must be specified"]}
    owner = owner_of(clerk.user)
    response = clerk.post(LIST, {"customer": ro_data.first.pk, "responsible": owner.pk})
    assert response.status_code == 201
    assert response.json()["responsible_detail"] == {
        "pk": owner.pk,
        "owner_id": clerk.user.pk,
        "owner_model": "user",
        "name": clerk.user.username,
        "label": "user",
    }


def test_creation_date(ro_data, clerk):
    response = clerk.post(
        LIST, {"customer": ro_data.first.pk, "creation_date": "1988-11-10"}, format="json"
    )
    assert response.json()["creation_date"] == "1988-11-10"
    response = clerk.post(LIST, {"customer": ro_data.first.pk}, format="json")
    assert response.json()["creation_date"] == TODAY().isoformat()
    pk = response.json()["pk"]
    clerk.patch(detail(pk), {"creation_date": "2001-02-03"}, format="json")
    assert ReturnOrder.objects.get(pk=pk).creation_date == datetime.date(2001, 2, 3)
    # Emptying it (InvenTree: save() fills in today) must not be a database error.
    response = clerk.patch(detail(pk), {"creation_date": None}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["creation_date"] == TODAY().isoformat()


def test_duplicate_with_unknown_order_creates_nothing(ro_data, clerk):
    response = clerk.post(
        LIST, {"customer": ro_data.first.pk, "duplicate": {"order_id": 999999}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"duplicate": {"order_id": ["Invalid order ID"]}}
    assert ReturnOrder.objects.count() == 6


@pytest.mark.parametrize(
    ("copy_lines", "copy_extra_lines"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_duplicate_copies_the_requested_line_sets(ro_data, clerk, copy_lines, copy_extra_lines):
    source = ro_data.orders[3]  # cancelled: its items are free for a new order
    for _ in range(2):
        ReturnOrderLineItemFactory(order=source, price=Money(4, "USD"))
    ReturnOrderExtraLineFactory(order=source, price=Money(1, "USD"))
    payload = {
        "customer": source.customer_id,
        "duplicate": {
            "order_id": source.pk,
            "copy_lines": copy_lines,
            "copy_extra_lines": copy_extra_lines,
        },
    }
    response = clerk.post(LIST, payload, format="json")
    assert response.status_code == 201, response.json()
    new = ReturnOrder.objects.get(pk=response.json()["pk"])
    assert new.customer == source.customer
    assert new.lines.count() == (2 if copy_lines else 0)
    assert new.extra_lines.count() == (1 if copy_extra_lines else 0)
    if copy_lines:
        assert set(new.lines.values_list("item", flat=True)) == set(
            source.lines.values_list("item", flat=True)
        )
        assert set(new.lines.values_list("received_date", "outcome")) == {(None, 10)}
    assert response.json()["total_price"] == 8 * copy_lines + 1 * copy_extra_lines


def test_duplicate_of_open_order_lines_is_refused_whole(ro_data, clerk):
    source = ro_data.orders[5]  # pending, its line's item is still on it
    response = clerk.post(
        LIST,
        {"customer": source.customer_id, "duplicate": {"order_id": source.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert "use copy_lines=false" in response.json()["duplicate"][0]
    assert ReturnOrder.objects.count() == 6
    assert ReturnOrderExtraLine.objects.count() == 1


def test_duplicate_only_on_create(ro_data, clerk):
    order = ro_data.orders[0]
    response = clerk.patch(
        detail(order.pk), {"duplicate": {"order_id": ro_data.orders[1].pk}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"duplicate": ["Only a new order can be a duplicate"]}


def test_overdue_filter(ro_data, viewer):
    assert viewer.get(LIST, {"overdue": "true"}).json() == []
    order = ro_data.orders[1]
    ReturnOrder.objects.filter(pk=order.pk).update(
        target_date=TODAY() - datetime.timedelta(days=10)
    )
    rows = viewer.get(LIST, {"overdue": "true"}).json()
    assert [row["pk"] for row in rows] == [order.pk]
    assert rows[0]["overdue"] is True
    assert len(viewer.get(LIST, {"overdue": "false"}).json()) == 5
    # A closed order with a past target date is not overdue.
    closed = ro_data.orders[2].pk
    ReturnOrder.objects.filter(pk=closed).update(target_date=datetime.date(2000, 1, 1))
    assert len(viewer.get(LIST, {"overdue": "true"}).json()) == 1


def test_duplicate_reference_and_delete(ro_data, client_for):
    client = client_for(return_order=["add"])
    response = client.post(
        LIST, {"reference": "RMA-001", "customer": ro_data.first.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"reference": ["Return Order with this Reference already exists."]}

    order = ro_data.orders[0]
    assert client.delete(detail(order.pk)).status_code == 403
    deleter = client_for(return_order=["delete"])
    assert deleter.delete(detail(order.pk)).status_code == 204
    assert deleter.get(detail(order.pk)).status_code == 404


def test_assigned_to_me(ro_data, client_for):
    client = client_for(return_order=["view"])
    group = GroupFactory()
    client.user.groups.add(group)
    mine = ro_data.orders[0]
    ours = ro_data.orders[1]
    theirs = ro_data.orders[2]
    ReturnOrder.objects.filter(pk=mine.pk).update(responsible=owner_of(client.user))
    ReturnOrder.objects.filter(pk=ours.pk).update(responsible=owner_of(group))
    ReturnOrder.objects.filter(pk=theirs.pk).update(responsible=owner_of(UserFactory()))

    rows = client.get(LIST, {"assigned_to_me": 1}).json()
    assert {row["pk"] for row in rows} == {mine.pk, ours.pk}
    assert len(client.get(LIST, {"assigned_to_me": 0}).json()) == 4
    rows = client.get(LIST, {"assigned_to": owner_of(group).pk}).json()
    assert [row["pk"] for row in rows] == [ours.pk]


def test_pagination(ro_data, viewer):
    assert isinstance(viewer.get(LIST).json(), list)
    data = viewer.get(LIST, {"limit": 2, "offset": 2, "ordering": "reference"}).json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 6
    assert [row["reference"] for row in data["results"]] == ["RMA-003", "RMA-004"]
    assert "offset=4" in data["next"]
    assert data["previous"] is not None
    lines = viewer.get(LINES, {"limit": 1}).json()
    assert lines["count"] == 1


# -- Boomerang's deliberate differences ------------------------------------------------------

MATRIX = [(t, s) for t in TRANSITIONS for s in ReturnOrderStatus]


@pytest.mark.parametrize(
    ("transition", "status"),
    [(t, s) for t, s in MATRIX if s not in TRANSITIONS[t][0]],
    ids=lambda v: str(getattr(v, "name", v)),
)
def test_disallowed_transition_is_a_400_naming_both_states(transition, status, client_for):
    """InvenTree answers 201 and does nothing; Boomerang says why not."""
    order = ReturnOrderFactory(status=status)
    # Authorizing and declining need the authorize permission (the change flag grants it).
    response = client_for(return_order=["add", "change"]).post(
        action(order.pk, transition.value), {"reason": "not now"}, format="json"
    )
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert f"is {S(status).label} and cannot move to {S(TRANSITIONS[transition][1]).label}" in (
        message
    )
    order.refresh_from_db()
    assert order.status == status


@pytest.mark.parametrize(
    ("transition", "status"),
    [(t, s) for t, s in MATRIX if s in TRANSITIONS[t][0]],
    ids=lambda v: str(getattr(v, "name", v)),
)
def test_allowed_transition_answers_201_with_the_order(transition, status, client_for):
    order = ReturnOrderFactory(status=status)
    # Declining takes its note as ``reason``; the others ignore that key.
    response = client_for(return_order=["add", "change"]).post(
        action(order.pk, transition.value), {"note": "by API", "reason": "by API"}, format="json"
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    data = response.json()
    target = TRANSITIONS[transition][1]
    assert (data["pk"], data["status"], data["status_text"]) == (order.pk, target, S(target).label)
    assert order.history.get().note == "by API"


def test_complete_needs_received_lines_or_accept_incomplete(client_for):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    ReturnOrderLineItemFactory(order=order)
    client = client_for(return_order=["add"])
    response = client.post(action(order.pk, "complete"))
    assert response.status_code == 400
    assert "accept_incomplete" in response.json()
    response = client.post(action(order.pk, "complete"), {"accept_incomplete": True}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == S.COMPLETE
    assert response.json()["complete_date"] == TODAY().isoformat()


@pytest.mark.parametrize("name", ["issue", "hold", "cancel", "complete", "receive", "history"])
def test_unknown_order_is_404(name, admin_client_api, db):
    method = admin_client_api.get if name == "history" else admin_client_api.post
    response = method(action(999999, name), {}, format="json")
    assert response.status_code == 404


def test_action_permissions(client_for):
    order = ReturnOrderFactory()
    for name in ("issue", "hold", "cancel"):
        response = client_for(return_order=["view"]).post(action(order.pk, name))
        assert response.status_code == 403
    assert client_for().post(action(order.pk, "cancel")).status_code == 403
    # change (without add) is not enough, as in InvenTree
    assert client_for(return_order=["change"]).post(action(order.pk, "hold")).status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING


def test_anonymous_is_refused(api_client, db):
    order = ReturnOrderFactory()
    for response in (
        api_client.get(LIST),
        api_client.get(detail(order.pk)),
        api_client.post(action(order.pk, "issue")),
        api_client.get(f"{LIST}status/"),
    ):
        assert response.status_code in (401, 403)
    assert ReturnOrder.objects.get(pk=order.pk).status == S.PENDING


def test_receive_rejects_a_line_of_another_order(clerk):
    location = LocationFactory()
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    mine = ReturnOrderLineItemFactory(order=order)
    foreign = ReturnOrderLineItemFactory(order__status=S.IN_PROGRESS)
    response = clerk.post(
        action(order.pk, "receive"),
        {"items": [{"item": mine.pk}, {"item": foreign.pk}], "location": location.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "items": [f"Line item {foreign.pk} does not belong to return order {order.reference}"]
    }
    for line in (mine, foreign):
        line.refresh_from_db()
        assert line.received_date is None
        assert line.item.customer_id is not None


def test_receive_rejects_an_already_received_line(clerk):
    location = LocationFactory()
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    payload = {"items": [{"item": line.pk}], "location": location.pk}
    assert clerk.post(action(order.pk, "receive"), payload, format="json").status_code == 201
    response = clerk.post(action(order.pk, "receive"), payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "items": [f"Line item {line.pk} has already been received (on {TODAY().isoformat()})"]
    }
    assert line.item.tracking_info.filter(tracking_type=80).count() == 1


def item_errors(response, index):
    """Errors of one entry of ``items``: InvenTree's DRF sends a list, DRF 3.16+ a dict."""
    errors = response.json()["items"]
    return errors[index] if isinstance(errors, list) else errors[str(index)]


def test_receive_field_errors(clerk):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    url = action(order.pk, "receive")
    location = LocationFactory()

    response = clerk.post(url, {"items": [{"item": 999999}], "location": location.pk})
    assert response.status_code == 400
    assert item_errors(response, 0) == {"item": ['Invalid pk "999999" - object does not exist.']}

    response = clerk.post(
        url, {"items": [{"item": line.pk, "status": 99999}], "location": location.pk}, format="json"
    )
    assert response.status_code == 400
    assert item_errors(response, 0) == {"status": ['"99999" is not a valid choice.']}

    response = clerk.post(url, {"items": [{"item": line.pk}]}, format="json")
    assert response.json() == {"location": ["This field is required."]}

    structural = LocationFactory(structural=True)
    response = clerk.post(
        url, {"items": [{"item": line.pk}], "location": structural.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "location": ["Stock items cannot be located into structural stock locations!"]
    }
    line.refresh_from_db()
    assert line.received_date is None


def test_on_hold_order_cannot_receive(clerk):
    order = ReturnOrderFactory(status=S.ON_HOLD)
    line = ReturnOrderLineItemFactory(order=order)
    response = clerk.post(
        action(order.pk, "receive"),
        {"items": [{"item": line.pk}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith(
        "Items can only be received against orders which are in progress"
    )


def test_workflow_dates_and_status_are_read_only(clerk):
    order = ReturnOrderFactory()
    # status is read-only in InvenTree too: ignored, as there.
    response = clerk.patch(detail(order.pk), {"status": 30}, format="json")
    assert response.status_code == 200
    # The dates InvenTree would store are refused, naming both, never dropped silently.
    response = clerk.patch(
        detail(order.pk),
        {"status": 30, "issue_date": "2020-01-01", "complete_date": "2020-01-02"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"issue_date", "complete_date"}
    order.refresh_from_db()
    assert (order.status, order.issue_date, order.complete_date) == (S.PENDING, None, None)


ORDER_FIELDS = {
    "pk",
    "created_by",
    "creation_date",
    "issue_date",
    "start_date",
    "target_date",
    "description",
    "line_items",
    "completed_lines",
    "link",
    "project_code",
    "reference",
    "responsible",
    "contact",
    "address",
    "status",
    "status_text",
    "status_custom_key",
    "notes",
    "overdue",
    "address_detail",
    "contact_detail",
    "project_code_detail",
    "project_code_label",
    "responsible_detail",
    "complete_date",
    "customer",
    "customer_detail",
    "customer_reference",
    "order_currency",
    "total_price",
}
LINE_FIELDS = {
    "pk",
    "link",
    "notes",
    "order",
    "quantity",
    "reference",
    "target_date",
    "order_detail",
    "item",
    "received_date",
    "outcome",
    "price",
    "price_currency",
    "item_detail",
    "part_detail",
}
EXTRA_FIELDS = {
    "pk",
    "description",
    "quantity",
    "reference",
    "notes",
    "context",
    "order",
    "order_detail",
    "price",
    "price_currency",
    "link",
}


def test_inventree_fields_are_present(ro_data, viewer):
    order = ro_data.orders[5]
    data = viewer.get(detail(order.pk), {"customer_detail": "true"}).json()
    assert set(data) >= ORDER_FIELDS
    assert {"received_lines", "allowed_actions", "total_price_note", "currency"} <= set(data)
    assert data["line_items"] == 1
    assert data["allowed_actions"] == ["issue", "hold", "cancel"]
    assert data["status_custom_key"] == data["status"] == 10
    assert data["customer_detail"] == {
        "pk": ro_data.second.pk,
        "active": True,
        "name": "Another customer",
        "description": "A company",
        "currency": "USD",
        "is_customer": True,
    }

    line = viewer.get(
        f"{LINES}{ro_data.line.pk}/", {"order_detail": "true", "part_detail": "true"}
    ).json()
    assert set(line) >= LINE_FIELDS
    assert line["order_detail"]["reference"] == "RMA-006"
    assert line["part_detail"]["pk"] == ro_data.line.item.part_id
    assert line["item_detail"]["serial"] == ro_data.line.item.serial

    extra = viewer.get(f"{EXTRA}{ro_data.extra.pk}/", {"order_detail": "true"}).json()
    assert set(extra) >= EXTRA_FIELDS
    assert extra["price"] == 10.0
    assert extra["price_currency"] == "USD"
    assert extra["order_detail"]["pk"] == order.pk


def test_line_detail_toggles(ro_data, viewer):
    row = viewer.get(LINES).json()[0]
    assert "item_detail" in row  # on by default
    assert "order_detail" not in row and "part_detail" not in row
    row = viewer.get(LINES, {"item_detail": "false"}).json()[0]
    assert "item_detail" not in row


def test_order_filters(ro_data, viewer):
    orders = ro_data.orders
    user = UserFactory()
    # The other orders were created today.
    ReturnOrder.objects.filter(pk=orders[0].pk).update(
        target_date=datetime.date(2030, 1, 10),
        creation_date=datetime.date(2019, 12, 1),
        created_by=user,
    )
    ReturnOrder.objects.filter(pk=orders[1].pk).update(
        target_date=datetime.date(2030, 2, 10), creation_date=datetime.date(2020, 1, 5)
    )
    ReturnOrder.objects.filter(pk=orders[2].pk).update(complete_date=datetime.date(2030, 3, 1))

    def pks(**params):
        return {row["pk"] for row in viewer.get(LIST, params).json()}

    assert pks(outstanding="true") == {orders[i].pk for i in (0, 1, 4, 5)}
    assert pks(outstanding="false") == {orders[2].pk, orders[3].pk}
    assert pks(has_target_date="true") == {orders[0].pk, orders[1].pk}
    assert len(pks(has_target_date="false")) == 4
    assert pks(target_date_before="2030-02-01") == {orders[0].pk}
    assert pks(target_date_after="2030-01-10") == {orders[1].pk}  # strict
    assert pks(created_before="2020-01-01") == {orders[0].pk}
    assert pks(created_after="2019-12-01") == {orders[i].pk for i in range(1, 6)}  # strict
    assert pks(completed_before="2030-03-02") == {orders[2].pk}
    assert pks(completed_after="2030-03-01") == set()
    assert pks(created_by=user.pk) == {orders[0].pk}
    assert pks(reference="rma-004") == {orders[3].pk}
    assert pks(part=ro_data.line.item.part_id) == {orders[5].pk}
    # min_date/max_date: any of the order's dates falls in the range.
    assert pks(max_date="2020-01-01") == {orders[0].pk}
    assert pks(max_date="2020-01-05") == {orders[0].pk, orders[1].pk}
    assert pks(min_date="2030-02-01") == {orders[1].pk}
    assert pks(min_date="2030-01-10") == {orders[0].pk, orders[1].pk}


def test_order_search(ro_data, viewer):
    ReturnOrder.objects.filter(pk=ro_data.orders[2].pk).update(
        customer_reference="PO-778", description="Cracked housing"
    )
    assert refs(viewer.get(LIST, {"search": "778"})) == ["RMA-003"]
    assert refs(viewer.get(LIST, {"search": "cracked housing"})) == ["RMA-003"]
    assert len(viewer.get(LIST, {"search": "Another customer"}).json()) == 3
    assert refs(viewer.get(LIST, {"search": "RMA-005"})) == ["RMA-005"]


def test_reference_ordering_is_numeric(viewer):
    for n in (9, 10, 100, 2):
        ReturnOrderFactory(reference=f"RMA-{n}", reference_int=n)
    assert refs(viewer.get(LIST, {"ordering": "reference"})) == [
        "RMA-2",
        "RMA-9",
        "RMA-10",
        "RMA-100",
    ]
    assert refs(viewer.get(LIST)) == ["RMA-100", "RMA-10", "RMA-9", "RMA-2"]  # default


def test_other_orderings(ro_data, viewer):
    rows = viewer.get(LIST, {"ordering": "customer__name,-status"}).json()
    assert [row["status"] for row in rows] == [30, 20, 10, 40, 20, 10]
    rows = viewer.get(LIST, {"ordering": "unknown_field"}).json()
    assert len(rows) == 6  # unknown fields are ignored


def test_line_filters(viewer):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    received = ReturnOrderLineItemFactory(order=order, price=Money(2, "USD"))
    waiting = ReturnOrderLineItemFactory(order=order, outcome=ReturnOrderLineStatus.REPAIR)
    elsewhere = ReturnOrderLineItemFactory(order__status=S.PENDING)
    services.return_order_receive(
        order=order, lines=[(received.pk, None)], location=LocationFactory(), user=None
    )

    def pks(**params):
        return {row["pk"] for row in viewer.get(LINES, params).json()}

    assert pks(order=order.pk) == {received.pk, waiting.pk}
    assert pks(item=elsewhere.item_id) == {elsewhere.pk}
    assert pks(outcome=30) == {waiting.pk}
    assert pks(received="true") == {received.pk}
    assert pks(received="false") == {waiting.pk, elsewhere.pk}
    assert pks(order_status=10) == {elsewhere.pk}
    assert pks(has_pricing="true") == {received.pk}
    assert pks(has_pricing="false") == {waiting.pk, elsewhere.pk}
    assert pks(search=elsewhere.item.serial) == {elsewhere.pk}


def test_extra_line_filter(ro_data, viewer):
    other = ReturnOrderExtraLineFactory()
    rows = viewer.get(EXTRA, {"order": other.order_id}).json()
    assert [row["pk"] for row in rows] == [other.pk]
    assert len(viewer.get(EXTRA).json()) == 2


def test_status_endpoints(client_for, db):
    client = client_for()  # any logged-in user
    data = client.get(f"{LIST}status/").json()
    assert data["class"] == "ReturnOrderStatus"
    assert data["values"]["ON_HOLD"] == {
        "key": 25,
        "name": "ON_HOLD",
        "label": "On Hold",
        "color": "warning",
    }
    assert [v["key"] for v in data["values"].values()] == [10, 20, 25, 30, 40]
    data = client.get(f"{LINES}status/").json()
    assert data["class"] == "ReturnOrderLineStatus"
    assert {name: v["key"] for name, v in data["values"].items()} == {
        "PENDING": 10,
        "RETURN": 20,
        "REPAIR": 30,
        "REPLACE": 40,
        "REFUND": 50,
        "REJECT": 60,
    }


def test_history_endpoint(viewer, clerk):
    order = ReturnOrderFactory()
    line = ReturnOrderLineItemFactory(order=order)
    clerk.post(action(order.pk, "issue"), {"note": "go"}, format="json")
    clerk.post(
        action(order.pk, "receive"),
        {"items": [{"item": line.pk}], "location": LocationFactory().pk},
        format="json",
    )
    rows = viewer.get(f"{LIST}{order.pk}/history/").json()
    assert [(r["kind"], r["from_status"], r["to_status"]) for r in rows] == [
        ("received", 20, 20),
        ("status", 10, 20),
    ]
    assert rows[1]["note"] == "go"
    assert rows[1]["from_status_text"] == "Pending"
    assert rows[1]["to_status_text"] == "In Progress"
    assert rows[1]["user_detail"]["pk"] == clerk.user.pk
    assert rows[0]["data"]["lines"] == [line.pk]


def test_history_needs_view_permission(client_for):
    order = ReturnOrderFactory()
    assert client_for().get(f"{LIST}{order.pk}/history/").status_code == 403


# -- lines and extra lines through the API ------------------------------------------------


def test_line_create_rules(clerk):
    order = ReturnOrderFactory()
    mine = CustomerStockItemFactory(customer=order.customer)

    response = clerk.post(LINES, {"order": order.pk, "item": mine.pk, "quantity": 2})
    assert response.status_code == 400
    assert response.json() == {"quantity": ["Return quantity exceeds stock quantity"]}

    stranger = CustomerStockItemFactory()
    response = clerk.post(LINES, {"order": order.pk, "item": stranger.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["item"]

    response = clerk.post(
        LINES, {"order": order.pk, "item": mine.pk, "price": "12.5", "price_currency": "EUR"}
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["quantity"], data["price"], data["price_currency"]) == (1.0, 12.5, "EUR")
    assert data["item_detail"]["pk"] == mine.pk
    assert data["order_detail"]["pk"] == order.pk  # write responses carry every detail

    response = clerk.post(LINES, {"order": order.pk, "item": mine.pk})
    assert response.status_code == 400
    unique = ["The fields order, item must make a unique set."]
    assert response.json() == {"non_field_errors": unique}

    response = clerk.post(LINES, {"order": order.pk, "item": mine.pk, "price": -1})
    assert response.status_code == 400
    assert ReturnOrderLineItem.objects.count() == 1


def test_line_price_defaults_to_the_order_currency(clerk):
    set_rate("EUR", Decimal("0.9"))
    order = ReturnOrderFactory(customer__currency="EUR")
    item = CustomerStockItemFactory(customer=order.customer)
    response = clerk.post(LINES, {"order": order.pk, "item": item.pk, "price": 7}, format="json")
    assert response.json()["price_currency"] == "EUR"
    data = clerk.get(detail(order.pk)).json()
    assert (data["total_price"], data["total_price_currency"]) == (7.0, "EUR")


def test_line_on_a_closed_order_is_refused(clerk, set_setting):
    order = ReturnOrderFactory(status=S.CANCELLED)
    item = CustomerStockItemFactory(customer=order.customer)
    response = clerk.post(LINES, {"order": order.pk, "item": item.pk})
    assert response.status_code == 400
    # A cancelled order is locked like a completed one.
    assert response.json() == {"non_field_errors": ["This order is locked and cannot be modified"]}
    # Unlocked by the setting, it is still closed: no new lines.
    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    response = clerk.post(LINES, {"order": order.pk, "item": item.pk})
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("Lines can only be added to open")


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_a_locked_order_takes_and_loses_no_attachments_via_api(clerk, set_setting, status):
    from common.models import Attachment

    order = ReturnOrderFactory(status=status)
    line = ReturnOrderLineItemFactory(order=order)
    kept = Attachment.objects.create(
        model_type="returnorder", model_id=order.pk, link="https://example.com/kept"
    )
    locked = {"non_field_errors": ["This order is locked and cannot be modified"]}
    for model_type, model_id in (("returnorder", order.pk), ("returnorderlineitem", line.pk)):
        response = clerk.post(
            "/api/attachment/",
            {"model_type": model_type, "model_id": model_id, "link": "https://example.com/new"},
            format="json",
        )
        assert (response.status_code, response.json()) == (400, locked)
    response = clerk.delete(f"/api/attachment/{kept.pk}/")
    assert (response.status_code, response.json()) == (400, locked)
    response = clerk.patch(f"/api/attachment/{kept.pk}/", {"comment": "x"}, format="json")
    assert (response.status_code, response.json()) == (400, locked)
    assert list(Attachment.objects.values_list("pk", flat=True)) == [kept.pk]

    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    response = clerk.post(
        "/api/attachment/",
        {"model_type": "returnorder", "model_id": order.pk, "link": "https://example.com/new"},
        format="json",
    )
    assert response.status_code == 201
    assert clerk.delete(f"/api/attachment/{kept.pk}/").status_code == 204


def test_cancel_note_is_the_history_note_via_api(clerk):
    order = ReturnOrderFactory(status=S.PENDING)
    response = clerk.post(action(order.pk, "cancel"), {"note": "Customer withdrew"}, format="json")
    assert response.status_code in (200, 201)
    entry = order.history.filter(kind="status").latest("pk")
    assert (entry.to_status, entry.note) == (S.CANCELLED, "Customer withdrew")
    # The note stays optional in the API, as in InvenTree.
    other = ReturnOrderFactory(status=S.PENDING)
    assert clerk.post(action(other.pk, "cancel"), {}, format="json").status_code in (200, 201)


def test_received_line_via_api(clerk, client_for):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    clerk.post(
        action(order.pk, "receive"),
        {"items": [{"item": line.pk}], "location": LocationFactory().pk},
        format="json",
    )
    url = f"{LINES}{line.pk}/"
    response = clerk.patch(url, {"quantity": 0.5}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "This line has been received: its stock item and quantity cannot change"
        ]
    }
    response = clerk.patch(url, {"outcome": 20}, format="json")
    assert response.status_code == 200
    assert response.json()["outcome"] == 20
    assert response.json()["outcome_text"] == "Return"
    clerk.patch(url, {"received_date": "2000-01-01"}, format="json")
    line.refresh_from_db()
    assert line.received_date == TODAY()  # read-only
    response = client_for(return_order=["delete"]).delete(url)
    assert response.status_code == 400
    assert "has been received" in response.json()["non_field_errors"][0]
    assert ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_unreceived_line_delete(client_for):
    line = ReturnOrderLineItemFactory()
    assert client_for(return_order=["change"]).delete(f"{LINES}{line.pk}/").status_code == 403
    assert client_for(return_order=["delete"]).delete(f"{LINES}{line.pk}/").status_code == 204
    assert not ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_extra_lines_via_api(clerk):
    set_rate("EUR", Decimal("0.9"))
    order = ReturnOrderFactory(customer__currency="USD")
    response = clerk.post(
        EXTRA,
        {"order": order.pk, "reference": "Credit", "price": -9, "price_currency": "EUR"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["price"] == -9.0
    clerk.post(
        EXTRA, {"order": order.pk, "description": "Fee", "price": 25, "quantity": 2}, format="json"
    )
    data = clerk.get(detail(order.pk)).json()
    assert data["total_price"] == 40.0  # 2 x 25 - (9 EUR = 10 USD)
    assert data["total_price_currency"] == "USD"

    clerk.post(
        EXTRA,
        {"order": order.pk, "description": "Fee", "price": 1, "price_currency": "GBP"},
        format="json",
    )
    data = clerk.get(detail(order.pk)).json()
    assert data["total_price"] is None
    assert data["total_price_note"] == "No exchange rate from GBP to USD"


def test_an_empty_extra_line_is_a_400_with_field_messages(clerk):
    order = ReturnOrderFactory()
    message = ["Give a description or a reference: an extra line must say what it is for"]
    response = clerk.post(EXTRA, {"order": order.pk, "price": 5}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"description": message, "reference": message},
    )
    assert not ReturnOrderExtraLine.objects.exists()
    extra = ReturnOrderExtraLineFactory(order=order, reference="", description="Freight")
    response = clerk.patch(f"{EXTRA}{extra.pk}/", {"description": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"description", "reference"}


def test_quantities_beyond_the_column_are_a_400_not_a_500(clerk):
    order = ReturnOrderFactory()
    item = CustomerBulkStockItemFactory(customer=order.customer)
    too_many = {"quantity": ["Ensure this value is less than or equal to 9999999999."]}
    response = clerk.post(EXTRA, {"order": order.pk, "quantity": 1e12}, format="json")
    assert (response.status_code, response.json()) == (400, too_many)
    response = clerk.post(
        LINES, {"order": order.pk, "item": item.pk, "quantity": 1e30}, format="json"
    )
    assert (response.status_code, response.json()) == (400, too_many)
    assert not ReturnOrderExtraLine.objects.exists()


def test_a_total_too_large_to_store_is_reported_not_a_500(clerk):
    order = ReturnOrderFactory(customer__currency="USD")
    response = clerk.post(
        EXTRA,
        {
            "order": order.pk,
            "description": "Huge",
            "price": 9999999999999,
            "quantity": 9999999999,
        },
        format="json",
    )
    assert response.status_code == 201
    data = clerk.get(detail(order.pk)).json()
    assert data["total_price"] is None
    assert data["total_price_note"] == "The total price is too large to be stored"


def test_locked_order_via_api(clerk, set_setting):
    order = ReturnOrderFactory(status=S.COMPLETE)
    line = ReturnOrderLineItemFactory(order=order)
    extra = ReturnOrderExtraLineFactory(order=order)
    locked = {"non_field_errors": ["This order is locked and cannot be modified"]}
    for url, payload in (
        (detail(order.pk), {"description": "x"}),
        (f"{LINES}{line.pk}/", {"outcome": 20}),
        (f"{EXTRA}{extra.pk}/", {"reference": "x"}),
    ):
        response = clerk.patch(url, payload, format="json")
        assert response.status_code == 400
        assert response.json() == locked
    response = clerk.post(EXTRA, {"order": order.pk, "reference": "x"}, format="json")
    assert response.json() == locked

    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    response = clerk.patch(detail(order.pk), {"description": "edited"}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "edited"


def test_order_with_received_lines_cannot_be_deleted(client_for):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=LocationFactory(), user=None
    )
    response = client_for(return_order=["delete"]).delete(detail(order.pk))
    assert response.status_code == 400
    assert "1 received line(s) and cannot be deleted" in response.json()["non_field_errors"][0]
    assert ReturnOrder.objects.filter(pk=order.pk).exists()


def test_order_validation_via_api(clerk):
    customer = CustomerFactory()
    response = clerk.post(
        LIST,
        {"customer": customer.pk, "start_date": "2030-02-01", "target_date": "2030-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "target_date": ["Target date must be after start date"],
        "start_date": ["Start date must be before target date"],
    }
    supplier = CustomerFactory(is_customer=False)
    response = clerk.post(LIST, {"customer": supplier.pk}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    response = clerk.post(LIST, {"customer": customer.pk, "order_currency": "XYZ"}, format="json")
    assert response.status_code == 400
    assert "order_currency" in response.json()
    assert ReturnOrder.objects.count() == 0


def test_project_codes(client_for):
    client = client_for(return_order=["add"])
    response = client.post(
        "/api/project-code/", {"code": "PRJ-1", "description": "Field returns"}, format="json"
    )
    assert response.status_code == 201
    code = ProjectCode.objects.get(code="PRJ-1")
    response = client.post(LIST, {"customer": CustomerFactory().pk, "project_code": code.pk})
    assert response.status_code == 201
    assert response.json()["project_code_label"] == "PRJ-1"
    assert response.json()["project_code_detail"]["code"] == "PRJ-1"
    assert [row["code"] for row in client.get("/api/project-code/").json()] == ["PRJ-1"]
    assert client_for().get("/api/project-code/").status_code == 403


# -- settings ------------------------------------------------------------------------------

SETTING_KEYS = [
    "RETURNORDER_ENABLED",
    "RETURNORDER_REFERENCE_PATTERN",
    "RETURNORDER_REQUIRE_RESPONSIBLE",
    "RETURNORDER_EDIT_COMPLETED_ORDERS",
]


@pytest.mark.parametrize(
    ("key", "default"),
    list(zip(SETTING_KEYS, ["False", "RMA-{ref:04d}", "False", "False"], strict=True)),
)
def test_settings_are_readable_by_any_logged_in_user(key, default, client_for):
    response = client_for().get(f"/api/settings/global/{key}/")
    assert response.status_code == 200
    data = response.json()
    assert (data["key"], data["value"], data["default"]) == (key, default, default)


def test_settings_list_contains_the_return_order_settings(client_for):
    keys = {row["key"] for row in client_for().get("/api/settings/global/").json()}
    assert set(SETTING_KEYS) <= keys


def test_settings_writes_are_staff_only(client_for, make_user, api_client):
    url = "/api/settings/global/RETURNORDER_ENABLED/"
    assert client_for(return_order=["add", "delete"]).patch(url, {"value": True}).status_code == 403
    assert api_client.get(url).status_code in (401, 403)
    staff = make_user(staff=True)
    api_client.force_authenticate(staff)
    response = api_client.patch(url, {"value": True}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == "True"
    response = api_client.put(url, {"value": "false"}, format="json")
    assert response.json()["value"] == "False"
    assert api_client.patch(url, {"value": "maybe"}, format="json").status_code == 400
    assert api_client.get("/api/settings/global/NO_SUCH_SETTING/").status_code == 404


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("RMA-{ref", "Improperly formatted pattern: "),
        ("{x}-{ref}", "Unknown format key specified: 'x'"),
        ("RMA-", "Missing required format key: 'ref'"),
    ],
)
def test_reference_pattern_setting_is_validated(pattern, message, admin_client_api):
    url = "/api/settings/global/RETURNORDER_REFERENCE_PATTERN/"
    response = admin_client_api.patch(url, {"value": pattern}, format="json")
    assert response.status_code == 400
    (text,) = response.json()["value"]
    assert text.startswith(message)
    assert admin_client_api.get(url).json()["value"] == "RMA-{ref:04d}"


def test_edit_completed_setting_via_api_unlocks(admin_client_api):
    order = ReturnOrderFactory(status=S.COMPLETE)
    url = detail(order.pk)
    assert admin_client_api.patch(url, {"description": "x"}, format="json").status_code == 400
    admin_client_api.patch(
        "/api/settings/global/RETURNORDER_EDIT_COMPLETED_ORDERS/", {"value": True}, format="json"
    )
    assert admin_client_api.patch(url, {"description": "x"}, format="json").status_code == 200


# --- workflow dates: recorded by the transitions, never dropped silently -------------------


@pytest.mark.parametrize("field", ["issue_date", "complete_date"])
def test_an_order_date_the_workflow_records_is_refused_with_a_400(admin_client_api, field):
    """InvenTree stores ``issue_date`` and ``complete_date`` from a PATCH; Boomerang records
    them in the issue and complete actions, so a write that would change one is a 400 naming
    the field, and nothing is written."""
    order = ReturnOrderFactory(description="Before")
    response = admin_client_api.patch(
        detail(order.pk), {"description": "After", field: "2026-01-05"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    order.refresh_from_db()
    assert (order.description, getattr(order, field)) == ("Before", None)
    customer = order.customer
    response = admin_client_api.post(
        LIST, {"customer": customer.pk, "description": "x", field: "2026-01-05"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == [field]
    assert ReturnOrder.objects.count() == 1


def test_an_order_sent_back_whole_keeps_its_workflow_dates(admin_client_api):
    """The client's ``save()`` returns every field it read, the dates included: accepted."""
    order = ReturnOrderFactory()
    services.return_order_issue(order=order, user=None)
    body = admin_client_api.get(detail(order.pk)).json()
    assert body["issue_date"]
    body["description"] = "Edited"
    response = admin_client_api.patch(f"{detail(order.pk)}?format=json", body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["description"], response.json()["issue_date"]) == (
        "Edited",
        body["issue_date"],
    )


def test_a_line_received_date_is_refused_with_a_400(admin_client_api):
    line = ReturnOrderLineItemFactory(notes="")
    response = admin_client_api.patch(
        f"{LINES}{line.pk}/", {"notes": "x", "received_date": "2026-01-05"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["received_date"]
    assert "receive/" in response.json()["received_date"][0]
    line.refresh_from_db()
    assert (line.notes, line.received_date) == ("", None)
    # Unchanged (null), as the client's save() sends it back: accepted.
    response = admin_client_api.patch(
        f"{LINES}{line.pk}/", {"notes": "y", "received_date": None}, format="json"
    )
    assert response.status_code == 200, response.content
