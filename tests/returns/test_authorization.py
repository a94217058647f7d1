"""Authorization: Requested orders are authorized (in full or in part) or declined, by someone
who may; partly authorized lines cannot be received whole; with the setting off nothing
changes for an InvenTree client."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from returns import services
from returns.models import ReturnOrder, ReturnOrderHistory, ReturnOrderLineItem
from returns.services.authorization import authorized_limit
from returns.statuses import (
    TRANSITIONS,
    ReturnOrderStatus,
    Transition,
    allowed_transitions,
)
from tests.factories import LocationFactory, UserFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
LIST = "/api/order/ro/"
LINES = "/api/order/ro-line/"
NEW_STATUSES = (S.REQUESTED, S.DECLINED)
# Every transition from each new status, and each new transition from every status.
CASES = sorted(
    {(t, s) for t in TRANSITIONS for s in NEW_STATUSES}
    | {(t, s) for t in (Transition.AUTHORIZE, Transition.DECLINE) for s in S},
    key=lambda case: (case[0].value, case[1]),
)
ALLOWED = [(t, s) for t, s in CASES if s in TRANSITIONS[t][0]]
FORBIDDEN = [(t, s) for t, s in CASES if s not in TRANSITIONS[t][0]]


def _id(case) -> str:
    transition, status = case
    return f"{transition.value}-from-{S(status).name}"


def action(pk, name):
    return f"{LIST}{pk}/{name}/"


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def authorizer(make_user):
    """A clerk whose return-order role has the change flag, which grants authorize."""
    return make_user(return_order=["view", "add", "change"], stock=["view", "change"])


@pytest.fixture
def requested(db):
    order = ReturnOrderFactory(status=S.REQUESTED)
    serialized = ReturnOrderLineItemFactory(order=order)
    bulk = ReturnOrderLineItem.objects.create(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(10)),
        quantity=Decimal(5),
    )
    return order, serialized, bulk


# -- the state machine ---------------------------------------------------------------------


def test_the_map_of_the_new_statuses():
    assert {(t.value, S(s).name) for t, s in ALLOWED} == {
        ("authorize", "REQUESTED"),
        ("decline", "REQUESTED"),
        ("cancel", "REQUESTED"),
    }
    assert allowed_transitions(S.REQUESTED) == ["cancel", "authorize", "decline"]
    assert allowed_transitions(S.DECLINED) == []
    assert (S.REQUESTED.value, S.DECLINED.value) == (110, 140)


@pytest.mark.parametrize("case", ALLOWED, ids=_id)
def test_allowed_transition_by_service(case, authorizer):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    options = {"reason": "No proof of purchase"} if transition == Transition.DECLINE else {}
    services.TRANSITION_SERVICES[transition](order=order, user=authorizer, **options)
    assert reload(order).status == TRANSITIONS[transition][1]
    assert ReturnOrderHistory.objects.filter(order=order, to_status=reload(order).status).exists()


@pytest.mark.parametrize("case", FORBIDDEN, ids=_id)
def test_forbidden_transition_by_service_names_both_states(case, authorizer):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    options = {"reason": "x"} if transition == Transition.DECLINE else {}
    with pytest.raises(ValidationError) as exc:
        services.TRANSITION_SERVICES[transition](order=order, user=authorizer, **options)
    text = " ".join(exc.value.messages)
    assert f"is {S(status).label} and cannot move to {S(TRANSITIONS[transition][1]).label}" in text
    assert reload(order).status == status
    assert not ReturnOrderHistory.objects.filter(order=order).exists()


@pytest.mark.parametrize("case", ALLOWED, ids=_id)
def test_allowed_transition_by_api_answers_201_with_the_order(case, client_for):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    client = client_for(return_order=["add", "change"])
    response = client.post(action(order.pk, transition.value), {"reason": "why"}, format="json")
    assert response.status_code == 201, response.content
    target = TRANSITIONS[transition][1]
    assert (response.json()["pk"], response.json()["status"]) == (order.pk, target)


@pytest.mark.parametrize("case", FORBIDDEN, ids=_id)
def test_forbidden_transition_by_api_is_a_400(case, client_for):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    client = client_for(return_order=["add", "change"])
    response = client.post(action(order.pk, transition.value), {"reason": "why"}, format="json")
    assert response.status_code == 400
    (message,) = response.json()["non_field_errors"]
    assert f"is {S(status).label} and cannot move to" in message
    assert reload(order).status == status


# -- creating ------------------------------------------------------------------------------


def test_with_the_setting_on_a_new_order_is_requested(set_setting, customer, user, client_for):
    set_setting("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    order = services.return_order_create(user=user, customer=customer)
    assert order.status == S.REQUESTED
    response = client_for(return_order=["view", "add"]).post(
        LIST, {"customer": customer.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == S.REQUESTED
    assert response.json()["allowed_actions"] == ["cancel", "authorize", "decline"]


def test_with_the_setting_off_a_new_order_is_pending(customer, user):
    order = services.return_order_create(user=user, customer=customer)
    assert order.status == S.PENDING
    assert order.authorized_date is None
    assert order.lines.count() == 0


def test_requested_orders_stay_requested_when_the_setting_is_switched_off(
    set_setting, requested, authorizer
):
    order, _serialized, _bulk = requested
    set_setting("RETURNORDER_REQUIRE_AUTHORIZATION", False)
    services.return_order_authorize(order=order, user=authorizer)
    assert reload(order).status == S.PENDING


def test_a_requested_order_cannot_be_issued(requested, authorizer):
    order, _serialized, _bulk = requested
    with pytest.raises(ValidationError, match="is Requested and cannot move to In Progress"):
        services.return_order_issue(order=order, user=authorizer)


# -- authorizing ---------------------------------------------------------------------------


def test_authorizing_in_full(requested, authorizer, mailoutbox, django_capture_on_commit_callbacks):
    order, serialized, bulk = requested
    lead = UserFactory(email="lead@example.com")
    ReturnOrder.objects.filter(pk=order.pk).update(responsible=owner_of(lead))
    with django_capture_on_commit_callbacks(execute=True):
        services.return_order_authorize(order=order, user=authorizer, note="Looks fine")
    order = reload(order)
    assert order.status == S.PENDING
    assert order.authorized_by == authorizer and order.authorized_date is not None
    assert order.partially_authorized is False
    assert reload(serialized).authorized_quantity == 1
    assert reload(bulk).authorized_quantity == 5
    row = order.history.get()
    assert (row.kind, row.from_status, row.to_status, row.note) == (
        "authorized",
        S.REQUESTED,
        S.PENDING,
        "Looks fine",
    )
    assert [m.to for m in mailoutbox] == [["lead@example.com"]]
    assert "authorized" in mailoutbox[0].subject


def test_authorizing_part_of_a_line_through_the_api(requested, client_for):
    order, serialized, bulk = requested
    client = client_for(return_order=["view", "add", "change"])
    response = client.post(
        action(order.pk, "authorize"),
        {"lines": [{"line": bulk.pk, "quantity": "3"}], "note": "Only 3 are under contract"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == S.PENDING
    assert data["partially_authorized"] is True
    assert data["authorized_by"] == client.user.pk
    assert data["authorized_date"]
    read = client.get(f"{LIST}{order.pk}/").json()
    assert {k: read[k] for k in read if k.startswith("authori")} == {
        k: data[k] for k in data if k.startswith("authori")
    }
    lines = {row["pk"]: row for row in client.get(LINES, {"order": order.pk}).json()}
    assert lines[bulk.pk]["authorized_quantity"] == 3
    assert lines[serialized.pk]["authorized_quantity"] == 1
    assert order.history.get().data == {"partial": True, "lines": {str(bulk.pk): "3"}}


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"quantity": "6"}, None),  # more than the line's 5
        ({"quantity": "-1"}, "quantity"),
        ({"line": 0, "quantity": "1"}, None),  # not a line of this order
    ],
)
def test_authorized_quantities_outside_0_to_the_line_quantity_are_400(
    requested, client_for, entry, field
):
    order, _serialized, bulk = requested
    body = {"lines": [{"line": bulk.pk, **entry}]}
    response = client_for(return_order=["add", "change"]).post(
        action(order.pk, "authorize"), body, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["lines"]
    if field:
        assert field in errors["0"]
    else:
        assert "between 0 and" in errors[0] or "does not belong" in errors[0]
    assert reload(order).status == S.REQUESTED
    assert reload(bulk).authorized_quantity is None


def test_declining_needs_a_reason_and_closes_and_locks_the_order(
    requested, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    order, serialized, _bulk = requested
    lead = UserFactory(email="lead@example.com")
    ReturnOrder.objects.filter(pk=order.pk).update(responsible=owner_of(lead))
    client = client_for(return_order=["view", "add", "change"])
    response = client.post(action(order.pk, "decline"), {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert client.post(action(order.pk, "decline"), {}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            action(order.pk, "decline"), {"reason": "Outside the return window"}, format="json"
        )
    assert response.status_code == 201
    data = response.json()
    assert (data["status"], data["decline_reason"]) == (S.DECLINED, "Outside the return window")
    assert data["allowed_actions"] == []
    row = reload(order).history.get()
    assert (row.kind, row.note) == ("declined", "Outside the return window")
    assert "declined" in mailoutbox[0].subject
    # Locked like a cancelled order: no edits, no lines, no attachments.
    assert (
        client.patch(f"{LIST}{order.pk}/", {"description": "x"}, format="json").status_code == 400
    )
    assert services.order_is_locked(reload(order))
    response = client.patch(f"{LINES}{serialized.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 400
    response = client_for(return_order=["view", "add", "change"]).post(
        "/api/attachment/",
        {"model_type": "returnorder", "model_id": order.pk, "link": "https://example.com/a"},
        format="json",
    )
    assert response.status_code == 400
    # Not outstanding: a closed status.
    assert order.pk not in [o["pk"] for o in client.get(LIST, {"outstanding": "true"}).json()]


def test_a_requested_order_is_outstanding(requested, client_for):
    order, _serialized, _bulk = requested
    rows = client_for(return_order=["view"]).get(LIST, {"outstanding": "true"}).json()
    assert [row["pk"] for row in rows] == [order.pk]


# -- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["authorize", "decline"])
def test_authorizing_and_declining_need_the_authorize_permission(requested, client_for, name):
    order, _serialized, _bulk = requested
    for roles in ({"return_order": ["view", "add"]}, {"return_order": ["view", "add", "delete"]}):
        response = client_for(**roles).post(action(order.pk, name), {"reason": "x"}, format="json")
        assert response.status_code == 403, roles
    assert reload(order).status == S.REQUESTED
    response = client_for(return_order=["change"]).post(
        action(order.pk, name), {"reason": "x"}, format="json"
    )
    assert response.status_code == 201


def test_the_change_flag_grants_the_authorize_permission(make_user):
    assert make_user(return_order=["change"]).has_perm("returns.authorize_returnorder")
    assert not make_user(return_order=["view", "add", "delete"]).has_perm(
        "returns.authorize_returnorder"
    )
    assert make_user(superuser=True).has_perm("returns.authorize_returnorder")


def test_the_superuser_may_authorize(requested, admin_client_api):
    order, _serialized, _bulk = requested
    assert admin_client_api.post(action(order.pk, "authorize")).status_code == 201


# -- the second-person rule ----------------------------------------------------------------


def _priced(order, amount):
    ReturnOrderLineItem.objects.filter(order=order).update(price=None)
    line = ReturnOrderLineItem.objects.filter(order=order).first()
    line.price = Money(Decimal(amount), "USD")
    line.save()
    services.recalculate_total(order)


def test_an_order_over_the_amount_needs_someone_other_than_its_creator(
    requested, set_setting, make_user
):
    order, serialized, _bulk = requested
    creator = make_user(return_order=["view", "add", "change"])
    other = make_user(return_order=["view", "add", "change"])
    ReturnOrder.objects.filter(pk=order.pk).update(created_by=creator)
    set_setting("RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER", "100")
    ReturnOrderLineItem.objects.filter(pk=serialized.pk).update(price=Money(150, "USD"))
    services.recalculate_total(order)
    with pytest.raises(ValidationError, match="someone other than its creator"):
        services.return_order_authorize(order=reload(order), user=creator)
    assert reload(order).status == S.REQUESTED
    services.return_order_authorize(order=reload(order), user=other)
    assert reload(order).status == S.PENDING


def test_the_rule_through_the_api_and_under_the_amount(requested, set_setting, client_for):
    order, serialized, _bulk = requested
    client = client_for(return_order=["view", "add", "change"])
    ReturnOrder.objects.filter(pk=order.pk).update(created_by=client.user)
    set_setting("RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER", "100")
    ReturnOrderLineItem.objects.filter(pk=serialized.pk).update(price=Money(150, "USD"))
    services.recalculate_total(order)
    response = client.post(action(order.pk, "authorize"))
    assert response.status_code == 400
    assert "someone other than its creator" in response.json()["non_field_errors"][0]
    ReturnOrderLineItem.objects.filter(pk=serialized.pk).update(price=Money(100, "USD"))
    services.recalculate_total(order)
    assert client.post(action(order.pk, "authorize")).status_code == 201


@pytest.mark.parametrize("value", ["abc", "-5", "NaN"])
def test_the_amount_setting_must_be_an_amount(client_for, make_user, value):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user(staff=True))
    url = "/api/settings/global/RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER/"
    assert client.patch(url, {"value": value}, format="json").status_code == 400
    assert client.patch(url, {"value": "250.50"}, format="json").status_code == 200


# -- receiving -----------------------------------------------------------------------------


def test_a_requested_order_cannot_be_received(requested, client_for):
    order, serialized, _bulk = requested
    client = client_for(return_order=["view", "add"], stock=["view", "change"])
    response = client.post(
        action(order.pk, "receive"),
        {"items": [{"item": serialized.pk}], "location": LocationFactory().pk},
        format="json",
    )
    assert response.status_code == 400
    assert "has not been authorized yet" in str(response.json())
    assert reload(serialized).received_date is None


def test_receiving_more_than_the_authorized_quantity_is_a_400_naming_the_line(
    requested, authorizer, client_for
):
    order, serialized, bulk = requested
    services.return_order_authorize(
        order=order, user=authorizer, lines=[(bulk.pk, Decimal(3)), (serialized.pk, Decimal(0))]
    )
    services.return_order_issue(order=order, user=authorizer)
    client = client_for(return_order=["view", "add"], stock=["view", "change"])
    location = LocationFactory()
    for line, authorized in ((bulk, "3"), (serialized, "0")):
        response = client.post(
            action(order.pk, "receive"),
            {"items": [{"item": line.pk}], "location": location.pk},
            format="json",
        )
        assert response.status_code == 400
        (message,) = response.json()["items"]
        assert f"Line item {line.pk}" in message and f"only {authorized} was authorized" in message
        assert reload(line).received_date is None


def test_fully_authorized_lines_receive_as_before(requested, authorizer):
    order, serialized, bulk = requested
    services.return_order_authorize(order=order, user=authorizer)
    services.return_order_issue(order=order, user=authorizer)
    moved = services.return_order_receive(
        order=order,
        lines=[(serialized.pk, None), (bulk.pk, None)],
        location=LocationFactory(),
        user=authorizer,
    )
    assert len(moved) == 2
    assert reload(bulk).received_date is not None


def test_authorized_limit():
    line = ReturnOrderLineItem(quantity=Decimal(5))
    assert authorized_limit(line) == 5
    line.authorized_quantity = Decimal(2)
    assert authorized_limit(line) == 2
    line.authorized_quantity = Decimal(9)  # the line was reduced after authorization
    assert authorized_limit(line) == 5


def _receive_queries(count, authorizer) -> int:
    order = ReturnOrderFactory(status=S.REQUESTED)
    pks = [ReturnOrderLineItemFactory(order=order).pk for _ in range(count)]
    services.return_order_authorize(order=order, user=authorizer)
    services.return_order_issue(order=order, user=authorizer)
    location = LocationFactory()
    with CaptureQueriesContext(connection) as captured:
        services.return_order_receive(
            order=order, lines=[(pk, None) for pk in pks], location=location, user=authorizer
        )
    return len(captured)


def test_receiving_authorized_lines_costs_a_fixed_number_of_queries(authorizer):
    one = _receive_queries(1, authorizer)
    assert _receive_queries(12, authorizer) == one <= 15


# -- lines added after the decision --------------------------------------------------------


def test_a_line_added_after_authorization(requested, authorizer, make_user):
    order, _serialized, _bulk = requested
    services.return_order_authorize(order=order, user=authorizer)
    item = CustomerStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(order=order, item=item, user=authorizer)
    assert line.authorized_quantity == 1
    clerk = make_user(return_order=["view", "add"])
    other = CustomerStockItemFactory(customer=order.customer)
    with pytest.raises(ValidationError, match="a new line needs authorization"):
        services.return_order_line_create(order=order, item=other, user=clerk)
    assert not ReturnOrderLineItem.objects.filter(item=other).exists()


def test_a_line_added_to_a_requested_order_waits_for_the_decision(requested, make_user):
    order, _serialized, _bulk = requested
    clerk = make_user(return_order=["view", "add"])
    item = CustomerStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(order=order, item=item, user=clerk)
    assert line.authorized_quantity is None


def test_with_the_setting_off_lines_have_no_limit(client_for):
    order = ReturnOrderFactory(status=S.PENDING)
    client = client_for(return_order=["view", "add"])
    item = CustomerStockItemFactory(customer=order.customer)
    response = client.post(LINES, {"order": order.pk, "item": item.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["authorized_quantity"] is None


def test_lowering_an_authorized_line_by_a_non_authorizer_flags_it_partial(
    requested, authorizer, make_user
):
    order, _serialized, bulk = requested
    services.return_order_authorize(order=order, user=authorizer, lines=[(bulk.pk, Decimal(3))])
    assert reload(order).partially_authorized
    clerk = make_user(return_order=["view", "add"])  # add without change: no authorize
    services.return_order_line_update(line=bulk, user=clerk, data={"quantity": Decimal(3)})
    assert not reload(order).partially_authorized
    services.return_order_line_update(line=bulk, user=clerk, data={"quantity": Decimal(4)})
    assert reload(order).partially_authorized


# -- the status list -----------------------------------------------------------------------


def test_the_status_list_is_inventrees_while_authorization_is_unused(client_for, set_setting):
    client = client_for()
    keys = [v["key"] for v in client.get(f"{LIST}status/").json()["values"].values()]
    assert keys == [10, 20, 25, 30, 40]
    set_setting("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    values = client.get(f"{LIST}status/").json()["values"]
    assert [v["key"] for v in values.values()] == [10, 20, 25, 30, 40, 110, 140]
    assert values["REQUESTED"] == {
        "key": 110,
        "name": "REQUESTED",
        "label": "Requested",
        "color": "light",
    }
    set_setting("RETURNORDER_REQUIRE_AUTHORIZATION", False)
    ReturnOrderFactory(status=S.DECLINED)  # left from when it was on
    keys = [v["key"] for v in client.get(f"{LIST}status/").json()["values"].values()]
    assert keys == [10, 20, 25, 30, 40, 110, 140]


def test_with_the_setting_off_an_order_reads_as_before_plus_empty_fields(client_for):
    order = ReturnOrderFactory(status=S.PENDING)
    data = client_for(return_order=["view"]).get(f"{LIST}{order.pk}/").json()
    assert data["allowed_actions"] == ["issue", "hold", "cancel"]
    assert (
        data["authorized_by"],
        data["authorized_date"],
        data["partially_authorized"],
        data["decline_reason"],
    ) == (None, None, False, "")


# -- the calendar feed ---------------------------------------------------------------------


def test_the_feed_lists_requested_orders_as_open_and_declined_ones_as_cancelled(
    admin_client_api,
):
    import datetime

    requested = ReturnOrderFactory(status=S.REQUESTED, target_date=datetime.date(2031, 5, 1))
    declined = ReturnOrderFactory(status=S.DECLINED, target_date=datetime.date(2031, 5, 2))
    url = "/api/order/calendar/return-order/calendar.ics"
    default = admin_client_api.get(url).content.decode()
    assert requested.reference in default and declined.reference not in default
    everything = admin_client_api.get(url, {"include_completed": "true"}).content.decode()
    event = everything[everything.index(f"SUMMARY:{declined.reference}") :]
    event = event[: event.index("END:VEVENT")]
    assert "(Declined)" in event and "STATUS:CANCELLED" in event
