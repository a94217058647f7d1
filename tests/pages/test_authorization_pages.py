"""The authorization pages: a requested order's next step is Authorize (an approved quantity
per line) or Decline (with a reason); the order page shows what was decided."""

from decimal import Decimal

import pytest

from returns import services
from returns.models import ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from tests.pages.factories import HeldItemFactory, LineFactory, OrderFactory
from tests.pages.test_queries import BASE
from tests.returns.factories import CustomerBulkStockItemFactory

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
# The authorize form: the order and its lines (item and part joined).
AUTHORIZE_QUERIES = BASE + 2
# The decline form: the order.
DECLINE_QUERIES = BASE + 1


def _requested(lines=1):
    order = OrderFactory(status=S.REQUESTED)
    for _ in range(lines):
        LineFactory(order=order)
    bulk = ReturnOrderLineItem.objects.create(
        order=order,
        item=CustomerBulkStockItemFactory(customer=order.customer, quantity=Decimal(10)),
        quantity=Decimal(4),
    )
    return order, bulk


@pytest.fixture
def clerk_without_authorize(page_client):
    """Adds and issues orders, but may not authorize them (no change flag)."""
    return page_client(return_order=["view", "add"], stock=["view", "change"])


def test_a_requested_orders_next_step_is_authorize(enabled, clerk):
    order, _bulk = _requested()
    content = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert 'id="authorize-order"' in content and 'id="decline-order"' in content
    assert "Next: authorize the return" in content
    assert "Issue order" not in content
    assert "Requested" in content


def test_without_the_permission_the_page_says_it_awaits_authorization(
    enabled, clerk_without_authorize
):
    order, _bulk = _requested()
    response = clerk_without_authorize.get(f"/returns/{order.pk}/")
    content = response.content.decode()
    assert 'id="authorize-order"' not in content and 'id="decline-order"' not in content
    assert "awaits authorization" in content
    assert clerk_without_authorize.get(f"/returns/{order.pk}/authorize/").status_code == 403
    assert clerk_without_authorize.post(f"/returns/{order.pk}/decline/").status_code == 403
    # Nor through the generic transition URL.
    response = clerk_without_authorize.post(f"/returns/{order.pk}/authorize/", {})
    assert response.status_code == 403


@pytest.mark.parametrize("lines", [1, 8])
def test_the_authorize_form_prefills_full_quantities(
    enabled, clerk, django_assert_num_queries, lines
):
    order, bulk = _requested(lines)
    with django_assert_num_queries(AUTHORIZE_QUERIES):
        response = clerk.get(f"/returns/{order.pk}/authorize/")
    content = response.content.decode()
    assert response.status_code == 200
    assert f'name="line_{bulk.pk}"' in content and 'value="4"' in content
    assert content.count('name="line_') == lines + 1


def test_authorizing_part_of_a_line_on_the_page(enabled, clerk):
    order, bulk = _requested()
    other = order.lines.exclude(pk=bulk.pk).get()
    response = clerk.post(
        f"/returns/{order.pk}/authorize/",
        {f"line_{bulk.pk}": "2", f"line_{other.pk}": "1", "note": "Two under warranty"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.partially_authorized) == (S.PENDING, True)
    assert order.authorized_by == clerk.user
    content = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert "Partially authorized" in content
    assert "authorized 2" in content  # the line table shows the approved quantity
    assert "Next: issue the order" in content
    assert "Partially authorized (1 line(s) for less)" in content  # the history row


def test_an_approved_quantity_over_the_line_is_a_form_error(enabled, clerk):
    order, bulk = _requested()
    other = order.lines.exclude(pk=bulk.pk).get()
    response = clerk.post(
        f"/returns/{order.pk}/authorize/", {f"line_{bulk.pk}": "5", f"line_{other.pk}": ""}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "less than or equal to 4" in content
    assert "Give the approved quantity" in content
    order.refresh_from_db()
    assert order.status == S.REQUESTED


def test_the_second_person_rule_on_the_page(enabled, clerk, set_setting):
    from djmoney.money import Money

    order, bulk = _requested()
    order.created_by = clerk.user
    order.save()
    ReturnOrderLineItem.objects.filter(pk=bulk.pk).update(price=Money(300, "USD"))
    services.recalculate_total(order)
    set_setting("RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER", "500")
    other = order.lines.exclude(pk=bulk.pk).get()
    body = {f"line_{bulk.pk}": "4", f"line_{other.pk}": "1"}
    response = clerk.post(f"/returns/{order.pk}/authorize/", body)
    assert response.status_code == 400
    assert "someone other than its creator" in response.content.decode()
    assert clerk.get(f"/returns/{order.pk}/").status_code == 200


def test_declining_asks_for_a_reason_and_shows_it(enabled, clerk, django_assert_num_queries):
    order, _bulk = _requested()
    with django_assert_num_queries(DECLINE_QUERIES):
        response = clerk.get(f"/returns/{order.pk}/decline/")
    assert response.status_code == 200
    response = clerk.post(f"/returns/{order.pk}/decline/", {"reason": "   "})
    assert response.status_code == 400
    assert "Say why the return is declined." in response.content.decode()
    response = clerk.post(f"/returns/{order.pk}/decline/", {"reason": "Bought elsewhere"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.DECLINED
    content = clerk.get(f"/returns/{order.pk}/").content.decode()
    assert "Declined:</strong> Bought elsewhere" in content
    assert "Locked" in content
    assert "+ Add line" not in content
    assert "Reason: Bought elsewhere" in content  # the history row


def test_a_decided_order_sends_the_form_back_to_the_order(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    for name in ("authorize", "decline"):
        response = clerk.get(f"/returns/{order.pk}/{name}/")
        assert response.status_code == 302 and response["Location"] == f"/returns/{order.pk}/"


def test_adding_a_line_to_an_authorized_order_needs_the_permission(
    enabled, clerk, clerk_without_authorize
):
    order, _bulk = _requested()
    services.return_order_authorize(order=order, user=clerk.user)
    item = HeldItemFactory(customer=order.customer)
    response = clerk_without_authorize.post(
        f"/returns/{order.pk}/lines/add/", {"item": item.pk, "quantity": "1"}
    )
    assert "a new line needs authorization" in response.content.decode()
    assert not order.lines.filter(item=item).exists()
    clerk.post(f"/returns/{order.pk}/lines/add/", {"item": item.pk, "quantity": "1"})
    assert order.lines.get(item=item).authorized_quantity == 1


def test_settings_page_saves_the_authorization_settings(enabled, page_client):
    from common import site_settings

    staff = page_client(staff=True)
    content = staff.get("/returns/settings/").content.decode()
    assert "Require authorization" in content and "Second authorizer over" in content
    response = staff.post(
        "/returns/settings/",
        {
            "RETURNORDER_ENABLED": "on",
            "RETURNORDER_REFERENCE_PATTERN": "RMA-{ref:04d}",
            "RETURNORDER_REQUIRE_AUTHORIZATION": "on",
            "RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER": "abc",
        },
    )
    assert "Enter an amount" in response.content.decode()
    assert site_settings.get_value("RETURNORDER_REQUIRE_AUTHORIZATION") is False
    response = staff.post(
        "/returns/settings/",
        {
            "RETURNORDER_ENABLED": "on",
            "RETURNORDER_REFERENCE_PATTERN": "RMA-{ref:04d}",
            "RETURNORDER_REQUIRE_AUTHORIZATION": "on",
            "RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER": "1000",
        },
    )
    assert response.status_code == 302
    assert site_settings.get_value("RETURNORDER_REQUIRE_AUTHORIZATION") is True
    assert site_settings.get_value("RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER") == "1000"


def test_the_index_filters_requested_orders_and_the_home_page_counts_them(enabled, clerk):
    order, _bulk = _requested()
    OrderFactory(status=S.PENDING)
    content = clerk.get("/returns/", {"status": "110"}).content.decode()
    assert order.reference in content
    assert content.count("RMA-") >= 1
    home = clerk.get("/").content.decode()
    assert 'id="panel-awaiting_authorization"' in home
    assert order.reference in home


def test_the_home_page_has_no_authorization_panel_when_nothing_waits(enabled, clerk):
    OrderFactory(status=S.PENDING)
    assert 'id="panel-awaiting_authorization"' not in clerk.get("/").content.decode()
