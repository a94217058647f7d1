"""Reasons and conditions on the pages: the settings page's lists, the reason when adding a
line (required or not by setting), the condition when receiving, the order page and the index
filters."""

import html
import re

import pytest

from returns.models import ReturnCondition, ReturnOrderLineItem, ReturnReason
from returns.statuses import ReturnOrderStatus as S
from tests.factories import CustomerFactory, LocationFactory, PartFactory
from tests.pages.factories import HeldItemFactory, LineFactory, OrderFactory
from tests.returns.factories import (
    CustomerBulkStockItemFactory,
    ReturnConditionFactory,
    ReturnReasonFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS = "/returns/settings/"
ALL = ("view", "add", "change", "delete")


def text(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def options(content: str, select_id: str) -> list[str]:
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', content, re.S)
    assert match, select_id
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", match[1])]


@pytest.fixture
def admin_page(page_client):
    """Staff holding the return order role: may manage both lists."""
    return page_client(staff=True, return_order=ALL, stock=ALL, stock_location=["view"])


# -- the settings page ---------------------------------------------------------------------


def test_the_settings_page_lists_both_lists_and_the_setting(admin_page):
    ReturnReasonFactory(label="Faulty", code="faulty")
    content = text(admin_page.get(SETTINGS))
    assert "Require a return reason on every new line" in content
    assert 'id="reasons-table"' in content and "Faulty" in content
    for label in ("Unopened", "Opened", "Damaged", "Missing parts"):
        assert label in content
    assert 'action="/returns/settings/reasons/add/"' in content
    assert 'action="/returns/settings/conditions/add/"' in content


def test_turning_the_setting_on_from_the_settings_page(admin_page):
    from common import site_settings

    response = admin_page.post(
        SETTINGS,
        {
            "RETURNORDER_ENABLED": "on",
            "RETURNORDER_REFERENCE_PATTERN": "RMA-{ref:04d}",
            "RETURNORDER_REQUIRE_REASON": "on",
        },
    )
    assert response.status_code == 302
    assert site_settings.get_value("RETURNORDER_REQUIRE_REASON") is True


def test_adding_editing_deactivating_and_deleting_a_reason(admin_page):
    response = admin_page.post(
        "/returns/settings/reasons/add/",
        {"reasons-label": "Wrong item", "reasons-code": "wrong-item", "reasons-sort_order": 3},
        follow=True,
    )
    assert messages_of(response) == ["Added “Wrong item”."]
    reason = ReturnReason.objects.get(code="wrong-item")
    # The unticked box is a deactivated entry: "active" is ticked on the page by default.
    assert (reason.label, reason.sort_order, reason.active) == ("Wrong item", 3, False)

    edit = f"/returns/settings/reasons/{reason.pk}/edit/"
    assert 'value="wrong-item"' in text(admin_page.get(edit))
    response = admin_page.post(
        edit,
        {
            "reasons-label": "Wrong item sent",
            "reasons-code": "wrong-item",
            "reasons-sort_order": 1,
            "reasons-active": "on",
        },
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert (reason.label, reason.active) == ("Wrong item sent", True)

    admin_page.post(f"/returns/settings/reasons/{reason.pk}/active/", {"active": "false"})
    reason.refresh_from_db()
    assert reason.active is False
    admin_page.post(f"/returns/settings/reasons/{reason.pk}/active/", {"active": "true"})
    reason.refresh_from_db()
    assert reason.active is True

    response = admin_page.post(f"/returns/settings/reasons/{reason.pk}/delete/", follow=True)
    assert messages_of(response)[-1] == "Deleted “Wrong item sent”."
    assert not ReturnReason.objects.exists()


def test_a_duplicate_code_is_an_error_beside_the_field(admin_page):
    ReturnReasonFactory(code="faulty")
    response = admin_page.post(
        "/returns/settings/reasons/add/",
        {"reasons-label": "Faulty again", "reasons-code": "faulty", "reasons-sort_order": 0},
    )
    content = text(response, status=400)
    assert "Return reason with this code already exists." in content
    assert 'value="Faulty again"' in content
    assert ReturnReason.objects.count() == 1


def test_an_entry_in_use_offers_no_delete_and_refuses_it(admin_page):
    damaged = ReturnCondition.objects.get(code="damaged")
    LineFactory(condition=damaged)
    content = text(admin_page.get(SETTINGS))
    assert f'action="/returns/settings/conditions/{damaged.pk}/delete/"' not in content
    assert f'action="/returns/settings/conditions/{damaged.pk}/active/"' in content
    response = admin_page.post(f"/returns/settings/conditions/{damaged.pk}/delete/", follow=True)
    assert messages_of(response) == [
        "“Damaged” is used by 1 line and cannot be deleted: deactivate it instead."
    ]
    assert ReturnCondition.objects.filter(pk=damaged.pk).exists()


def test_staff_without_the_role_see_the_lists_but_no_buttons(page_client):
    staff = page_client(staff=True)
    reason = ReturnReasonFactory(label="Faulty")
    content = text(staff.get(SETTINGS))
    assert "Faulty" in content
    assert "/returns/settings/reasons/add/" not in content
    assert f"/returns/settings/reasons/{reason.pk}/edit/" not in content
    assert staff.post(f"/returns/settings/reasons/{reason.pk}/delete/").status_code == 403
    assert page_client(return_order=ALL).post("/returns/settings/reasons/add/").status_code == 403
    assert ReturnReason.objects.filter(pk=reason.pk).exists()


def test_an_unknown_list_is_a_404(admin_page):
    assert admin_page.post("/returns/settings/colours/add/").status_code == 404


# -- adding lines --------------------------------------------------------------------------


@pytest.fixture
def desk(db):
    order = OrderFactory(status=S.PENDING, customer=CustomerFactory(name="ACME"))
    part = PartFactory(name="Servo motor")
    return {
        "order": order,
        "a": HeldItemFactory(customer=order.customer, part=part, serial="SN-1"),
        "b": HeldItemFactory(customer=order.customer, part=part, serial="SN-2"),
        "faulty": ReturnReasonFactory(label="Faulty"),
        "retired": ReturnReasonFactory(label="Retired reason", active=False),
    }


def test_the_add_line_page_offers_the_active_reasons(enabled, clerk, desk):
    content = text(clerk.get(f"/returns/{desk['order'].pk}/lines/add/"))
    assert options(content, "id_reason") == ["No reason given", "Faulty"]


def test_adding_one_line_with_a_reason(enabled, clerk, desk):
    order = desk["order"]
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {"item": desk["a"].pk, "quantity": 1, "reason": desk["faulty"].pk, "notes": "Hums"},
    )
    assert response.status_code == 302
    line = ReturnOrderLineItem.objects.get(order=order)
    assert (line.reason, line.notes) == (desk["faulty"], "Hums")
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert re.search(r'data-label="Reason" class="small line-reason">Faulty<', content)


def test_a_missing_reason_is_a_form_error_when_the_setting_is_on(enabled, clerk, desk, set_setting):
    set_setting("RETURNORDER_REQUIRE_REASON", True)
    order = desk["order"]
    content = text(clerk.get(f"/returns/{order.pk}/lines/add/"))
    assert options(content, "id_reason")[0] == "Choose a reason"
    assert "Required for every line." in content

    response = clerk.post(f"/returns/{order.pk}/lines/add/", {"item": desk["a"].pk, "quantity": 1})
    content = text(response)
    assert "A return reason is required for every line." in content
    assert not ReturnOrderLineItem.objects.exists()
    # An inactive reason cannot be chosen: it is not even among the choices.
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {"item": desk["a"].pk, "quantity": 1, "reason": desk["retired"].pk},
    )
    assert "Select a valid choice" in text(response)
    assert not ReturnOrderLineItem.objects.exists()


def test_adding_several_lines_gives_each_the_reason(enabled, clerk, desk, set_setting):
    set_setting("RETURNORDER_REQUIRE_REASON", True)
    order = desk["order"]
    url = f"/returns/{order.pk}/lines/add/"
    ticked = {"form": "many", "items": [desk["a"].pk, desk["b"].pk]}
    content = text(clerk.post(url, ticked))
    assert "A return reason is required for every line." in content
    assert not ReturnOrderLineItem.objects.exists()
    response = clerk.post(url, {**ticked, "reason": desk["faulty"].pk})
    assert response.status_code == 302
    assert list(order.lines.values_list("reason", flat=True)) == [desk["faulty"].pk] * 2


def test_scanning_with_a_reason_and_without_one_when_it_is_required(
    enabled, clerk, desk, set_setting
):
    order = desk["order"]
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert options(content, "scan-reason") == ["No reason given", "Faulty"]
    set_setting("RETURNORDER_REQUIRE_REASON", True)
    response = clerk.post(f"/returns/{order.pk}/lines/scan/", {"scan": "SN-1"}, follow=True)
    assert messages_of(response) == ["Reason: A return reason is required for every line."]
    assert not ReturnOrderLineItem.objects.exists()
    response = clerk.post(
        f"/returns/{order.pk}/lines/scan/",
        {"scan": "SN-1", "reason": desk["faulty"].pk},
        follow=True,
    )
    assert ReturnOrderLineItem.objects.get().reason == desk["faulty"]
    # The next scan starts from the same reason.
    assert re.search(
        rf'<option value="{desk["faulty"].pk}" selected>Faulty</option>', text(response)
    )


def test_editing_a_line_keeps_its_inactive_reason_on_offer(enabled, clerk, desk):
    order = desk["order"]
    line = LineFactory(order=order, item=desk["a"], reason=desk["retired"])
    url = f"/returns/{order.pk}/lines/{line.pk}/edit/"
    assert options(text(clerk.get(url)), "id_reason") == [
        "No reason given",
        "Faulty",
        "Retired reason",
    ]
    response = clerk.post(
        url,
        {"outcome": 10, "quantity": 1, "reason": desk["retired"].pk, "notes": "still"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.reason, line.notes) == (desk["retired"], "still")


# -- receiving -----------------------------------------------------------------------------


def test_the_receive_page_records_the_batch_condition_and_each_lines_own(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    first, second = LineFactory(order=order), LineFactory(order=order)
    location = LocationFactory()
    opened = ReturnCondition.objects.get(code="opened")
    damaged = ReturnCondition.objects.get(code="damaged")
    ReturnConditionFactory(label="Old condition", active=False)
    url = f"/returns/{order.pk}/receive/"
    content = text(clerk.get(url))
    assert options(content, "id_condition") == [
        "Not recorded",
        "Unopened",
        "Opened",
        "Damaged",
        "Missing parts",
    ]
    assert options(content, f"id_condition_{first.pk}")[0] == "As above"
    response = clerk.post(
        url,
        {
            "lines": [first.pk, second.pk],
            "location": location.pk,
            "status": 10,
            "condition": opened.pk,
            f"condition_{second.pk}": damaged.pk,
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.condition, second.condition) == (opened, damaged)
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert "Condition: Opened" in content and "Condition: Damaged" in content


def test_receiving_without_a_condition_records_none(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    line = LineFactory(order=order)
    response = clerk.post(
        f"/returns/{order.pk}/receive/",
        {"lines": [line.pk], "location": LocationFactory().pk, "status": 10},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.received_date is not None and line.condition is None


# -- the index filters ---------------------------------------------------------------------


def test_the_index_filters_orders_by_reason_and_condition(
    enabled, viewer, django_assert_max_num_queries
):
    faulty = ReturnReasonFactory(label="Faulty")
    ReturnReasonFactory(label="Gone", active=False)
    damaged = ReturnCondition.objects.get(code="damaged")
    with_reason, with_condition, plain = (OrderFactory() for _ in range(3))
    LineFactory(order=with_reason, reason=faulty)
    LineFactory(order=with_condition, condition=damaged)
    LineFactory(order=plain, item=CustomerBulkStockItemFactory(customer=plain.customer))

    content = text(viewer.get("/returns/"))
    assert options(content, "id_reason") == ["Any reason", "Faulty", "Gone (inactive)"]
    assert "Missing parts" in options(content, "id_condition")

    with django_assert_max_num_queries(10):
        content = text(viewer.get("/returns/", {"reason": faulty.pk}))
    assert with_reason.reference in content
    assert with_condition.reference not in content and plain.reference not in content
    with django_assert_max_num_queries(10):
        content = text(viewer.get("/returns/", {"condition": damaged.pk}))
    assert with_condition.reference in content and with_reason.reference not in content


def test_the_index_export_of_lines_carries_reason_and_condition(enabled, viewer):
    faulty = ReturnReasonFactory(label="Faulty")
    order = OrderFactory()
    LineFactory(order=order, reason=faulty, condition=ReturnCondition.objects.get(code="opened"))
    response = viewer.get("/returns/export/", {"rows": "lines", "reason": faulty.pk})
    body = b"".join(response.streaming_content).decode()
    header, row = body.splitlines()[:2]
    record = dict(zip(header.split(","), row.split(","), strict=True))
    assert (record["Reason"], record["Condition"]) == ("Faulty", "Opened")
