"""A whole return driven through the live server by the ``inventree`` client from PyPI.

These tests speak HTTP to ``live_server`` exactly as an InvenTree integration would: token
handshake, OPTIONS field discovery, bare-array lists, ``?format=json`` writes, the status
actions, receiving, metadata and attachments. See docs ``inventree-client-compat.md``.
"""

import json

import pytest
import requests
from django.contrib.auth.models import Group, User
from inventree.api import InvenTreeAPI
from inventree.company import Address, Company, Contact

# Return-order classes through ``inventree.order``: importing ``inventree.return_order``
# first fails with a circular import in the client.
from inventree.order import ReturnOrder, ReturnOrderExtraLineItem, ReturnOrderLineItem
from inventree.part import Part
from inventree.stock import StockItem, StockLocation

from users import services as user_services

pytestmark = pytest.mark.live

USERNAME = "rma-client"
PASSWORD = "rma-client-password"

PENDING, IN_PROGRESS, ON_HOLD, COMPLETE, CANCELLED = 10, 20, 25, 30, 40
QUARANTINED = 75
RETURNED_AGAINST_RETURN_ORDER = 80
OUTCOME_REPAIR = 30


def http_error(excinfo) -> tuple[int, str]:
    """Status and body of a client ``HTTPError`` (its details also hold the token header)."""
    detail = excinfo.value.args[0]
    return detail["status_code"], detail["body"]


ROLES = {
    "return_order": ["view", "add", "change", "delete"],
    "stock": ["view", "add", "change"],
    "stock_location": ["view", "add", "change"],
    "part": ["view", "add", "change"],
}


@pytest.fixture
def api(live_server):
    """A client connected as a (non-superuser) user holding only the roles a return needs."""
    user = User.objects.create_user(USERNAME, "rma-client@example.com", PASSWORD)
    group = Group.objects.create(name="rma-clients")
    for role, actions in ROLES.items():
        user_services.group_set_role(group=group, role=role, **dict.fromkeys(actions, True))
    user.groups.add(group)
    client = InvenTreeAPI(
        live_server.url, username=USERNAME, password=PASSWORD, token_name="rma-test", timeout=30
    )
    assert client.token, "token handshake failed; the client fell back to HTTP Basic"
    assert client.api_version >= 206
    return client


@pytest.fixture
def world(api):
    """Customer, contact, address, part, locations and a serialized item the customer holds."""
    customer = Company.create(
        api, {"name": "ACME", "description": "A customer", "is_customer": True}
    )
    contact = Contact.create(
        api, {"company": customer.pk, "name": "Jane Doe", "email": "jane@example.com"}
    )
    address = Address.create(
        api, {"company": customer.pk, "title": "HQ", "line1": "1 Main St", "primary": True}
    )
    part = Part.create(
        api,
        {"name": "Widget", "description": "A widget", "trackable": True, "salable": True},
    )
    stores = StockLocation.create(api, {"name": "Stores"})
    returns_loc = StockLocation.create(api, {"name": "Returns", "parent": stores.pk})
    created = StockItem.create(
        api, {"part": part.pk, "quantity": 1, "serial_numbers": "SN-1", "location": stores.pk}
    )
    assert isinstance(created, list)
    [item] = created
    assert item.serial == "SN-1"
    assert item.assignStock(customer, notes="sold") is None  # helpers do not reload
    item.reload()
    assert item.customer == customer.pk
    return {
        "customer": customer,
        "contact": contact,
        "address": address,
        "part": part,
        "stores": stores,
        "returns": returns_loc,
        "item": item,
    }


def new_order(world, **fields) -> ReturnOrder:
    return world["customer"].createReturnOrder(
        description=fields.pop("description", "broken"), **fields
    )


def test_handshake_and_order_fields(api):
    assert {"server", "version", "instance", "apiVersion"} <= set(api.server_details)
    assert {"customer", "reference", "status", "contact", "line_items"} <= set(
        ReturnOrder.fieldNames(api)
    )
    assert {"order", "item", "quantity", "outcome"} <= set(ReturnOrderLineItem.fieldNames(api))
    assert {"order", "reference", "quantity", "price"} <= set(
        ReturnOrderExtraLineItem.fieldNames(api)
    )


def test_full_return_through_the_client(api, world):
    customer, contact, item = world["customer"], world["contact"], world["item"]
    returns_loc, address = world["returns"], world["address"]

    assert [c.pk for c in customer.getContacts()] == [contact.pk]
    assert [a.pk for a in customer.getAddresses()] == [address.pk]

    ro = customer.createReturnOrder(
        description="Widget arrived broken", contact=contact.pk, customer_reference="C-1"
    )
    assert ro.reference == "RMA-0001"
    assert ro.status == PENDING
    assert ro.customer == customer.pk
    assert ro.contact == contact.pk
    assert ro.customer_reference == "C-1"
    assert ro.getCustomer().pk == customer.pk
    assert ro.getContact().pk == contact.pk

    line = ro.addLineItem(item=item.pk, quantity=1)
    assert isinstance(line, ReturnOrderLineItem)
    assert line.order == ro.pk
    assert line.item == item.pk
    assert line.received_date is None
    assert line.getOrder().pk == ro.pk
    assert line.getStockItem().pk == item.pk

    extra = ro.addExtraLineItem(
        reference="shipping", description="return label", quantity=1, price=4.5
    )
    assert isinstance(extra, ReturnOrderExtraLineItem)
    assert extra.order == ro.pk
    assert extra.price == 4.5

    assert [x.pk for x in ro.getLineItems()] == [line.pk]
    assert [x.pk for x in ro.getExtraLineItems()] == [extra.pk]
    ro.reload()
    assert ro.line_items == 1

    ro.issue()  # the status helpers reload
    assert ro.status == IN_PROGRESS
    assert ro.issue_date

    response = api.post(
        f"order/ro/{ro.pk}/receive/",
        {"items": [{"item": line.pk}], "location": returns_loc.pk, "note": "x"},
    )
    assert [entry["pk"] for entry in response["stock_items"]] == [item.pk]

    line.reload()
    assert line.received_date
    item.reload()
    assert item.location == returns_loc.pk
    assert item.customer is None
    assert item.status == QUARANTINED
    assert [i.pk for i in returns_loc.getStockItems()] == [item.pk]

    line.save({"outcome": OUTCOME_REPAIR})
    assert line.outcome == OUTCOME_REPAIR

    ro.complete()
    assert ro.status == COMPLETE
    assert ro.complete_date
    assert ReturnOrder(api, pk=ro.pk).status == COMPLETE
    assert ro.pk in [o.pk for o in customer.getReturnOrders()]
    assert ReturnOrder.count(api, customer=customer.pk) == 1
    assert [o.pk for o in ReturnOrder.list(api, status=COMPLETE)] == [ro.pk]

    # apiVersion 500 (< 566): the client reads history from stock/track/.
    entries = item.getTrackingEntries()
    returned = [e for e in entries if e.tracking_type == RETURNED_AGAINST_RETURN_ORDER]
    assert len(returned) == 1
    assert returned[0].deltas["returnorder"] == ro.pk
    assert returned[0].deltas["location"] == returns_loc.pk
    assert returned[0].deltas["customer"] == customer.pk
    raw = api.get("stock/track/", params={"item": item.pk, "tracking_type": 80})
    assert [entry["deltas"]["returnorder"] for entry in raw] == [ro.pk]


def test_hold_cancel_delete(api, world):
    ro = new_order(world)
    assert ro.status == PENDING
    ro.hold()
    assert ro.status == ON_HOLD
    ro.cancel()
    assert ro.status == CANCELLED
    pk = ro.pk
    ro.delete()
    with pytest.raises(requests.HTTPError) as excinfo:
        ro.reload()
    assert http_error(excinfo)[0] == 404
    assert ReturnOrder.count(api) == 0
    assert pk not in [o.pk for o in ReturnOrder.list(api)]


def test_disallowed_transition_is_a_400(api, world):
    # InvenTree ignores a disallowed transition and answers 201; Boomerang refuses with 400.
    ro = new_order(world)
    with pytest.raises(requests.HTTPError) as excinfo:
        ro.complete()
    status_code, body = http_error(excinfo)
    assert status_code == 400
    message = json.dumps(json.loads(body))
    assert "Pending" in message
    assert "Complete" in message
    assert "In Progress" in message
    ro.reload()
    assert ro.status == PENDING


def test_create_without_customer_is_a_400(api):
    with pytest.raises(requests.HTTPError) as excinfo:
        ReturnOrder.create(api, {"description": "x"})
    status_code, body = http_error(excinfo)
    assert status_code == 400
    assert "customer" in json.loads(body)
    assert ReturnOrder.list(api) == []


def test_references_generated_in_sequence_and_editable(api, world):
    first = new_order(world)
    second = new_order(world)
    assert (first.reference, second.reference) == ("RMA-0001", "RMA-0002")
    custom = ReturnOrder.create(
        api, {"customer": world["customer"].pk, "description": "x", "reference": "RMA-99999"}
    )
    assert custom.reference == "RMA-99999"
    custom.save({"reference": "RMA-0042"})
    assert ReturnOrder(api, pk=custom.pk).reference == "RMA-0042"
    assert [o.pk for o in ReturnOrder.list(api, reference="rma-0042")] == [custom.pk]


def test_metadata_through_the_client(api, world):
    ro = new_order(world)
    assert ro.metadata_url == f"metadata/returnorder/{ro.pk}/"
    assert ro.getMetadata() in ({}, None)
    ro.setMetadata({"crm": {"ticket": 7}, "source": "web"})
    ro.setMetadata({"source": "phone"})  # PATCH merges
    assert ro.getMetadata() == {"crm": {"ticket": 7}, "source": "phone"}
    ro.setMetadata({"only": True}, overwrite=True)  # PUT replaces
    assert ro.getMetadata() == {"only": True}
    # The legacy path serves the same data.
    assert api.get(f"order/ro/{ro.pk}/metadata/")["metadata"] == {"only": True}


def test_link_attachment_through_the_client(api, world):
    ro = new_order(world)
    assert ro.getAttachments() == []
    response = ro.addLinkAttachment("https://example.com/rma/photo", comment="photo of damage")
    assert response["pk"]
    attachments = ro.getAttachments()
    assert [a.pk for a in attachments] == [response["pk"]]
    assert attachments[0].link == "https://example.com/rma/photo"
    assert attachments[0].comment == "photo of damage"
    assert attachments[0].model_type == "returnorder"
    assert attachments[0].model_id == ro.pk
    # Scoped to this order only.
    other = new_order(world)
    assert other.getAttachments() == []
