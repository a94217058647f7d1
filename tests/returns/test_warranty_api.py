"""The warranty through the API: the part's period, the line's answer, start and override."""

import datetime

import pytest
from django.utils import timezone

from returns.statuses import ReturnOrderStatus
from stock import services as stock_services
from stock.models import StockItemTracking
from stock.statuses import StockHistoryCode
from tests.factories import LocationFactory, PartFactory, StockItemFactory
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

LINES = "/api/order/ro-line/"
PARTS = "/api/part/"
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    moment = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clerk(client_for):
    return client_for(return_order=["view", "add", "change"], stock=["view", "change"])


def unit(customer, delivered, months=12):
    item = StockItemFactory(part=PartFactory(warranty_months=months))
    stock_services.stock_items_assign(items=[item], customer=customer)
    StockItemTracking.objects.filter(
        item=item, tracking_type=StockHistoryCode.SENT_TO_CUSTOMER
    ).update(date=datetime.datetime.combine(delivered, datetime.time(9), tzinfo=datetime.UTC))
    return item


def post_line(client, order, item, **extra):
    return client.post(LINES, {"order": order.pk, "item": item.pk, **extra}, format="json")


def test_part_api_reads_and_writes_the_warranty_period(client_for):
    admin = client_for(part=["view", "change"])
    part = PartFactory()
    body = admin.get(f"{PARTS}{part.pk}/").json()
    assert body["warranty_months"] is None
    response = admin.patch(f"{PARTS}{part.pk}/", {"warranty_months": 24}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["warranty_months"] == 24
    for bad in (0, -1, 1201, "x"):
        response = admin.patch(f"{PARTS}{part.pk}/", {"warranty_months": bad}, format="json")
        assert response.status_code == 400
        assert "warranty_months" in response.json()
    response = admin.patch(f"{PARTS}{part.pk}/", {"warranty_months": None}, format="json")
    assert response.json()["warranty_months"] is None


def test_a_posted_line_carries_the_computed_answer(clerk):
    order = ReturnOrderFactory()
    item = unit(order.customer, datetime.date(2025, 6, 15))
    response = post_line(clerk, order, item)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in body if key.startswith("warranty")} == {
        "warranty": "in_warranty",
        "warranty_text": "In warranty",
        "warranty_status": "in_warranty",
        "warranty_start": "2025-06-15",
        "warranty_start_source": "tracking",
        "warranty_expiry": "2026-06-15",
        "warranty_override": "",
        "warranty_override_reason": "",
    }
    assert body["creation_date"] == "2026-06-15"
    listed = clerk.get(LINES, {"order": order.pk}).json()
    assert listed[0]["warranty"] == "in_warranty"


def test_a_posted_start_is_entered_and_read_only_fields_are_ignored(clerk):
    order = ReturnOrderFactory()
    item = unit(order.customer, datetime.date(2020, 1, 1))
    response = post_line(
        clerk,
        order,
        item,
        warranty_start="2026-01-01",
        warranty_status="out_of_warranty",
        warranty_expiry="2030-01-01",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["warranty"], body["warranty_start_source"], body["warranty_expiry"]) == (
        "in_warranty",
        "entered",
        "2027-01-01",
    )


def test_a_future_start_is_a_400(clerk):
    order = ReturnOrderFactory()
    item = unit(order.customer, datetime.date(2020, 1, 1))
    response = post_line(clerk, order, item, warranty_start="2026-06-16")
    assert response.status_code == 400
    assert "warranty_start" in response.json()


def test_patching_the_start_recomputes(clerk):
    order = ReturnOrderFactory()
    line = post_line(clerk, order, unit(order.customer, datetime.date(2020, 1, 1))).json()
    assert line["warranty"] == "out_of_warranty"
    response = clerk.patch(f"{LINES}{line['pk']}/", {"warranty_start": "2026-05-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["warranty"], response.json()["warranty_expiry"]) == (
        "in_warranty",
        "2027-05-01",
    )
    response = clerk.patch(f"{LINES}{line['pk']}/", {"warranty_start": None}, format="json")
    assert (response.json()["warranty"], response.json()["warranty_start_source"]) == (
        "out_of_warranty",
        "tracking",
    )


def test_an_override_without_a_reason_is_a_400(clerk):
    order = ReturnOrderFactory()
    line = post_line(clerk, order, unit(order.customer, datetime.date(2020, 1, 1))).json()
    url = f"{LINES}{line['pk']}/"
    response = clerk.patch(url, {"warranty_override": "in_warranty"}, format="json")
    assert response.status_code == 400
    assert "warranty_override_reason" in response.json()
    response = clerk.patch(url, {"warranty_override": "maybe"}, format="json")
    assert response.status_code == 400
    assert "warranty_override" in response.json()
    response = clerk.patch(
        url,
        {"warranty_override": "in_warranty", "warranty_override_reason": "Goodwill"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["warranty"], body["warranty_status"], body["warranty_override_reason"]) == (
        "in_warranty",
        "out_of_warranty",
        "Goodwill",
    )


def test_the_repair_endpoint_defaults_under_warranty_to_the_answer(clerk):
    order = ReturnOrderFactory()
    line = post_line(clerk, order, unit(order.customer, datetime.date(2026, 1, 1))).json()
    clerk.post(f"/api/order/ro/{order.pk}/issue/", {}, format="json")
    received = clerk.post(
        f"/api/order/ro/{order.pk}/receive/",
        {"items": [{"item": line["pk"]}], "location": LocationFactory().pk},
        format="json",
    )
    assert received.status_code == 201, received.json()
    order.refresh_from_db()
    assert order.status == ReturnOrderStatus.IN_PROGRESS
    response = clerk.post(f"{LINES}{line['pk']}/resolve/repair/", {"fault": "Dead"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["resolution_detail"]["repair"]["under_warranty"] is True
