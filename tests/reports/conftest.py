"""Fixtures for the report tests: files in a temporary MEDIA_ROOT, orders worth printing."""

import io
from decimal import Decimal

import pytest
from djmoney.money import Money
from pypdf import PdfReader

from common import site_settings
from reports.models import ReportTemplate
from tests.factories import AddressFactory, ContactFactory, CustomerFactory, PartFactory
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

DEFAULT_TEMPLATE_NAME = "Boomerang Return Order"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def default_template(db) -> ReportTemplate:
    """The report the data migration installs."""
    return ReportTemplate.objects.get(model_type="returnorder", name=DEFAULT_TEMPLATE_NAME)


@pytest.fixture
def returns_enabled(db):
    site_settings.set_value("RETURNORDER_ENABLED", True)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def order_with_lines(db):
    """An order for a Swiss customer with non-ASCII names, two lines and an extra line."""
    customer = CustomerFactory(name="Höfler Feinmechanik AG", currency="CHF")
    address = AddressFactory(
        company=customer,
        title="Werk",
        line1="Seestrasse 12",
        postal_code="8002",
        postal_city="Zürich",
        country="Schweiz",
    )
    contact = ContactFactory(company=customer, name="Jürgen Höfler", email="jh@hoefler.example")
    order = ReturnOrderFactory(
        customer=customer,
        address=address,
        contact=contact,
        reference="RMA-0001",
        reference_int=1,
        customer_reference="PO-7781",
        description="Gehäuse gerissen",
        notes="Bitte Rückruf vor Versand.",
        total_price=Money(Decimal("215.50"), "CHF"),
    )
    part = PartFactory(name="Servo drive", IPN="SD-100")
    for serial, price in (("SN-A001", "100.00"), ("SN-A002", "95.50")):
        ReturnOrderLineItemFactory(
            order=order,
            item=CustomerStockItemFactory(customer=customer, part=part, serial=serial),
            price=Money(Decimal(price), "CHF"),
        )
    ReturnOrderExtraLineFactory(
        order=order,
        reference="Fracht",
        description="Rückversand",
        price=Money(Decimal("20.00"), "CHF"),
    )
    return order
