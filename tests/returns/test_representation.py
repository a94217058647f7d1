"""The order list and detail read as rows answer exactly what ReturnOrderSerializer answers.

``GET /api/order/ro/`` and ``GET /api/order/ro/<pk>/`` build their JSON from ``values()``
rows (``returns.representation``). Each test asks the same question twice, once that way and
once through the serializer (the reader switched off), over orders of every shape, and
compares the bytes of the two answers: the same keys in the same order, the same values and
the same types, for every toggle, filter, search, ordering and page.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from djmoney.money import Money

from returns.models import ReturnOrder
from returns.representation import ReturnOrderReader
from returns.serializers import ReturnOrderSerializer
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from tests.factories import AddressFactory, ContactFactory, CustomerFactory, GroupFactory
from tests.returns.factories import (
    ProjectCodeFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    owner_of,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LONG_TEXT = "Ünïcödé ✓ 返品 🚚 " * 12
DETAILS = list(ReturnOrderSerializer.detail_defaults)


@pytest.fixture
def reader(client_for):
    return client_for(return_order=["view"])


@pytest.fixture
def orders(make_user):
    """Orders of every status and shape: relations present and absent, money, dates, text."""
    creator = make_user()
    user_owner = owner_of(make_user())
    group_owner = owner_of(GroupFactory(name="Repairs desk"))
    eur_customer = CustomerFactory(name="Kundé GmbH", currency="EUR", description=LONG_TEXT)
    odd_customer = CustomerFactory(name="Odd currency", currency="xyz", active=False)
    plain_code = ProjectCodeFactory(code="PRJ-PLAIN", description="")
    owned_code = ProjectCodeFactory(code="PRJ-ÖWNED", responsible=group_owner)
    made = []
    for n, status in enumerate(ReturnOrderStatus.values * 3):
        customer = [eur_customer, odd_customer, CustomerFactory(currency="USD")][n % 3]
        order = ReturnOrderFactory(
            status=status,
            customer=customer,
            description=LONG_TEXT[: 250 - n] if n % 2 else f"Faulty servo {n}",
            customer_reference=f"PO-{n}" if n % 4 else "",
            notes=None if n % 5 == 0 else LONG_TEXT * (n % 3 + 1),
            link="https://example.com/rma/ünï" if n % 3 == 0 else "",
            responsible=[None, user_owner, group_owner][n % 3],
            project_code=[None, plain_code, owned_code][(n // 3) % 3],
            created_by=creator if n % 2 else None,
            order_currency=["GBP", None, ""][n % 3],
            start_date=TODAY - datetime.timedelta(days=30) if n % 2 else None,
            target_date=[
                None,
                TODAY - datetime.timedelta(days=3),
                TODAY + datetime.timedelta(days=5),
            ][n % 3],
            issue_date=TODAY - datetime.timedelta(days=n) if n % 4 else None,
            complete_date=TODAY if status == ReturnOrderStatus.COMPLETE else None,
            total_price=Money(Decimal("1234.567891"), "EUR") if n % 2 else None,
            total_price_note="" if n % 2 else "No exchange rate for JPY",
            total_refunded=Money(Decimal("10.5"), "GBP") if n % 3 == 1 else None,
            total_refunded_note="Converted from USD" if n % 3 == 1 else "",
        )
        if n % 2:
            order.contact = ContactFactory(company=customer, name=f"Jöhn {n}", role="Buyer")
        if n % 3 != 2:
            order.address = AddressFactory(
                company=customer, line2=LONG_TEXT[:50], internal_shipping_notes="Rampe 2"
            )
        order.save()
        for line in range(n % 4):
            ReturnOrderLineItemFactory(
                order=order,
                received_date=TODAY if line % 2 else None,
                outcome=ReturnOrderLineStatus.REPAIR if line else ReturnOrderLineStatus.PENDING,
            )
        made.append(order)
    # Imported data: an order without a customer.
    made.append(ReturnOrderFactory(customer=None, description="No customer"))
    return made


def both(client, url, params, monkeypatch):
    """The answer read as rows, and the serializer's answer to the same request."""
    with monkeypatch.context() as patch:
        # Were the serializer to answer here, the comparison would prove nothing.
        patch.setattr(ReturnOrderSerializer, "to_representation", _not_called)
        fast = client.get(url, params)
    with monkeypatch.context() as patch:
        patch.setattr(ReturnOrderReader, "covers", staticmethod(lambda: False))
        slow = client.get(url, params)
    return fast, slow


def _not_called(self, instance):
    raise AssertionError("the serializer answered a read the reader should answer")


def assert_same(fast, slow):
    assert fast.status_code == slow.status_code
    assert fast.json() == slow.json()
    # Key order and number formatting too: byte for byte.
    assert fast.content == slow.content, _first_difference(fast.json(), slow.json())


def _first_difference(fast, slow) -> str:
    fast_rows = fast.get("results", [fast]) if isinstance(fast, dict) else fast
    slow_rows = slow.get("results", [slow]) if isinstance(slow, dict) else slow
    for a, b in zip(fast_rows, slow_rows, strict=False):
        if json.dumps(a) != json.dumps(b):
            return f"keys {list(a)} != {list(b)}"
    return "same rows, different envelope"


def test_the_reader_covers_every_field_the_serializer_shows():
    assert ReturnOrderReader.covers()


LIST_PARAMS = [
    {},
    {"limit": 3},
    {"limit": 4, "offset": 5},
    {"limit": 5, "offset": 12},  # a page in the second half: keys picked from the other end
    {"limit": 5, "offset": 500},  # beyond the end
    {"limit": 0},
    {"customer_detail": "true"},
    {"customer_detail": "true", "limit": 6},
    {"contact_detail": "false"},
    {"address_detail": "0"},
    {"responsible_detail": "no"},
    {"project_code_detail": "false"},
    dict.fromkeys(DETAILS, "false"),
    dict.fromkeys(DETAILS, "true"),
    {"status": ReturnOrderStatus.IN_PROGRESS},
    {"outstanding": "true"},
    {"overdue": "true"},
    {"overdue": "false", "limit": 4},
    {"has_project_code": "true"},
    {"assigned_to": "placeholder"},
    {"search": "servo"},
    {"search": "Kundé"},
    {"search": "PRJ-ÖWNED"},
    {"ordering": "target_date"},
    {"ordering": "-line_items", "limit": 7},
    {"ordering": "line_items"},
    {"ordering": "customer"},
    {"ordering": "-responsible"},
    {"ordering": "project_code", "limit": 5, "offset": 3},
    {"ordering": "total_price"},
    {"ordering": "-updated_at,status"},
    {"ordering": "created_by"},
    {"limit": "lots"},  # a 400, the same from both
    {"offset": "-1"},
]


@pytest.mark.parametrize("params", LIST_PARAMS, ids=lambda p: json.dumps(p, ensure_ascii=False))
def test_list_is_the_serializers_list(params, orders, reader, monkeypatch):
    if params.get("assigned_to") == "placeholder":
        params = {"assigned_to": orders[1].responsible_id}
    fast, slow = both(reader, "/api/order/ro/", params, monkeypatch)
    assert_same(fast, slow)


def test_every_order_is_listed_as_the_serializer_lists_it(orders, reader, monkeypatch):
    fast, slow = both(reader, "/api/order/ro/", {"customer_detail": "true"}, monkeypatch)
    assert_same(fast, slow)
    assert len(fast.json()) == len(orders)
    assert "notes" not in fast.json()[0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"customer_detail": "true"},
        dict.fromkeys(DETAILS, "false"),
        # Meaningless on one order, but the detail's ordering filter accepts line counts.
        {"ordering": "-completed_lines"},
    ],
    ids=["defaults", "customer_detail", "no_details", "ordering"],
)
def test_detail_is_the_serializers_detail(params, orders, reader, monkeypatch):
    for order in orders:
        fast, slow = both(reader, f"/api/order/ro/{order.pk}/", params, monkeypatch)
        assert_same(fast, slow)
    assert "notes" in fast.json()


def test_a_missing_order_is_the_same_404(orders, reader, monkeypatch):
    missing = ReturnOrder.objects.order_by("-pk").first().pk + 1
    fast, slow = both(reader, f"/api/order/ro/{missing}/", {}, monkeypatch)
    assert fast.status_code == 404
    assert_same(fast, slow)


def test_emails_show_as_the_serializer_shows_them(orders, make_user, client_for, monkeypatch):
    """Another user's e-mail only for account managers; one's own always."""
    creator = next(order.created_by for order in orders if order.created_by_id)
    manager = client_for(return_order=["view"])
    manager.user.user_permissions.add(Permission.objects.get(codename="view_user"))
    own = client_for(return_order=["view"])
    own.force_authenticate(creator)
    creator.user_permissions.add(
        *Permission.objects.filter(codename="view_returnorder", content_type__app_label="returns")
    )
    for client in (manager, own):
        fast, slow = both(client, "/api/order/ro/", {"limit": 50}, monkeypatch)
        assert_same(fast, slow)
        users = [row["created_by"] for row in fast.json()["results"] if row["created_by"]]
        emails = [user.get("email") for user in users]
        assert creator.email in emails


def test_the_reader_does_not_show_email_to_others(orders, reader, monkeypatch):
    fast, slow = both(reader, "/api/order/ro/", {}, monkeypatch)
    assert_same(fast, slow)
    creators = [row["created_by"] for row in fast.json() if row["created_by"]]
    assert creators
    assert all("email" not in user for user in creators)


def test_the_line_counts_are_the_orders_own(orders, reader):
    rows = {row["pk"]: row for row in reader.get("/api/order/ro/").json()}
    for order in orders:
        lines = order.lines.all()
        assert rows[order.pk]["line_items"] == len(lines)
        assert rows[order.pk]["received_lines"] == sum(1 for line in lines if line.received)
        assert rows[order.pk]["completed_lines"] == sum(
            1 for line in lines if line.outcome != ReturnOrderLineStatus.PENDING
        )


def test_exports_keep_their_own_path(orders, reader):
    response = reader.get("/api/order/ro/", {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
