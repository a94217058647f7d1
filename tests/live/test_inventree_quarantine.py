"""A returned unit out of quarantine, and a line resolved, through the live server and the
``inventree`` client from PyPI.

Receiving lands the unit QUARANTINED in a returns location; the client's
``StockItem.transferStock`` moves it on, as an InvenTree integration would. The resolution
endpoints are Boomerang's own: the client reaches them with ``api.post`` and reads
``resolution_detail`` back from the line like any other field.
"""

import pytest
from django.contrib.auth.models import Group, User
from inventree.api import InvenTreeAPI
from inventree.company import Company

# Return-order classes through ``inventree.order``: importing ``inventree.return_order``
# first fails with a circular import in the client.
from inventree.order import ReturnOrderLineItem
from inventree.part import Part
from inventree.stock import StockItem, StockLocation

from users import services as user_services

pytestmark = pytest.mark.live

USERNAME = "quarantine-client"
PASSWORD = "quarantine-client-password"

OK, QUARANTINED = 10, 75
STOCK_MOVE, RETURNED_AGAINST_RETURN_ORDER, SENT_TO_CUSTOMER = 20, 80, 100
OUTCOME_RETURN = 20

ROLES = {
    "return_order": ["view", "add", "change"],
    "stock": ["view", "add", "change"],
    "stock_location": ["view", "add"],
    "part": ["view", "add"],
}


@pytest.fixture
def api(live_server):
    """A client connected as a (non-superuser) user holding only the roles the work needs."""
    user = User.objects.create_user(USERNAME, "quarantine@example.com", PASSWORD)
    group = Group.objects.create(name="quarantine-clients")
    for role, actions in ROLES.items():
        user_services.group_set_role(group=group, role=role, **dict.fromkeys(actions, True))
    user.groups.add(group)
    client = InvenTreeAPI(
        live_server.url, username=USERNAME, password=PASSWORD, token_name="quarantine", timeout=30
    )
    assert client.token, "token handshake failed; the client fell back to HTTP Basic"
    return client


@pytest.fixture
def received(api):
    """A serialized unit the customer returned: received against an order in progress."""
    customer = Company.create(
        api, {"name": "ACME", "description": "A customer", "is_customer": True}
    )
    part = Part.create(
        api, {"name": "Widget", "description": "A widget", "trackable": True, "salable": True}
    )
    stores = StockLocation.create(api, {"name": "Stores"})
    returns_loc = StockLocation.create(api, {"name": "Returns", "parent": stores.pk})
    [item] = StockItem.create(
        api, {"part": part.pk, "quantity": 1, "serial_numbers": "Q-1", "location": stores.pk}
    )
    item.assignStock(customer, notes="sold")

    order = customer.createReturnOrder(description="Rattles")
    line = order.addLineItem(item=item.pk, quantity=1)
    order.issue()
    api.post(
        f"order/ro/{order.pk}/receive/",
        {"items": [{"item": line.pk}], "location": returns_loc.pk},
    )
    item.reload()
    assert (item.status, item.location, item.customer) == (QUARANTINED, returns_loc.pk, None)
    return {
        "customer": customer,
        "stores": stores,
        "returns": returns_loc,
        "item": item,
        "order": order,
        "line": line,
    }


def test_client_moves_a_received_unit_out_of_quarantine(received):
    item, stores, returns_loc = received["item"], received["stores"], received["returns"]
    assert [i.pk for i in returns_loc.getStockItems()] == [item.pk]

    item.transferStock(stores, notes="Inspected: released from quarantine")
    item.reload()
    assert item.location == stores.pk
    assert returns_loc.getStockItems() == []
    assert [i.pk for i in stores.getStockItems()] == [item.pk]

    entries = sorted(item.getTrackingEntries(), key=lambda entry: entry.pk)
    codes = [entry.tracking_type for entry in entries]
    assert codes.index(RETURNED_AGAINST_RETURN_ORDER) < codes.index(STOCK_MOVE)
    moved = entries[-1]
    assert moved.tracking_type == STOCK_MOVE
    assert moved.deltas["location"] == stores.pk
    assert moved.notes == "Inspected: released from quarantine"


def test_client_resolves_a_line_and_reads_the_resolution_back(api, received):
    item, line, customer = received["item"], received["line"], received["customer"]
    item.transferStock(received["stores"], notes="released")

    answer = api.post(f"order/ro-line/{line.pk}/resolve/return/", {"notes": "No fault found"})
    assert answer["pk"] == line.pk
    assert answer["outcome"] == OUTCOME_RETURN
    assert answer["resolution_detail"]["kind"] == "return"

    line = ReturnOrderLineItem(api, pk=line.pk)
    assert line.outcome == OUTCOME_RETURN
    detail = line.resolution_detail
    assert (detail["kind"], detail["kind_text"], detail["notes"]) == (
        "return",
        "Return",
        "No fault found",
    )
    assert detail["awaiting_unit"] is False
    assert detail["created_by"]["username"] == USERNAME

    item.reload()
    assert (item.customer, item.status) == (customer.pk, OK)
    last = max(item.getTrackingEntries(), key=lambda entry: entry.pk)
    assert last.tracking_type == SENT_TO_CUSTOMER
    assert last.deltas["returnorder"] == received["order"].pk

    # Undo through the same route family: the unit is back in stock where it was.
    api.post(f"order/ro-line/{line.pk}/resolve/undo/", {"note": "Resolved by mistake"})
    line.reload()
    assert line.resolution_detail is None
    item.reload()
    assert (item.customer, item.location) == (None, received["stores"].pk)
