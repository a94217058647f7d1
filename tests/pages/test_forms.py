"""The pages that change orders: create, edit, lines, extra lines, receive, attachments, notes,
delete. Each POST either redirects with a message or re-renders the form with the reason."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from common.models import Attachment
from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
from returns.services import LOCKED_MESSAGE
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
)
from tests.pages.factories import (
    ExtraLineFactory,
    HeldItemFactory,
    LineFactory,
    OrderFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus
TODAY = timezone.localdate


def text(response) -> str:
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def field_block(response, name: str) -> str:
    """The rendered block of one form field: its label, input, help and errors."""
    content = text(response)
    at = content.index(f'name="{name}"')
    start = content.rindex('<div class="mb-3">', 0, at)
    following = content.find('<div class="mb-3">', at)
    return content[start : following if following != -1 else len(content)]


def option_labels(response, name: str) -> list[str]:
    content = text(response)
    start = content.index(f'name="{name}"')
    select = content[start : content.index("</select>", start)]
    return [label.strip() for label in re.findall(r"<option [^>]*>([^<]*)</option>", select)]


# -- create --------------------------------------------------------------------------------


def order_data(customer, **extra) -> dict:
    data = {"customer": customer.pk, "reference": "", "description": "Broken screens"}
    data.update(extra)
    return data


def test_create_form_offers_customers_only(enabled, clerk):
    CustomerFactory(name="Acme Robotics")
    CustomerFactory(name="Globex")
    CompanyFactory(name="Widget Supplier")
    response = clerk.get("/returns/new/")
    assert response.status_code == 200
    assert option_labels(response, "customer") == ["---------", "Acme Robotics", "Globex"]


def test_create_form_prefills_the_next_reference(enabled, clerk):
    OrderFactory(reference="RMA-0007", reference_int=7)
    response = clerk.get("/returns/new/")
    block = field_block(response, "reference")
    assert 'value="RMA-0008"' in block
    assert "Pattern: RMA-{ref:04d}" in block


def test_create_form_prefills_the_customer_from_the_company_page(enabled, clerk):
    customer = CustomerFactory()
    response = clerk.get(f"/returns/new/?customer={customer.pk}")
    assert f'<option value="{customer.pk}" selected>' in text(response)


def test_create_redirects_to_the_new_order_with_a_message(enabled, clerk):
    customer = CustomerFactory()
    contact = ContactFactory(company=customer)
    address = AddressFactory(company=customer)
    response = clerk.post(
        "/returns/new/",
        order_data(
            customer,
            contact=contact.pk,
            address=address.pk,
            target_date="2031-03-01",
            start_date="2031-02-01",
            responsible=owner_of(clerk.user).pk,
        ),
        follow=True,
    )
    order = ReturnOrder.objects.get()
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == ["Created return order RMA-0001."]
    assert order.reference == "RMA-0001"
    assert order.customer == customer
    assert (order.contact, order.address) == (contact, address)
    assert order.target_date == datetime.date(2031, 3, 1)
    assert order.responsible == owner_of(clerk.user)
    assert order.created_by == clerk.user
    assert order.status == S.PENDING


def test_create_with_a_typed_reference(enabled, clerk):
    customer = CustomerFactory()
    clerk.post("/returns/new/", order_data(customer, reference="RMA-0500"))
    assert ReturnOrder.objects.get().reference_int == 500


def test_create_refuses_a_reference_off_the_pattern(enabled, clerk):
    customer = CustomerFactory()
    response = clerk.post("/returns/new/", order_data(customer, reference="XYZ"))
    assert response.status_code == 200
    assert "Reference must match required pattern: RMA-{ref:04d}" in field_block(
        response, "reference"
    )
    assert not ReturnOrder.objects.exists()


def test_create_refuses_a_supplier(enabled, clerk):
    supplier = CompanyFactory()
    response = clerk.post("/returns/new/", order_data(supplier))
    assert response.status_code == 200
    assert "Select a valid choice" in field_block(response, "customer")
    assert not ReturnOrder.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("contact", "Contact does not match selected company"),
        ("address", "Address does not match selected company"),
    ],
)
def test_contact_or_address_of_another_company_is_refused_beside_the_field(
    enabled, clerk, field, message
):
    customer, other = CustomerFactory(), CustomerFactory()
    foreign = (ContactFactory if field == "contact" else AddressFactory)(company=other)
    response = clerk.post("/returns/new/", order_data(customer, **{field: foreign.pk}))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert message in field_block(response, field)
    assert not ReturnOrder.objects.exists()


def test_contact_options_carry_their_company_for_the_narrowing_script(enabled, clerk):
    customer = CustomerFactory(name="Acme")
    contact = ContactFactory(company=customer, name="Dana")
    response = clerk.get("/returns/new/")
    assert f'<option value="{contact.pk}" data-company="{customer.pk}">Acme: Dana</option>' in text(
        response
    )


def test_start_after_target_is_refused_beside_both_fields(enabled, clerk):
    customer = CustomerFactory()
    response = clerk.post(
        "/returns/new/", order_data(customer, start_date="2031-05-02", target_date="2031-05-01")
    )
    assert response.status_code == 200
    assert "Start date must be before target date" in field_block(response, "start_date")
    assert "Target date must be after start date" in field_block(response, "target_date")
    assert not ReturnOrder.objects.exists()


def test_required_fields_and_bad_input_re_render_the_form(enabled, clerk):
    response = clerk.post(
        "/returns/new/", {"customer": "", "target_date": "soon", "link": "not a url"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["customer"] == ["This field is required."]
    assert errors["target_date"] == ["Enter a valid date."]
    assert errors["link"] == ["Enter a valid URL."]


def test_responsible_is_optional_by_default(enabled, clerk):
    response = clerk.get("/returns/new/")
    assert response.context["form"].fields["responsible"].required is False


def test_require_responsible_setting_makes_it_required(enabled, clerk, set_setting):
    set_setting("RETURNORDER_REQUIRE_RESPONSIBLE", True)
    customer = CustomerFactory()
    form_page = clerk.get("/returns/new/")
    assert '<span class="text-danger" aria-hidden="true">*</span>' in field_block(
        form_page, "responsible"
    )
    response = clerk.post("/returns/new/", order_data(customer))
    assert response.status_code == 200
    assert "This field is required." in field_block(response, "responsible")
    assert not ReturnOrder.objects.exists()

    ok = clerk.post("/returns/new/", order_data(customer, responsible=owner_of(clerk.user).pk))
    assert ok.status_code == 302
    assert ReturnOrder.objects.get().responsible == owner_of(clerk.user)


def test_create_needs_add_permission(enabled, page_client):
    viewer = page_client(return_order=["view"])
    customer = CustomerFactory()
    assert viewer.post("/returns/new/", order_data(customer)).status_code == 403
    assert not ReturnOrder.objects.exists()


# -- edit ----------------------------------------------------------------------------------


def test_edit_form_shows_the_current_values(enabled, clerk):
    customer = CustomerFactory()
    contact = ContactFactory(company=customer)
    order = OrderFactory(
        customer=customer, contact=contact, description="Old words", target_date="2031-01-02"
    )
    response = clerk.get(f"/returns/{order.pk}/edit/")
    assert response.status_code == 200
    content = text(response)
    assert f'<option value="{customer.pk}" selected>' in content
    assert f'value="{order.reference}"' in content
    assert 'value="Old words"' in content
    assert 'value="2031-01-02"' in content
    assert f'<option value="{contact.pk}" selected data-company="{customer.pk}">' in content


def test_edit_saves_and_redirects_with_a_message(enabled, clerk):
    order = OrderFactory(description="Old words")
    data = order_data(
        order.customer,
        reference=order.reference,
        description="New words",
        target_date="2031-04-04",
    )
    response = clerk.post(f"/returns/{order.pk}/edit/", data, follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [f"Saved return order {order.reference}."]
    order.refresh_from_db()
    assert order.description == "New words"
    assert order.target_date == datetime.date(2031, 4, 4)
    assert order.target_date_sequence == 1


def test_edit_refuses_another_companys_contact(enabled, clerk):
    order = OrderFactory()
    foreign = ContactFactory()
    data = order_data(order.customer, reference=order.reference, contact=foreign.pk)
    response = clerk.post(f"/returns/{order.pk}/edit/", data)
    assert response.status_code == 200
    assert "Contact does not match selected company" in field_block(response, "contact")
    order.refresh_from_db()
    assert order.contact is None


def test_edit_refuses_changing_the_customer_once_lines_exist(enabled, clerk):
    order = OrderFactory()
    LineFactory(order=order)
    other = CustomerFactory()
    response = clerk.post(
        f"/returns/{order.pk}/edit/", order_data(other, reference=order.reference)
    )
    assert response.status_code == 200
    assert "The customer cannot be changed once the order has line items" in field_block(
        response, "customer"
    )
    order.refresh_from_db()
    assert order.customer != other


def test_edit_needs_a_reference(enabled, clerk):
    order = OrderFactory()
    response = clerk.post(f"/returns/{order.pk}/edit/", order_data(order.customer, reference=""))
    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == ["This field is required."]


def test_a_locked_order_cannot_be_edited(enabled, clerk):
    order = OrderFactory(status=S.COMPLETE, description="Final")
    response = clerk.get(f"/returns/{order.pk}/edit/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [LOCKED_MESSAGE]

    posted = clerk.post(
        f"/returns/{order.pk}/edit/",
        order_data(order.customer, reference=order.reference, description="Changed"),
    )
    assert LOCKED_MESSAGE in text(posted)
    order.refresh_from_db()
    assert order.description == "Final"


def test_edit_of_an_unknown_order_is_a_404(enabled, clerk):
    assert clerk.get("/returns/999999/edit/").status_code == 404


# -- delete --------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes(enabled, clerk):
    order = OrderFactory()
    LineFactory(order=order)
    ExtraLineFactory(order=order)
    confirm = clerk.get(f"/returns/{order.pk}/delete/")
    assert confirm.status_code == 200
    assert f"Delete {order.reference}?" in text(confirm)
    assert ReturnOrder.objects.filter(pk=order.pk).exists()

    response = clerk.post(f"/returns/{order.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/returns/", 302)]
    assert messages_of(response) == [f"Deleted return order {order.reference}."]
    assert not ReturnOrder.objects.filter(pk=order.pk).exists()
    assert not ReturnOrderLineItem.objects.exists()


def test_an_order_with_received_lines_cannot_be_deleted(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    LineFactory(order=order, received_date=TODAY())
    response = clerk.post(f"/returns/{order.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    (message,) = messages_of(response)
    assert "has 1 received line(s) and cannot be deleted" in message
    assert ReturnOrder.objects.filter(pk=order.pk).exists()


def test_delete_needs_delete_permission(enabled, page_client):
    adder = page_client(return_order=["view", "add"])
    order = OrderFactory()
    assert adder.get(f"/returns/{order.pk}/delete/").status_code == 403
    assert adder.post(f"/returns/{order.pk}/delete/").status_code == 403
    assert ReturnOrder.objects.filter(pk=order.pk).exists()


# -- lines ---------------------------------------------------------------------------------


@pytest.fixture
def held(db):
    """An open order, and stock its customer and another customer hold."""
    order = OrderFactory(status=S.PENDING)
    part = PartFactory(name="Servo motor", IPN="SRV-1")
    return {
        "order": order,
        "mine": HeldItemFactory(customer=order.customer, part=part, serial="A100"),
        "mine_too": HeldItemFactory(customer=order.customer, serial="B200"),
        "on_order": LineFactory(order=order, item__serial="C300").item,
        "theirs": HeldItemFactory(serial="A101"),
        "in_stock": HeldItemFactory(customer=None, serial="A102"),
    }


def picker(client, order, q=None) -> set[int]:
    url = f"/returns/{order.pk}/lines/add/" + (f"?q={q}" if q is not None else "")
    response = client.get(url)
    assert response.status_code == 200
    return {item.pk for item in response.context["form"].fields["item"].queryset}


def test_line_picker_offers_the_customers_stock_not_yet_on_the_order(enabled, clerk, held):
    assert picker(clerk, held["order"]) == {held["mine"].pk, held["mine_too"].pk}
    response = clerk.get(f"/returns/{held['order'].pk}/lines/add/")
    # Sorted by part name, then serial: "Part n" before "Servo motor".
    assert option_labels(response, "item") == [
        "---------",
        f"{held['mine_too'].part.full_name} · SN B200",
        "SRV-1 | Servo motor · SN A100",
    ]
    assert f"Only stock currently held by <strong>{held['order'].customer.name}</strong>" in text(
        response
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("A100", {"mine"}),
        ("a1", {"mine"}),
        ("servo", {"mine"}),
        ("SRV", {"mine"}),
        ("B2", {"mine_too"}),
        ("servo a100", {"mine"}),
        ("servo B200", set()),
        ("C300", set()),
    ],
)
def test_line_picker_searches_serial_and_part(enabled, clerk, held, q, expected):
    assert picker(clerk, held["order"], q) == {held[name].pk for name in expected}


def test_line_picker_says_when_nothing_matches(enabled, clerk, held):
    response = clerk.get(f"/returns/{held['order'].pk}/lines/add/?q=zzz")
    assert "No stock held by this customer matches “zzz”." in text(response)
    assert "disabled>Add line</button>" in text(response)


def test_add_line_redirects_with_a_message(enabled, clerk, held):
    order = held["order"]
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/",
        {"item": held["mine"].pk, "quantity": "1", "price": "12.5", "notes": "Clicks"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [f"Added {held['mine']} to the order."]
    line = ReturnOrderLineItem.objects.get(order=order, item=held["mine"])
    assert line.price == Money(Decimal("12.5"), order.currency)
    assert line.notes == "Clicks"
    order.refresh_from_db()
    assert order.total_price == Money(Decimal("12.5"), order.currency)


def test_adding_another_customers_item_is_refused(enabled, clerk, held):
    order = held["order"]
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/", {"item": held["theirs"].pk, "quantity": "1"}
    )
    assert response.status_code == 200
    assert "Select a valid choice. That choice is not one of the available choices." in (
        field_block(response, "item")
    )
    assert not ReturnOrderLineItem.objects.filter(item=held["theirs"]).exists()


def test_adding_an_item_on_another_open_order_shows_the_services_message(enabled, clerk, held):
    order = held["order"]
    elsewhere = LineFactory(order__customer=order.customer, order__status=S.IN_PROGRESS)
    response = clerk.post(
        f"/returns/{order.pk}/lines/add/", {"item": elsewhere.item.pk, "quantity": "1"}
    )
    assert response.status_code == 200
    assert (
        f"Stock item {elsewhere.item} is already on open return order {elsewhere.order.reference}"
        in field_block(response, "item")
    )
    assert not ReturnOrderLineItem.objects.filter(order=order, item=elsewhere.item).exists()


def test_adding_too_much_is_refused_beside_quantity(enabled, clerk, held):
    response = clerk.post(
        f"/returns/{held['order'].pk}/lines/add/", {"item": held["mine"].pk, "quantity": "2"}
    )
    assert "Return quantity exceeds stock quantity" in field_block(response, "quantity")


def test_lines_cannot_be_added_to_a_closed_order(enabled, clerk, set_setting):
    order = OrderFactory(status=S.CANCELLED)
    item = HeldItemFactory(customer=order.customer)
    # A cancelled order is locked, like a completed one.
    response = clerk.post(f"/returns/{order.pk}/lines/add/", {"item": item.pk, "quantity": "1"})
    assert response.status_code == 200
    assert "This order is locked and cannot be modified" in text(response)
    assert not ReturnOrderLineItem.objects.exists()
    # Unlocked by the setting, it is still closed: no lines are added to it.
    set_setting("RETURNORDER_EDIT_COMPLETED_ORDERS", True)
    response = clerk.post(f"/returns/{order.pk}/lines/add/", {"item": item.pk, "quantity": "1"})
    assert response.status_code == 200
    assert "Lines can only be added to open orders" in text(response)
    assert not ReturnOrderLineItem.objects.exists()


def test_edit_line_outcome_price_and_notes(enabled, clerk):
    line = LineFactory(order__status=S.IN_PROGRESS)
    order = line.order
    form_page = clerk.get(f"/returns/{order.pk}/lines/{line.pk}/edit/")
    assert form_page.status_code == 200
    response = clerk.post(
        f"/returns/{order.pk}/lines/{line.pk}/edit/",
        {
            "outcome": ReturnOrderLineStatus.REPAIR,
            "quantity": "1",
            "price": "30",
            "price_currency": "EUR",
            "reference": "R-1",
            "notes": "Replace the fan",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [f"Saved line {line.item}."]
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.REPAIR
    assert line.price == Money(Decimal("30"), "EUR")
    assert (line.reference, line.notes) == ("R-1", "Replace the fan")
    # An unresolved line shows its outcome in the inline <select>, set to the new value.
    content = text(response)
    row = content[content.index(f'<tr id="line-{line.pk}">') :]
    select = row[row.index(f'<select name="outcome" id="outcome-{line.pk}"') :]
    select = select[: select.index("</select>")]
    assert f'<option value="{ReturnOrderLineStatus.REPAIR}" selected>Repair</option>' in select
    assert select.count(" selected>") == 1


def test_edit_line_form_shows_the_current_values(enabled, clerk):
    line = LineFactory(
        outcome=ReturnOrderLineStatus.REFUND, price=Money(Decimal("7.5"), "GBP"), notes="Dent"
    )
    response = clerk.get(f"/returns/{line.order.pk}/lines/{line.pk}/edit/")
    content = text(response)
    assert '<option value="50" selected>Refund</option>' in content
    assert '<option value="GBP" selected>GBP</option>' in content
    assert 'value="Dent"' in content


def test_a_received_line_keeps_its_quantity_but_its_outcome_changes(enabled, clerk):
    line = LineFactory(order__status=S.IN_PROGRESS, received_date=TODAY())
    form_page = clerk.get(f"/returns/{line.order.pk}/lines/{line.pk}/edit/")
    assert "Received lines keep their quantity." in text(form_page)
    assert re.search(r'name="quantity"[^>]*disabled', text(form_page))
    response = clerk.post(
        f"/returns/{line.order.pk}/lines/{line.pk}/edit/",
        {"outcome": ReturnOrderLineStatus.RETURN, "quantity": "5"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.outcome == ReturnOrderLineStatus.RETURN
    assert line.quantity == 1


def test_line_of_another_order_is_a_404(enabled, clerk):
    line = LineFactory()
    other = OrderFactory()
    assert clerk.get(f"/returns/{other.pk}/lines/{line.pk}/edit/").status_code == 404
    assert clerk.post(f"/returns/{other.pk}/lines/{line.pk}/delete/").status_code == 404
    assert ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_remove_line(enabled, clerk):
    line = LineFactory()
    order = line.order
    assert f'action="/returns/{order.pk}/lines/{line.pk}/delete/"' in text(
        clerk.get(f"/returns/{order.pk}/")
    )
    response = clerk.post(f"/returns/{order.pk}/lines/{line.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [f"Removed {line.item} from the order."]
    assert not ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


def test_remove_is_not_offered_for_received_lines_and_is_refused(enabled, clerk):
    order = OrderFactory(status=S.IN_PROGRESS)
    received = LineFactory(order=order, received_date=TODAY())
    waiting = LineFactory(order=order)
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert f'action="/returns/{order.pk}/lines/{received.pk}/delete/"' not in content
    assert f'action="/returns/{order.pk}/lines/{waiting.pk}/delete/"' in content

    response = clerk.post(f"/returns/{order.pk}/lines/{received.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == [
        "This line has been received and cannot be deleted: that would erase stock history"
    ]
    assert ReturnOrderLineItem.objects.filter(pk=received.pk).exists()


def test_removing_a_line_is_post_only(enabled, clerk):
    line = LineFactory()
    assert clerk.get(f"/returns/{line.order.pk}/lines/{line.pk}/delete/").status_code == 405
    assert ReturnOrderLineItem.objects.filter(pk=line.pk).exists()


# -- extra lines ---------------------------------------------------------------------------


def test_add_extra_line(enabled, clerk):
    order = OrderFactory(customer__currency="USD")
    response = clerk.post(
        f"/returns/{order.pk}/extra/add/",
        {"reference": "Freight", "description": "Courier", "quantity": "2", "price": "-4.5"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == ["Added an extra line."]
    extra = ReturnOrderExtraLine.objects.get(order=order)
    assert (extra.reference, extra.quantity) == ("Freight", 2)
    assert extra.price == Money(Decimal("-4.5"), "USD")
    order.refresh_from_db()
    assert order.total_price == Money(Decimal("-9"), "USD")
    assert "Courier" in text(response)


def test_extra_line_form_errors_re_render(enabled, clerk):
    order = OrderFactory()
    response = clerk.post(f"/returns/{order.pk}/extra/add/", {"quantity": "-1", "price": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "quantity" in errors
    assert errors["price"] == ["Enter a number."]
    assert not ReturnOrderExtraLine.objects.exists()


def test_edit_extra_line(enabled, clerk):
    extra = ExtraLineFactory(description="Freight cost", price=Money(Decimal("10"), "USD"))
    order = extra.order
    form_page = clerk.get(f"/returns/{order.pk}/extra/{extra.pk}/edit/")
    assert 'value="Freight cost"' in text(form_page)
    response = clerk.post(
        f"/returns/{order.pk}/extra/{extra.pk}/edit/",
        {"description": "Express freight", "quantity": "1", "price": "15", "price_currency": "USD"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == ["Saved the extra line."]
    extra.refresh_from_db()
    assert extra.description == "Express freight"
    assert extra.price == Money(Decimal("15"), "USD")


def test_remove_extra_line(enabled, clerk):
    extra = ExtraLineFactory()
    order = extra.order
    response = clerk.post(f"/returns/{order.pk}/extra/{extra.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == ["Removed the extra line."]
    assert not ReturnOrderExtraLine.objects.exists()


def test_extra_lines_of_a_locked_order_cannot_change(enabled, clerk):
    extra = ExtraLineFactory(order__status=S.COMPLETE)
    order = extra.order
    response = clerk.post(f"/returns/{order.pk}/extra/{extra.pk}/delete/", follow=True)
    assert messages_of(response) == [LOCKED_MESSAGE]
    assert ReturnOrderExtraLine.objects.filter(pk=extra.pk).exists()
    added = clerk.post(f"/returns/{order.pk}/extra/add/", {"quantity": "1"})
    assert added.status_code == 200
    assert LOCKED_MESSAGE in text(added)
    assert ReturnOrderExtraLine.objects.count() == 1


# -- receive -------------------------------------------------------------------------------


@pytest.fixture
def receiving(db):
    """An order in progress with two waiting lines and one received, and some locations."""
    order = OrderFactory(status=S.IN_PROGRESS)
    warehouse = LocationFactory(name="Warehouse", structural=True)
    return {
        "order": order,
        "waiting": [LineFactory(order=order), LineFactory(order=order)],
        "received": LineFactory(order=order, received_date=TODAY()),
        "structural": warehouse,
        "bay": LocationFactory(name="Returns bay", parent=warehouse),
    }


def test_receive_form_lists_the_unreceived_lines_all_checked(enabled, clerk, receiving):
    order = receiving["order"]
    response = clerk.get(f"/returns/{order.pk}/receive/")
    assert response.status_code == 200
    content = text(response)
    boxes = re.findall(r'<input type="checkbox" name="lines" value="(\d+)"([^>]*)>', content)
    assert {int(pk) for pk, _attrs in boxes} == {line.pk for line in receiving["waiting"]}
    assert all("checked" in attrs for _pk, attrs in boxes)
    assert str(receiving["received"].item) not in content


def test_receive_form_disables_structural_locations(enabled, clerk, receiving):
    response = clerk.get(f"/returns/{receiving['order'].pk}/receive/")
    # The location select only: the status select's option values are numbers too.
    content = re.search(r'<select name="location".*?</select>', text(response), re.S).group(0)
    structural = re.search(
        rf'<option value="{receiving["structural"].pk}"([^>]*)>([^<]*)</option>', content
    )
    bay = re.search(rf'<option value="{receiving["bay"].pk}"([^>]*)>([^<]*)</option>', content)
    assert "disabled" in structural.group(1)
    assert structural.group(2) == "Warehouse (structural)"
    assert "disabled" not in bay.group(1)
    assert bay.group(2) == "\u2003Returns bay"


def test_receive_form_defaults_to_quarantined(enabled, clerk, receiving):
    response = clerk.get(f"/returns/{receiving['order'].pk}/receive/")
    assert '<option value="75" selected>Quarantined</option>' in text(response)


def test_receiving_moves_the_stock(enabled, clerk, receiving):
    order, bay = receiving["order"], receiving["bay"]
    first, second = receiving["waiting"]
    response = clerk.post(
        f"/returns/{order.pk}/receive/",
        {
            "lines": [first.pk, second.pk],
            "location": bay.pk,
            "status": StockStatus.QUARANTINED,
            "note": "Arrived by courier",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    assert messages_of(response) == ["Received 2 item(s) into Warehouse/Returns bay."]
    for line in (first, second):
        line.refresh_from_db()
        assert line.received_date == TODAY()
        item = StockItem.objects.get(pk=line.item_id)
        assert item.location == bay
        assert item.status == StockStatus.QUARANTINED
        assert item.customer is None
        entry = StockItemTracking.objects.get(
            item=item, tracking_type=StockHistoryCode.RETURNED_AGAINST_RETURN_ORDER
        )
        assert entry.deltas["returnorder"] == order.pk
        assert entry.notes == "Arrived by courier"
        assert entry.user == clerk.user
    assert "Received 2 items into Warehouse/Returns bay" in text(response)


def test_receiving_some_lines_with_another_status(enabled, clerk, receiving):
    order, bay = receiving["order"], receiving["bay"]
    first, second = receiving["waiting"]
    response = clerk.post(
        f"/returns/{order.pk}/receive/",
        {"lines": [second.pk], "location": bay.pk, "status": StockStatus.DAMAGED},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert StockItem.objects.get(pk=second.item_id).status == StockStatus.DAMAGED
    first.refresh_from_db()
    assert first.received_date is None
    assert StockItem.objects.get(pk=first.item_id).customer == order.customer

    again = clerk.get(f"/returns/{order.pk}/receive/")
    assert [line.pk for line in again.context["form"].line_objects] == [first.pk]


def test_a_structural_location_is_refused_on_the_form(enabled, clerk, receiving):
    order = receiving["order"]
    first, _second = receiving["waiting"]
    response = clerk.post(
        f"/returns/{order.pk}/receive/",
        {"lines": [first.pk], "location": receiving["structural"].pk, "status": 75},
    )
    assert response.status_code == 200
    assert "Stock items cannot be located into structural stock locations!" in field_block(
        response, "location"
    )
    first.refresh_from_db()
    assert first.received_date is None
    assert StockItem.objects.get(pk=first.item_id).customer == order.customer


def test_receive_needs_a_line_and_a_location(enabled, clerk, receiving):
    response = clerk.post(f"/returns/{receiving['order'].pk}/receive/", {"status": 75})
    errors = response.context["form"].errors
    assert errors["lines"] == ["This field is required."]
    assert errors["location"] == ["This field is required."]


def test_receive_refuses_an_order_not_in_progress(enabled, clerk):
    order = OrderFactory(status=S.PENDING)
    line = LineFactory(order=order)
    bay = LocationFactory()
    response = clerk.post(
        f"/returns/{order.pk}/receive/", {"lines": [line.pk], "location": bay.pk, "status": 75}
    )
    assert response.status_code == 200
    assert "Items can only be received against orders which are in progress" in text(response)
    line.refresh_from_db()
    assert line.received_date is None


def test_receive_says_when_everything_is_received(enabled, clerk):
    line = LineFactory(order__status=S.IN_PROGRESS, received_date=TODAY())
    response = clerk.get(f"/returns/{line.order.pk}/receive/")
    assert "Every line of this order has been received." in text(response)


def test_receive_needs_permission_to_change_stock(enabled, page_client, receiving):
    no_stock = page_client(return_order=["view", "add", "change", "delete"], stock=["view"])
    order, bay = receiving["order"], receiving["bay"]
    first, _second = receiving["waiting"]
    assert no_stock.get(f"/returns/{order.pk}/receive/").status_code == 403
    response = no_stock.post(
        f"/returns/{order.pk}/receive/", {"lines": [first.pk], "location": bay.pk, "status": 75}
    )
    assert response.status_code == 403
    first.refresh_from_db()
    assert first.received_date is None


# -- attachments and notes -----------------------------------------------------------------


def test_upload_a_file(enabled, clerk, settings):
    order = OrderFactory()
    upload = SimpleUploadedFile("rma-form.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = clerk.post(
        f"/returns/{order.pk}/attachments/", {"attachment": upload, "comment": "Signed form"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/returns/{order.pk}/#attachments"
    attachment = Attachment.objects.get(model_type="returnorder", model_id=order.pk)
    assert attachment.filename == "rma-form.pdf"
    assert attachment.file_size == len(b"%PDF-1.4 test")
    assert attachment.upload_user == clerk.user
    assert (settings.MEDIA_ROOT / attachment.attachment.name).read_bytes() == b"%PDF-1.4 test"
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert ">rma-form.pdf</a>" in content
    assert "Signed form" in content
    assert "Attachment added." in content


def test_add_a_link(enabled, clerk):
    order = OrderFactory()
    response = clerk.post(
        f"/returns/{order.pk}/attachments/", {"link": "https://example.com/photo.jpg"}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(model_type="returnorder", model_id=order.pk)
    assert attachment.link == "https://example.com/photo.jpg"
    assert 'href="https://example.com/photo.jpg"' in text(clerk.get(f"/returns/{order.pk}/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Choose a file or enter a link."), ({"link": "nope"}, "Enter a valid URL.")],
)
def test_an_empty_or_bad_attachment_is_refused_with_a_message(enabled, clerk, data, message):
    order = OrderFactory()
    response = clerk.post(f"/returns/{order.pk}/attachments/", data, follow=True)
    assert message in messages_of(response)
    assert not Attachment.objects.exists()


def test_delete_an_attachment(enabled, clerk):
    order = OrderFactory()
    upload = SimpleUploadedFile("photo.jpg", b"jpeg bytes", content_type="image/jpeg")
    clerk.post(f"/returns/{order.pk}/attachments/", {"attachment": upload})
    attachment = Attachment.objects.get()
    response = clerk.post(f"/returns/{order.pk}/attachments/{attachment.pk}/delete/", follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/#attachments", 302)]
    assert "Attachment deleted." in messages_of(response)
    assert not Attachment.objects.exists()


def test_an_attachment_of_another_order_cannot_be_deleted_through_this_one(enabled, clerk):
    mine, other = OrderFactory(), OrderFactory()
    clerk.post(f"/returns/{other.pk}/attachments/", {"link": "https://example.com/a"})
    attachment = Attachment.objects.get()
    assert clerk.post(f"/returns/{mine.pk}/attachments/{attachment.pk}/delete/").status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_save_notes(enabled, clerk):
    order = OrderFactory()
    response = clerk.post(f"/returns/{order.pk}/notes/", {"notes": "Call before 10am"}, follow=True)
    assert response.redirect_chain == [(f"/returns/{order.pk}/#notes", 302)]
    assert messages_of(response) == ["Notes saved."]
    order.refresh_from_db()
    assert order.notes == "Call before 10am"
    assert "Call before 10am</textarea>" in text(response)


def test_notes_too_long_are_refused_with_a_message(enabled, clerk):
    order = OrderFactory(notes="Keep me")
    response = clerk.post(f"/returns/{order.pk}/notes/", {"notes": "x" * 50001}, follow=True)
    (message,) = messages_of(response)
    assert "at most 50000 characters" in message
    order.refresh_from_db()
    assert order.notes == "Keep me"


def test_notes_of_a_locked_order_are_read_only(enabled, clerk):
    order = OrderFactory(status=S.COMPLETE, notes="Final words")
    content = text(clerk.get(f"/returns/{order.pk}/"))
    assert f'action="/returns/{order.pk}/notes/"' not in content
    assert "Final words" in content
    response = clerk.post(f"/returns/{order.pk}/notes/", {"notes": "Changed"}, follow=True)
    assert messages_of(response) == [LOCKED_MESSAGE]
    order.refresh_from_db()
    assert order.notes == "Final words"


def test_a_post_without_a_csrf_token_is_refused(enabled, page_client):
    strict = page_client(csrf=True, return_order=["view", "add", "change", "delete"])
    order = OrderFactory(status=S.PENDING)
    assert strict.post(f"/returns/{order.pk}/notes/", {"notes": "Sneaky"}).status_code == 403
    assert strict.post(f"/returns/{order.pk}/issue/").status_code == 403
    order.refresh_from_db()
    assert (order.notes, order.status) == (None, S.PENDING)

    # The same client succeeds with the token the page hands out.
    strict.get(f"/returns/{order.pk}/")
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        f"/returns/{order.pk}/notes/", {"notes": "Legit", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.notes == "Legit"
