"""The index's customer and responsible pickers: search-as-you-type with the script, a typed
name the server resolves without it, and a ``?customer=<pk>`` link that keeps working.

Neither picker loads every customer or owner: the page costs the same with 3 or 30 of each.
"""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import CompanyFactory, CustomerFactory, GroupFactory, UserFactory
from tests.pages.factories import OrderFactory, owner_of
from tests.pages.test_queries import BASE, CALENDAR_QUERIES, INDEX_QUERIES

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<td><a href="/returns/\d+/" class="fw-semibold">([^<]+)</a></td>')
# The picker endpoint: its one query for the matches.
PICKER_QUERIES = BASE + 1
# A filter by key: the one lookup that validates it and names it in the box.
PICKED_INDEX_QUERIES = INDEX_QUERIES + 1


def refs(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    return set(ROW.findall(response.content.decode()))


def query_of(response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.status_code
    return parse_qs(urlsplit(response["Location"]).query)


def text_box(response, name: str) -> str:
    content = response.content.decode()
    match = re.search(rf'<input type="text" name="{name}"[^>]*>', content)
    assert match, f"no text box {name}"
    return html.unescape(match.group(0))


def value_of(tag: str) -> str | None:
    match = re.search(r'value="([^"]*)"', tag)
    return match.group(1) if match else None


# -- the endpoint --------------------------------------------------------------------------


def test_customer_matches_are_customers_by_name_any_case(
    enabled, viewer, django_assert_num_queries
):
    CustomerFactory(name="Beta Robotics")
    CustomerFactory(name="Acme ROBOTICS")
    CustomerFactory(name="Globex")
    CompanyFactory(name="Robotics Parts Supplier", is_customer=False)
    with django_assert_num_queries(PICKER_QUERIES):
        response = viewer.get("/returns/pickers/customer/?q=robot")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    results = response.json()["results"]
    assert [row["label"] for row in results] == ["Acme ROBOTICS", "Beta Robotics"]
    # Only what the picker shows and submits.
    assert all(set(row) == {"value", "label"} for row in results)


@pytest.mark.parametrize("count", [3, 30])
def test_at_most_twenty_matches_in_one_query(enabled, viewer, django_assert_num_queries, count):
    for n in range(count):
        CustomerFactory(name=f"Shop {n:02}")
    with django_assert_num_queries(PICKER_QUERIES):
        results = viewer.get("/returns/pickers/customer/?q=shop").json()["results"]
    assert len(results) == min(count, 20)
    assert results[0]["label"] == "Shop 00"


def test_owner_matches_are_users_and_groups_labelled_as_the_list_shows_them(
    enabled, viewer, django_assert_num_queries
):
    ann = owner_of(UserFactory(username="ann"))
    team = owner_of(GroupFactory(name="annex team"))
    owner_of(UserFactory(username="bob"))
    with django_assert_num_queries(PICKER_QUERIES):
        results = viewer.get("/returns/pickers/assigned_to/?q=ANN").json()["results"]
    assert results == [
        {"value": ann.pk, "label": str(ann)},
        {"value": team.pk, "label": str(team)},
    ]
    assert str(ann).endswith("(user)") and str(team).endswith("(group)")


def test_an_unknown_picker_is_not_found(enabled, viewer):
    assert viewer.get("/returns/pickers/part/?q=a").status_code == 404


def test_the_endpoint_needs_the_index_permission(enabled, page_client):
    CustomerFactory(name="Acme")
    outsider = page_client(stock=["view"])
    assert outsider.get("/returns/pickers/customer/?q=a").status_code == 403


def test_the_endpoint_is_off_while_return_orders_are(viewer):
    assert viewer.get("/returns/pickers/customer/?q=a").status_code == 404


def test_a_very_long_search_is_cut_not_refused(enabled, viewer):
    CustomerFactory(name="Acme")
    response = viewer.get("/returns/pickers/customer/", {"q": "a" * 5000})
    assert response.status_code == 200
    assert response.json() == {"results": []}


# -- the index page ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_index_reads_no_customer_or_owner_list(
    enabled, viewer, django_assert_num_queries, count
):
    for n in range(count):
        CustomerFactory(name=f"Listed customer {n}")
        owner_of(UserFactory(username=f"listed-owner-{n}"))
    OrderFactory(customer=CustomerFactory(name="Shown"))
    with django_assert_num_queries(INDEX_QUERIES):
        response = viewer.get("/returns/")
    content = response.content.decode()
    assert "Listed customer" not in content
    assert "listed-owner" not in content
    assert '<select name="customer"' not in content
    box = text_box(response, "customer_name")
    assert 'data-picker-url="/returns/pickers/customer/"' in box
    assert 'data-picker-value="id_customer"' in box
    assert '<label class="form-label" for="id_customer_name">Customer</label>' in content
    assert '<label class="form-label" for="id_assigned_to_name">Responsible</label>' in content


@pytest.mark.parametrize("count", [3, 30])
def test_a_customer_link_filters_and_names_the_customer(
    enabled, viewer, django_assert_num_queries, count
):
    for _ in range(count):
        CustomerFactory()
    acme = CustomerFactory(name="Acme & Sons")
    mine = OrderFactory(customer=acme)
    OrderFactory()
    with django_assert_num_queries(PICKED_INDEX_QUERIES):
        response = viewer.get(f"/returns/?customer={acme.pk}")
    assert refs(response) == {mine.reference}
    assert value_of(text_box(response, "customer_name")) == "Acme & Sons"
    assert f'name="customer" value="{acme.pk}"' in response.content.decode()
    assert '<span class="badge rounded-pill text-bg-primary">1 active</span>' in (
        response.content.decode()
    )


def test_an_owner_link_filters_and_names_the_owner(enabled, viewer):
    ann = owner_of(UserFactory(username="ann"))
    mine = OrderFactory(responsible=ann)
    OrderFactory()
    response = viewer.get(f"/returns/?assigned_to={ann.pk}")
    assert refs(response) == {mine.reference}
    assert value_of(text_box(response, "assigned_to_name")) == str(ann)


def test_a_typed_name_matching_one_customer_lists_by_its_key(enabled, viewer):
    acme = CustomerFactory(name="Acme Robotics")
    CustomerFactory(name="Globex")
    response = viewer.get("/returns/?customer_name=acme&status=10&sort=customer")
    assert query_of(response) == {
        "customer": [str(acme.pk)],
        "status": ["10"],
        "sort": ["customer"],
    }


def test_an_exact_name_wins_over_longer_ones(enabled, viewer):
    acme = CustomerFactory(name="Acme")
    CustomerFactory(name="Acme Robotics")
    response = viewer.get("/returns/?customer_name=ACME")
    assert query_of(response) == {"customer": [str(acme.pk)]}


def test_a_chosen_key_with_its_own_name_goes_by_the_key(enabled, viewer):
    """What the script submits after a choice (and a page re-submitted as shown)."""
    first = CustomerFactory(name="Acme")
    CustomerFactory(name="Acme")
    response = viewer.get(f"/returns/?customer={first.pk}&customer_name=Acme")
    assert query_of(response) == {"customer": [str(first.pk)]}


def test_a_name_typed_over_an_earlier_choice_wins(enabled, viewer):
    """Without the script the earlier key stays in the form beside the new name."""
    acme = CustomerFactory(name="Acme")
    globex = CustomerFactory(name="Globex")
    response = viewer.get(f"/returns/?customer={acme.pk}&customer_name=globex")
    assert query_of(response) == {"customer": [str(globex.pk)]}


def test_a_name_matching_several_offers_them_and_lists_nothing(enabled, viewer):
    north = CustomerFactory(name="Acme North")
    south = CustomerFactory(name="Acme South")
    CustomerFactory(name="Globex")
    OrderFactory(customer=north)
    response = viewer.get("/returns/?customer_name=acme&status=10")
    assert refs(response) == set()
    content = html.unescape(response.content.decode())
    assert "2 customers match “acme”: choose one below." in content
    assert 'aria-invalid="true"' in text_box(response, "customer_name")
    links = re.findall(
        r'<li class="list-inline-item"><a href="\?([^"]+)">([^<]+)</a></li>', content
    )
    assert [(parse_qs(q), label) for q, label in links] == [
        ({"customer": [str(north.pk)], "status": ["10"]}, "Acme North"),
        ({"customer": [str(south.pk)], "status": ["10"]}, "Acme South"),
    ]
    assert "<details" in content and 'id="filter-panel" open' in content


def test_a_name_matching_more_than_twenty_asks_for_more(enabled, viewer):
    for n in range(25):
        CustomerFactory(name=f"Shop {n:02}")
    content = html.unescape(viewer.get("/returns/?customer_name=shop").content.decode())
    assert "More than 20 customers match “shop”: type more of the name." in content
    assert len(re.findall(r'<li class="list-inline-item"><a href="\?customer=', content)) == 20


def test_a_name_matching_nothing_says_so_beside_the_field(enabled, viewer):
    OrderFactory()
    CompanyFactory(name="Supplier Only", is_customer=False)
    response = viewer.get("/returns/?customer_name=supplier")
    assert refs(response) == set()
    content = html.unescape(response.content.decode())
    assert 'id="id_customer_name_error"' in content
    assert "No customer matches “supplier”." in content
    assert value_of(text_box(response, "customer_name")) == "supplier"


def test_a_stale_or_bad_key_shows_no_orders_and_says_why(enabled, viewer):
    OrderFactory()
    for key in ("999999", "abc", "-1"):
        response = viewer.get(f"/returns/?customer={key}")
        assert refs(response) == set(), key
        assert "Select a valid choice" in response.content.decode(), key


def test_an_owner_typed_as_the_list_shows_it_is_found(enabled, viewer):
    ann = owner_of(UserFactory(username="ann"))
    owner_of(UserFactory(username="bob"))
    response = viewer.get("/returns/?assigned_to_name=ann%20(user)")
    assert query_of(response) == {"assigned_to": [str(ann.pk)]}


# -- the calendar shares the filters -------------------------------------------------------


def test_the_calendar_resolves_a_typed_name_and_stays_a_calendar(enabled, viewer):
    acme = CustomerFactory(name="Acme")
    response = viewer.get("/returns/?view=calendar&month=2031-05&customer_name=acm")
    assert query_of(response) == {
        "view": ["calendar"],
        "month": ["2031-05"],
        "customer": [str(acme.pk)],
    }


def test_the_calendar_by_customer_key_costs_one_lookup(enabled, viewer, django_assert_num_queries):
    acme = CustomerFactory(name="Acme")
    with django_assert_num_queries(CALENDAR_QUERIES + 1):
        response = viewer.get(f"/returns/?view=calendar&month=2031-05&customer={acme.pk}")
    assert response.status_code == 200
    assert value_of(text_box(response, "customer_name")) == "Acme"


def test_the_export_reads_the_same_customer_key(enabled, viewer):
    acme = CustomerFactory(name="Acme")
    mine = OrderFactory(customer=acme)
    other = OrderFactory()
    response = viewer.get(f"/returns/export/?customer={acme.pk}&export=csv")
    content = b"".join(response.streaming_content).decode()
    assert mine.reference in content
    assert other.reference not in content
