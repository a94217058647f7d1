"""Browsing companies and stock, and assigning sold stock to a customer."""

import html
import re

import pytest

from stock.models import StockItem, StockItemTracking
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    AddressFactory,
    CompanyFactory,
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    StockItemFactory,
)
from tests.pages.factories import HeldItemFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def names(content: str, table_id: str) -> list[str]:
    start = content.index(f'id="{table_id}"')
    table = content[start : content.index("</table>", start)]
    return re.findall(r'class="fw-semibold"[^>]*>([^<]+)<', table)


# -- companies -----------------------------------------------------------------------------


def test_company_list_shows_companies_by_name_with_details(page_client):
    client = page_client(return_order=["view"])
    acme = CustomerFactory(name="Acme Robotics", email="ops@acme.test", phone="+1 555 0100")
    AddressFactory(company=acme, primary=True, line1="7 Dock Road", postal_city="Leeds")
    ContactFactory(company=acme)
    ContactFactory(company=acme)
    CompanyFactory(name="Bolt Supplies")
    content = text(client.get("/companies/"))
    assert names(content, "company-table") == ["Acme Robotics", "Bolt Supplies"]
    assert f'href="/companies/{acme.pk}/"' in content
    assert "ops@acme.test" in content and "7 Dock Road" in content
    assert re.search(r'data-label="Contacts" class="text-end">2<', content)


def test_company_search_matches_every_word_and_contact_names(page_client):
    client = page_client(return_order=["view"])
    acme = CustomerFactory(name="Acme Robotics")
    ContactFactory(company=acme, name="Jane Doe")
    ContactFactory(company=acme, name="Jane Roe")
    CustomerFactory(name="Acme Foods")
    assert names(text(client.get("/companies/?search=acme+robot")), "company-table") == [
        "Acme Robotics"
    ]
    # Two matching contacts still list the company once.
    assert names(text(client.get("/companies/?search=jane")), "company-table") == ["Acme Robotics"]
    content = text(client.get("/companies/?search=nothing-like-this"))
    assert "No company matches." in content and 'href="/companies/"' in content


def test_company_list_filters_customers_and_suppliers(page_client):
    client = page_client(return_order=["view"])
    CustomerFactory(name="Acme Robotics")
    CompanyFactory(name="Bolt Supplies")
    assert names(text(client.get("/companies/?kind=customer")), "company-table") == [
        "Acme Robotics"
    ]
    assert names(text(client.get("/companies/?kind=supplier")), "company-table") == [
        "Bolt Supplies"
    ]


def test_company_search_over_the_limit_is_a_message_not_an_error(page_client):
    client = page_client(return_order=["view"])
    CustomerFactory()
    content = text(client.get("/companies/?search=" + "+".join(["w"] * 40)))
    assert "Search for at most 32 words." in content
    assert 'aria-invalid="true"' in content


def test_company_list_pages_with_numbers_and_keeps_the_search(page_client):
    client = page_client(return_order=["view"])
    for n in range(30):
        CustomerFactory(name=f"Customer {n:02d}")
    first = text(client.get("/companies/?search=customer&kind="))
    assert len(names(first, "company-table")) == 25
    assert 'href="?search=customer&page=2"' in first  # empty filters are left out
    assert 'aria-current="page"' in first and "Page 1 of 2" in first
    second = text(client.get("/companies/?search=customer&page=2"))
    assert names(second, "company-table") == [f"Customer {n:02d}" for n in range(25, 30)]


def test_company_list_needs_the_company_view_permission(page_client):
    assert page_client(stock=["view"]).get("/companies/").status_code == 403
    assert page_client(return_order=["view"]).get("/companies/").status_code == 200


# -- stock ---------------------------------------------------------------------------------


def test_stock_list_shows_items_with_status_and_where_they_are(page_client):
    client = page_client(stock=["view"], return_order=["view"])
    bay = LocationFactory(name="Bay 1")
    drive = PartFactory(name="Servo drive", IPN="SD-100")
    StockItemFactory(part=drive, serial="SN-1", location=bay)
    held = HeldItemFactory(part=drive, serial="SN-2", customer=CustomerFactory(name="Acme"))
    content = text(client.get("/stock/"))
    assert names(content, "stock-table") == ["SD-100 | Servo drive"] * 2
    assert "#SN-1" in content and "Bay 1" in content
    assert f'href="/companies/{held.customer_id}/">Acme<' in content
    assert 'href="/stock/assign/"' not in content  # a viewer cannot assign


def test_stock_search_and_where(page_client):
    client = page_client(stock=["view"])
    StockItemFactory(part=PartFactory(name="Servo drive"), serial="SN-100")
    StockItemFactory(part=PartFactory(name="Encoder"), serial="SN-200")
    HeldItemFactory(part=PartFactory(name="Panel"), serial="SN-300")
    assert names(text(client.get("/stock/?search=servo")), "stock-table") == [
        StockItem.objects.get(serial="SN-100").part.full_name
    ]
    assert "#SN-200" in text(client.get("/stock/?search=SN-200"))
    held = text(client.get("/stock/?where=customer"))
    assert "#SN-300" in held and "#SN-100" not in held
    in_stock = text(client.get("/stock/?where=in_stock"))
    assert "#SN-100" in in_stock and "#SN-300" not in in_stock
    assert "No stock item matches." in text(client.get("/stock/?search=zzz"))


def test_stock_list_filters_by_part_category_with_its_subcategories(page_client):
    electronics = PartCategoryFactory(name="Electronics")
    drives = PartCategoryFactory(name="Drives", parent=electronics)
    mechanical = PartCategoryFactory(name="Mechanical")
    StockItemFactory(part=PartFactory(name="Servo drive", category=drives), serial="SN-1")
    StockItemFactory(part=PartFactory(name="Board", category=electronics), serial="SN-2")
    StockItemFactory(part=PartFactory(name="Bracket", category=mechanical), serial="SN-3")
    client = page_client(stock=["view"], part=["view"])
    content = text(client.get("/stock/"))
    assert '<label class="form-label" for="stock-category">Part category</label>' in content
    assert ">Electronics/Drives</option>" in content
    filtered = text(client.get(f"/stock/?category={electronics.pk}"))
    assert "#SN-1" in filtered and "#SN-2" in filtered and "#SN-3" not in filtered
    assert f'<option value="{electronics.pk}" selected>Electronics</option>' in filtered
    only_drives = text(client.get(f"/stock/?category={drives.pk}"))
    assert "#SN-1" in only_drives and "#SN-2" not in only_drives
    # An unknown category filters nothing out; without the part role there is no such filter.
    assert "#SN-3" in text(client.get("/stock/?category=999999"))
    without = text(page_client(stock=["view"]).get(f"/stock/?category={drives.pk}"))
    assert "stock-category" not in without and "#SN-3" in without


def test_stock_list_pages(page_client):
    client = page_client(stock=["view"])
    part = PartFactory()
    for n in range(27):
        StockItemFactory(part=part, serial=f"S-{n:03d}")
    first = text(client.get("/stock/"))
    assert len(names(first, "stock-table")) == 25 and 'href="?page=2"' in first
    assert len(names(text(client.get("/stock/?page=2")), "stock-table")) == 2


def test_stock_list_needs_the_stock_view_permission(page_client):
    assert page_client(return_order=["view"]).get("/stock/").status_code == 403
    assert page_client(stock=["view"]).get("/stock/").status_code == 200


# -- assigning stock -----------------------------------------------------------------------


@pytest.fixture
def stock_clerk(page_client):
    return page_client(stock=["view", "change"], return_order=["view"], csrf=True)


def test_assign_page_lists_only_assignable_items(stock_clerk):
    acme = CustomerFactory(name="Acme")
    ok = StockItemFactory(part=PartFactory(name="Servo drive"), serial="SN-OK")
    StockItemFactory(part=PartFactory(name="Jig", salable=False), serial="SN-NOTSALABLE")
    HeldItemFactory(serial="SN-HELD")
    StockItemFactory(serial="SN-LOST", status=StockStatus.LOST)
    content = text(stock_clerk.get(f"/stock/assign/?customer={acme.pk}"))
    assert "Assigning to <strong>Acme</strong>" in content
    assert f'value="{ok.pk}" id="item-{ok.pk}"' in content
    for serial in ("SN-NOTSALABLE", "SN-HELD", "SN-LOST"):
        assert serial not in content
    assert f'<option value="{acme.pk}" selected>Acme</option>' in content


def test_assign_page_without_a_customer_asks_for_one(stock_clerk):
    StockItemFactory(serial="SN-OK")
    content = text(stock_clerk.get("/stock/assign/"))
    assert "Choose a customer above" in content
    # A customer "number" that Python's isdigit() accepts but int() does not is no customer.
    response = stock_clerk.get("/stock/assign/", {"customer": "\u00b2"})
    assert response.status_code == 200 and "Choose a customer above" in text(response)
    assert "disabled" in content and "Assign to" not in content


def test_assign_search_narrows_the_items(stock_clerk):
    acme = CustomerFactory()
    StockItemFactory(serial="SN-111")
    StockItemFactory(serial="SN-222")
    content = text(stock_clerk.get(f"/stock/assign/?customer={acme.pk}&search=SN-222"))
    assert "#SN-222" in content and "#SN-111" not in content


def test_assigning_gives_the_items_to_the_customer_with_history(stock_clerk):
    acme = CustomerFactory(name="Acme")
    one, two = StockItemFactory(serial="SN-1"), StockItemFactory(serial="SN-2")
    response = stock_clerk.get(f"/stock/assign/?customer={acme.pk}")
    token = response.cookies["csrftoken"].value
    response = stock_clerk.post(
        f"/stock/assign/?customer={acme.pk}",
        {
            "customer": acme.pk,
            "items": [one.pk, two.pk],
            "notes": "invoice 4711",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/stock/assign/?customer={acme.pk}"
    assert set(StockItem.objects.filter(customer=acme).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }
    entry = StockItemTracking.objects.get(item=one)
    assert entry.tracking_type == StockHistoryCode.SENT_TO_CUSTOMER
    assert entry.notes == "invoice 4711" and entry.user == stock_clerk.user
    content = text(stock_clerk.get(response["Location"]))
    assert "Assigned 2 items to Acme." in content


def test_assigning_returns_to_next_when_it_is_on_this_site(stock_clerk):
    acme = CustomerFactory()
    item = StockItemFactory()
    stock_clerk.get("/stock/assign/")
    token = stock_clerk.cookies["csrftoken"].value
    data = {"customer": acme.pk, "items": [item.pk], "csrfmiddlewaretoken": token}
    response = stock_clerk.post("/stock/assign/", {**data, "next": "/returns/5/lines/add/"})
    assert response["Location"] == "/returns/5/lines/add/"
    other = StockItemFactory()
    response = stock_clerk.post(
        "/stock/assign/", {**data, "items": [other.pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/stock/assign/?customer={acme.pk}"


def test_refusals_are_form_errors_and_nothing_is_assigned(stock_clerk):
    acme = CustomerFactory()
    ok = StockItemFactory()
    held = HeldItemFactory()
    jig = StockItemFactory(part=PartFactory(name="Jig", salable=False))
    stock_clerk.get("/stock/assign/")
    token = stock_clerk.cookies["csrftoken"].value
    response = stock_clerk.post(
        f"/stock/assign/?customer={acme.pk}",
        {"customer": acme.pk, "items": [ok.pk, held.pk, jig.pk], "csrfmiddlewaretoken": token},
    )
    content = text(response)
    assert "Nothing was assigned:" in content
    assert f"Item {held.pk} is already assigned to a customer" in content
    assert f"Part Jig is not salable (item {jig.pk})" in content
    ok.refresh_from_db()
    assert ok.customer_id is None
    # What the clerk ticked stays ticked.
    assert f'value="{ok.pk}" id="item-{ok.pk}" checked' in content


def test_missing_customer_or_items_are_form_errors(stock_clerk):
    item = StockItemFactory()
    supplier = CompanyFactory()
    stock_clerk.get("/stock/assign/")
    token = stock_clerk.cookies["csrftoken"].value
    content = text(stock_clerk.post("/stock/assign/", {"csrfmiddlewaretoken": token}))
    assert "Choose the customer the items were sold to." in content
    assert "Choose at least one item to assign." in content
    content = text(
        stock_clerk.post(
            "/stock/assign/",
            {"customer": supplier.pk, "items": [item.pk], "csrfmiddlewaretoken": token},
        )
    )
    assert "Choose a customer from the list." in content
    item.refresh_from_db()
    assert item.customer_id is None


def test_assign_page_needs_the_stock_change_permission(page_client):
    item = StockItemFactory()
    acme = CustomerFactory()
    viewer = page_client(stock=["view"], return_order=["view", "add", "change"])
    assert viewer.get("/stock/assign/").status_code == 403
    assert (
        viewer.post("/stock/assign/", {"customer": acme.pk, "items": [item.pk]}).status_code == 403
    )
    item.refresh_from_db()
    assert item.customer_id is None
    assert page_client(stock=["change"]).get("/stock/assign/").status_code == 200


def test_assign_post_needs_csrf(stock_clerk):
    acme = CustomerFactory()
    item = StockItemFactory()
    response = stock_clerk.post("/stock/assign/", {"customer": acme.pk, "items": [item.pk]})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.customer_id is None
