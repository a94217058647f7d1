"""Fixtures for the customer portal: two customers, each with a signed-in contact."""

import re
from dataclasses import dataclass

import pytest
from django.test import Client

from companies.models import Company, Contact
from jobs.models import OutgoingMail
from portal import services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from stock.models import StockItem
from tests.factories import ContactFactory, CustomerFactory, UserFactory
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

LINK = re.compile(r"/portal/sign-in/([A-Za-z0-9_-]+)/")


def last_link(email: str) -> str:
    """The path of the newest sign-in link e-mailed to ``email`` (from the mail outbox)."""
    mail = OutgoingMail.objects.filter(to=[email.lower()]).order_by("-pk").first()
    assert mail is not None, f"no e-mail to {email}"
    return LINK.search(mail.body).group(0)


def sign_in(contact: Contact, client: Client | None = None) -> Client:
    """A client signed in to the portal as ``contact``, through an invitation's link."""
    services.portal_access_invite(contact=contact, user=None)
    client = client or Client()
    response = client.post(last_link(contact.email))
    assert response.status_code == 302, response.status_code
    return client


@dataclass
class Customer:
    company: Company
    contact: Contact
    orders: list[ReturnOrder]
    items: list[StockItem]
    hidden: ReturnOrder  # an order the customer may not see (visible_to_customer off)


def _customer(tag: str) -> Customer:
    company = CustomerFactory(name=f"Company {tag}")
    contact = ContactFactory(
        company=company, name=f"Contact {tag}", email=f"{tag.lower()}@{tag.lower()}.example"
    )
    items = [CustomerStockItemFactory(customer=company, serial=f"{tag}SER-{n}") for n in range(3)]
    orders = []
    for n, status in enumerate((ReturnOrderStatus.PENDING, ReturnOrderStatus.IN_PROGRESS)):
        order = ReturnOrderFactory(
            customer=company,
            status=status,
            description=f"{tag} order {n}",
            customer_reference=f"{tag}-CUSTREF-{n}",
        )
        ReturnOrderLineItemFactory(order=order, item=items[n])
        orders.append(order)
    hidden = ReturnOrderFactory(
        customer=company, visible_to_customer=False, description=f"{tag} hidden order"
    )
    return Customer(company, contact, orders, items, hidden)


@pytest.fixture
def customer_x(db) -> Customer:
    return _customer("X")


@pytest.fixture
def customer_y(db) -> Customer:
    return _customer("Y")


@pytest.fixture
def portal_x(customer_x) -> Client:
    """Contact X signed in to the portal."""
    return sign_in(customer_x.contact)


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)
