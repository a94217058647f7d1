"""Return reasons and conditions on arrival: the lists, a line's reason (required or not by
setting), the condition recorded at receipt, filters, exports and the report."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns import exports, reports, services
from returns.models import ReturnCondition, ReturnOrderHistory, ReturnOrderLineItem, ReturnReason
from returns.statuses import ReturnOrderStatus
from tests.factories import LocationFactory
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnConditionFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    ReturnReasonFactory,
)
from users import services as user_services

pytestmark = pytest.mark.django_db

REASONS = "/api/order/ro-reason/"
CONDITIONS = "/api/order/ro-condition/"
LINES = "/api/order/ro-line/"
ORDERS = "/api/order/ro/"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# -- the lists -----------------------------------------------------------------------------


def test_the_four_default_conditions_are_installed():
    assert list(ReturnCondition.objects.values_list("code", "label", "active")) == [
        ("unopened", "Unopened", True),
        ("opened", "Opened", True),
        ("damaged", "Damaged", True),
        ("missing-parts", "Missing parts", True),
    ]
    assert not ReturnReason.objects.exists()


def test_the_return_order_role_reads_and_writes_the_lists(make_user):
    viewer = make_user(return_order=["view"])
    assert viewer.has_perm("returns.view_returnreason")
    assert viewer.has_perm("returns.view_returncondition")
    assert not viewer.has_perm("returns.add_returnreason")
    editor = make_user(return_order=["add", "change", "delete"])
    for action in ("add", "change", "delete"):
        assert editor.has_perm(f"returns.{action}_returnreason")
        assert editor.has_perm(f"returns.{action}_returncondition")


def test_reason_crud_through_the_api(client_for):
    reader = client_for(return_order=["view"])
    writer = client_for(return_order=["view", "add", "change", "delete"])

    body = {"code": "faulty", "label": "Faulty", "sort_order": 5}
    assert reader.post(REASONS, body, format="json").status_code == 403
    response = writer.post(REASONS, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created == {
        "pk": created["pk"],
        "code": "faulty",
        "label": "Faulty",
        "active": True,
        "sort_order": 5,
        "in_use": False,
    }
    again = writer.post(REASONS, {"code": "faulty", "label": "Other"}, format="json")
    assert again.status_code == 400
    assert "code" in again.json()
    assert (
        writer.post(REASONS, {"code": "not a slug", "label": "X"}, format="json").status_code == 400
    )

    url = f"{REASONS}{created['pk']}/"
    assert reader.patch(url, {"active": False}, format="json").status_code == 403
    response = writer.patch(url, {"active": False, "label": "Faulty unit"}, format="json")
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["label"]) == (False, "Faulty unit")
    assert reader.get(url).json()["label"] == "Faulty unit"

    assert reader.delete(url).status_code == 403
    assert writer.delete(url).status_code == 204
    assert not ReturnReason.objects.exists()


def test_an_entry_in_use_cannot_be_deleted_only_deactivated(admin_client_api):
    reason = ReturnReasonFactory(label="Wrong item")
    condition = ReturnCondition.objects.get(code="damaged")
    ReturnOrderLineItemFactory(reason=reason, condition=condition)

    for url, label in (
        (f"{REASONS}{reason.pk}/", "Wrong item"),
        (f"{CONDITIONS}{condition.pk}/", "Damaged"),
    ):
        assert admin_client_api.get(url).json()["in_use"] is True
        response = admin_client_api.delete(url)
        assert response.status_code == 400
        message = response.json()["non_field_errors"][0]
        assert label in message and "deactivate it instead" in message
        assert admin_client_api.patch(url, {"active": False}, format="json").status_code == 200
    assert ReturnReason.objects.filter(pk=reason.pk, active=False).exists()
    assert ReturnCondition.objects.filter(pk=condition.pk, active=False).exists()


def test_the_lists_filter_search_order_and_page(client_for, django_assert_num_queries):
    ReturnReasonFactory(code="faulty", label="Faulty", sort_order=20)
    ReturnReasonFactory(code="wrong-item", label="Wrong item", sort_order=10)
    ReturnReasonFactory(code="no-longer-needed", label="No longer needed", active=False)
    client = client_for(return_order=["view"])

    def codes(params):
        return [row["code"] for row in client.get(REASONS, params).json()]

    assert codes({}) == ["no-longer-needed", "wrong-item", "faulty"]
    assert codes({"active": "true"}) == ["wrong-item", "faulty"]
    assert codes({"active": "false"}) == ["no-longer-needed"]
    assert codes({"search": "wrong"}) == ["wrong-item"]
    assert codes({"ordering": "-label"}) == ["wrong-item", "no-longer-needed", "faulty"]
    page = client.get(REASONS, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3
    assert [row["code"] for row in page["results"]] == ["wrong-item", "faulty"]
    conditions = client.get(CONDITIONS, {"active": "true"}).json()
    assert [row["code"] for row in conditions] == ["unopened", "opened", "damaged", "missing-parts"]


@pytest.mark.parametrize("url", [REASONS, CONDITIONS])
def test_the_list_queries_are_fixed(url, client_for, django_assert_num_queries):
    client = client_for(return_order=["view"])
    for _ in range(3):
        ReturnOrderLineItemFactory(reason=ReturnReasonFactory(), condition=ReturnConditionFactory())
    client.get(url)  # the client's user loads its permissions once, then keeps them
    # The rows, each with whether some line uses it, in one query.
    with django_assert_num_queries(1):
        few = client.get(url).json()
    for _ in range(5):
        ReturnReasonFactory()
        ReturnConditionFactory()
    with django_assert_num_queries(1):
        many = client.get(url).json()
    assert len(many) > len(few)


# -- a line's reason -----------------------------------------------------------------------


def _line_body(order, **extra):
    item = CustomerStockItemFactory(customer=order.customer)
    return {"order": order.pk, "item": item.pk, "quantity": 1, **extra}


def test_a_reason_is_optional_while_the_setting_is_off(client_for):
    client = client_for(return_order=["view", "add"])
    order = ReturnOrderFactory()
    response = client.post(LINES, _line_body(order), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["reason"], data["reason_detail"]) == (None, None)
    assert (data["condition"], data["condition_detail"]) == (None, None)

    reason = ReturnReasonFactory(code="faulty", label="Faulty")
    response = client.post(LINES, _line_body(order, reason=reason.pk), format="json")
    assert response.status_code == 201
    assert response.json()["reason"] == reason.pk
    assert response.json()["reason_detail"] == {
        "pk": reason.pk,
        "code": "faulty",
        "label": "Faulty",
        "active": True,
    }


def test_a_reason_is_required_when_the_setting_is_on(client_for, set_setting):
    set_setting("RETURNORDER_REQUIRE_REASON", True)
    client = client_for(return_order=["view", "add", "change"])
    order = ReturnOrderFactory()
    response = client.post(LINES, _line_body(order), format="json")
    assert response.status_code == 400
    assert response.json()["reason"] == ["A return reason is required for every line."]
    response = client.post(LINES, _line_body(order, reason=None), format="json")
    assert response.status_code == 400
    assert not order.lines.exists()

    reason = ReturnReasonFactory()
    response = client.post(LINES, _line_body(order, reason=reason.pk), format="json")
    assert response.status_code == 201
    line_url = f"{LINES}{response.json()['pk']}/"
    # Clearing it is refused too; other edits of the line are not.
    assert client.patch(line_url, {"reason": None}, format="json").status_code == 400
    assert client.patch(line_url, {"notes": "Scratched"}, format="json").status_code == 200


def test_the_setting_applies_to_every_way_of_adding_lines(set_setting, user):
    set_setting("RETURNORDER_REQUIRE_REASON", True)
    order = ReturnOrderFactory()
    items = [CustomerStockItemFactory(customer=order.customer) for _ in range(2)]
    from returns.services import lines as line_services

    with pytest.raises(Exception, match="A return reason is required"):
        line_services.return_order_lines_create(
            order=order, items=[(item, 1) for item in items], user=user
        )
    reason = ReturnReasonFactory()
    lines = line_services.return_order_lines_create(
        order=order, items=[(item, 1) for item in items], user=user, reason=reason
    )
    assert {line.reason_id for line in lines} == {reason.pk}


def test_an_inactive_reason_is_refused_for_new_lines_and_kept_by_old_ones(client_for):
    client = client_for(return_order=["view", "add", "change"])
    order = ReturnOrderFactory()
    reason = ReturnReasonFactory(label="Damaged in transit")
    old = ReturnOrderLineItemFactory(order=order, reason=reason)
    reason.active = False
    reason.save()

    response = client.post(LINES, _line_body(order, reason=reason.pk), format="json")
    assert response.status_code == 400
    assert "inactive" in response.json()["reason"][0]
    response = client.patch(
        f"{LINES}{old.pk}/", {"notes": "ok", "reason": reason.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["reason_detail"]["active"] is False


def test_duplicating_an_order_copies_the_lines_reasons(client_for):
    client = client_for(return_order=["view", "add"])
    source = ReturnOrderFactory(status=ReturnOrderStatus.COMPLETE)
    reason = ReturnReasonFactory()
    ReturnOrderLineItemFactory(order=source, reason=reason)
    response = client.post(
        ORDERS,
        {"customer": source.customer_id, "duplicate": {"order_id": source.pk, "copy_lines": True}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    copy = ReturnOrderLineItem.objects.get(order_id=response.json()["pk"])
    assert copy.reason_id == reason.pk


def test_line_list_reads_reasons_and_conditions_without_extra_queries(
    client_for, django_assert_num_queries
):
    client = client_for(return_order=["view"])
    order = ReturnOrderFactory()
    for _ in range(2):
        ReturnOrderLineItemFactory(
            order=order, reason=ReturnReasonFactory(), condition=ReturnConditionFactory()
        )
    client.get(LINES)  # the client's user loads its permissions once, then keeps them
    # The ``order`` filter's order, the lines (reason and condition joined) and their
    # resolutions.
    with django_assert_num_queries(3):
        few = client.get(LINES, {"order": order.pk}).json()
    for _ in range(6):
        ReturnOrderLineItemFactory(
            order=order, reason=ReturnReasonFactory(), condition=ReturnConditionFactory()
        )
    with django_assert_num_queries(3):
        many = client.get(LINES, {"order": order.pk}).json()
    assert (len(few), len(many)) == (2, 8)
    assert all(row["reason_detail"]["label"] and row["condition_detail"]["code"] for row in many)


# -- filters -------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """Three orders: one with a faulty line, one with a damaged arrival, one with neither."""
    faulty = ReturnReasonFactory(code="faulty")
    damaged = ReturnCondition.objects.get(code="damaged")
    first, second, third = (ReturnOrderFactory() for _ in range(3))
    ReturnOrderLineItemFactory(order=first, reason=faulty)
    ReturnOrderLineItemFactory(order=first, reason=faulty)  # two lines: the order once
    ReturnOrderLineItemFactory(order=second, condition=damaged)
    ReturnOrderLineItemFactory(order=third)
    return {"faulty": faulty, "damaged": damaged, "orders": (first, second, third)}


def test_order_and_line_lists_filter_by_reason_and_condition(client_for, spread):
    client = client_for(return_order=["view"])
    first, second, _third = spread["orders"]
    faulty, damaged = spread["faulty"].pk, spread["damaged"].pk

    def pks(url, params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        rows = response.json()
        return sorted(row["pk"] for row in rows)

    assert pks(ORDERS, {"reason": faulty}) == [first.pk]
    assert pks(ORDERS, {"condition": damaged}) == [second.pk]
    assert pks(ORDERS, {"reason": faulty, "condition": damaged}) == []
    # The paged reader filters the same way.
    page = client.get(ORDERS, {"reason": faulty, "limit": 10}).json()
    assert (page["count"], [row["pk"] for row in page["results"]]) == (1, [first.pk])
    assert len(pks(LINES, {"reason": faulty})) == 2
    assert pks(LINES, {"condition": damaged}) == list(second.lines.values_list("pk", flat=True))
    assert client.get(ORDERS, {"reason": 999999}).status_code == 400


def test_the_order_list_with_a_reason_filter_stays_within_its_queries(
    client_for, spread, django_assert_max_num_queries
):
    client = client_for(return_order=["view"])
    with django_assert_max_num_queries(6):
        response = client.get(ORDERS, {"reason": spread["faulty"].pk, "limit": 25})
    assert response.json()["count"] == 1


# -- receiving records the condition -------------------------------------------------------


def _in_progress(lines=2):
    order = ReturnOrderFactory(status=ReturnOrderStatus.IN_PROGRESS)
    return order, [ReturnOrderLineItemFactory(order=order) for _ in range(lines)]


def test_receiving_records_each_items_condition(client_for, location):
    client = client_for(return_order=["view", "add"], stock=["view", "change"])
    order, (opened_line, plain_line) = _in_progress()
    opened = ReturnCondition.objects.get(code="opened")
    response = client.post(
        f"{ORDERS}{order.pk}/receive/",
        {
            "items": [{"item": opened_line.pk, "condition": opened.pk}, {"item": plain_line.pk}],
            "location": location.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    # InvenTree's answer, unchanged.
    assert response.json()["items"] == [
        {"item": opened_line.pk, "status": None},
        {"item": plain_line.pk, "status": None},
    ]
    opened_line.refresh_from_db()
    plain_line.refresh_from_db()
    assert (opened_line.condition_id, plain_line.condition_id) == (opened.pk, None)
    row = client.get(f"{LINES}{opened_line.pk}/").json()
    assert row["condition_detail"] == {
        "pk": opened.pk,
        "code": "opened",
        "label": "Opened",
        "active": True,
    }
    history = ReturnOrderHistory.objects.get(order=order, kind=ReturnOrderHistory.Kind.RECEIVED)
    assert history.data["conditions"] == {str(opened_line.pk): opened.pk}


def test_an_inactive_or_unknown_condition_is_refused_and_nothing_is_received(client_for, location):
    client = client_for(return_order=["view", "add"], stock=["view", "change"])
    order, (line, _other) = _in_progress()
    retired = ReturnConditionFactory(active=False, label="Retired")
    for condition, message in ((retired.pk, "inactive"), (999999, "does not exist")):
        response = client.post(
            f"{ORDERS}{order.pk}/receive/",
            {"items": [{"item": line.pk, "condition": condition}], "location": location.pk},
            format="json",
        )
        assert response.status_code == 400
        assert message in str(response.json()["items"])
    line.refresh_from_db()
    assert (line.received_date, line.condition_id) == (None, None)


def _receive_queries(make_user, lines: int) -> int:
    clerk = make_user(return_order=["view", "add"], stock=["view", "change"])
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(clerk)
    order, rows = _in_progress(lines)
    conditions = list(ReturnCondition.objects.all())
    body = {
        "items": [
            {"item": line.pk, "condition": conditions[i % len(conditions)].pk}
            for i, line in enumerate(rows)
        ],
        "location": LocationFactory().pk,
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{ORDERS}{order.pk}/receive/", body, format="json")
    assert response.status_code == 201, response.content
    assert ReturnOrderLineItem.objects.filter(order=order, condition__isnull=False).count() == lines
    return sum(
        1
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    )


def test_receiving_with_conditions_costs_a_fixed_number_of_queries(make_user):
    one = _receive_queries(make_user, 1)
    assert _receive_queries(make_user, 40) == one
    assert one <= 15


def test_the_service_writes_conditions_in_the_same_update(user, location):
    order, lines = _in_progress(6)
    conditions = list(ReturnCondition.objects.all()[:2])
    with CaptureQueriesContext(connection) as captured:
        services.return_order_receive(
            order=order,
            lines=[(line.pk, None) for line in lines],
            location=location,
            user=user,
            conditions={line.pk: conditions[i % 2].pk for i, line in enumerate(lines)},
        )
    updates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('UPDATE "returns_returnorderlineitem"')
    ]
    assert len(updates) == 1
    assert updates[0].count(" WHEN ") == 2  # one per distinct condition


# -- exports and the report ----------------------------------------------------------------


def test_exports_carry_reasons_and_conditions(client_for, spread):
    client = client_for(return_order=["view"])
    first, second, third = spread["orders"]
    rows = _csv(client.get(LINES, {"export": "csv"}))
    assert rows[0] == exports.LINE_TABLE.headers
    by_order = {}
    for row in rows[1:]:
        record = dict(zip(rows[0], row, strict=True))
        by_order.setdefault(record["Order"], []).append(record)
    assert {(r["Reason"], r["Reason Code"]) for r in by_order[first.reference]} == {
        (spread["faulty"].label, "faulty")
    }
    assert by_order[second.reference][0]["Condition"] == "Damaged"

    rows = _csv(client.get(ORDERS, {"export": "csv"}))
    records = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert records[first.reference]["Return Reasons"] == spread["faulty"].label
    assert records[second.reference]["Conditions"] == "Damaged"
    assert (records[third.reference]["Return Reasons"], records[third.reference]["Conditions"]) == (
        "",
        "",
    )


def test_the_report_shows_each_lines_reason_and_condition(spread):
    first, second, _third = spread["orders"]
    context = reports.report_context(reports.report_queryset().get(pk=first.pk))
    assert [line["reason"] for line in context["lines"]] == [spread["faulty"].label] * 2
    assert [line["reason_code"] for line in context["lines"]] == ["faulty", "faulty"]
    context = reports.report_context(reports.report_queryset().get(pk=second.pk))
    assert [line["condition"] for line in context["lines"]] == ["Damaged"]


def test_the_default_report_template_prints_them(spread, user):
    from reports import services as report_services
    from reports.engine import compile_source
    from reports.models import ReportTemplate

    first, second, _third = spread["orders"]
    # The installed default template (migration reports 0005 brings an unedited one up to date).
    template = ReportTemplate.objects.get(model_type="returnorder", name="Boomerang Return Order")
    compiled = compile_source(template.source)

    def html(order):
        context = report_services.report_base_context(template=template, user=user)
        context.update(reports.report_context(reports.report_queryset().get(pk=order.pk)))
        return report_services._render(template, compiled, context)

    assert f"Reason: {spread['faulty'].label}" in html(first)
    assert "Arrived: Damaged" in html(second)


def test_role_permissions_are_given_by_the_group_sync(make_user):
    group_user = make_user(return_order=["view"])
    group = group_user.groups.get()
    user_services.group_set_role(group=group, role="return_order", view=False)
    assert not type(group_user).objects.get(pk=group_user.pk).has_perm("returns.view_returnreason")
