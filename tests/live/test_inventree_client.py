"""Companies, parts, stock, metadata and attachments through the live server and the PyPI client.

Every call below is made by the ``inventree`` package over real HTTP against ``live_server``:
the handshake (``GET /api/``, Basic on ``user/me/``, the token request), then token-authenticated
requests, exactly as an InvenTree integration would send them. ``live_server`` serves the test
database from another thread, so these tests run with ``transactional_db`` semantics.
"""

import json

import pytest
import requests
from django.contrib.auth.models import Group, User
from inventree.api import InvenTreeAPI
from inventree.base import Attachment
from inventree.company import Address, Company, Contact
from inventree.part import Part
from inventree.stock import StockItem, StockLocation

from users import services as user_services
from users.models import ApiToken

pytestmark = pytest.mark.live

USERNAME = "inventree-client"
PASSWORD = "correct-horse-battery-staple"
TOKEN_NAME = "boomerang-live-test"

CREATED, SENT_TO_CUSTOMER = 1, 100  # stock history codes

ROLES = {
    "return_order": ["view", "add", "change", "delete"],  # companies, contacts, addresses
    "part": ["view", "add", "change"],
    "stock_location": ["view", "add", "change"],
    "stock": ["view", "add", "change"],
}


def http_error(excinfo) -> tuple[int, dict]:
    """Status and JSON body of a client ``HTTPError`` (whose details also hold the token)."""
    detail = excinfo.value.args[0]
    return detail["status_code"], json.loads(detail["body"])


def connect(live_server, username=USERNAME, password=PASSWORD, **kwargs) -> InvenTreeAPI:
    return InvenTreeAPI(
        live_server.url,
        username=username,
        password=password,
        token_name=TOKEN_NAME,
        timeout=30,
        **kwargs,
    )


@pytest.fixture
def user(transactional_db):
    """A non-superuser with the roles a companies-and-stock integration needs."""
    user = User.objects.create_user(USERNAME, "client@example.com", PASSWORD)
    group = Group.objects.create(name="integrations")
    for role, actions in ROLES.items():
        user_services.group_set_role(group=group, role=role, **dict.fromkeys(actions, True))
    user.groups.add(group)
    return user


@pytest.fixture
def api(live_server, user):
    return connect(live_server)


@pytest.fixture
def customer(api):
    return Company.create(
        api, {"name": "ACME Corp", "description": "Buys widgets", "is_customer": True}
    )


@pytest.fixture
def part(api):
    return Part.create(
        api, {"name": "Widget", "description": "A widget", "trackable": True, "salable": True}
    )


@pytest.fixture
def stores(api):
    return StockLocation.create(api, {"name": "Stores", "description": "Main stores"})


# --- connecting -----------------------------------------------------------------------------


def test_password_login_fetches_a_named_token(api, user):
    assert api.token
    assert api.api_version >= 206
    assert api.api_version == 500
    assert {"server", "version", "instance", "apiVersion"} <= set(api.server_details)
    # Only a hash is stored; the key the client holds matches it.
    token = ApiToken.objects.get(user=user, name=TOKEN_NAME)
    assert api.token.startswith(token.prefix)


def test_a_token_alone_connects_and_names_the_user(live_server, api):
    token_only = InvenTreeAPI(live_server.url, token=api.token, timeout=30)
    assert token_only.username == USERNAME
    company = Company.create(token_only, {"name": "Token Ltd", "is_customer": True})
    assert [c.pk for c in Company.list(token_only, raise_error=True)] == [company.pk]


def test_basic_auth_still_works_without_a_token(live_server, user):
    basic = connect(live_server, use_token_auth=False)
    assert basic.token is None
    company = Company.create(basic, {"name": "Basic Ltd", "is_customer": True})
    assert Company(basic, pk=company.pk).name == "Basic Ltd"


@pytest.mark.parametrize(
    "username,password", [(USERNAME, "wrong-password"), ("nobody", PASSWORD)], ids=str
)
def test_bad_credentials_refuse_the_connection(live_server, user, username, password):
    with pytest.raises(ConnectionError, match="Authentication at InvenTree server failed"):
        connect(live_server, username=username, password=password)
    assert not ApiToken.objects.filter(name=TOKEN_NAME).exists()


# --- companies ------------------------------------------------------------------------------


def test_customer_with_contact_and_address(api, customer):
    assert customer.pk > 0
    assert customer.is_customer is True
    contact = Contact.create(
        api,
        {"company": customer.pk, "name": "Jane Doe", "email": "jane@acme.test", "role": "Buyer"},
    )
    address = Address.create(
        api,
        {
            "company": customer.pk,
            "title": "HQ",
            "line1": "1 Main St",
            "postal_city": "Springfield",
            "primary": True,
        },
    )
    Company.create(api, {"name": "Parts Supplier", "is_customer": False, "is_supplier": True})

    assert [c.pk for c in Company.list(api, is_customer=True)] == [customer.pk]
    assert {c.name for c in Company.list(api)} == {"ACME Corp", "Parts Supplier"}
    assert Company.count(api) == 2
    assert Company.count(api, is_customer=True) == 1
    assert Company.count(api, is_customer=False) == 1

    [listed_contact] = customer.getContacts()
    assert (listed_contact.pk, listed_contact.name, listed_contact.email) == (
        contact.pk,
        "Jane Doe",
        "jane@acme.test",
    )
    [listed_address] = customer.getAddresses()
    assert listed_address.pk == address.pk
    assert listed_address.primary is True

    customer.reload()
    assert customer.address == "1 Main St, Springfield"
    assert customer.primary_address["pk"] == address.pk
    assert customer.contact_count == 1

    contact.save({"phone": "+1 555 0100"})
    assert Contact(api, pk=contact.pk).phone == "+1 555 0100"
    contact.delete()
    with pytest.raises(requests.HTTPError) as excinfo:
        contact.reload()
    assert http_error(excinfo)[0] == 404
    assert customer.getContacts(raise_error=True) == []  # list() hides errors without it


def test_fields_are_discovered_through_options(api):
    assert {"name", "description", "is_customer", "currency"} <= set(Company.fieldNames(api))
    assert Company.fieldInfo("is_customer", api)["type"] == "boolean"
    assert {"part", "location", "quantity", "serial_numbers"} <= set(StockItem.fieldNames(api))
    assert StockItem.fieldInfo("part", api)["model"] == "part"


def test_company_without_a_name_is_a_400(api):
    with pytest.raises(requests.HTTPError) as excinfo:
        Company.create(api, {"description": "no name", "is_customer": True})
    status_code, body = http_error(excinfo)
    assert status_code == 400
    assert "name" in body
    assert Company.count(api) == 0


def test_missing_object_is_a_404(api):
    with pytest.raises(requests.HTTPError) as excinfo:
        Company(api, pk=999999)
    assert http_error(excinfo)[0] == 404


def test_user_without_roles_is_refused(live_server, transactional_db):
    User.objects.create_user("no-roles", "", PASSWORD)
    outsider = connect(live_server, username="no-roles")
    assert outsider.token  # logging in needs no role
    with pytest.raises(requests.HTTPError) as excinfo:
        Company.create(outsider, {"name": "Sneaky"})
    assert http_error(excinfo)[0] == 403
    with pytest.raises(requests.HTTPError) as excinfo:
        outsider.get("company/")
    assert http_error(excinfo)[0] == 403


# --- parts and stock ------------------------------------------------------------------------


def test_serialized_stock_assigned_to_a_customer(api, customer, part, stores):
    assert Part(api, pk=part.pk).trackable is True
    assert Part(api, pk=part.pk).salable is True
    shelf = StockLocation.create(api, {"name": "Shelf A", "parent": stores.pk})
    assert shelf.parent == stores.pk
    assert [child.pk for child in stores.getChildLocations()] == [shelf.pk]
    assert shelf.getParentLocation().pk == stores.pk
    assert stores.getParentLocation() is None

    created = StockItem.create(
        api, {"part": part.pk, "quantity": 1, "serial_numbers": "SN-1", "location": shelf.pk}
    )
    assert isinstance(created, list)
    [item] = created
    assert (item.serial, item.quantity, item.location, item.customer) == (
        "SN-1",
        1,
        shelf.pk,
        None,
    )
    assert item.getPart().pk == part.pk
    assert item.getLocation().pk == shelf.pk
    assert [i.pk for i in part.getStockItems()] == [item.pk]
    assert [i.pk for i in shelf.getStockItems()] == [item.pk]

    assert item.assignStock(customer, notes="Sold on order 42") is None  # no reload
    item.reload()
    assert item.customer == customer.pk

    entries = item.getTrackingEntries()
    assert [e.tracking_type for e in entries] == [SENT_TO_CUSTOMER, CREATED]
    assert entries[0].deltas["customer"] == customer.pk
    assert entries[0].notes == "Sold on order 42"
    raw = api.get("stock/track/", params={"item": item.pk})
    assert [entry["pk"] for entry in raw] == [e.pk for e in entries]

    assert StockItem.count(api, part=part.pk) == 1
    assert StockItem.count(api, customer=customer.pk) == 1
    assert StockItem.count(api, location=shelf.pk, in_stock=True) == 0


def test_several_serial_numbers_create_several_items(api, part, stores):
    items = StockItem.create(
        api, {"part": part.pk, "quantity": 3, "serial_numbers": "1-3", "location": stores.pk}
    )
    assert sorted(i.serial for i in items) == ["1", "2", "3"]
    assert {i.quantity for i in items} == {1}
    assert StockItem.count(api, part=part.pk) == 3
    # Without ``limit`` a list is a bare array of every row, never a first page.
    assert len(StockItem.list(api, part=part.pk)) == 3


def test_assigning_to_a_company_that_is_not_a_customer_is_a_400(api, part, stores):
    supplier = Company.create(api, {"name": "Supplier", "is_customer": False})
    [item] = StockItem.create(
        api, {"part": part.pk, "quantity": 1, "serial_numbers": "X-1", "location": stores.pk}
    )
    with pytest.raises(requests.HTTPError) as excinfo:
        item.assignStock(supplier)
    status_code, body = http_error(excinfo)
    assert status_code == 400
    assert "customer" in body
    item.reload()
    assert item.customer is None


# --- metadata and attachments ---------------------------------------------------------------


def test_metadata_get_and_set(api, customer, part, stores):
    for obj in (customer, part, stores):
        assert obj.metadata_url == f"metadata/{obj.getModelType()}/{obj.pk}/"
        assert obj.getMetadata() in ({}, None)
    customer.setMetadata({"crm": {"id": 7}, "tier": "gold"})
    customer.setMetadata({"tier": "silver"})  # PATCH merges
    assert customer.getMetadata() == {"crm": {"id": 7}, "tier": "silver"}
    customer.setMetadata({"only": True}, overwrite=True)  # PUT replaces
    assert customer.getMetadata() == {"only": True}
    assert part.getMetadata() in ({}, None)  # other objects untouched
    # The pre-436 path serves the same data.
    assert api.get(f"company/{customer.pk}/metadata/")["metadata"] == {"only": True}


def test_link_and_file_attachments(api, customer, part, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    response = customer.addLinkAttachment("https://example.com/contract.pdf", comment="Contract")
    assert response["pk"]
    assert response["link"] == "https://example.com/contract.pdf"

    upload = tmp_path / "notes.txt"
    upload.write_text("serial SN-1 came back dented\n")
    uploaded = customer.uploadAttachment(str(upload), comment="Inspection notes")
    assert uploaded["filename"] == "notes.txt"

    attachments = {a.pk: a for a in customer.getAttachments()}
    assert set(attachments) == {response["pk"], uploaded["pk"]}
    assert attachments[response["pk"]].comment == "Contract"
    assert attachments[uploaded["pk"]].model_type == "company"
    assert part.getAttachments(raise_error=True) == []
    assert Attachment.count(api, model_type="company", model_id=customer.pk) == 2

    destination = tmp_path / "downloaded.txt"
    assert attachments[uploaded["pk"]].download(str(destination)) is True
    assert destination.read_text() == "serial SN-1 came back dented\n"


def test_attachment_on_a_missing_object_is_a_400(api):
    with pytest.raises(requests.HTTPError) as excinfo:
        Attachment.add_link(
            api, "https://example.com/x", comment="x", model_type="company", model_id=424242
        )
    status_code, body = http_error(excinfo)
    assert status_code == 400
    assert "model_id" in body
