"""REST API for parts, stock locations, stock items, assignment and tracking."""

from decimal import Decimal

import pytest

from stock.models import Part, StockItem, StockItemTracking, StockLocation
from stock.statuses import StockHistoryCode, StockStatus
from tests.factories import (
    BulkStockItemFactory,
    CompanyFactory,
    CustomerFactory,
    LocationFactory,
    PartFactory,
    StockItemFactory,
)

pytestmark = pytest.mark.django_db

PART_URL = "/api/part/"
LOCATION_URL = "/api/stock/location/"
STOCK_URL = "/api/stock/"
ASSIGN_URL = "/api/stock/assign/"
TRACK_URL = "/api/stock/track/"

PART_FIELDS = {
    "pk",
    "IPN",
    "name",
    "full_name",
    "description",
    "revision",
    "category",
    "category_detail",
    "image",
    "virtual",
    "purchaseable",
    "component",
    "assembly",
    "active",
    "trackable",
    "salable",
    "units",
    "stock_item_count",
    "notes",
    "warranty_months",
}
LOCATION_FIELDS = {
    "pk",
    "name",
    "description",
    "parent",
    "pathstring",
    "level",
    "structural",
    "items",
    "sublocations",
}
STOCK_FIELDS = {
    "pk",
    "part",
    "quantity",
    "serial",
    "batch",
    "location",
    "status",
    "status_text",
    "customer",
    "in_stock",
    "parent",
    "belongs_to",
    "link",
    "notes",
    "updated",
}
STOCK_DETAILS = {"part_detail", "location_detail", "customer_detail"}
TRACKING_FIELDS = {
    "pk",
    "item",
    "date",
    "tracking_type",
    "label",
    "notes",
    "deltas",
    "user",
    "user_detail",
}


def assert_json(response, status_code):
    """The status, then the exact Content-Type the inventree client insists on."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def row_counts():
    return (
        StockItem.objects.count(),
        StockItemTracking.objects.count(),
        StockLocation.objects.count(),
        Part.objects.count(),
    )


def paths():
    return dict(StockLocation.objects.values_list("name", "pathstring"))


# --- shared list behaviour ---------------------------------------------------------------


@pytest.fixture
def three_items():
    """Three stock items (and so three parts, locations and tracking rows)."""
    items = [StockItemFactory(), StockItemFactory(), BulkStockItemFactory()]
    for item in items:
        StockItemTracking.objects.create(item=item, tracking_type=StockHistoryCode.CREATED)
    return items


LIST_URLS = [PART_URL, LOCATION_URL, STOCK_URL, TRACK_URL]


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_without_limit_is_a_bare_array(admin_client_api, three_items, url):
    body = assert_json(admin_client_api.get(url), 200)
    assert isinstance(body, list)
    assert len(body) == 3
    assert all(isinstance(row["pk"], int) and row["pk"] > 0 for row in body)


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_with_limit_is_an_envelope(admin_client_api, three_items, url):
    body = assert_json(admin_client_api.get(url, {"limit": 2}), 200)
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert "offset=2" in body["next"]
    rest = assert_json(admin_client_api.get(url, {"limit": 2, "offset": 2}), 200)
    assert (len(rest["results"]), rest["next"]) == (1, None)
    assert {r["pk"] for r in body["results"] + rest["results"]} == {
        r["pk"] for r in admin_client_api.get(url).json()
    }


@pytest.mark.parametrize(
    ("url", "role"),
    [(PART_URL, "part"), (LOCATION_URL, "stock_location"), (STOCK_URL, "stock")],
)
def test_options_offers_post_only_to_users_who_may_add(client_for, url, role):
    body = assert_json(client_for(**{role: ["view", "add"]}).options(url), 200)
    assert "pk" in body["actions"]["POST"]
    body = assert_json(client_for(**{role: ["view"]}).options(url), 200)
    assert "POST" not in body.get("actions", {})
    assert_json(client_for(return_order=["view"]).options(url), 403)


@pytest.mark.parametrize(
    ("url", "role"),
    [
        (PART_URL, "part"),
        (LOCATION_URL, "stock_location"),
        (STOCK_URL, "stock"),
        (TRACK_URL, "stock"),
    ],
)
def test_reading_needs_the_matching_role(client_for, three_items, url, role):
    assert_json(client_for(**{role: ["view"]}).get(url), 200)
    other = "part" if role != "part" else "stock"
    assert_json(client_for(**{other: ["view"]}).get(url), 403)


@pytest.mark.parametrize("url", [PART_URL, LOCATION_URL, STOCK_URL, TRACK_URL])
def test_unknown_pk_is_a_json_404(admin_client_api, url):
    assert_json(admin_client_api.get(f"{url}999999/"), 404)


@pytest.mark.parametrize("url", [PART_URL, LOCATION_URL, STOCK_URL, ASSIGN_URL])
def test_malformed_json_is_a_400_and_writes_nothing(admin_client_api, url):
    StockItemFactory()
    before = row_counts()
    response = admin_client_api.generic("POST", url, "{'part': 1}", content_type="application/json")
    assert "detail" in assert_json(response, 400)
    assert row_counts() == before


@pytest.mark.parametrize(("url", "queries"), [(PART_URL, 1), (LOCATION_URL, 1), (TRACK_URL, 1)])
def test_list_query_count_does_not_grow_with_rows(
    admin_client_api, django_assert_num_queries, url, queries
):
    parent = LocationFactory()
    for _ in range(4):
        item = StockItemFactory(location=LocationFactory(parent=parent))
        StockItemTracking.objects.create(item=item, tracking_type=StockHistoryCode.CREATED)
    with django_assert_num_queries(queries):
        body = assert_json(admin_client_api.get(url), 200)
    assert len(body) >= 4


def test_stock_list_query_count_with_every_detail(admin_client_api, django_assert_num_queries):
    customer = CustomerFactory()
    for _ in range(4):
        StockItemFactory(customer=customer)
        BulkStockItemFactory()
    query = {"part_detail": "true", "location_detail": "true", "customer_detail": "true"}
    with django_assert_num_queries(1):
        body = assert_json(admin_client_api.get(STOCK_URL, query), 200)
    assert len(body) == 8
    assert set(body[0]) == STOCK_FIELDS | STOCK_DETAILS


# --- parts -------------------------------------------------------------------------------


def test_part_has_exactly_the_documented_fields(admin_client_api):
    part = PartFactory(name="Widget", IPN="W-1")
    StockItemFactory(part=part)
    StockItemFactory(part=part)
    body = assert_json(admin_client_api.get(f"{PART_URL}{part.pk}/"), 200)
    assert set(body) == PART_FIELDS
    assert (body["pk"], body["full_name"], body["stock_item_count"]) == (part.pk, "W-1 | Widget", 2)


def test_part_create_returns_the_full_object(admin_client_api):
    body = assert_json(
        admin_client_api.post(
            f"{PART_URL}?format=json",
            {"name": "Widget", "description": "x", "trackable": True, "salable": True},
        ),
        201,
    )
    assert set(body) == PART_FIELDS
    assert body["stock_item_count"] == 0
    part = Part.objects.get(pk=body["pk"])
    assert (part.name, part.trackable, part.salable, part.active) == ("Widget", True, True, True)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": "no name"}, "name"),
        ({"name": "X", "trackable": "sometimes"}, "trackable"),
        ({"name": "X" * 101}, "name"),
        ({"name": {"nested": "object"}}, "name"),
    ],
)
def test_part_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload, field):
    body = assert_json(admin_client_api.post(PART_URL, payload), 400)
    assert body[field]
    assert Part.objects.count() == 0


def test_part_update_and_delete(admin_client_api):
    part = PartFactory(name="Old", salable=False)
    url = f"{PART_URL}{part.pk}/"
    body = assert_json(admin_client_api.patch(url, {"name": "New", "salable": True, "pk": 9}), 200)
    assert (body["pk"], body["name"], body["salable"]) == (part.pk, "New", True)
    # InvenTree's rule: an active part is not deleted (400) until it is made inactive.
    body = assert_json(admin_client_api.delete(url), 400)
    assert body == {"active": ["Cannot delete this part as it is still active"]}
    assert Part.objects.filter(pk=part.pk).exists()
    assert_json(admin_client_api.patch(url, {"active": False}), 200)
    assert admin_client_api.delete(url).status_code == 204
    assert_json(admin_client_api.get(url), 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Anvil", "Bolt", "Crate"]),
        ({"IPN": "b-001"}, ["Bolt"]),
        ({"name": "anvil"}, ["Anvil"]),
        ({"active": "False"}, ["Crate"]),
        ({"trackable": "True"}, ["Anvil"]),
        ({"salable": "False"}, ["Bolt"]),
        ({"has_stock": "True"}, ["Anvil", "Bolt"]),
        ({"has_stock": "False"}, ["Crate"]),
        ({"search": "heavy"}, ["Anvil", "Crate"]),
        ({"search": "b-001"}, ["Bolt"]),
        ({"ordering": "-name"}, ["Crate", "Bolt", "Anvil"]),
        ({"ordering": "-stock_item_count,name"}, ["Bolt", "Anvil", "Crate"]),
    ],
)
def test_part_filters_search_and_ordering(admin_client_api, query, expected):
    anvil = PartFactory(name="Anvil", IPN="A-001", description="Heavy", trackable=True)
    bolt = PartFactory(
        name="Bolt", IPN="B-001", description="Small", trackable=False, salable=False
    )
    PartFactory(name="Crate", IPN="C-001", description="Heavy box", active=False, trackable=False)
    StockItemFactory(part=anvil)
    BulkStockItemFactory(part=bolt)
    BulkStockItemFactory(part=bolt)
    body = assert_json(admin_client_api.get(PART_URL, query), 200)
    assert [row["name"] for row in body] == expected


# --- locations ---------------------------------------------------------------------------


@pytest.fixture
def tree():
    """Stores > Shelf > Bin, and a separate top-level Returns."""
    stores = LocationFactory(name="Stores")
    shelf = LocationFactory(name="Shelf", parent=stores)
    bin_ = LocationFactory(name="Bin", parent=shelf)
    returns = LocationFactory(name="Returns")
    return stores, shelf, bin_, returns


def test_location_fields_include_parent_even_when_null(admin_client_api, tree):
    stores, shelf, _, _ = tree
    StockItemFactory(location=shelf)
    body = assert_json(admin_client_api.get(f"{LOCATION_URL}{stores.pk}/"), 200)
    assert set(body) == LOCATION_FIELDS
    assert body["parent"] is None
    assert (body["level"], body["sublocations"], body["items"]) == (0, 1, 0)
    body = assert_json(admin_client_api.get(f"{LOCATION_URL}{shelf.pk}/"), 200)
    assert (body["parent"], body["pathstring"], body["level"]) == (stores.pk, "Stores/Shelf", 1)
    assert (body["items"], body["sublocations"]) == (1, 1)


def test_location_create_builds_the_path(admin_client_api, tree):
    _, shelf, _, _ = tree
    body = assert_json(
        admin_client_api.post(f"{LOCATION_URL}?format=json", {"name": "Tray", "parent": shelf.pk}),
        201,
    )
    assert set(body) == LOCATION_FIELDS
    assert (body["pathstring"], body["level"], body["parent"]) == ("Stores/Shelf/Tray", 2, shelf.pk)


def test_location_path_cannot_be_written(admin_client_api, tree):
    stores = tree[0]
    body = assert_json(
        admin_client_api.patch(f"{LOCATION_URL}{stores.pk}/", {"pathstring": "Fake/Path"}), 200
    )
    assert body["pathstring"] == "Stores"


def test_renaming_a_location_rewrites_every_descendant_path(admin_client_api, tree):
    stores = tree[0]
    body = assert_json(
        admin_client_api.patch(f"{LOCATION_URL}{stores.pk}/", {"name": "Warehouse"}), 200
    )
    assert body["pathstring"] == "Warehouse"
    assert paths() == {
        "Warehouse": "Warehouse",
        "Shelf": "Warehouse/Shelf",
        "Bin": "Warehouse/Shelf/Bin",
        "Returns": "Returns",
    }


def test_moving_a_location_rewrites_its_subtree(admin_client_api, tree):
    _, shelf, _, returns = tree
    body = assert_json(
        admin_client_api.patch(f"{LOCATION_URL}{shelf.pk}/", {"parent": returns.pk}), 200
    )
    assert body["pathstring"] == "Returns/Shelf"
    assert paths()["Bin"] == "Returns/Shelf/Bin"
    body = assert_json(admin_client_api.patch(f"{LOCATION_URL}{shelf.pk}/", {"parent": None}), 200)
    assert (body["pathstring"], body["parent"]) == ("Shelf", None)
    assert paths()["Bin"] == "Shelf/Bin"


@pytest.mark.parametrize("new_parent", ["self", "child", "grandchild"])
def test_a_location_cannot_be_its_own_ancestor(admin_client_api, tree, new_parent):
    stores, shelf, bin_, _ = tree
    target = {"self": stores, "child": shelf, "grandchild": bin_}[new_parent]
    before = paths()
    body = assert_json(
        admin_client_api.patch(f"{LOCATION_URL}{stores.pk}/", {"parent": target.pk}), 400
    )
    assert body["parent"]
    stores.refresh_from_db()
    assert stores.parent_id is None
    assert paths() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": "no name"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "X", "parent": 999999}, "parent"),
        ({"name": "X", "parent": "top"}, "parent"),
        ({"name": "X", "structural": "nope"}, "structural"),
    ],
)
def test_location_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload, field):
    body = assert_json(admin_client_api.post(LOCATION_URL, payload), 400)
    assert body[field]
    assert StockLocation.objects.count() == 0


def test_location_with_children_cannot_be_deleted(admin_client_api, tree):
    stores = tree[0]
    body = assert_json(admin_client_api.delete(f"{LOCATION_URL}{stores.pk}/"), 400)
    assert body["non_field_errors"]
    assert StockLocation.objects.filter(pk=stores.pk).exists()


def test_deleting_a_location_keeps_its_stock(admin_client_api, tree):
    returns = tree[3]
    item = StockItemFactory(location=returns)
    assert admin_client_api.delete(f"{LOCATION_URL}{returns.pk}/").status_code == 204
    item.refresh_from_db()
    assert item.location is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Returns", "Stores", "Shelf", "Bin"]),
        ({"parent": "STORES"}, ["Shelf"]),
        ({"parent": "STORES", "cascade": "True"}, ["Shelf", "Bin"]),
        ({"parent": "STORES", "cascade": "False"}, ["Shelf"]),
        ({"parent": "null"}, ["Returns", "Stores"]),
        ({"top_level": "True"}, ["Returns", "Stores"]),
        ({"top_level": "False"}, ["Shelf", "Bin"]),
        ({"structural": "True"}, ["Stores"]),
        ({"name": "Bin"}, ["Bin"]),
        ({"search": "shelf"}, ["Shelf", "Bin"]),
        ({"ordering": "-name"}, ["Stores", "Shelf", "Returns", "Bin"]),
        ({"ordering": "-items,name"}, ["Shelf", "Bin", "Returns", "Stores"]),
    ],
)
def test_location_filters_search_and_ordering(admin_client_api, query, expected):
    stores = LocationFactory(name="Stores", structural=True)
    shelf = LocationFactory(name="Shelf", parent=stores)
    LocationFactory(name="Bin", parent=shelf)
    LocationFactory(name="Returns")
    StockItemFactory(location=shelf)
    query = {k: stores.pk if v == "STORES" else v for k, v in query.items()}
    body = assert_json(admin_client_api.get(LOCATION_URL, query), 200)
    # Without ``ordering`` the list is in path order, so the tree reads top-down.
    assert [row["name"] for row in body] == expected


def test_location_filter_with_unknown_parent_is_a_400(admin_client_api):
    body = assert_json(admin_client_api.get(LOCATION_URL, {"parent": 999999}), 400)
    assert body["parent"]


# --- stock items -------------------------------------------------------------------------


def test_stock_item_fields_and_detail_toggles(admin_client_api):
    item = StockItemFactory(location=None)
    url = f"{STOCK_URL}{item.pk}/"
    body = assert_json(admin_client_api.get(url), 200)
    assert set(body) == STOCK_FIELDS
    # Keys the client reads are present even when null.
    assert (body["location"], body["customer"], body["parent"]) == (None, None, None)
    assert (body["part"], body["serial"], body["quantity"]) == (item.part_id, item.serial, 1)
    assert (body["status"], body["status_text"], body["in_stock"]) == (10, "OK", True)

    body = assert_json(admin_client_api.get(url, {"part_detail": "true"}), 200)
    assert set(body) == STOCK_FIELDS | {"part_detail"}
    assert body["part_detail"]["pk"] == item.part_id
    body = assert_json(
        admin_client_api.get(url, {"location_detail": "True", "customer_detail": "True"}), 200
    )
    assert body["location_detail"] is None
    assert body["customer_detail"] is None


def test_create_one_item_answers_with_a_list(admin_client_api):
    part, location = PartFactory(trackable=False), LocationFactory()
    body = assert_json(
        admin_client_api.post(
            f"{STOCK_URL}?format=json",
            {"part": part.pk, "quantity": "2.5", "location": location.pk, "batch": "B1"},
        ),
        201,
    )
    assert isinstance(body, list)
    [created] = body
    assert set(created) >= STOCK_FIELDS
    assert "serial_numbers" not in created
    item = StockItem.objects.get(pk=created["pk"])
    assert (item.quantity, item.location, item.batch, item.serial) == (
        Decimal("2.5"),
        location,
        "B1",
        None,
    )
    [entry] = item.tracking_info.all()
    assert entry.tracking_type == StockHistoryCode.CREATED
    assert entry.user == admin_client_api.user


def test_create_with_serial_numbers_makes_one_item_per_serial(admin_client_api):
    part, location = PartFactory(), LocationFactory()
    body = assert_json(
        admin_client_api.post(
            STOCK_URL,
            {"part": part.pk, "quantity": 4, "serial_numbers": "1-3,SN-9", "location": location.pk},
        ),
        201,
    )
    assert [row["serial"] for row in body] == ["1", "2", "3", "SN-9"]
    assert all(row["quantity"] == 1 and row["location"] == location.pk for row in body)
    assert StockItem.objects.filter(part=part).count() == 4
    assert StockItemTracking.objects.filter(item__part=part).count() == 4


def test_create_with_a_single_serial_as_the_client_does(admin_client_api):
    part, location = PartFactory(), LocationFactory()
    body = assert_json(
        admin_client_api.post(
            STOCK_URL,
            {"part": part.pk, "quantity": 1, "serial_numbers": "SN-1", "location": location.pk},
        ),
        201,
    )
    assert [(row["serial"], row["location"]) for row in body] == [("SN-1", location.pk)]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": 3, "serial_numbers": "1-3,2"}, "serial_numbers"),
        ({"quantity": 2, "serial_numbers": "7,7"}, "serial_numbers"),
        ({"quantity": 3, "serial_numbers": "1-3,1"}, "serial_numbers"),
        ({"quantity": 2, "serial_numbers": "1-3"}, "serial_numbers"),
        ({"quantity": 1, "serial_numbers": "1-3"}, "serial_numbers"),
        ({"quantity": 1, "serial_numbers": "5-1"}, "serial_numbers"),
        ({"quantity": 1, "serial_numbers": "1-3000"}, "serial_numbers"),
        ({"quantity": "1.5"}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": 1, "status": 12345}, "status"),
        ({"quantity": 1, "part": 999999}, "part"),
        ({"quantity": 1, "part": None}, "part"),
        ({"quantity": 1, "location": 999999}, "location"),
        ({"quantity": 1, "location": "STRUCTURAL"}, "location"),
        ({"quantity": 1, "link": "not a link"}, "link"),
    ],
)
def test_stock_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload, field):
    part = PartFactory(trackable=True)
    structural = LocationFactory(structural=True)
    payload = {"part": part.pk, **payload}
    if payload.get("location") == "STRUCTURAL":
        payload["location"] = structural.pk
    before = row_counts()
    body = assert_json(admin_client_api.post(STOCK_URL, payload), 400)
    assert body[field]
    assert all(isinstance(message, str) and message for message in body[field])
    assert row_counts() == before


def test_a_serial_number_cannot_be_used_twice(admin_client_api):
    existing = StockItemFactory(serial="2")
    before = row_counts()
    body = assert_json(
        admin_client_api.post(
            STOCK_URL, {"part": existing.part_id, "quantity": 3, "serial_numbers": "1-3"}
        ),
        400,
    )
    assert body["serial_numbers"] == ["Serial numbers already exist: 2"]
    assert row_counts() == before
    # Through the plain ``serial`` field too.
    body = assert_json(
        admin_client_api.post(STOCK_URL, {"part": existing.part_id, "quantity": 1, "serial": "2"}),
        400,
    )
    assert body
    assert row_counts() == before


def test_the_same_serial_on_another_part_is_allowed(admin_client_api):
    StockItemFactory(serial="100")
    other = PartFactory()
    body = assert_json(
        admin_client_api.post(
            STOCK_URL, {"part": other.pk, "quantity": 1, "serial_numbers": "100"}
        ),
        201,
    )
    assert body[0]["serial"] == "100"


def test_bulk_stock_may_have_fractional_quantity_but_trackable_may_not(admin_client_api):
    bulk, tracked = PartFactory(trackable=False), PartFactory(trackable=True)
    assert_json(admin_client_api.post(STOCK_URL, {"part": bulk.pk, "quantity": "0.5"}), 201)
    assert_json(admin_client_api.post(STOCK_URL, {"part": tracked.pk, "quantity": "0.5"}), 400)
    assert_json(admin_client_api.post(STOCK_URL, {"part": tracked.pk, "quantity": 5}), 201)
    assert StockItem.objects.filter(part=tracked).get().quantity == 5


def test_stock_patch_changes_writable_fields_only(admin_client_api):
    item = BulkStockItemFactory()
    new_location = LocationFactory()
    original = assert_json(admin_client_api.get(f"{STOCK_URL}{item.pk}/"), 200)
    body = dict(original)
    body.update(
        quantity=7,
        location=new_location.pk,
        status=StockStatus.ATTENTION,
        in_stock=False,
        pk=424242,
    )
    body = assert_json(admin_client_api.patch(f"{STOCK_URL}{item.pk}/?format=json", body), 200)
    assert (body["pk"], body["quantity"], body["location"], body["status"]) == (
        item.pk,
        7,
        new_location.pk,
        StockStatus.ATTENTION,
    )
    assert body["customer"] is None
    item.refresh_from_db()
    assert (item.quantity, item.location, item.customer) == (7, new_location, None)


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_stock_customer_in_a_write_is_refused_not_dropped(admin_client_api, method):
    """Customers are set through stock/assign/ only: a write that sets one is a 400 naming
    ``customer`` (InvenTree stores it; dropping it silently would lose the caller's intent)."""
    item = BulkStockItemFactory()
    customer = CustomerFactory()
    before = row_counts()
    if method == "post":
        response = admin_client_api.post(
            STOCK_URL, {"part": item.part_id, "quantity": 2, "customer": customer.pk}
        )
    else:
        response = admin_client_api.patch(
            f"{STOCK_URL}{item.pk}/", {"quantity": 9, "customer": customer.pk}
        )
    body = assert_json(response, 400)
    assert list(body) == ["customer"]
    assert "stock/assign/" in body["customer"][0]
    assert row_counts() == before
    item.refresh_from_db()
    assert (item.quantity, item.customer) == (item.quantity, None)
    assert item.quantity != 9


def test_a_stock_customer_sent_back_unchanged_is_accepted(admin_client_api):
    """The client's ``save()`` sends every field it read, the assigned customer included."""
    customer = CustomerFactory()
    item = StockItemFactory(customer=customer)
    body = assert_json(admin_client_api.get(f"{STOCK_URL}{item.pk}/"), 200)
    body["notes"] = "checked"
    body = assert_json(admin_client_api.patch(f"{STOCK_URL}{item.pk}/?format=json", body), 200)
    assert (body["customer"], body["notes"]) == (customer.pk, "checked")
    body = assert_json(admin_client_api.patch(f"{STOCK_URL}{item.pk}/", {"customer": None}), 400)
    assert body["customer"]


@pytest.mark.parametrize(
    ("make_item", "payload", "field"),
    [
        (StockItemFactory, {"quantity": 2}, "quantity"),
        (lambda: StockItemFactory(serial=None, quantity=3), {"quantity": "2.5"}, "quantity"),
        (StockItemFactory, {"location": "STRUCTURAL"}, "location"),
        (StockItemFactory, {"serial": "TAKEN"}, None),
        (StockItemFactory, {"status": 1}, "status"),
        (StockItemFactory, {"quantity": -3}, "quantity"),
    ],
)
def test_stock_patch_rejects_bad_input_and_writes_nothing(
    admin_client_api, make_item, payload, field
):
    item = make_item()
    StockItemFactory(part=item.part, serial="TAKEN")
    structural = LocationFactory(structural=True)
    payload = {k: structural.pk if v == "STRUCTURAL" else v for k, v in payload.items()}
    before = StockItem.objects.values().get(pk=item.pk)
    body = assert_json(admin_client_api.patch(f"{STOCK_URL}{item.pk}/", payload), 400)
    assert body[field] if field else body
    assert StockItem.objects.values().get(pk=item.pk) == before


def test_stock_delete_is_204_then_404(admin_client_api):
    item = StockItemFactory()
    assert admin_client_api.delete(f"{STOCK_URL}{item.pk}/").status_code == 204
    assert_json(admin_client_api.get(f"{STOCK_URL}{item.pk}/"), 404)


@pytest.fixture
def stock():
    """Named items over two parts and a small location tree."""
    stores = LocationFactory(name="Stores")
    shelf = LocationFactory(name="Shelf", parent=stores)
    other = LocationFactory(name="Other")
    widget = PartFactory(name="Widget")
    screw = PartFactory(name="Screw", trackable=False)
    customer = CustomerFactory()
    items = {
        "w2": StockItemFactory(part=widget, serial="2", location=stores),
        "w10": StockItemFactory(part=widget, serial="10", location=shelf),
        "w1": StockItemFactory(part=widget, serial="1", location=other, customer=customer),
        "s5": BulkStockItemFactory(part=screw, quantity=5, location=stores, batch="LOT-A"),
        "s9": BulkStockItemFactory(
            part=screw, quantity=9, location=None, status=StockStatus.DAMAGED, batch="LOT-B"
        ),
        "s0": BulkStockItemFactory(
            part=screw, quantity=3, location=shelf, status=StockStatus.DESTROYED
        ),
    }
    return {
        "items": items,
        "stores": stores,
        "shelf": shelf,
        "widget": widget,
        "screw": screw,
        "customer": customer,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"part": "widget"}, ["w1", "w2", "w10"]),
        ({"location": "stores"}, ["s5", "w2"]),
        ({"location": "stores", "cascade": "True"}, ["s5", "s0", "w2", "w10"]),
        ({"location": "stores", "cascade": "False"}, ["s5", "w2"]),
        ({"serial": "10"}, ["w10"]),
        ({"serialized": "True"}, ["w1", "w2", "w10"]),
        ({"serialized": "False"}, ["s5", "s9", "s0"]),
        ({"in_stock": "True"}, ["s5", "s9", "w2", "w10"]),
        ({"in_stock": "False"}, ["s0", "w1"]),
        ({"customer": "customer"}, ["w1"]),
        ({"assigned": "True"}, ["w1"]),
        ({"status": StockStatus.DAMAGED}, ["s9"]),
        ({"batch": "LOT-A"}, ["s5"]),
        ({"search": "lot-b"}, ["s9"]),
        ({"search": "WIDGET"}, ["w1", "w2", "w10"]),
        ({"ordering": "serial", "part": "widget"}, ["w1", "w2", "w10"]),
        ({"ordering": "-serial", "part": "widget"}, ["w10", "w2", "w1"]),
        ({"ordering": "-quantity", "part": "screw"}, ["s9", "s5", "s0"]),
    ],
)
def test_stock_filters_search_and_ordering(admin_client_api, stock, query, expected):
    lookup = {
        "widget": stock["widget"].pk,
        "screw": stock["screw"].pk,
        "stores": stock["stores"].pk,
        "customer": stock["customer"].pk,
    }
    query = {k: lookup.get(v, v) if isinstance(v, str) else v for k, v in query.items()}
    body = assert_json(admin_client_api.get(STOCK_URL, query), 200)
    by_pk = {item.pk: name for name, item in stock["items"].items()}
    got = [by_pk[row["pk"]] for row in body]
    if "ordering" in query:
        assert got == expected
    else:
        assert sorted(got) == sorted(expected)


@pytest.mark.parametrize(
    "query", [{"status": 12345}, {"location": "abc"}, {"part": 999999}, {"customer": "x"}]
)
def test_stock_invalid_filter_values_are_a_400(admin_client_api, query):
    assert_json(admin_client_api.get(STOCK_URL, query), 400)


def test_default_stock_order_is_part_then_numeric_serial(admin_client_api, stock):
    body = assert_json(admin_client_api.get(STOCK_URL, {"part": stock["widget"].pk}), 200)
    assert [row["serial"] for row in body] == ["1", "2", "10"]


# --- stock/assign/ -----------------------------------------------------------------------


def test_assign_hands_items_to_a_customer(client_for):
    client = client_for(stock=["view", "change"])
    customer = CustomerFactory()
    first, second = StockItemFactory(), BulkStockItemFactory()
    body = assert_json(
        client.post(
            f"{ASSIGN_URL}?format=json",
            {
                "items": [{"item": first.pk}, {"item": second.pk}],
                "customer": customer.pk,
                "notes": "sold",
            },
        ),
        201,
    )
    assert body == {
        "items": [{"item": first.pk}, {"item": second.pk}],
        "customer": customer.pk,
        "notes": "sold",
    }
    for item in (first, second):
        item.refresh_from_db()
        assert item.customer == customer
        assert not item.in_stock
        entry = item.tracking_info.get()
        assert entry.tracking_type == StockHistoryCode.SENT_TO_CUSTOMER
        assert (entry.notes, entry.user) == ("sold", client.user)
        assert entry.deltas["customer"] == customer.pk
    body = assert_json(client.get(f"{STOCK_URL}{first.pk}/"), 200)
    assert body["customer"] == customer.pk


def test_assign_the_same_item_twice_in_one_request_assigns_it_once(admin_client_api):
    customer, item = CustomerFactory(), StockItemFactory()
    assert_json(
        admin_client_api.post(
            ASSIGN_URL, {"items": [{"item": item.pk}, {"item": item.pk}], "customer": customer.pk}
        ),
        201,
    )
    assert item.tracking_info.count() == 1


def _assign_failure(client, payload):
    before = (
        row_counts(),
        list(StockItem.objects.order_by("pk").values_list("pk", "customer_id")),
    )
    body = assert_json(client.post(ASSIGN_URL, payload), 400)
    after = (
        row_counts(),
        list(StockItem.objects.order_by("pk").values_list("pk", "customer_id")),
    )
    assert after == before
    return body


def test_assign_to_a_company_that_is_not_a_customer_is_refused(admin_client_api):
    supplier, item = CompanyFactory(is_customer=False), StockItemFactory()
    body = _assign_failure(
        admin_client_api, {"items": [{"item": item.pk}], "customer": supplier.pk}
    )
    assert "not a customer" in body["customer"][0]


def test_assign_of_an_already_assigned_item_is_refused_and_assigns_nothing(admin_client_api):
    customer = CustomerFactory()
    free = StockItemFactory()
    taken = StockItemFactory(customer=CustomerFactory())
    body = _assign_failure(
        admin_client_api,
        {"items": [{"item": free.pk}, {"item": taken.pk}], "customer": customer.pk},
    )
    assert any("already assigned" in message for message in body["items"])
    free.refresh_from_db()
    assert free.customer is None


def test_assign_of_a_non_salable_item_is_refused(admin_client_api):
    customer = CustomerFactory()
    item = StockItemFactory(part=PartFactory(salable=False))
    body = _assign_failure(
        admin_client_api, {"items": [{"item": item.pk}], "customer": customer.pk}
    )
    assert any("not salable" in message for message in body["items"])


@pytest.mark.parametrize(
    "status", [StockStatus.DESTROYED, StockStatus.LOST, StockStatus.QUARANTINED]
)
def test_assign_of_an_item_not_in_stock_is_refused(admin_client_api, status):
    customer = CustomerFactory()
    item = StockItemFactory(status=status)
    body = _assign_failure(
        admin_client_api, {"items": [{"item": item.pk}], "customer": customer.pk}
    )
    assert any("not available" in message for message in body["items"])


def test_assign_of_an_empty_item_is_refused(admin_client_api):
    customer = CustomerFactory()
    item = BulkStockItemFactory(quantity=0)
    _assign_failure(admin_client_api, {"items": [{"item": item.pk}], "customer": customer.pk})


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"item": 999999}]}, "items"),
        ({"items": [{"pk": "ITEM"}]}, "items"),
        ({"items": {"item": "ITEM"}}, "items"),
        ({"items": [{"item": "ITEM"}], "customer": 999999}, "customer"),
        ({"items": [{"item": "ITEM"}], "customer": None}, "customer"),
        ({"items": [{"item": "abc"}]}, "items"),
    ],
)
def test_assign_rejects_malformed_requests(admin_client_api, payload, field):
    customer, item = CustomerFactory(), StockItemFactory()

    def fill(value):
        if value == "ITEM":
            return item.pk
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    body = _assign_failure(admin_client_api, {"customer": customer.pk, **fill(payload)})
    assert body[field]


def test_assign_needs_the_stock_change_permission(client_for):
    customer, item = CustomerFactory(), StockItemFactory()
    viewer = client_for(stock=["view"], return_order=["view", "change"])
    _ = assert_json(
        viewer.post(ASSIGN_URL, {"items": [{"item": item.pk}], "customer": customer.pk}), 403
    )
    item.refresh_from_db()
    assert item.customer is None
    body = assert_json(viewer.options(ASSIGN_URL), 200)
    assert "POST" not in body.get("actions", {})
    changer = client_for(stock=["change"])
    body = assert_json(changer.options(ASSIGN_URL), 200)
    assert {"items", "customer", "notes"} <= set(body["actions"]["POST"])


def test_assign_only_accepts_post(admin_client_api):
    assert_json(admin_client_api.get(ASSIGN_URL), 405)


# --- stock/track/ ------------------------------------------------------------------------


def test_tracking_entries_for_an_item(admin_client_api):
    item, other = BulkStockItemFactory(), StockItemFactory()
    customer = CustomerFactory()
    admin_client_api.post(STOCK_URL, {"part": item.part_id, "quantity": 1})
    admin_client_api.post(ASSIGN_URL, {"items": [{"item": item.pk}], "customer": customer.pk})
    admin_client_api.post(ASSIGN_URL, {"items": [{"item": other.pk}], "customer": customer.pk})

    body = assert_json(admin_client_api.get(TRACK_URL, {"item": item.pk}), 200)
    [entry] = body
    assert set(entry) == TRACKING_FIELDS
    assert (entry["item"], entry["tracking_type"], entry["label"]) == (
        item.pk,
        StockHistoryCode.SENT_TO_CUSTOMER,
        "Sent to customer",
    )
    assert entry["user_detail"]["pk"] == admin_client_api.user.pk
    assert entry["deltas"]["customer"] == customer.pk

    detail = assert_json(admin_client_api.get(f"{TRACK_URL}{entry['pk']}/"), 200)
    assert detail == entry

    body = assert_json(
        admin_client_api.get(TRACK_URL, {"tracking_type": StockHistoryCode.CREATED}), 200
    )
    assert len(body) == 1
    assert_json(admin_client_api.get(TRACK_URL, {"item": 999999}), 400)


def test_tracking_is_newest_first_and_read_only(admin_client_api):
    item = StockItemFactory()
    first = StockItemTracking.objects.create(item=item, tracking_type=StockHistoryCode.CREATED)
    second = StockItemTracking.objects.create(item=item, tracking_type=StockHistoryCode.EDITED)
    body = assert_json(admin_client_api.get(TRACK_URL, {"item": item.pk}), 200)
    assert [row["pk"] for row in body] == [second.pk, first.pk]
    assert_json(admin_client_api.post(TRACK_URL, {"item": item.pk, "tracking_type": 1}), 405)
    assert_json(admin_client_api.delete(f"{TRACK_URL}{first.pk}/"), 405)
    assert StockItemTracking.objects.count() == 2


def test_stock_status_codes(client_for):
    body = assert_json(client_for(part=["view"]).get("/api/stock/status/"), 200)
    assert body["class"] == "StockStatus"
    assert body["values"]["QUARANTINED"]["key"] == 75
    assert {v["key"] for v in body["values"].values()} == set(StockStatus.values)


@pytest.mark.parametrize("name", ["Shelf", "shelf", " Shelf"])
def test_sibling_locations_cannot_share_a_name(admin_client_api, tree, name):
    stores = tree[0]
    before = row_counts()
    body = assert_json(
        admin_client_api.post(LOCATION_URL, {"name": name, "parent": stores.pk}), 400
    )
    assert body["name"] == ["Duplicate names cannot exist under the same parent"]
    assert row_counts() == before


def test_the_same_name_is_fine_under_another_parent(admin_client_api, tree):
    returns = tree[3]
    body = assert_json(
        admin_client_api.post(LOCATION_URL, {"name": "Shelf", "parent": returns.pk}), 201
    )
    assert body["pathstring"] == "Returns/Shelf"


def test_renaming_or_moving_onto_a_siblings_name_is_refused(admin_client_api, tree):
    _, shelf, _, returns = tree
    assert_json(admin_client_api.patch(f"{LOCATION_URL}{returns.pk}/", {"name": "stores"}), 400)
    LocationFactory(name="Shelf", parent=returns)
    assert_json(admin_client_api.patch(f"{LOCATION_URL}{shelf.pk}/", {"parent": returns.pk}), 400)
    assert paths()["Bin"] == "Stores/Shelf/Bin"


def test_cascade_filters_never_mix_up_locations(admin_client_api):
    # A location whose name starts like another's must not pull in the other's subtree.
    stores = LocationFactory(name="Stores")
    stores_annex = LocationFactory(name="Stores annex")
    annex_shelf = LocationFactory(name="Shelf", parent=stores_annex)
    StockItemFactory(location=annex_shelf)
    body = assert_json(
        admin_client_api.get(LOCATION_URL, {"parent": stores.pk, "cascade": "True"}), 200
    )
    assert body == []
    body = assert_json(
        admin_client_api.get(STOCK_URL, {"location": stores.pk, "cascade": "True"}), 200
    )
    assert body == []


def test_a_path_too_long_for_its_column_is_a_400_not_a_crash(admin_client_api):
    parent = None
    for level in range(4):
        parent = LocationFactory(name=f"{level}" + "n" * 99, parent=parent)
    before = paths()
    body = assert_json(
        admin_client_api.post(LOCATION_URL, {"name": "x" * 100, "parent": parent.pk}), 400
    )
    assert body["non_field_errors"] == ["The location path would be longer than 500 characters."]
    assert paths() == before


def test_a_rename_that_would_overflow_a_descendants_path_changes_nothing(admin_client_api):
    top = LocationFactory(name="T")
    parent = top
    for level in range(4):
        parent = LocationFactory(name=f"{level}" + "n" * 99, parent=parent)
    assert len(parent.pathstring) == 405
    before = paths()
    body = assert_json(admin_client_api.patch(f"{LOCATION_URL}{top.pk}/", {"name": "T" * 100}), 400)
    assert body["non_field_errors"]
    assert paths() == before


def test_a_location_holding_stock_cannot_become_structural(admin_client_api, tree):
    shelf = tree[1]
    StockItemFactory(location=shelf)
    body = assert_json(
        admin_client_api.patch(f"{LOCATION_URL}{shelf.pk}/", {"structural": True}), 400
    )
    assert "structural" in body["structural"][0]
    shelf.refresh_from_db()
    assert shelf.structural is False
    # An empty one can, and its children still take stock.
    stores = tree[0]
    assert_json(admin_client_api.patch(f"{LOCATION_URL}{stores.pk}/", {"structural": True}), 200)
    assert_json(
        admin_client_api.post(STOCK_URL, {"part": PartFactory().pk, "location": shelf.pk}), 201
    )
    assert_json(
        admin_client_api.post(STOCK_URL, {"part": PartFactory().pk, "location": stores.pk}), 400
    )
