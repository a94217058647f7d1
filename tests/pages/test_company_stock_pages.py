"""The read-only company and stock item pages, and what they show to whom."""

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from returns import services
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.statuses import StockStatus
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemTrackingFactory,
)
from tests.pages.factories import HeldItemFactory, LineFactory, OrderFactory

pytestmark = pytest.mark.django_db

S = ReturnOrderStatus


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def section(content: str, heading_id: str) -> str:
    start = content.index(f'id="{heading_id}"')
    return content[start : content.find("</section>", start)]


def user_with(make_user, *codenames):
    """A user holding exactly these ``app.codename`` permissions."""
    from django.test import Client

    user = make_user()
    for label in codenames:
        app_label, codename = label.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(user)
    return client


# -- company page --------------------------------------------------------------------------


@pytest.fixture
def acme(db):
    company = CustomerFactory(
        name="Acme Robotics", email="ops@acme.test", phone="+1 555 0100", currency="EUR"
    )
    ContactFactory(company=company, name="Dana Scully", role="Buyer", email="dana@acme.test")
    ContactFactory(company=company, name="Fox Mulder", email="fox@acme.test")
    AddressFactory(company=company, title="HQ", primary=True, line1="1 Dock Road")
    AddressFactory(company=company, title="Depot", line1="9 Yard Lane", postal_city="Bristol")
    part = PartFactory(name="Servo motor", IPN="SRV-1")
    held = HeldItemFactory(customer=company, part=part, serial="A100")
    order = OrderFactory(
        customer=company, reference="RMA-0042", reference_int=42, description="Noisy servo"
    )
    LineFactory(order=order, item=held)
    return {"company": company, "held": held, "order": order}


def test_company_page_shows_its_details_contacts_and_addresses(viewer, acme):
    content = text(viewer.get(f"/companies/{acme['company'].pk}/"))
    assert "<title>Acme Robotics · Boomerang</title>" in content
    assert '<span class="badge text-bg-info">Customer</span>' in content
    assert '<a href="mailto:ops@acme.test">ops@acme.test</a>' in content
    assert "+1 555 0100" in content
    assert "<dt>Currency</dt><dd>EUR</dd>" in content
    assert "<strong>Dana Scully</strong> · Buyer<br>dana@acme.test" in content
    assert "<strong>Fox Mulder</strong>" in content
    assert (
        '<strong>HQ</strong> <span class="badge text-bg-light border">Primary</span><br>1 Dock Road'
        in content
    )
    assert "<strong>Depot</strong><br>9 Yard Lane, Bristol" in content


def test_company_page_lists_the_stock_it_holds(viewer, acme):
    HeldItemFactory(serial="OTHER-1")  # someone else's
    content = text(viewer.get(f"/companies/{acme['company'].pk}/"))
    stock = section(content, "stock-heading")
    held = acme["held"]
    assert "Stock held by Acme Robotics" in stock
    assert f'<a href="/stock/{held.pk}/">SRV-1 | Servo motor</a>' in stock
    assert "<td>A100</td>" in stock
    assert '<span class="badge text-bg-success">OK</span>' in stock
    assert "OTHER-1" not in stock


def test_company_page_lists_its_return_orders(enabled, viewer, acme):
    OrderFactory(reference="RMA-0900", reference_int=900)  # another customer's
    content = text(viewer.get(f"/companies/{acme['company'].pk}/"))
    orders = section(content, "orders-heading")
    order = acme["order"]
    assert f'<a href="/returns/{order.pk}/">RMA-0042</a>' in orders
    assert "Noisy servo" in orders
    assert '<span class="badge text-bg-secondary">Pending</span>' in orders
    assert "<td>0 / 1</td>" in orders
    assert "RMA-0900" not in orders


def test_company_page_without_return_orders_enabled_shows_references_unlinked(viewer, acme):
    orders = section(text(viewer.get(f"/companies/{acme['company'].pk}/")), "orders-heading")
    assert "<td>RMA-0042</td>" in orders
    assert "/returns/" not in orders


def test_company_page_offers_a_new_return_order_to_those_who_may_add(enabled, page_client, acme):
    adder = page_client(return_order=["view", "add"])
    viewer = page_client(return_order=["view"])
    company = acme["company"]
    button = f'href="/returns/new/?customer={company.pk}"'
    assert button in text(adder.get(f"/companies/{company.pk}/"))
    assert button not in text(viewer.get(f"/companies/{company.pk}/"))


def test_company_page_empty_sections(viewer):
    company = CustomerFactory()
    content = text(viewer.get(f"/companies/{company.pk}/"))
    assert "No contacts." in content
    assert "No addresses." in content
    assert "This company holds no stock." in content
    assert "No return orders for this company." in content


def test_company_page_needs_view_permission(page_client, acme):
    stock_only = page_client(stock=["view"])
    assert stock_only.get(f"/companies/{acme['company'].pk}/").status_code == 403


def test_company_page_hides_what_the_user_may_not_see(make_user, acme):
    company_only = user_with(make_user, "companies.view_company")
    content = text(company_only.get(f"/companies/{acme['company'].pk}/"))
    assert "Dana Scully" in content
    assert 'id="stock-heading"' not in content
    assert 'id="orders-heading"' not in content
    assert "RMA-0042" not in content


def test_unknown_company_is_a_404(viewer):
    assert viewer.get("/companies/999999/").status_code == 404


def test_company_page_needs_a_login(client, acme):
    response = client.get(f"/companies/{acme['company'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# -- stock item page -----------------------------------------------------------------------


@pytest.fixture
def returned(db, make_user):
    """An item returned against an order through the service, with its tracking history."""
    customer = CustomerFactory(name="Acme Robotics")
    bay = LocationFactory(name="Returns bay")
    part = PartFactory(name="Servo motor", IPN="SRV-1", description="24V servo")
    order = OrderFactory(
        customer=customer, status=S.IN_PROGRESS, reference="RMA-0042", reference_int=42
    )
    line = LineFactory(
        order=order,
        item__part=part,
        item__serial="A100",
        outcome=ReturnOrderLineStatus.REPAIR,
    )
    StockItemTrackingFactory(item=line.item, notes="Made in the factory")
    services.return_order_receive(
        order=order,
        lines=[(line.pk, StockStatus.QUARANTINED)],
        location=bay,
        user=make_user("receiver"),
        note="Arrived dented",
    )
    line.refresh_from_db()
    return {"order": order, "line": line, "item": line.item, "bay": bay}


def test_stock_item_page_shows_the_item(viewer, returned):
    item = returned["item"]
    content = text(viewer.get(f"/stock/{item.pk}/"))
    assert '<h1 class="h3 mb-1">SRV-1 | Servo motor <span class="text-body-secondary">#A100' in (
        content
    )
    assert '<span class="badge text-bg-info">Quarantined</span>' in content
    assert "24V servo" in content
    assert '<dd class="col-sm-9">Returns bay</dd>' in content
    # Received: the customer no longer holds it.
    assert '<dt class="col-sm-3">Customer</dt><dd class="col-sm-9">—</dd>' in content


def test_stock_item_page_links_to_the_customer_holding_it(viewer):
    item = HeldItemFactory(customer__name="Globex")
    content = text(viewer.get(f"/stock/{item.pk}/"))
    assert f'<a href="/companies/{item.customer_id}/">Globex</a>' in content


def test_tracking_history_shows_the_return_with_the_order_reference(enabled, viewer, returned):
    order = returned["order"]
    content = text(viewer.get(f"/stock/{returned['item'].pk}/"))
    tracking = section(content, "tracking-heading")
    entries = re.findall(r"<li>(.*?)</li>", tracking, flags=re.S)
    assert len(entries) == 2
    newest, oldest = entries
    assert f'Returned against Return Order — <a href="/returns/{order.pk}/">RMA-0042</a>' in newest
    assert "receiver" in newest
    assert "Arrived dented" in newest
    assert "Stock item created" in oldest
    assert "Made in the factory" in oldest


def test_stock_item_page_lists_the_return_orders_of_the_item(enabled, viewer, returned):
    order = returned["order"]
    returns = section(text(viewer.get(f"/stock/{returned['item'].pk}/")), "returns-heading")
    today = timezone.localdate().isoformat()
    assert f'<a href="/returns/{order.pk}/">RMA-0042</a> · Repair · received {today}' in returns


def test_stock_item_page_without_return_orders_enabled_names_the_order_unlinked(viewer, returned):
    content = text(viewer.get(f"/stock/{returned['item'].pk}/"))
    assert "Returned against Return Order — RMA-0042" in content
    assert "/returns/" not in content


def test_stock_item_page_hides_orders_from_those_who_may_not_see_them(
    enabled, page_client, returned
):
    stock_only = page_client(stock=["view"])
    content = text(stock_only.get(f"/stock/{returned['item'].pk}/"))
    assert "Returned against Return Order" in content
    assert "RMA-0042" not in content
    assert 'id="returns-heading"' not in content


def test_stock_item_page_needs_view_permission(page_client, returned):
    no_stock = page_client(return_order=["view"])
    assert no_stock.get(f"/stock/{returned['item'].pk}/").status_code == 403


def test_unknown_stock_item_is_a_404(viewer):
    assert viewer.get("/stock/999999/").status_code == 404


def test_stock_item_without_history(viewer):
    item = HeldItemFactory()
    assert "No tracking entries." in text(viewer.get(f"/stock/{item.pk}/"))
