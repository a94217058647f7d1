"""Return-order services: workflow, validation, references, totals, lock, receiving, e-mail."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from djmoney.money import Money

from common import reference as references
from common.exchange import set_rate
from returns import selectors, services
from returns.models import (
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)
from returns.statuses import (
    OPEN_STATUSES,
    TRANSITIONS,
    ReturnOrderLineStatus,
    ReturnOrderStatus,
    Transition,
    allowed_transitions,
)
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    GroupFactory,
    LocationFactory,
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
PATTERN = "RETURNORDER_REFERENCE_PATTERN"
EDIT_COMPLETED = "RETURNORDER_EDIT_COMPLETED_ORDERS"
REQUIRE_RESPONSIBLE = "RETURNORDER_REQUIRE_RESPONSIBLE"
TODAY = timezone.localdate


def messages(exc_info) -> list[str]:
    return exc_info.value.messages


def message_dict(exc_info) -> dict:
    return exc_info.value.message_dict


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def _receive(order, line, location, user):
    return services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=location, user=user
    )


# -- the transition matrix -----------------------------------------------------------------

MATRIX = [(transition, status) for transition in TRANSITIONS for status in ReturnOrderStatus]
ALLOWED = [(t, s) for t, s in MATRIX if s in TRANSITIONS[t][0]]
FORBIDDEN = [(t, s) for t, s in MATRIX if s not in TRANSITIONS[t][0]]


def _id(case):
    transition, status = case
    return f"{transition.value}-from-{ReturnOrderStatus(status).name}"


def test_transition_map_is_the_documented_one():
    """InvenTree's rules (spec 2.5): issue from PENDING/ON_HOLD, hold from PENDING/IN_PROGRESS,
    cancel from any open status, complete only from IN_PROGRESS; and authorization's: authorize
    and decline only from REQUESTED, which may also be cancelled."""
    assert {(t.value, S(s).name) for t, s in ALLOWED} == {
        ("issue", "PENDING"),
        ("issue", "ON_HOLD"),
        ("hold", "PENDING"),
        ("hold", "IN_PROGRESS"),
        ("cancel", "PENDING"),
        ("cancel", "ON_HOLD"),
        ("cancel", "IN_PROGRESS"),
        ("cancel", "REQUESTED"),
        ("complete", "IN_PROGRESS"),
        ("authorize", "REQUESTED"),
        ("decline", "REQUESTED"),
    }
    assert len(FORBIDDEN) == 6 * 7 - 11
    assert allowed_transitions(S.COMPLETE) == []
    assert allowed_transitions(S.CANCELLED) == []
    assert allowed_transitions(S.DECLINED) == []


@pytest.mark.parametrize("case", ALLOWED, ids=_id)
def test_allowed_transition_changes_status_and_writes_history(case, user):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    result = services.TRANSITION_SERVICES[transition](order=order, user=user, note="why")

    target = TRANSITIONS[transition][1]
    order = reload(order)
    assert result.status == order.status == target
    row = ReturnOrderHistory.objects.get(order=order)
    kind = {Transition.AUTHORIZE: "authorized", Transition.DECLINE: "declined"}.get(
        transition, "status"
    )
    assert (row.kind, row.from_status, row.to_status) == (kind, status, target)
    assert row.user == user
    assert row.note == "why"
    if transition == Transition.ISSUE:
        assert order.issue_date == TODAY()
    else:
        assert order.issue_date is None
    if transition == Transition.COMPLETE:
        assert order.complete_date == TODAY()
    else:
        assert order.complete_date is None


@pytest.mark.parametrize("case", FORBIDDEN, ids=_id)
def test_forbidden_transition_raises_naming_both_states_and_changes_nothing(case, user):
    transition, status = case
    order = ReturnOrderFactory(status=status)
    with pytest.raises(ValidationError) as exc:
        services.TRANSITION_SERVICES[transition](order=order, user=user)

    text = " ".join(messages(exc))
    assert order.reference in text
    assert f"is {S(status).label}" in text
    assert f"cannot move to {S(TRANSITIONS[transition][1]).label}" in text
    order = reload(order)
    assert order.status == status
    assert order.issue_date is None and order.complete_date is None
    assert not ReturnOrderHistory.objects.filter(order=order).exists()


def test_reissue_from_hold_overwrites_issue_date(user):
    order = ReturnOrderFactory(status=S.ON_HOLD, issue_date=datetime.date(2020, 1, 1))
    services.return_order_issue(order=order, user=user)
    assert reload(order).issue_date == TODAY()


def test_complete_requires_every_line_received(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    first = ReturnOrderLineItemFactory(order=order)
    ReturnOrderLineItemFactory(order=order)
    _receive(order, first, location, user)

    with pytest.raises(ValidationError) as exc:
        services.return_order_complete(order=order, user=user)
    assert message_dict(exc)["accept_incomplete"] == [
        "1 of 2 line(s) have not been received. Receive them first, or complete with "
        "accept_incomplete set to true."
    ]
    assert reload(order).status == S.IN_PROGRESS

    services.return_order_complete(order=order, user=user, accept_incomplete=True)
    assert reload(order).status == S.COMPLETE


def test_complete_with_all_lines_received(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    _receive(order, line, location, user)
    services.line_resolve_return(line=line, user=user)
    services.return_order_complete(order=order, user=user)
    order = reload(order)
    assert order.status == S.COMPLETE
    assert order.complete_date == TODAY()


# -- order validation ----------------------------------------------------------------------


def test_create_records_creator_creation_date_and_history(user, customer):
    order = services.return_order_create(user=user, customer=customer, description="Broken")
    assert order.created_by == user
    assert order.creation_date == TODAY()
    assert order.status == S.PENDING
    assert order.issue_date is None and order.complete_date is None
    row = order.history.get()
    assert (row.kind, row.from_status, row.to_status, row.user) == ("created", None, 10, user)


def test_create_keeps_an_explicit_creation_date(user, customer):
    order = services.return_order_create(
        user=user, customer=customer, creation_date=datetime.date(1988, 11, 10)
    )
    assert reload(order).creation_date == datetime.date(1988, 11, 10)


def test_customer_must_be_a_customer(user):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=CompanyFactory(is_customer=False))
    assert message_dict(exc) == {"customer": ["Selected company is not a customer"]}
    assert not ReturnOrder.objects.exists()


def test_customer_is_required(user):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=None)
    assert message_dict(exc) == {"customer": ["This field cannot be blank."]}


def test_contact_and_address_must_belong_to_the_customer(user, customer):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(
            user=user, customer=customer, contact=ContactFactory(), address=AddressFactory()
        )
    assert message_dict(exc) == {
        "contact": ["Contact does not match selected company"],
        "address": ["Address does not match selected company"],
    }
    order = services.return_order_create(
        user=user,
        customer=customer,
        contact=ContactFactory(company=customer),
        address=AddressFactory(company=customer),
    )
    assert order.contact.company == order.address.company == customer


def test_start_date_must_not_be_after_target_date(user, customer):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(
            user=user,
            customer=customer,
            start_date=datetime.date(2030, 5, 2),
            target_date=datetime.date(2030, 5, 1),
        )
    assert message_dict(exc) == {
        "target_date": ["Target date must be after start date"],
        "start_date": ["Start date must be before target date"],
    }
    same_day = services.return_order_create(
        user=user,
        customer=customer,
        start_date=datetime.date(2030, 5, 1),
        target_date=datetime.date(2030, 5, 1),
    )
    assert same_day.start_date == same_day.target_date


def test_update_checks_dates_too(user):
    order = ReturnOrderFactory(target_date=datetime.date(2030, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.return_order_update(
            order=order, user=user, data={"start_date": datetime.date(2030, 6, 1)}
        )
    assert "start_date" in message_dict(exc)
    assert reload(order).start_date is None


def test_responsible_required_by_setting(user, customer, set_setting):
    services.return_order_create(user=user, customer=customer)  # off by default
    set_setting(REQUIRE_RESPONSIBLE, True)
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=customer)
    assert message_dict(exc) == {"responsible": ["Responsible user or group must be specified"]}
    order = services.return_order_create(user=user, customer=customer, responsible=owner_of(user))
    assert order.responsible == owner_of(user)


def test_order_currency_must_be_known(user, customer):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=customer, order_currency="XYZ")
    assert message_dict(exc) == {"order_currency": ["Invalid currency code"]}


def test_customer_cannot_change_once_lines_exist(user):
    order = ReturnOrderFactory()
    other = CustomerFactory()
    services.return_order_update(order=order, user=user, data={"customer": other})
    assert reload(order).customer == other
    ReturnOrderLineItemFactory(order=order)
    with pytest.raises(ValidationError) as exc:
        services.return_order_update(order=order, user=user, data={"customer": CustomerFactory()})
    assert message_dict(exc) == {
        "customer": ["The customer cannot be changed once the order has line items"]
    }
    assert reload(order).customer == other


def test_duplicate_of_an_unknown_order_is_a_validation_error(user, customer):
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=customer, duplicate={"order_id": 999999})
    assert message_dict(exc) == {"duplicate": ["Invalid order ID"]}
    assert not ReturnOrder.objects.exists()


def test_update_with_emptied_creation_date_uses_today(user):
    order = ReturnOrderFactory(creation_date=datetime.date(2001, 1, 1))
    services.return_order_update(order=order, user=user, data={"creation_date": None})
    assert reload(order).creation_date == TODAY()


def test_workflow_fields_cannot_be_written_through_update(user):
    order = ReturnOrderFactory()
    for field in ("status", "issue_date", "complete_date"):
        with pytest.raises(TypeError):
            services.return_order_update(order=order, user=user, data={field: None})


def test_status_constraint_rejects_unknown_codes():
    from django.db import IntegrityError, transaction

    order = ReturnOrderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnOrder.objects.filter(pk=order.pk).update(status=99)


# -- reference patterns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("RMA-{ref", "Improperly formatted pattern: "),
        ("RMA-}{ref}", "Improperly formatted pattern: "),
        ("RMA-{ref:Q}", "Improperly formatted pattern: "),
        ("{x}-{ref}", "Unknown format key specified: 'x'"),
        ("RMA-{refx}", "Unknown format key specified: 'refx'"),
        ("RMA-0001", "Missing required format key: 'ref'"),
        ("{?:RMA}-{date:%Y}", "Missing required format key: 'ref'"),
        ("{?}-{ref:04d}", "The wildcard needs a default value"),
        ("RMA-{ref}-{ref}", "The pattern must contain exactly one {ref} group"),
    ],
)
def test_invalid_reference_patterns_are_refused_with_inventree_messages(
    pattern, message, set_setting
):
    with pytest.raises(ValidationError) as exc:
        set_setting(PATTERN, pattern)
    (text,) = message_dict(exc)["value"]
    assert text.startswith(message)
    assert services.reference_pattern() == "RMA-{ref:04d}"


@pytest.mark.parametrize(
    "pattern", ["RMA-{ref:04d}", "{?:PO}-{ref:04d}", "RMA-{date:%Y}-{ref}", "R#?-{ref:03d}"]
)
def test_valid_patterns_are_stored(pattern, set_setting):
    set_setting(PATTERN, pattern)
    assert services.reference_pattern() == pattern


def test_first_reference_and_next_after_highest_reference_int(user, customer):
    assert services.next_reference() == "RMA-0001"
    services.return_order_create(user=user, customer=customer, reference="RMA-0005")
    services.return_order_create(user=user, customer=customer, reference="RMA-0002")
    assert services.next_reference() == "RMA-0006"
    order = services.return_order_create(user=user, customer=customer)
    assert (order.reference, order.reference_int) == ("RMA-0006", 6)


def test_next_reference_skips_a_reference_that_is_already_taken(user, customer, set_setting):
    services.return_order_create(user=user, customer=customer, reference="RMA-0004")
    set_setting(PATTERN, "{?:RMA}-{ref}")
    services.return_order_create(user=user, customer=customer, reference="RMA-5")
    # Highest reference_int is 5, "RMA-6" is free.
    assert services.next_reference() == "RMA-6"
    # A reference whose number is not the highest still blocks its own text.
    ReturnOrderFactory(reference="RMA-6", reference_int=0)
    assert services.next_reference() == "RMA-7"


def test_reference_must_match_the_pattern(user, customer):
    order = services.return_order_create(user=user, customer=customer, reference="RMA-7")
    assert order.reference_int == 7
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=customer, reference="RMA-ABC")
    assert message_dict(exc) == {
        "reference": ["Reference must match required pattern: RMA-{ref:04d}"]
    }


def test_blank_reference_is_refused_by_the_validator():
    with pytest.raises(ValidationError) as exc:
        references.validate_reference("RMA-{ref:04d}", "   ")
    assert exc.value.messages == ["Reference field cannot be empty"]


def test_wildcard_pattern(user, customer, set_setting):
    """InvenTree's test: ``{?:PO}-{ref:04d}`` takes any prefix but needs one."""
    set_setting(PATTERN, "{?:PO}-{ref:04d}")
    assert services.next_reference().startswith("PO-")
    for reference in ("PO-9991", "P-9992", "T-9993", "ABC-9994"):
        order = services.return_order_create(user=user, customer=customer, reference=reference)
        assert order.reference == reference
        assert order.reference_int == int(reference.split("-")[1])
    for reference in ("9995", "-9996"):
        with pytest.raises(ValidationError) as exc:
            services.return_order_create(user=user, customer=customer, reference=reference)
        assert "reference" in message_dict(exc)
    assert ReturnOrder.objects.count() == 4
    assert services.next_reference() == "PO-9995"


def test_literal_wildcards_in_pattern():
    regex = references.pattern_regex("R#?-{ref:03d}")
    assert regex.match("R1x-001")
    assert not regex.match("Rxx-001")  # '#' is a digit
    assert not regex.match("R1-001")  # '?' is exactly one character


def test_huge_reference_clips_reference_int(user, customer):
    reference = "RMA-92233720368547758089999999999999999"
    order = services.return_order_create(user=user, customer=customer, reference=reference)
    assert reload(order).reference_int == 0x7FFFFFFF
    assert services.next_reference() == f"RMA-{0x7FFFFFFF + 1:04d}"


def test_reference_int_falls_back_to_leading_or_trailing_digits():
    assert references.reference_int("RMA-{ref:04d}", "RMA-0042") == 42
    assert references.reference_int("RMA-{ref:04d}", "12-ABC") == 12
    assert references.reference_int("RMA-{ref:04d}", "ABC-34") == 34
    assert references.reference_int("RMA-{ref:04d}", "ABC") == 0


def test_duplicate_reference_is_refused(user, customer):
    services.return_order_create(user=user, customer=customer, reference="RMA-0003")
    with pytest.raises(ValidationError) as exc:
        services.return_order_create(user=user, customer=customer, reference="RMA-0003")
    assert message_dict(exc) == {"reference": ["Return Order with this Reference already exists."]}
    other = ReturnOrderFactory()
    with pytest.raises(ValidationError):
        services.return_order_update(order=other, user=user, data={"reference": "RMA-0003"})
    assert ReturnOrder.objects.filter(reference="RMA-0003").count() == 1


def test_update_reference_recomputes_reference_int(user):
    order = ReturnOrderFactory()
    services.return_order_update(order=order, user=user, data={"reference": "RMA-0321"})
    order = reload(order)
    assert (order.reference, order.reference_int) == ("RMA-0321", 321)


def test_date_pattern_formats_the_current_year(user, customer, set_setting):
    set_setting(PATTERN, "RMA-{date:%Y}-{ref:03d}")
    order = services.return_order_create(user=user, customer=customer)
    assert order.reference == f"RMA-{timezone.now():%Y}-001"
    assert order.reference_int == 1


# -- lines ---------------------------------------------------------------------------------


def test_line_item_must_be_held_by_the_customer(user):
    order = ReturnOrderFactory()
    stranger = CustomerStockItemFactory()  # another customer's item
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_create(order=order, item=stranger, user=user)
    assert message_dict(exc) == {
        "item": [f"Stock item {stranger} is not assigned to customer {order.customer.name}"]
    }
    in_stock = CustomerStockItemFactory(customer=None)
    with pytest.raises(ValidationError):
        services.return_order_line_create(order=order, item=in_stock, user=user)
    assert not order.lines.exists()


@pytest.mark.parametrize(
    ("serialized", "quantity", "message"),
    [
        (True, Decimal(2), "Return quantity exceeds stock quantity"),
        (True, Decimal("0.5"), "Invalid quantity for serialized stock item"),
        (True, Decimal(0), "Return quantity must be greater than zero"),
        (False, Decimal(11), "Return quantity exceeds stock quantity"),
        (False, Decimal(-1), "Return quantity must be greater than zero"),
    ],
)
def test_line_quantity_rules(serialized, quantity, message, user):
    order = ReturnOrderFactory()
    factory = CustomerStockItemFactory if serialized else CustomerBulkStockItemFactory
    item = factory(customer=order.customer)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_create(order=order, item=item, quantity=quantity, user=user)
    assert message_dict(exc) == {"quantity": [message]}


def test_partial_quantity_of_bulk_stock_is_allowed(user):
    order = ReturnOrderFactory()
    item = CustomerBulkStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(
        order=order, item=item, quantity=Decimal("2.5"), user=user
    )
    assert line.quantity == Decimal("2.5")
    whole = services.return_order_line_create(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer),
        quantity=Decimal(10),
        user=user,
    )
    assert whole.quantity == 10


def test_same_item_twice_on_one_order_is_refused(user):
    line = ReturnOrderLineItemFactory()
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_create(order=line.order, item=line.item, user=user)
    assert messages(exc) == ["The fields order, item must make a unique set."]


def test_item_on_another_open_orders_unreceived_line_is_refused(user):
    first = ReturnOrderLineItemFactory()
    second = ReturnOrderFactory(customer=first.order.customer)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_create(order=second, item=first.item, user=user)
    assert message_dict(exc) == {
        "item": [f"Stock item {first.item} is already on open return order {first.order.reference}"]
    }
    # Once that order is cancelled, the item is free again.
    services.return_order_cancel(order=first.order, user=user)
    line = services.return_order_line_create(order=second, item=first.item, user=user)
    assert line.order == second


@pytest.mark.parametrize("status", [S.CANCELLED, S.COMPLETE])
def test_lines_only_while_the_order_is_open(status, user, set_setting):
    set_setting(EDIT_COMPLETED, True)  # the lock is a separate rule
    order = ReturnOrderFactory(status=status)
    item = CustomerStockItemFactory(customer=order.customer)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_create(order=order, item=item, user=user)
    assert messages(exc) == [
        f"Lines can only be added to open orders; return order {order.reference} is "
        f"{S(status).label}"
    ]


@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_lines_can_be_added_in_every_open_status(status, user):
    order = ReturnOrderFactory(status=status)
    item = CustomerStockItemFactory(customer=order.customer)
    assert services.return_order_line_create(order=order, item=item, user=user).pk


def test_unreceived_line_can_change_item_and_quantity(user):
    order = ReturnOrderFactory()
    bulk = CustomerBulkStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(order=order, item=bulk, quantity=1, user=user)
    other = CustomerBulkStockItemFactory(customer=order.customer)
    services.return_order_line_update(
        line=line, user=user, data={"item": other, "quantity": Decimal(3)}
    )
    line = reload(line)
    assert (line.item, line.quantity) == (other, 3)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(line=line, user=user, data={"quantity": Decimal(30)})
    assert message_dict(exc) == {"quantity": ["Return quantity exceeds stock quantity"]}
    with pytest.raises(ValidationError):
        services.return_order_line_update(
            line=line, user=user, data={"item": CustomerStockItemFactory()}
        )
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_update(
            line=line, user=user, data={"order": ReturnOrderFactory()}
        )
    assert message_dict(exc) == {"order": ["A line cannot be moved to another order"]}
    assert reload(line).item == other


def _received_line(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    _receive(order, line, location, user)
    return reload(line)


def test_received_line_keeps_item_and_quantity_but_outcome_is_editable(user, location):
    line = _received_line(user, location)
    replacement = CustomerStockItemFactory(customer=line.order.customer)
    for data in ({"item": replacement}, {"quantity": Decimal("0.5")}):
        with pytest.raises(ValidationError) as exc:
            services.return_order_line_update(line=line, user=user, data=data)
        assert messages(exc) == [
            "This line has been received: its stock item and quantity cannot change"
        ]
    services.return_order_line_update(
        line=line, user=user, data={"outcome": ReturnOrderLineStatus.REFUND, "notes": "ok"}
    )
    line = reload(line)
    assert (line.outcome, line.notes, line.quantity) == (ReturnOrderLineStatus.REFUND, "ok", 1)


def test_received_line_cannot_be_deleted(user, location):
    line = _received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.return_order_line_delete(line=line, user=user)
    assert messages(exc) == [
        "This line has been received and cannot be deleted: that would erase stock history"
    ]
    assert ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_unreceived_line_can_be_deleted(user):
    line = ReturnOrderLineItemFactory()
    services.return_order_line_delete(line=line, user=user)
    assert not ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_line_constraints_in_the_database():
    from django.db import IntegrityError, transaction

    line = ReturnOrderLineItemFactory()
    for update in ({"outcome": 70}, {"quantity": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReturnOrderLineItem.objects.filter(pk=line.pk).update(**update)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnOrderLineItem.objects.create(order=line.order, item=line.item)


def test_extra_line_price_may_be_negative(user):
    order = ReturnOrderFactory()
    extra = services.return_order_extra_line_create(
        order=order, user=user, reference="Credit", price=Money(-5, "USD"), quantity=Decimal(2)
    )
    assert reload(extra).price == Money(-5, "USD")
    assert reload(order).total_price == Money(-10, "USD")


EMPTY_EXTRA = "Give a description or a reference: an extra line must say what it is for"


@pytest.mark.parametrize(
    "fields", [{}, {"reference": "", "description": ""}, {"reference": "  ", "description": "\t"}]
)
def test_an_extra_line_needs_a_description_or_a_reference(user, fields):
    order = ReturnOrderFactory()
    with pytest.raises(ValidationError) as caught:
        services.return_order_extra_line_create(
            order=order, user=user, price=Money(5, "USD"), **fields
        )
    assert caught.value.message_dict == {"description": [EMPTY_EXTRA], "reference": [EMPTY_EXTRA]}
    assert not order.extra_lines.exists()


@pytest.mark.parametrize("fields", [{"reference": "FR-1"}, {"description": "Freight"}])
def test_a_description_or_a_reference_is_enough_for_an_extra_line(user, fields):
    extra = services.return_order_extra_line_create(order=ReturnOrderFactory(), user=user, **fields)
    assert reload(extra).pk == extra.pk


def test_an_extra_line_cannot_be_emptied(user):
    extra = ReturnOrderExtraLineFactory(reference="FR-1", description="Freight")
    services.return_order_extra_line_update(extra=extra, user=user, data={"reference": ""})
    with pytest.raises(ValidationError) as caught:
        services.return_order_extra_line_update(extra=extra, user=user, data={"description": ""})
    assert set(caught.value.message_dict) == {"description", "reference"}
    assert reload(extra).description == "Freight"


def test_adding_several_lines_is_all_or_nothing(user):
    order = ReturnOrderFactory()
    first = CustomerStockItemFactory(customer=order.customer)
    bulk = CustomerBulkStockItemFactory(customer=order.customer)
    other_line = ReturnOrderLineItemFactory(
        order__customer=order.customer, order__status=S.IN_PROGRESS
    )
    elsewhere = other_line.item
    with pytest.raises(ValidationError) as caught:
        services.lines.return_order_lines_create(
            order=order,
            items=[(first, Decimal(1)), (bulk, Decimal(11)), (elsewhere, Decimal(1))],
            user=user,
        )
    assert caught.value.message_dict["items"] == [
        f"{bulk}: Return quantity exceeds stock quantity",
        f"{elsewhere}: Stock item {elsewhere} is already on open return order "
        f"{other_line.order.reference}",
    ]
    assert not order.lines.exists()
    lines = services.lines.return_order_lines_create(
        order=order, items=[(first, Decimal(1)), (bulk, Decimal(4))], user=user
    )
    assert sorted((line.item_id, line.quantity) for line in lines) == [
        (first.pk, Decimal(1)),
        (bulk.pk, Decimal(4)),
    ]
    assert reload(order).lines.count() == 2


# -- the lock ------------------------------------------------------------------------------


def _completed_order_with_lines(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    extra = ReturnOrderExtraLineFactory(order=order)
    _receive(order, line, location, user)
    services.return_order_complete(order=order, user=user, accept_incomplete=True)
    return reload(order), reload(line), reload(extra)


LOCKED = ["This order is locked and cannot be modified"]


def test_completed_order_and_its_lines_are_locked(user, location):
    order, line, extra = _completed_order_with_lines(user, location)
    attempts = [
        lambda: services.return_order_update(order=order, user=user, data={"description": "x"}),
        lambda: services.return_order_line_update(
            line=line, user=user, data={"outcome": ReturnOrderLineStatus.RETURN}
        ),
        lambda: services.return_order_line_delete(line=line, user=user),
        lambda: services.return_order_line_create(
            order=order, item=CustomerStockItemFactory(customer=order.customer), user=user
        ),
        lambda: services.return_order_extra_line_create(order=order, user=user, reference="x"),
        lambda: services.return_order_extra_line_update(
            extra=extra, user=user, data={"reference": "x"}
        ),
        lambda: services.return_order_extra_line_delete(extra=extra, user=user),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert messages(exc) == LOCKED
    assert reload(order).description == "Faulty units"
    assert reload(line).outcome == ReturnOrderLineStatus.PENDING
    assert reload(extra).reference == extra.reference
    assert order.extra_lines.count() == 1


def test_edit_completed_orders_setting_unlocks(user, location, set_setting):
    order, line, extra = _completed_order_with_lines(user, location)
    set_setting(EDIT_COMPLETED, True)
    services.return_order_update(order=order, user=user, data={"description": "Edited"})
    services.return_order_line_update(
        line=line, user=user, data={"outcome": ReturnOrderLineStatus.REPAIR}
    )
    services.return_order_extra_line_update(extra=extra, user=user, data={"reference": "Fee"})
    services.return_order_extra_line_create(order=order, user=user, reference="More")
    services.return_order_extra_line_delete(extra=extra, user=user)
    assert reload(order).description == "Edited"
    assert reload(line).outcome == ReturnOrderLineStatus.REPAIR
    assert list(order.extra_lines.values_list("reference", flat=True)) == ["More"]


def test_cancelled_order_is_locked_like_a_completed_one(user, set_setting):
    order = ReturnOrderFactory(status=S.CANCELLED, description="Before")
    extra = ReturnOrderExtraLineFactory(order=order)
    for attempt in (
        lambda: services.return_order_update(order=order, user=user, data={"description": "x"}),
        lambda: services.return_order_extra_line_update(
            extra=extra, user=user, data={"notes": "n"}
        ),
        lambda: services.return_order_extra_line_create(order=order, user=user, reference="x"),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert messages(exc) == LOCKED
    assert reload(order).description == "Before"
    set_setting(EDIT_COMPLETED, True)
    services.return_order_update(order=order, user=user, data={"description": "Edited"})
    assert reload(order).description == "Edited"


def test_cancel_records_its_reason_in_the_history(user):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    services.return_order_cancel(order=order, user=user, note="Customer found the manual")
    entry = order.history.filter(kind="status").latest("pk")
    assert (entry.from_status, entry.to_status) == (S.IN_PROGRESS, S.CANCELLED)
    assert entry.note == "Customer found the manual"


def test_order_with_received_lines_cannot_be_deleted(user, location):
    line = _received_line(user, location)
    with pytest.raises(ValidationError) as exc:
        services.return_order_delete(order=line.order, user=user)
    assert messages(exc) == [
        f"Return order {line.order.reference} has 1 received line(s) and cannot be deleted: "
        "that would erase stock history. Cancel the order instead."
    ]
    assert ReturnOrder.objects.filter(pk=line.order_id).exists()


def test_order_without_received_lines_is_deleted_with_its_lines(user):
    line = ReturnOrderLineItemFactory()
    extra = ReturnOrderExtraLineFactory(order=line.order)
    services.return_order_delete(order=line.order, user=user)
    assert not ReturnOrder.objects.filter(pk=line.order_id).exists()
    assert not ReturnOrderLineItem.objects.filter(pk=line.pk).exists()
    assert not ReturnOrderExtraLine.objects.filter(pk=extra.pk).exists()
    assert StockItem.objects.filter(pk=line.item_id).exists()


# -- totals --------------------------------------------------------------------------------


def test_total_sums_lines_and_extra_lines_converting_currencies(user):
    set_rate("EUR", Decimal("0.9"))  # 1 USD = 0.9 EUR
    order = ReturnOrderFactory(customer__currency="USD")
    services.return_order_line_create(
        order=order,
        item=CustomerStockItemFactory(customer=order.customer),
        price=Money(5, "USD"),
        user=user,
    )
    services.return_order_line_create(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer),
        quantity=Decimal(4),
        price=Money("2.5", "USD"),
        user=user,
    )
    services.return_order_line_create(  # unpriced lines do not count
        order=order, item=CustomerStockItemFactory(customer=order.customer), user=user
    )
    services.return_order_extra_line_create(
        order=order, user=user, description="Freight", price=Money(9, "EUR"), quantity=Decimal(2)
    )
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(-3, "USD")
    )
    order = reload(order)
    # 5 + 4 x 2.50 + 2 x (9 EUR = 10 USD) - 3
    assert order.total_price == Money(32, "USD")
    assert order.total_price_note == ""


def test_total_is_in_the_customer_currency_when_the_order_has_none(user):
    set_rate("EUR", Decimal("0.9"))
    order = ReturnOrderFactory(customer__currency="EUR")
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(10, "USD")
    )
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(1, "EUR")
    )
    assert reload(order).total_price == Money(10, "EUR")


def test_order_currency_wins_and_changing_it_recalculates(user):
    set_rate("EUR", Decimal("0.9"))
    order = ReturnOrderFactory(customer__currency="USD", order_currency="EUR")
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(20, "USD")
    )
    assert reload(order).total_price == Money(18, "EUR")
    services.return_order_update(order=order, user=user, data={"order_currency": None})
    assert reload(order).total_price == Money(20, "USD")


def test_conversion_between_two_non_base_currencies(user):
    set_rate("EUR", Decimal("0.9"))
    set_rate("GBP", Decimal("0.75"))
    order = ReturnOrderFactory(order_currency="GBP")
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(9, "EUR")
    )
    assert reload(order).total_price == Money("7.5", "GBP")


def test_missing_rate_gives_no_total_and_a_note(user):
    order = ReturnOrderFactory(customer__currency="USD")
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(10, "USD")
    )
    assert reload(order).total_price == Money(10, "USD")
    services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(10, "GBP")
    )
    order = reload(order)
    assert order.total_price is None
    assert order.total_price_note == "No exchange rate from GBP to USD"
    set_rate("GBP", Decimal("0.5"))
    extra = order.extra_lines.order_by("pk").first()
    services.return_order_extra_line_update(extra=extra, user=user, data={"quantity": Decimal(2)})
    order = reload(order)
    assert order.total_price == Money(40, "USD")
    assert order.total_price_note == ""


def test_total_follows_deleted_lines(user):
    order = ReturnOrderFactory()
    extra = services.return_order_extra_line_create(
        order=order, user=user, description="Fee", price=Money(7, "USD")
    )
    line = services.return_order_line_create(
        order=order,
        item=CustomerStockItemFactory(customer=order.customer),
        price=Money(3, "USD"),
        user=user,
    )
    assert reload(order).total_price == Money(10, "USD")
    services.return_order_line_delete(line=line, user=user)
    services.return_order_extra_line_delete(extra=extra, user=user)
    assert reload(order).total_price == Money(0, "USD")


def test_currency_property_fallbacks(settings):
    assert ReturnOrderFactory(order_currency="GBP").currency == "GBP"
    assert ReturnOrderFactory(customer__currency="EUR").currency == "EUR"
    assert ReturnOrderFactory(customer__currency="???").currency == settings.DEFAULT_CURRENCY
    assert ReturnOrderFactory(customer=None).currency == settings.DEFAULT_CURRENCY


# -- receiving -----------------------------------------------------------------------------


def test_receive_serialized_item(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    item = line.item
    tracking_before = item.tracking_info.count()

    moved = services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=location, user=user, note="Box 4"
    )

    assert [m.pk for m in moved] == [item.pk]
    item = reload(item)
    assert item.status == StockStatus.QUARANTINED
    assert item.location == location
    assert item.customer is None
    assert item.tracking_info.count() == tracking_before + 1
    entry = item.tracking_info.get()
    assert entry.tracking_type == StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER == 80
    assert entry.deltas == {
        "status": 75,
        "returnorder": order.pk,
        "location": location.pk,
        "customer": order.customer_id,
    }
    assert (entry.user, entry.notes) == (user, "Box 4")
    line = reload(line)
    assert line.received_date == TODAY()
    assert line.received
    assert line.outcome == ReturnOrderLineStatus.PENDING  # receipt does not decide the outcome
    row = order.history.get()
    assert (row.kind, row.from_status, row.to_status, row.note) == (
        "received",
        S.IN_PROGRESS,
        S.IN_PROGRESS,
        "Box 4",
    )
    assert row.data == {
        "lines": [line.pk],
        "stock_items": [item.pk],
        "location": location.pk,
        "location_name": "Quarantine",
    }
    assert reload(order).status == S.IN_PROGRESS  # not auto-completed


def test_receive_with_explicit_status(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    services.return_order_receive(
        order=order, lines=[(line.pk, StockStatus.DAMAGED)], location=location, user=user
    )
    item = reload(line.item)
    assert item.status == StockStatus.DAMAGED == 55
    assert item.tracking_info.get().deltas["status"] == 55


def test_receive_partial_quantity_splits_the_item(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    original = CustomerBulkStockItemFactory(customer=order.customer)  # quantity 10
    line = services.return_order_line_create(
        order=order, item=original, quantity=Decimal(4), user=user
    )
    whole = services.return_order_line_create(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer),
        quantity=Decimal(10),
        user=user,
    )
    items_before = StockItem.objects.count()

    moved = services.return_order_receive(
        order=order,
        lines=[(line.pk, StockStatus.DAMAGED), (whole.pk, None)],
        location=location,
        user=user,
    )

    assert StockItem.objects.count() == items_before + 1  # exactly one split
    line, whole, original = reload(line), reload(whole), reload(original)
    child = line.item
    assert child.pk != original.pk
    assert [m.pk for m in moved] == [child.pk, whole.item_id]
    assert (child.quantity, child.parent, child.status) == (4, original, StockStatus.DAMAGED)
    assert (child.location, child.customer) == (location, None)
    assert (original.quantity, original.customer, original.location) == (6, order.customer, None)
    assert original.status == StockStatus.OK
    assert list(child.tracking_info.order_by("pk").values_list("tracking_type", flat=True)) == [
        StockHistoryCode.SPLIT_FROM_PARENT,
        StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER,
    ]
    assert original.tracking_info.get().tracking_type == StockHistoryCode.SPLIT_CHILD_ITEM
    assert original.tracking_info.get().deltas == {
        "removed": 4.0,
        "quantity": 6.0,
        "stockitem": child.pk,
    }
    # The whole-quantity line keeps its item.
    assert whole.item.quantity == 10 and whole.item.customer is None
    assert whole.item.parent is None


# A Requested order has a message of its own (tests/returns/test_authorization.py).
@pytest.mark.parametrize("status", [s for s in S if s not in (S.IN_PROGRESS, S.REQUESTED)])
def test_receive_only_in_progress(status, user, location):
    order = ReturnOrderFactory(status=status)
    line = ReturnOrderLineItemFactory(order=order)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )
    assert messages(exc) == [
        "Items can only be received against orders which are in progress "
        f"(return order {order.reference} is {S(status).label})"
    ]
    assert reload(line).received_date is None


def test_receive_needs_lines_and_a_non_structural_location(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(order=order, lines=[], location=location, user=user)
    assert message_dict(exc) == {"items": ["Line items must be provided"]}
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order,
            lines=[(line.pk, None)],
            location=LocationFactory(structural=True),
            user=user,
        )
    assert message_dict(exc) == {
        "location": ["Stock items cannot be located into structural stock locations!"]
    }
    assert reload(line).received_date is None


def _assert_nothing_received(*lines):
    for line in lines:
        fresh = reload(line)
        assert fresh.received_date is None
        assert fresh.item.customer_id is not None
        assert not fresh.item.tracking_info.exists()


def test_receive_rejects_lines_of_another_order_and_changes_nothing(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    mine = ReturnOrderLineItemFactory(order=order)
    foreign = ReturnOrderLineItemFactory(order__status=S.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(mine.pk, None), (foreign.pk, None)], location=location, user=user
        )
    assert message_dict(exc) == {
        "items": [f"Line item {foreign.pk} does not belong to return order {order.reference}"]
    }
    _assert_nothing_received(mine, foreign)
    assert not ReturnOrderHistory.objects.exists()


def test_receive_rejects_already_received_lines_and_changes_nothing(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    done = ReturnOrderLineItemFactory(order=order)
    _receive(order, done, location, user)
    waiting = ReturnOrderLineItemFactory(order=order)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(waiting.pk, None), (done.pk, None)], location=location, user=user
        )
    assert message_dict(exc) == {
        "items": [f"Line item {done.pk} has already been received (on {TODAY().isoformat()})"]
    }
    _assert_nothing_received(waiting)
    assert reload(done.item).tracking_info.count() == 1


def test_receive_rejects_unknown_and_repeated_lines(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(line.pk, None), (999999, None)], location=location, user=user
        )
    assert message_dict(exc) == {"items": ["Line item 999999 does not exist"]}
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(line.pk, None), (line.pk, None)], location=location, user=user
        )
    assert message_dict(exc) == {"items": [f"Line items listed more than once: [{line.pk}]"]}
    _assert_nothing_received(line)


def test_receive_rejects_an_item_the_customer_no_longer_holds(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    line = ReturnOrderLineItemFactory(order=order)
    StockItem.objects.filter(pk=line.item_id).update(customer=CustomerFactory())
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )
    assert message_dict(exc) == {
        "items": [f"Stock item {line.item} is no longer assigned to {order.customer.name}"]
    }
    assert reload(line).received_date is None


def test_receive_rejects_a_line_larger_than_the_remaining_stock(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    item = CustomerBulkStockItemFactory(customer=order.customer)
    line = services.return_order_line_create(order=order, item=item, quantity=8, user=user)
    StockItem.objects.filter(pk=item.pk).update(quantity=5)
    with pytest.raises(ValidationError) as exc:
        services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )
    assert message_dict(exc) == {
        "items": [f"Line item {line.pk} returns 8 but stock item {item.pk} holds 5"]
    }
    assert StockItem.objects.count() == 1


def test_received_and_completed_line_counts(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    services.return_order_receive(
        order=order, lines=[(lines[0].pk, None)], location=location, user=user
    )
    services.return_order_line_update(
        line=lines[1], user=user, data={"outcome": ReturnOrderLineStatus.REJECT}
    )
    annotated = selectors.return_order_list().get(pk=order.pk)
    assert annotated.line_items == 3
    assert annotated.received_lines == 1  # received_date set
    assert annotated.completed_lines == 1  # outcome != PENDING, InvenTree's meaning


def test_history_records_every_status_change_and_receipt(user, customer, location):
    order = services.return_order_create(user=user, customer=customer)
    item = CustomerStockItemFactory(customer=customer)
    line = services.return_order_line_create(order=order, item=item, user=user)
    services.return_order_hold(order=order, user=user)
    services.return_order_issue(order=order, user=user)
    _receive(order, line, location, user)
    services.return_order_complete(order=order, user=user, accept_incomplete=True)
    rows = list(order.history.order_by("pk").values_list("kind", "from_status", "to_status"))
    assert rows == [
        ("created", None, 10),
        ("status", 10, 25),
        ("status", 25, 20),
        ("received", 20, 20),
        ("status", 20, 30),
    ]


# -- overdue and notifications -------------------------------------------------------------


def test_overdue_means_open_with_a_past_target_date():
    yesterday = TODAY() - datetime.timedelta(days=1)
    overdue = ReturnOrderFactory(status=S.IN_PROGRESS, target_date=yesterday)
    ReturnOrderFactory(status=S.PENDING, target_date=TODAY())
    ReturnOrderFactory(status=S.COMPLETE, target_date=yesterday)
    ReturnOrderFactory(status=S.CANCELLED, target_date=yesterday)
    ReturnOrderFactory(status=S.ON_HOLD, target_date=None)
    assert list(ReturnOrder.objects.overdue()) == [overdue]
    assert [o.pk for o in selectors.return_order_list() if o.overdue] == [overdue.pk]
    assert overdue.is_overdue
    assert not ReturnOrderFactory(target_date=TODAY()).is_overdue


def test_overdue_notification_is_sent_once(mailoutbox, django_capture_on_commit_callbacks):
    responsible = UserFactory(email="lead@example.com")
    creator = UserFactory(email="creator@example.com")
    yesterday = TODAY() - datetime.timedelta(days=1)
    order = ReturnOrderFactory(
        status=S.IN_PROGRESS,
        target_date=yesterday,
        responsible=owner_of(responsible),
        created_by=creator,
    )
    ReturnOrderFactory(status=S.COMPLETE, target_date=yesterday, responsible=owner_of(responsible))
    ReturnOrderFactory(status=S.PENDING, target_date=TODAY(), responsible=owner_of(responsible))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.return_orders_notify_overdue() == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["creator@example.com", "lead@example.com"]
    assert all(order.reference in m.subject and "overdue" in m.subject for m in mailoutbox)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.return_orders_notify_overdue() == 0
    assert len(mailoutbox) == 2

    # A new target date re-arms the reminder.
    services.return_order_update(
        order=order, user=creator, data={"target_date": yesterday - datetime.timedelta(days=1)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.return_orders_notify_overdue() == 1
    assert len(mailoutbox) == 4


def test_check_overdue_command(mailoutbox, django_capture_on_commit_callbacks, capsys):
    responsible = UserFactory(email="lead@example.com")
    ReturnOrderFactory(
        target_date=TODAY() - datetime.timedelta(days=3), responsible=owner_of(responsible)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_overdue_return_orders")
    assert "Notified 1 overdue return order(s)." in capsys.readouterr().out
    assert [m.to for m in mailoutbox] == [["lead@example.com"]]


@pytest.mark.parametrize(
    ("action", "subject"),
    [
        (services.return_order_issue, "issued"),
        (services.return_order_cancel, "cancelled"),
    ],
)
def test_issue_and_cancel_email_the_responsible_owner_after_commit(
    action, subject, mailoutbox, django_capture_on_commit_callbacks
):
    responsible = UserFactory(email="lead@example.com")
    clerk = UserFactory(email="clerk@example.com")
    order = ReturnOrderFactory(responsible=owner_of(responsible))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        action(order=order, user=clerk)
    assert mailoutbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    (mail,) = mailoutbox
    assert mail.to == ["lead@example.com"]
    assert mail.subject == f"[Boomerang] Return order {order.reference} {subject}"
    assert f"http://testserver{order.get_absolute_url()}" in mail.body


def test_acting_user_is_not_emailed_about_their_own_action(
    mailoutbox, django_capture_on_commit_callbacks
):
    responsible = UserFactory(email="lead@example.com")
    order = ReturnOrderFactory(responsible=owner_of(responsible))
    with django_capture_on_commit_callbacks(execute=True):
        services.return_order_issue(order=order, user=responsible)
    assert mailoutbox == []


def test_group_owner_emails_active_members(mailoutbox, django_capture_on_commit_callbacks):
    group = GroupFactory()
    for email, active in (("a@example.com", True), ("b@example.com", True), ("c@x.com", False)):
        UserFactory(email=email, is_active=active).groups.add(group)
    UserFactory(email="").groups.add(group)
    order = ReturnOrderFactory(responsible=owner_of(group))
    with django_capture_on_commit_callbacks(execute=True):
        services.return_order_cancel(order=order, user=UserFactory())
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]


def test_receive_emails_the_responsible_owner(
    user, location, mailoutbox, django_capture_on_commit_callbacks
):
    responsible = UserFactory(email="lead@example.com")
    order = ReturnOrderFactory(status=S.IN_PROGRESS, responsible=owner_of(responsible))
    line = ReturnOrderLineItemFactory(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_order_receive(
            order=order, lines=[(line.pk, None)], location=location, user=user
        )
    (mail,) = mailoutbox
    assert mail.to == ["lead@example.com"]
    assert mail.subject == f"[Boomerang] Items received against {order.reference}"
    assert "1 item(s) have been received into Quarantine." in mail.body


def test_hold_and_complete_send_no_email(user, mailoutbox, django_capture_on_commit_callbacks):
    responsible = UserFactory(email="lead@example.com")
    order = ReturnOrderFactory(status=S.IN_PROGRESS, responsible=owner_of(responsible))
    other = ReturnOrderFactory(status=S.IN_PROGRESS, responsible=owner_of(responsible))
    with django_capture_on_commit_callbacks(execute=True):
        services.return_order_hold(order=order, user=user)
        services.return_order_complete(order=other, user=user)
    assert mailoutbox == []


def test_failed_transition_sends_no_email(user, mailoutbox, django_capture_on_commit_callbacks):
    responsible = UserFactory(email="lead@example.com")
    order = ReturnOrderFactory(status=S.COMPLETE, responsible=owner_of(responsible))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.return_order_cancel(order=order, user=user)
    assert mailoutbox == []


def test_tracking_is_written_once_per_received_line(user, location):
    order = ReturnOrderFactory(status=S.IN_PROGRESS)
    lines = [ReturnOrderLineItemFactory(order=order) for _ in range(3)]
    services.return_order_receive(
        order=order, lines=[(line.pk, None) for line in lines], location=location, user=user
    )
    assert (
        StockItemTracking.objects.filter(
            tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
        ).count()
        == 3
    )
    assert set(order.lines.values_list("received_date", flat=True)) == {TODAY()}
