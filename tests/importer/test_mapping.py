"""The mapping layer over handwritten InvenTree response samples (no database)."""

import datetime
from decimal import Decimal

import pytest

from importer.mapping import (
    Refs,
    Skip,
    map_address,
    map_category,
    map_company,
    map_contact,
    map_extra_line,
    map_line,
    map_location,
    map_order,
    map_part,
    map_project_code,
    map_stock_item,
    map_tracking,
    match_owners,
)
from importer.mapping.companies import ADDRESS, COMPANY, CONTACT
from importer.mapping.orders import PROJECT_CODE
from importer.mapping.stock import CATEGORY, LOCATION, PART, STOCK_ITEM
from tests.importer.fake_source import sample

CURRENCIES = ("USD", "EUR", "GBP")


def rows(name: str) -> dict[int, dict]:
    """A sample's rows by pk; every list sample is in InvenTree's pagination envelope."""
    data = sample(name)
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == len(data["results"])
    return {row["pk"]: row for row in data["results"]}


def refs(**targets) -> Refs:
    return Refs(targets={label: dict(pairs) for label, pairs in targets.items()})


def test_company_keeps_its_fields_and_drops_those_boomerang_lacks():
    values = map_company(
        rows("company.json")[1], Refs(), currencies=CURRENCIES, default_currency="USD"
    )
    assert values == {
        "name": "Acme Repairs Ltd",
        "description": "Service partner",
        "website": "https://acme.example.com",
        "phone": "+44 20 7946 0000",
        "email": "rma@acme.example.com",
        "link": "",
        "active": True,
        "is_customer": True,
        "is_supplier": False,
        "is_manufacturer": False,
        "currency": "EUR",
        "notes": "Prefers e-mail",
        "metadata": None,
    }


def test_company_null_email_and_lower_case_currency():
    values = map_company(
        rows("company.json")[2], Refs(), currencies=CURRENCIES, default_currency="USD"
    )
    assert values["email"] is None
    assert values["currency"] == "EUR"
    assert values["notes"] is None


def test_company_without_a_name_is_skipped():
    with pytest.raises(Skip, match="name"):
        map_company(rows("company.json")[3], Refs(), currencies=CURRENCIES, default_currency="USD")


def test_company_in_a_currency_the_site_does_not_accept_is_skipped():
    row = {**rows("company.json")[1], "currency": "XAU"}
    with pytest.raises(Skip, match="currency: XAU"):
        map_company(row, Refs(), currencies=CURRENCIES, default_currency="USD")


def test_contact_and_address_point_at_the_imported_company():
    mapped = refs(**{COMPANY: {1: 500}})
    assert map_contact(rows("company-contact.json")[11], mapped)["company_id"] == 500
    address = map_address(rows("company-address.json")[21], mapped)
    assert address["company_id"] == 500
    assert address["primary"] is True
    assert address["postal_city"] == "London"


def test_contact_of_a_company_that_was_not_imported_is_skipped():
    with pytest.raises(Skip, match="company 3 was not imported"):
        map_contact(rows("company-contact.json")[12], refs(**{COMPANY: {1: 500}}))


def test_location_parent_must_be_imported_first():
    locations = rows("stock-location.json")
    assert map_location(locations[31], Refs())["parent_id"] is None
    assert map_location(locations[31], Refs())["structural"] is True
    assert map_location(locations[32], refs(**{LOCATION: {31: 7}}))["parent_id"] == 7
    with pytest.raises(Skip, match="parent 99"):
        map_location(locations[33], refs(**{LOCATION: {31: 7}}))


def test_category_default_location_is_optional():
    category = rows("part-category.json")[41]
    assert map_category(category, Refs())["default_location_id"] is None
    assert map_category(category, refs(**{LOCATION: {31: 7}}))["default_location_id"] == 7
    assert map_category(category, Refs())["icon"] == "ti:cpu:outline"


def test_part_needs_its_category_when_it_has_one():
    parts = rows("part.json")
    values = map_part(parts[51], refs(**{CATEGORY: {42: 3}}))
    assert values["category_id"] == 3
    assert values["IPN"] == "RX-2"
    assert values["trackable"] is True
    assert "keywords" not in values and "testable" not in values
    with pytest.raises(Skip, match="category 43 was not imported"):
        map_part(parts[52], Refs())
    assert map_part(parts[53], Refs())["category_id"] is None


def stock_refs() -> Refs:
    mapped = refs(
        **{PART: {51: 1, 52: 2}, COMPANY: {1: 500, 2: 501}, LOCATION: {32: 8}, STOCK_ITEM: {61: 9}}
    )
    mapped.customers = {500}
    return mapped


def test_stock_item_held_by_a_customer():
    values = map_stock_item(rows("stock.json")[61], stock_refs())
    assert values["customer_id"] == 500
    assert values["serial"] == "1001"
    assert values["quantity"] == Decimal("1.0")
    assert values["status"] == 10
    assert "sales_order" not in values


def test_stock_item_held_by_a_company_that_is_not_a_customer_is_skipped():
    with pytest.raises(Skip, match="company 2 is not a customer"):
        map_stock_item(rows("stock.json")[62], stock_refs())


def test_stock_item_of_a_part_that_was_not_imported_is_skipped():
    mapped = stock_refs()
    mapped.targets[PART].pop(52)
    with pytest.raises(Skip, match="part 52 was not imported"):
        map_stock_item(rows("stock.json")[63], mapped)


def test_custom_stock_status_maps_to_its_logical_status():
    # 1055 is a custom state whose logical key is DAMAGED (55).
    values = map_stock_item(rows("stock.json")[64], stock_refs())
    assert values["status"] == 55
    assert values["parent_id"] == 9
    assert values["location_id"] == 8


def test_unknown_status_with_a_known_custom_key_uses_the_key():
    row = {**rows("stock.json")[64], "status": 999, "status_custom_key": 65}
    assert map_stock_item(row, stock_refs())["status"] == 65
    with pytest.raises(Skip, match="no Boomerang equivalent"):
        map_stock_item({**row, "status_custom_key": 998}, stock_refs())


def test_tracking_entry_keeps_its_date_and_its_deltas_name_the_imported_rows():
    values = map_tracking(
        rows("stock-track.json")[71],
        refs(**{STOCK_ITEM: {61: 9}, "auth.user": {5: 42}, COMPANY: {1: 500}}),
    )
    assert values["item_id"] == 9
    assert values["user_id"] == 42
    assert values["tracking_type"] == 60
    assert values["date"] == datetime.datetime(2024, 4, 30, 9, 15, tzinfo=datetime.UTC)
    # The customer is the company imported from source company 1; Boomerang has no sales
    # orders, so a sales order's pk would name nothing here.
    assert values["deltas"] == {"customer": 500}


def test_tracking_deltas_drop_rows_that_were_not_imported_and_keep_plain_values():
    row = {
        **rows("stock-track.json")[72],
        "deltas": {
            "returnorder": 80,
            "location": 3,
            "stockitem": 99,
            "quantity": 2.0,
            "status": 65,
            "customer_name": "Acme",
        },
    }
    mapped = refs(**{STOCK_ITEM: {62: 10}, "returns.returnorder": {80: 7}, LOCATION: {}})
    assert map_tracking(row, mapped)["deltas"] == {
        "returnorder": 7,
        "quantity": 2.0,
        "status": 65,
        "customer_name": "Acme",
    }


def test_owners_match_users_by_username_and_groups_by_name():
    owners = list(rows("user-owner.json").values())
    matches = match_owners(owners, users={"alice": 1}, groups={"Service desk": 2})
    assert [(m.source_pk, m.kind, m.target_pk) for m in matches] == [
        (81, "user", 1),
        (82, "group", 2),
        (83, "user", None),
    ]
    # A group named like a user is not that user.
    assert match_owners(owners[:1], users={}, groups={"alice": 3})[0].target_pk is None


def order_refs() -> Refs:
    mapped = refs(
        **{
            COMPANY: {1: 500, 2: 501},
            CONTACT: {11: 600},
            ADDRESS: {21: 700},
            PROJECT_CODE: {91: 800},
            STOCK_ITEM: {61: 9, 65: 10},
        }
    )
    mapped.customers = {500}
    mapped.owners = {81: 1000, 82: 1001, 83: None}
    mapped.owner_names = {81: "alice", 82: "Service desk", 83: "bob"}
    return mapped


def test_order_keeps_reference_dates_and_links():
    mapped = order_refs()
    values = map_order(rows("order-ro.json")[101], mapped, currencies=CURRENCIES)
    assert values["reference"] == "RMA-0041"
    assert values["customer_id"] == 500
    assert values["contact_id"] == 600
    assert values["address_id"] == 700
    assert values["project_code_id"] == 800
    assert values["responsible_id"] == 1000
    assert values["status"] == 20  # the logical key of the custom state 1020
    assert values["creation_date"] == datetime.date(2024, 5, 2)
    assert values["target_date"] == datetime.date(2024, 5, 20)
    assert values["order_currency"] == "EUR"
    assert "total_price" not in values and "created_by" not in values
    assert mapped.unmatched == set()


def test_order_reference_outside_the_pattern_is_kept():
    values = map_order(rows("order-ro.json")[104], order_refs(), currencies=CURRENCIES)
    assert values["reference"] == "LEGACY-7"


def test_unmatched_owner_is_recorded_not_skipped():
    mapped = order_refs()
    values = map_order(rows("order-ro.json")[104], mapped, currencies=CURRENCIES)
    assert values["responsible_id"] is None
    assert mapped.unmatched == {"bob"}


def test_order_without_a_customer_or_with_a_non_customer_is_skipped():
    orders = rows("order-ro.json")
    with pytest.raises(Skip, match="has no customer"):
        map_order(orders[102], order_refs(), currencies=CURRENCIES)
    with pytest.raises(Skip, match="company 2 is not a customer"):
        map_order(orders[103], order_refs(), currencies=CURRENCIES)


def test_order_starting_after_its_target_is_skipped():
    row = {**rows("order-ro.json")[101], "start_date": "2024-06-01"}
    with pytest.raises(Skip, match="target_date"):
        map_order(row, order_refs(), currencies=CURRENCIES)


def test_line_with_received_date_outcome_and_price():
    values = map_line(
        rows("order-ro-line.json")[115], order_refs(), currencies=CURRENCIES, default_currency="USD"
    )
    assert values["item_id"] == 10
    assert values["quantity"] == Decimal("2.0")
    assert values["received_date"] == datetime.date(2023, 11, 10)
    assert values["outcome"] == 50
    assert values["price"] == Decimal("19.99")
    assert values["price_currency"] == "USD"


def test_line_whose_stock_item_was_not_imported_is_skipped():
    with pytest.raises(Skip, match="stock item 404"):
        map_line(
            rows("order-ro-line.json")[112],
            order_refs(),
            currencies=CURRENCIES,
            default_currency="USD",
        )


def test_extra_line_keeps_price_and_currency():
    values = map_extra_line(
        rows("order-ro-extra-line.json")[122],
        order_refs(),
        currencies=CURRENCIES,
        default_currency="USD",
    )
    assert (values["price"], values["price_currency"]) == (Decimal("3.00"), "GBP")
    assert values["quantity"] == Decimal("2.0")


def test_project_code_responsible_goes_through_owner_matching():
    mapped = order_refs()
    values = map_project_code(rows("project-code.json")[91], mapped)
    assert values == {
        "code": "PRJ-RADIO",
        "description": "Radio recall",
        "responsible_id": None,
        "metadata": None,
    }
    assert mapped.unmatched == {"bob"}


def test_nested_detail_objects_are_read_as_their_pk():
    row = {**rows("order-ro.json")[101], "customer": {"pk": 1, "name": "Acme Repairs Ltd"}}
    assert map_order(row, order_refs(), currencies=CURRENCIES)["customer_id"] == 500
