"""REST API for companies, contacts and addresses (``/api/company/...``)."""

import pytest

from companies.models import Address, Company, Contact
from companies.services import address_save
from tests.factories import AddressFactory, CompanyFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

COMPANY_URL = "/api/company/"
CONTACT_URL = "/api/company/contact/"
ADDRESS_URL = "/api/company/address/"

COMPANY_FIELDS = {
    "pk",
    "name",
    "description",
    "image",
    "website",
    "phone",
    "email",
    "link",
    "active",
    "is_customer",
    "is_supplier",
    "is_manufacturer",
    "currency",
    "address",
    "primary_address",
    "address_count",
    "contact_count",
    "notes",
}
CONTACT_FIELDS = {"pk", "company", "company_name", "name", "phone", "email", "role"}
ADDRESS_FIELDS = {
    "pk",
    "company",
    "title",
    "primary",
    "line1",
    "line2",
    "postal_code",
    "postal_city",
    "province",
    "country",
    "shipping_notes",
    "internal_shipping_notes",
    "link",
}
COMPANY_BRIEF_FIELDS = {"pk", "active", "name", "description", "currency", "is_customer"}


def assert_json(response, status_code):
    """The status, then the exact Content-Type the inventree client insists on."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def names(rows):
    return [row["name"] for row in rows]


def add_address(company, **kwargs):
    return address_save(address=Address(company=company, title=kwargs.pop("title", "A"), **kwargs))


def primaries(company):
    return list(
        Address.objects.filter(company=company, primary=True).values_list("title", flat=True)
    )


# --- shared list behaviour ---------------------------------------------------------------


@pytest.fixture
def three_of_each():
    companies = [CustomerFactory(), CustomerFactory(), CompanyFactory()]
    for company in companies:
        ContactFactory(company=company)
        add_address(company, title=f"HQ of {company.name}")
    return companies


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_list_without_limit_is_a_bare_array(admin_client_api, three_of_each, url):
    body = assert_json(admin_client_api.get(url), 200)
    assert isinstance(body, list)
    assert len(body) == 3
    assert all(isinstance(row["pk"], int) and row["pk"] > 0 for row in body)


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_list_with_limit_is_an_envelope(admin_client_api, three_of_each, url):
    body = assert_json(admin_client_api.get(url, {"limit": 2}), 200)
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "offset=2" in body["next"]

    rest = assert_json(admin_client_api.get(url, {"limit": 2, "offset": 2}), 200)
    assert rest["next"] is None
    assert rest["previous"] is not None
    assert len(rest["results"]) == 1
    seen = {row["pk"] for row in body["results"]} | {row["pk"] for row in rest["results"]}
    assert len(seen) == 3


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_count_request_reads_count_from_limit_one(admin_client_api, three_of_each, url):
    body = assert_json(admin_client_api.get(url, {"limit": 1}), 200)
    assert body["count"] == 3
    assert len(body["results"]) == 1


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_options_offers_post_only_to_users_who_may_add(client_for, url):
    adder = client_for(return_order=["view", "add"])
    body = assert_json(adder.options(url), 200)
    assert "POST" in body["actions"]
    assert "pk" in body["actions"]["POST"]

    viewer = client_for(return_order=["view"])
    body = assert_json(viewer.options(url), 200)
    assert "POST" not in body.get("actions", {})


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_users_without_the_role_are_refused_with_json(client_for, three_of_each, url):
    outsider = client_for(part=["view"])
    assert_json(outsider.get(url), 403)
    assert_json(outsider.options(url), 403)
    assert_json(outsider.get(f"{url}{three_of_each[0].pk}/"), 403)


@pytest.mark.parametrize("url", [COMPANY_URL, CONTACT_URL, ADDRESS_URL])
def test_unknown_pk_is_a_json_404(admin_client_api, url):
    assert_json(admin_client_api.get(f"{url}999999/"), 404)
    assert_json(admin_client_api.patch(f"{url}999999/", {"name": "x"}), 404)


@pytest.mark.parametrize(
    ("url", "model"), [(COMPANY_URL, Company), (CONTACT_URL, Contact), (ADDRESS_URL, Address)]
)
def test_malformed_json_is_a_400_and_writes_nothing(admin_client_api, url, model):
    before = model.objects.count()
    response = admin_client_api.generic(
        "POST", url, '{"name": "ACME",', content_type="application/json"
    )
    body = assert_json(response, 400)
    assert "detail" in body
    assert model.objects.count() == before


@pytest.mark.parametrize(("url", "queries"), [(COMPANY_URL, 2), (CONTACT_URL, 1), (ADDRESS_URL, 1)])
def test_list_query_count_does_not_grow_with_rows(
    admin_client_api, django_assert_num_queries, url, queries
):
    for _ in range(4):
        company = CustomerFactory()
        ContactFactory(company=company)
        add_address(company, title="HQ")
        add_address(company, title="Depot")
    with django_assert_num_queries(queries):
        body = assert_json(admin_client_api.get(url), 200)
    assert len(body) >= 4


# --- companies ---------------------------------------------------------------------------


def test_company_has_exactly_the_documented_fields(admin_client_api):
    company = CustomerFactory()
    body = assert_json(admin_client_api.get(f"{COMPANY_URL}{company.pk}/"), 200)
    assert set(body) == COMPANY_FIELDS
    assert body["pk"] == company.pk
    assert body["is_customer"] is True
    # Keys are present even when empty.
    assert body["address"] is None
    assert body["primary_address"] is None
    assert body["email"] is None


def test_company_create_returns_the_full_object(admin_client_api):
    response = admin_client_api.post(
        f"{COMPANY_URL}?format=json",
        {"name": "ACME", "description": "Rockets", "is_customer": True, "currency": "EUR"},
    )
    body = assert_json(response, 201)
    assert set(body) == COMPANY_FIELDS
    company = Company.objects.get(pk=body["pk"])
    assert (company.name, company.is_customer, company.currency) == ("ACME", True, "EUR")
    assert body["address_count"] == 0
    assert body["contact_count"] == 0


def test_company_create_defaults_currency_and_supplier_flag(admin_client_api, settings):
    body = assert_json(admin_client_api.post(COMPANY_URL, {"name": "Plain"}), 201)
    assert body["currency"] == settings.DEFAULT_CURRENCY
    assert body["is_supplier"] is True
    assert body["is_customer"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"description": "no name"}, "name"),
        ({"name": "X", "is_customer": "perhaps"}, "is_customer"),
        ({"name": "X", "currency": "XYZ"}, "currency"),
        ({"name": "X", "website": "not a url"}, "website"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": ["a", "list"]}, "name"),
    ],
)
def test_company_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload, field):
    body = assert_json(admin_client_api.post(COMPANY_URL, payload), 400)
    assert field in body
    assert body[field]
    assert Company.objects.count() == 0


def test_company_name_and_email_must_be_unique_together(admin_client_api):
    CompanyFactory(name="ACME", email="sales@acme.test")
    body = assert_json(
        admin_client_api.post(COMPANY_URL, {"name": "ACME", "email": "sales@acme.test"}), 400
    )
    assert body["non_field_errors"]
    assert Company.objects.count() == 1
    # The same name with another email is a different company.
    assert_json(admin_client_api.post(COMPANY_URL, {"name": "ACME", "email": "x@acme.test"}), 201)


def test_company_patch_ignores_read_only_and_unknown_keys(admin_client_api):
    company = CustomerFactory(name="Old")
    body = assert_json(admin_client_api.get(f"{COMPANY_URL}{company.pk}/"), 200)
    # The inventree client sends the whole object back, read-only keys included.
    body.update(name="New", pk=12345, address_count=99, unknown_key="ignored")
    updated = assert_json(
        admin_client_api.patch(f"{COMPANY_URL}{company.pk}/?format=json", body), 200
    )
    assert updated["pk"] == company.pk
    assert updated["name"] == "New"
    assert updated["address_count"] == 0
    company.refresh_from_db()
    assert company.name == "New"


def test_company_put_replaces_writable_fields(admin_client_api):
    company = CustomerFactory(name="Old", description="old")
    body = assert_json(
        admin_client_api.put(
            f"{COMPANY_URL}{company.pk}/", {"name": "Replaced", "is_customer": False}
        ),
        200,
    )
    assert body["name"] == "Replaced"
    company.refresh_from_db()
    assert (company.name, company.is_customer) == ("Replaced", False)


def test_company_delete_is_204_then_404(admin_client_api):
    company = CustomerFactory()
    ContactFactory(company=company)
    response = admin_client_api.delete(f"{COMPANY_URL}{company.pk}/")
    assert response.status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not Contact.objects.filter(company_id=company.pk).exists()
    assert_json(admin_client_api.get(f"{COMPANY_URL}{company.pk}/"), 404)


def test_company_shows_primary_address_and_counts(admin_client_api):
    company = CustomerFactory()
    add_address(company, title="HQ", line1="1 Main St", postal_city="Springfield")
    add_address(company, title="Depot", line1="9 Side St")
    ContactFactory(company=company)

    for url in (f"{COMPANY_URL}{company.pk}/", COMPANY_URL):
        body = assert_json(admin_client_api.get(url), 200)
        row = body if isinstance(body, dict) else body[0]
        assert row["address"] == "1 Main St, Springfield"
        assert row["primary_address"]["line1"] == "1 Main St"
        assert "pk" in row["primary_address"]
        assert row["address_count"] == 2
        assert row["contact_count"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"is_customer": "True"}, ["Alpha", "Bravo"]),
        ({"is_customer": "False"}, ["Charlie"]),
        ({"is_customer": "true"}, ["Alpha", "Bravo"]),
        ({"active": "False"}, ["Bravo"]),
        ({"name": "alpha"}, ["Alpha"]),
        ({"currency": "EUR"}, ["Charlie"]),
        ({"is_supplier": "True"}, ["Charlie"]),
        ({"search": "rocket"}, ["Alpha", "Charlie"]),
        ({"search": "rocket sled"}, ["Charlie"]),
        ({"ordering": "-name"}, ["Charlie", "Bravo", "Alpha"]),
        ({"ordering": "is_customer,name"}, ["Charlie", "Alpha", "Bravo"]),
        ({"raise_error": "True", "customer_detail": "true"}, ["Alpha", "Bravo", "Charlie"]),
    ],
)
def test_company_filters_search_and_ordering(admin_client_api, query, expected):
    CustomerFactory(name="Alpha", description="Rocket parts")
    CustomerFactory(name="Bravo", description="Bikes", active=False)
    CompanyFactory(name="Charlie", description="Rocket sleds", currency="EUR")
    body = assert_json(admin_client_api.get(COMPANY_URL, query), 200)
    assert names(body) == expected


def test_viewer_cannot_create_and_nothing_is_written(client_for):
    viewer = client_for(return_order=["view"])
    assert_json(viewer.get(COMPANY_URL), 200)
    assert_json(viewer.post(COMPANY_URL, {"name": "Nope"}), 403)
    assert Company.objects.count() == 0


def test_role_with_add_may_create_but_not_change(client_for):
    """Each flag grants its own method only: add does not imply change (issue 9, item 14)."""
    client = client_for(return_order=["add"])
    body = assert_json(client.post(COMPANY_URL, {"name": "Made"}), 201)
    assert_json(client.patch(f"{COMPANY_URL}{body['pk']}/", {"name": "Changed"}), 403)
    assert_json(client.delete(f"{COMPANY_URL}{body['pk']}/"), 403)
    assert Company.objects.get().name == "Made"


# --- contacts ----------------------------------------------------------------------------


def test_contact_fields_and_company_detail_toggle(admin_client_api):
    contact = ContactFactory(name="Jane", role="Buyer")
    url = f"{CONTACT_URL}{contact.pk}/"
    body = assert_json(admin_client_api.get(url), 200)
    assert set(body) == CONTACT_FIELDS
    assert body["company"] == contact.company_id
    assert body["company_name"] == contact.company.name

    body = assert_json(admin_client_api.get(url, {"company_detail": "true"}), 200)
    assert set(body) == CONTACT_FIELDS | {"company_detail"}
    assert set(body["company_detail"]) == COMPANY_BRIEF_FIELDS
    assert body["company_detail"]["pk"] == contact.company_id


def test_contact_create_as_the_client_does(admin_client_api):
    customer = CustomerFactory()
    body = assert_json(
        admin_client_api.post(
            f"{CONTACT_URL}?format=json",
            {"company": customer.pk, "name": "Jane Doe", "email": "jane@example.com"},
        ),
        201,
    )
    # Write responses carry the detail block.
    assert set(body) == CONTACT_FIELDS | {"company_detail"}
    contact = Contact.objects.get(pk=body["pk"])
    assert (contact.company, contact.name, contact.email) == (
        customer,
        "Jane Doe",
        "jane@example.com",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No company"}, "company"),
        ({"company": 999999, "name": "Ghost"}, "company"),
        ({"company": "abc", "name": "Typo"}, "company"),
        ({"company": "CUSTOMER", "name": "Bad email", "email": "nope"}, "email"),
        ({"company": "CUSTOMER"}, "name"),
    ],
)
def test_contact_create_rejects_bad_input_and_writes_nothing(admin_client_api, payload, field):
    customer = CustomerFactory()
    payload = {k: customer.pk if v == "CUSTOMER" else v for k, v in payload.items()}
    body = assert_json(admin_client_api.post(CONTACT_URL, payload), 400)
    assert body[field]
    assert Contact.objects.count() == 0


def test_contact_filters_search_and_ordering(admin_client_api):
    acme, zeta = CustomerFactory(name="ACME"), CustomerFactory(name="Zeta")
    ContactFactory(company=zeta, name="Adam", role="Engineer")
    ContactFactory(company=acme, name="Beth", role="Buyer")
    ContactFactory(company=acme, name="Carl", role="Engineer")

    def listed(**query):
        return names(assert_json(admin_client_api.get(CONTACT_URL, query), 200))

    assert listed(company=acme.pk) == ["Beth", "Carl"]
    assert listed(company=zeta.pk) == ["Adam"]
    assert listed(search="engineer") == ["Adam", "Carl"]
    assert listed(search="zeta") == ["Adam"]
    assert listed(ordering="-name") == ["Carl", "Beth", "Adam"]
    assert listed(ordering="company_name") == ["Beth", "Carl", "Adam"]
    assert listed(ordering="-company_name") == ["Adam", "Carl", "Beth"]
    assert listed() == ["Adam", "Beth", "Carl"]
    assert_json(admin_client_api.get(CONTACT_URL, {"company": 999999}), 400)


def test_contact_update_and_delete(admin_client_api):
    contact = ContactFactory(name="Old")
    url = f"{CONTACT_URL}{contact.pk}/"
    body = assert_json(admin_client_api.patch(url, {"name": "New", "phone": "123"}), 200)
    assert (body["name"], body["phone"]) == ("New", "123")
    assert admin_client_api.delete(url).status_code == 204
    assert_json(admin_client_api.get(url), 404)
    assert not Contact.objects.exists()


# --- addresses ---------------------------------------------------------------------------


def test_address_fields_and_company_detail_toggle(admin_client_api):
    address = add_address(CustomerFactory(), title="HQ")
    url = f"{ADDRESS_URL}{address.pk}/"
    body = assert_json(admin_client_api.get(url), 200)
    assert set(body) == ADDRESS_FIELDS
    assert body["primary"] is True
    body = assert_json(admin_client_api.get(url, {"company_detail": "True"}), 200)
    assert set(body["company_detail"]) == COMPANY_BRIEF_FIELDS


def test_the_only_address_becomes_primary(admin_client_api):
    customer = CustomerFactory()
    body = assert_json(
        admin_client_api.post(
            ADDRESS_URL, {"company": customer.pk, "title": "HQ", "line1": "1 Main St"}
        ),
        201,
    )
    assert body["primary"] is True
    assert primaries(customer) == ["HQ"]


def test_a_second_address_is_not_primary_unless_asked(admin_client_api):
    customer = CustomerFactory()
    add_address(customer, title="HQ")
    body = assert_json(
        admin_client_api.post(ADDRESS_URL, {"company": customer.pk, "title": "Depot"}), 201
    )
    assert body["primary"] is False
    assert primaries(customer) == ["HQ"]


def test_a_new_primary_address_demotes_the_old_one(admin_client_api):
    customer = CustomerFactory()
    add_address(customer, title="HQ")
    body = assert_json(
        admin_client_api.post(
            ADDRESS_URL, {"company": customer.pk, "title": "New HQ", "primary": True}
        ),
        201,
    )
    assert body["primary"] is True
    assert primaries(customer) == ["New HQ"]


def test_patching_an_address_to_primary_demotes_the_old_one(admin_client_api):
    customer = CustomerFactory()
    add_address(customer, title="HQ")
    depot = add_address(customer, title="Depot")
    body = assert_json(admin_client_api.patch(f"{ADDRESS_URL}{depot.pk}/", {"primary": True}), 200)
    assert body["primary"] is True
    assert primaries(customer) == ["Depot"]


def test_primary_address_cannot_be_switched_off_without_a_replacement(admin_client_api):
    customer = CustomerFactory()
    hq = add_address(customer, title="HQ")
    add_address(customer, title="Depot")
    body = assert_json(admin_client_api.patch(f"{ADDRESS_URL}{hq.pk}/", {"primary": False}), 200)
    assert body["primary"] is True
    assert primaries(customer) == ["HQ"]


def test_primary_addresses_are_per_company(admin_client_api):
    first, second = CustomerFactory(), CustomerFactory()
    add_address(first, title="First HQ")
    assert_json(
        admin_client_api.post(
            ADDRESS_URL, {"company": second.pk, "title": "Second HQ", "primary": True}
        ),
        201,
    )
    assert primaries(first) == ["First HQ"]
    assert primaries(second) == ["Second HQ"]


def test_deleting_the_primary_address_promotes_the_oldest_other(admin_client_api):
    customer = CustomerFactory()
    hq = add_address(customer, title="HQ")
    add_address(customer, title="Depot")
    add_address(customer, title="Annex")
    assert admin_client_api.delete(f"{ADDRESS_URL}{hq.pk}/").status_code == 204
    assert primaries(customer) == ["Depot"]


def test_deleting_another_address_keeps_the_primary(admin_client_api):
    customer = CustomerFactory()
    add_address(customer, title="HQ")
    depot = add_address(customer, title="Depot")
    assert admin_client_api.delete(f"{ADDRESS_URL}{depot.pk}/").status_code == 204
    assert primaries(customer) == ["HQ"]
    assert_json(admin_client_api.get(f"{ADDRESS_URL}{depot.pk}/"), 404)


def test_moving_the_primary_address_leaves_a_primary_behind(admin_client_api):
    old_owner, new_owner = CustomerFactory(), CustomerFactory()
    hq = add_address(old_owner, title="HQ")
    add_address(old_owner, title="Depot")
    add_address(new_owner, title="Their HQ")

    body = assert_json(
        admin_client_api.patch(f"{ADDRESS_URL}{hq.pk}/", {"company": new_owner.pk}), 200
    )

    assert body["company"] == new_owner.pk
    assert primaries(old_owner) == ["Depot"]
    # It arrives as a primary address, so it demotes the one that was there.
    assert primaries(new_owner) == ["HQ"]


def test_address_create_rejects_bad_input_and_writes_nothing(admin_client_api):
    customer = CustomerFactory()
    for payload, field in [
        ({"title": "No company"}, "company"),
        ({"company": customer.pk}, "title"),
        ({"company": customer.pk, "title": "T", "primary": "maybe"}, "primary"),
        ({"company": customer.pk, "title": "T", "postal_code": "X" * 11}, "postal_code"),
        ({"company": 999999, "title": "T"}, "company"),
    ]:
        body = assert_json(admin_client_api.post(ADDRESS_URL, payload), 400)
        assert body[field], payload
    assert Address.objects.count() == 0


def test_address_filters_search_and_ordering(admin_client_api):
    acme, zeta = CustomerFactory(), CustomerFactory()
    add_address(acme, title="Warehouse", postal_city="Berlin")
    add_address(acme, title="Office", postal_city="Paris")
    add_address(zeta, title="Depot", postal_city="Berlin")

    def titles(**query):
        return [r["title"] for r in assert_json(admin_client_api.get(ADDRESS_URL, query), 200)]

    # Primary addresses first, then by title.
    assert titles(company=acme.pk) == ["Warehouse", "Office"]
    assert titles(company=acme.pk, primary="False") == ["Office"]
    assert titles(primary="True") == ["Depot", "Warehouse"]
    assert titles(search="berlin") == ["Depot", "Warehouse"]
    assert titles(ordering="title") == ["Depot", "Office", "Warehouse"]
    assert titles(ordering="-postal_city,title") == ["Office", "Depot", "Warehouse"]


def test_address_from_factory_is_listed_for_its_company(admin_client_api):
    address = AddressFactory(primary=True)
    body = assert_json(admin_client_api.get(ADDRESS_URL, {"company": address.company_id}), 200)
    assert [row["pk"] for row in body] == [address.pk]
