"""Scanning serials onto an order, the add-line list, the Go to box, and empty extra lines."""

import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from returns.models import ReturnOrderExtraLine, ReturnOrderLineItem
from returns.statuses import ReturnOrderStatus
from tests.factories import CustomerFactory, PartFactory
from tests.pages.factories import HeldItemFactory, LineFactory, OrderFactory
from tests.pages.test_queries import BASE
from tests.returns.factories import CustomerBulkStockItemFactory

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
# The add-line page: the order, the held stock with its eligibility (one query), the
# single-item select's choices, RETURNORDER_REQUIRE_REASON and the active reasons (one query for
# both forms' selects). (The decorator's setting is the navigation's read, in BASE.)
LINE_ADD_QUERIES = BASE + 5


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def scan(client, order, code):
    return client.post(f"/returns/{order.pk}/lines/scan/", {"scan": code}, follow=True)


def tag(content: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id``."""
    match = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', content)
    assert match, element_id
    return match.group(0)


@pytest.fixture
def desk(db):
    """An open order and the stock its customer (ACME) holds."""
    order = OrderFactory(status=S.PENDING, customer=CustomerFactory(name="ACME"))
    part = PartFactory(name="Servo motor", IPN="SRV-1")
    return {
        "order": order,
        "a": HeldItemFactory(customer=order.customer, part=part, serial="SN-1"),
        "b": HeldItemFactory(customer=order.customer, part=part, serial="SN-2"),
        "bulk": CustomerBulkStockItemFactory(customer=order.customer, batch="LOT-7"),
        "theirs": HeldItemFactory(serial="SN-9"),
    }


# -- the scan field ------------------------------------------------------------------------


def test_an_open_order_page_has_a_focused_scan_field(enabled, clerk, desk):
    content = text(clerk.get(f"/returns/{desk['order'].pk}/"))
    assert (
        '<label class="form-label fw-semibold mb-1" for="scan-input">Scan or type serial</label>'
        in (content)
    )
    field = tag(content, "scan-input")
    assert 'name="scan"' in field
    assert "autofocus" in field
    assert f'action="/returns/{desk["order"].pk}/lines/scan/"' in content


@pytest.mark.parametrize("status", [S.COMPLETE, S.CANCELLED])
def test_a_closed_order_has_no_scan_field(enabled, clerk, status):
    order = OrderFactory(status=status)
    assert 'id="scan-input"' not in text(clerk.get(f"/returns/{order.pk}/"))


def test_a_viewer_has_no_scan_field_and_cannot_scan(enabled, viewer, desk):
    order = desk["order"]
    assert 'id="scan-input"' not in text(viewer.get(f"/returns/{order.pk}/"))
    response = viewer.post(f"/returns/{order.pk}/lines/scan/", {"scan": "SN-1"})
    assert response.status_code == 403
    assert not ReturnOrderLineItem.objects.exists()


def test_scanning_needs_return_orders_enabled(clerk, desk):
    order = desk["order"]
    assert clerk.post(f"/returns/{order.pk}/lines/scan/", {"scan": "SN-1"}).status_code == 404
    assert not ReturnOrderLineItem.objects.exists()


def test_scanning_a_serial_adds_the_item_and_comes_back_to_the_scan_field(enabled, clerk, desk):
    order = desk["order"]
    response = scan(clerk, order, " sn-1 ")
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [f"Added {desk['a']} to the order."]
    line = ReturnOrderLineItem.objects.get(order=order)
    assert (line.item, line.quantity) == (desk["a"], Decimal(1))
    assert "autofocus" in tag(text(response), "scan-input")
    scan(clerk, order, "SN-2")
    assert set(order.lines.values_list("item", flat=True)) == {desk["a"].pk, desk["b"].pk}


def test_scanning_a_bulk_items_batch_adds_the_whole_quantity_held(enabled, clerk, desk):
    order = desk["order"]
    response = scan(clerk, order, "lot-7")
    line = ReturnOrderLineItem.objects.get(order=order)
    assert (line.item, line.quantity) == (desk["bulk"], desk["bulk"].quantity)
    assert messages_of(response) == [
        f"Added {desk['bulk']} to the order: the whole quantity held. Edit the line if fewer "
        "came back."
    ]


@pytest.mark.parametrize("code", ["NOPE", "SN-9"])
def test_scanning_what_the_customer_does_not_hold_says_so(enabled, clerk, desk, code):
    order = desk["order"]
    response = scan(clerk, order, code)
    (message,) = messages_of(response)
    assert message.startswith(f"No stock held by ACME matches “{code}”.")
    assert f'href="/returns/{order.pk}/lines/add/?q={code}"' in message
    assert not ReturnOrderLineItem.objects.exists()


def test_scanning_a_serial_two_parts_share_lists_both(enabled, clerk, desk):
    order = desk["order"]
    twin = HeldItemFactory(customer=order.customer, serial="SN-1")
    response = scan(clerk, order, "SN-1")
    (message,) = messages_of(response)
    assert message.startswith("2 items held by ACME match “SN-1”: ")
    assert str(desk["a"]) in message and str(twin) in message
    assert f'<a href="/returns/{order.pk}/lines/add/?q=SN-1">Choose one' in message
    assert not ReturnOrderLineItem.objects.exists()


def test_scanning_an_item_already_on_the_order_adds_nothing(enabled, clerk, desk):
    order = desk["order"]
    LineFactory(order=order, item=desk["a"])
    response = scan(clerk, order, "SN-1")
    assert messages_of(response) == [f"{desk['a']} is already on this order."]
    assert order.lines.count() == 1


def test_scanning_an_item_on_another_open_order_links_to_it(enabled, clerk, desk):
    order = desk["order"]
    other = LineFactory(
        order__customer=order.customer, order__status=S.IN_PROGRESS, item=desk["a"]
    ).order
    response = scan(clerk, order, "SN-1")
    (message,) = messages_of(response)
    assert message == (
        f'{desk["a"]} is on open return order <a href="/returns/{other.pk}/">'
        f"{other.reference}</a>: it cannot be on two open orders."
    )
    assert f'<a href="/returns/{other.pk}/">{other.reference}</a>' in text(response)
    assert not order.lines.exists()


def test_an_empty_scan_adds_nothing(enabled, clerk, desk):
    response = scan(clerk, desk["order"], "")
    assert messages_of(response) == ["Scan or type serial: This field is required."]
    assert not ReturnOrderLineItem.objects.exists()


def test_scanning_onto_a_closed_order_is_refused(enabled, clerk, desk, set_setting):
    order = desk["order"]
    order.status = S.COMPLETE
    order.save()
    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    response = scan(clerk, order, "SN-1")
    (message,) = messages_of(response)
    assert message.startswith("Lines can only be added to open orders")
    assert not ReturnOrderLineItem.objects.exists()


# -- the add-line list ---------------------------------------------------------------------


def line_add(client, order, q=None):
    return client.get(f"/returns/{order.pk}/lines/add/", {"q": q} if q is not None else {})


def test_the_list_shows_every_held_item_and_why_some_cannot_be_added(enabled, clerk, desk):
    order = desk["order"]
    LineFactory(order=order, item=desk["a"])
    other = LineFactory(order__customer=order.customer, order__status=S.ON_HOLD, item=desk["b"])
    content = text(line_add(clerk, order))
    for key in ("a", "b"):
        assert "disabled" in tag(content, f"pick-item-{desk[key].pk}")
    assert "disabled" not in tag(content, f"pick-item-{desk['bulk'].pk}")
    assert "theirs" not in content and f"pick-item-{desk['theirs'].pk}" not in content
    assert "Already on this order" in content
    assert f'On <a href="/returns/{other.order.pk}/">{other.order.reference}</a>' in content
    assert "Bulk item: choose a quantity" in content
    # The single-item select: the item on another order is listed disabled, with the reason.
    assert re.search(
        rf'<option value="{desk["b"].pk}" disabled>[^<]*SN SN-2 \(on {other.order.reference}\)',
        content,
    )


def test_the_search_box_has_focus_and_keeps_the_search(enabled, clerk, desk):
    content = text(line_add(clerk, desk["order"], "servo"))
    search = tag(content, "item-search")
    assert "autofocus" in search and 'value="servo"' in search
    assert f"pick-item-{desk['a'].pk}" in content and f"pick-item-{desk['b'].pk}" in content
    assert f"pick-item-{desk['bulk'].pk}" not in content


def test_a_search_that_finds_one_item_chooses_it(enabled, clerk, desk):
    response = line_add(clerk, desk["order"], "SN-2")
    content = text(response)
    assert "checked" in tag(content, f"pick-item-{desk['b'].pk}")
    assert re.search(rf'<option value="{desk["b"].pk}" selected>', content)
    assert "checked" not in tag(
        text(line_add(clerk, desk["order"], "servo")), f"pick-item-{desk['a'].pk}"
    )


def test_several_items_are_added_in_one_post(enabled, clerk, desk):
    order = desk["order"]
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {
            "form": "many",
            "items": [desk["a"].pk, desk["b"].pk, desk["bulk"].pk],
            f"quantity_{desk['bulk'].pk}": "3",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    (message,) = messages_of(response)
    assert message.startswith("Added 3 lines to the order: ")
    assert dict(order.lines.values_list("item", "quantity")) == {
        desk["a"].pk: Decimal(1),
        desk["b"].pk: Decimal(1),
        desk["bulk"].pk: Decimal(3),
    }


def test_adding_several_and_more_comes_back_to_the_list(enabled, clerk, desk):
    order = desk["order"]
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {"form": "many", "items": [desk["a"].pk], "another": "1"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/lines/add/", 302)]
    assert messages_of(response) == [f"Added 1 line to the order: {desk['a']}."]
    assert "disabled" in tag(text(response), f"pick-item-{desk['a'].pk}")


def test_several_items_are_all_or_nothing(enabled, clerk, desk):
    order = desk["order"]
    other = LineFactory(order__customer=order.customer, order__status=S.PENDING, item=desk["b"])
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {
            "form": "many",
            "items": [desk["a"].pk, desk["b"].pk, desk["bulk"].pk],
            f"quantity_{desk['bulk'].pk}": "99",
        },
    )
    content = text(response)
    assert f"{desk['bulk']}: Return quantity exceeds stock quantity" in content
    assert (
        f"{desk['b']}: Stock item {desk['b']} is already on open return order "
        f"{other.order.reference}" in content
    )
    assert not order.lines.exists()
    # What was ticked stays ticked.
    assert "checked" in tag(content, f"pick-item-{desk['a'].pk}")


def test_adding_several_needs_a_tick_and_sane_quantities(enabled, clerk, desk):
    order = desk["order"]
    url = f"/returns/{order.pk}/lines/add/"
    assert "Tick at least one stock item to add." in text(clerk.post(url, {"form": "many"}))
    response = clerk.post(
        url, {"form": "many", "items": [desk["bulk"].pk], f"quantity_{desk['bulk'].pk}": "x"}
    )
    assert f"{desk['bulk']}: enter a quantity above zero." in text(response)
    assert not order.lines.exists()


def test_save_and_add_another_comes_back_to_the_add_page(enabled, clerk, desk):
    order = desk["order"]
    page = text(line_add(clerk, order))
    assert (
        '<button type="submit" class="btn btn-outline-primary" name="another" value="1">' in (page)
        and "Save and add another</button>" in page
    )
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {"item": desk["a"].pk, "quantity": "1", "notes": "Rattles", "another": "1"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/lines/add/", 302)]
    assert messages_of(response) == [f"Added {desk['a']} to the order."]
    assert order.lines.get().notes == "Rattles"


def test_adding_lines_needs_the_add_line_permission(enabled, page_client, desk):
    order = desk["order"]
    # Changing orders (and every stock flag) is not adding lines to them.
    changer = page_client(return_order=["view", "change", "delete"], stock=["view", "change"])
    assert changer.get(f"/returns/{order.pk}/lines/add/").status_code == 403
    many = {"form": "many", "items": [desk["a"].pk]}
    assert changer.post(f"/returns/{order.pk}/lines/add/", many).status_code == 403
    assert changer.post(f"/returns/{order.pk}/lines/scan/", {"scan": "SN-1"}).status_code == 403
    assert not ReturnOrderLineItem.objects.exists()
    assert changer.user.has_perm("returns.add_returnorderlineitem") is False


@pytest.mark.parametrize("held", [1, 12])
def test_the_add_line_page_runs_a_fixed_number_of_queries(
    enabled, clerk, django_assert_num_queries, held
):
    order = OrderFactory(status=S.PENDING)
    items = [HeldItemFactory(customer=order.customer) for _ in range(held)]
    LineFactory(order__customer=order.customer, order__status=S.PENDING, item=items[0])
    with django_assert_num_queries(LINE_ADD_QUERIES):
        response = line_add(clerk, order)
    assert len(response.context["rows"]) == held


# -- extra lines ---------------------------------------------------------------------------


def test_an_empty_extra_line_is_refused_beside_both_fields(enabled, clerk, desk):
    order = desk["order"]
    response = clerk.post(f"/returns/{order.pk}/extra/add/", {"quantity": "1", "price": "5"})
    form = response.context["form"]
    message = "Give a description or a reference: an extra line must say what it is for"
    assert form.errors == {"reference": [message], "description": [message]}
    assert text(response).count(message) >= 2
    assert not ReturnOrderExtraLine.objects.exists()
    added = clerk.post(
        f"/returns/{order.pk}/extra/add/", {"quantity": "1", "description": "Freight"}
    )
    assert added.status_code == 302
    assert ReturnOrderExtraLine.objects.get().description == "Freight"


# -- the Go to box -------------------------------------------------------------------------


@pytest.fixture
def rma6(db):
    return OrderFactory(reference="RMA-0006", reference_int=6)


def test_the_go_to_box_is_in_the_navbar_for_whoever_may_view_orders(enabled, viewer, page_client):
    content = text(viewer.get("/"))
    assert '<label class="visually-hidden" for="goto-q">Go to order</label>' in content
    assert 'action="/returns/go/"' in content
    stock_only = page_client(stock=["view"])
    assert 'id="goto-q"' not in text(stock_only.get("/"))


def test_the_go_to_box_is_hidden_while_return_orders_are_off(viewer):
    assert 'id="goto-q"' not in text(viewer.get("/"))
    assert viewer.get("/returns/go/", {"q": "RMA-0006"}).status_code == 404


@pytest.mark.parametrize("q", ["RMA-0006", "rma-0006", " RMA-0006 ", "6", "0006"])
def test_go_to_opens_the_order_a_reference_names(enabled, viewer, rma6, q):
    response = viewer.get("/returns/go/", {"q": q})
    assert (response.status_code, response["Location"]) == (302, f"/returns/{rma6.pk}/")


def test_go_to_an_ambiguous_number_or_unknown_reference_searches_the_index(enabled, viewer, rma6):
    OrderFactory(reference="RET-6", reference_int=6)
    # "\u00b2" (superscript two) is a digit to str.isdigit() but not a number to int().
    for q, search in (("6", "6"), ("RMA-9999", "RMA-9999"), ("\u00b2", "%C2%B2")):
        response = viewer.get("/returns/go/", {"q": q}, follow=True)
        assert response.redirect_chain == [(f"/returns/?search={search}", 302)]
        assert messages_of(response) == [
            f"No return order has the reference “{q}”: these orders match the search."
        ]


def test_go_to_nothing_opens_the_index(enabled, viewer):
    response = viewer.get("/returns/go/", {"q": "  "})
    assert (response.status_code, response["Location"]) == (302, "/returns/")


def test_go_to_needs_the_view_permission(enabled, page_client, rma6):
    stock_only = page_client(stock=["view"])
    assert stock_only.get("/returns/go/", {"q": "RMA-0006"}).status_code == 403
    anonymous = Client().get("/returns/go/", {"q": "RMA-0006"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_an_empty_add_line_page_links_to_assigning_stock_only_for_the_stock_role(
    enabled, clerk, page_client
):
    order = OrderFactory(status=S.PENDING, customer=CustomerFactory(name="Bare Co"))
    content = text(clerk.get(f"/returns/{order.pk}/lines/add/"))
    link = f"/stock/assign/?customer={order.customer_id}&next=/returns/{order.pk}/lines/add/"
    assert f'href="{link}"' in content
    assert "Assign sold stock to Bare Co" in content
    no_stock_role = page_client(return_order=["view", "add", "change"])
    content = text(no_stock_role.get(f"/returns/{order.pk}/lines/add/"))
    assert "/stock/assign/" not in content
    assert "Ask someone with the stock role" in content
