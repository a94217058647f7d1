"""The portal's pages: the list of returns, the status page with its steps and each line in the
customer's words, the RMA document, the items the company holds; their query counts."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from djmoney.money import Money

from portal import progress
from returns.models import ReturnOrder, ReturnOrderLineResolution, ReturnOrderRefund
from returns.statuses import ResolutionKind, ReturnOrderLineStatus, ReturnOrderStatus
from tests.portal.test_portal_pages import thread_file
from tests.returns.factories import (
    CustomerStockItemFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db

SIGNED_IN = 1  # the portal session's lookup (with the contact and company)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_my_returns_lists_the_visible_orders_of_my_company_only(portal_x, customer_x, customer_y):
    page = _text(portal_x.get("/portal/"))
    for order in customer_x.orders:
        assert order.reference in page
    assert customer_x.hidden.reference not in page
    for order in customer_y.orders:
        assert order.reference not in page


def test_my_returns_has_an_empty_state(db):
    from tests.factories import ContactFactory
    from tests.portal.conftest import sign_in

    client = sign_in(ContactFactory(email="lonely@example.com"))
    assert "You have no returns yet." in _text(client.get("/portal/"))


def test_my_returns_is_paginated(portal_x, customer_x):
    for _ in range(25):
        ReturnOrderFactory(customer=customer_x.company)
    first = _text(portal_x.get("/portal/"))
    assert "Page 1 of 2" in first
    assert len(re.findall(r'href="/portal/returns/\d+/"', first)) == 20
    second = _text(portal_x.get("/portal/?page=2"))
    assert len(re.findall(r'href="/portal/returns/\d+/"', second)) == 27 - 20


@pytest.mark.parametrize("rows", [1, 5])
def test_my_returns_queries_are_fixed(customer_x, django_assert_num_queries, rows):
    from tests.portal.conftest import sign_in

    client = sign_in(customer_x.contact)
    for _ in range(rows):
        order = ReturnOrderFactory(customer=customer_x.company)
        ReturnOrderLineItemFactory(order=order)
    # The session, the site setting (logo), the count and the page of orders.
    with django_assert_num_queries(SIGNED_IN + 3):
        response = client.get("/portal/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 5])
def test_the_status_page_queries_are_fixed(customer_x, django_assert_num_queries, rows):
    from tests.portal.conftest import sign_in

    client = sign_in(customer_x.contact)
    order = ReturnOrderFactory(customer=customer_x.company, status=ReturnOrderStatus.IN_PROGRESS)
    for _ in range(rows):
        line = ReturnOrderLineItemFactory(order=order, received_date=timezone.localdate())
        _resolve(line, ResolutionKind.REPLACE, replacement_item=CustomerStockItemFactory())
        thread_file(order)  # a message with a photo
    # The session, the logo, the order, its lines, their resolutions, the document template,
    # the thread's messages and their files.
    with django_assert_num_queries(SIGNED_IN + 7):
        response = client.get(f"/portal/returns/{order.pk}/")
    assert response.status_code == 200
    assert _text(response).count("Replaced by serial") == rows


def _resolve(line, kind, **fields):
    resolution = ReturnOrderLineResolution.objects.create(
        line=line,
        order=line.order,
        kind=kind,
        previous_outcome=ReturnOrderLineStatus.PENDING,
        **fields,
    )
    outcome = {
        ResolutionKind.RETURN: ReturnOrderLineStatus.RETURN,
        ResolutionKind.REPAIR: ReturnOrderLineStatus.REPAIR,
        ResolutionKind.REPLACE: ReturnOrderLineStatus.REPLACE,
        ResolutionKind.REFUND: ReturnOrderLineStatus.REFUND,
        ResolutionKind.REJECT: ReturnOrderLineStatus.REJECT,
    }[kind]
    type(line).objects.filter(pk=line.pk).update(outcome=outcome)
    return resolution


def test_each_line_says_what_was_done_in_the_customers_words(portal_x, customer_x):
    order = ReturnOrderFactory(customer=customer_x.company, status=ReturnOrderStatus.IN_PROGRESS)
    today = timezone.localdate()
    waiting = ReturnOrderLineItemFactory(order=order)
    replaced = ReturnOrderLineItemFactory(order=order, received_date=today)
    _resolve(
        replaced,
        ResolutionKind.REPLACE,
        replacement_item=CustomerStockItemFactory(serial="NEW-777"),
    )
    refunded = ReturnOrderLineItemFactory(order=order, received_date=today)
    resolution = _resolve(refunded, ResolutionKind.REFUND)
    ReturnOrderRefund.objects.create(
        resolution=resolution, amount=Money(10, "USD"), reference="CN-42"
    )
    returned = ReturnOrderLineItemFactory(order=order, received_date=today)
    _resolve(returned, ResolutionKind.RETURN)
    page = _text(portal_x.get(f"/portal/returns/{order.pk}/"))
    assert "Waiting for the item to arrive" in page
    assert f"Received on {today.isoformat()}" in page
    assert "Replaced by serial NEW-777" in page
    assert "Refunded with reference CN-42" in page
    assert "Checked and shipped back to you" in page
    assert waiting.item.serial in page


def _steps(order, lines=()):
    return [(s.key, s.done, s.current) for s in progress.order_steps(order, list(lines))]


def test_the_stepper_skips_authorized_when_it_was_never_needed(customer_x):
    order = customer_x.orders[0]
    assert [key for key, *_ in _steps(order)] == [
        "requested",
        "issued",
        "received",
        "resolved",
        "complete",
    ]
    assert _steps(order)[1] == ("issued", False, True)


def test_the_stepper_shows_authorized_for_an_order_that_needed_it(customer_x):
    order = ReturnOrderFactory(customer=customer_x.company, status=ReturnOrderStatus.REQUESTED)
    assert _steps(order)[:2] == [("requested", True, False), ("authorized", False, True)]
    order.status = ReturnOrderStatus.PENDING
    order.authorized_date = timezone.now()
    assert _steps(order)[1:3] == [("authorized", True, False), ("issued", False, True)]


def test_the_stepper_follows_an_order_to_completion(customer_x):
    order = ReturnOrderFactory(
        customer=customer_x.company,
        status=ReturnOrderStatus.COMPLETE,
        issue_date=datetime.date(2026, 1, 2),
        complete_date=datetime.date(2026, 1, 9),
    )
    line = ReturnOrderLineItemFactory(order=order, received_date=datetime.date(2026, 1, 5))
    _resolve(line, ResolutionKind.RETURN)
    line.refresh_from_db()
    line.standing_resolution = line.resolutions.get()
    assert all(done for _key, done, _current in _steps(order, [line]))


def test_the_status_page_shows_the_stepper(portal_x, customer_x):
    page = portal_x.get(f"/portal/returns/{customer_x.orders[1].pk}/").content.decode()
    assert 'class="portal-steps"' in page
    assert 'aria-current="step"' in page


def test_an_order_of_another_company_or_hidden_is_not_found(portal_x, customer_x, customer_y):
    for order in (customer_y.orders[0], customer_x.hidden):
        for path in (f"/portal/returns/{order.pk}/", f"/portal/returns/{order.pk}/document/"):
            response = portal_x.get(path)
            assert response.status_code == 404, path
            assert order.reference not in response.content.decode()


def test_the_rma_document_downloads_as_a_pdf(portal_x, customer_x):
    response = portal_x.get(f"/portal/returns/{customer_x.orders[0].pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF")


def test_switching_visibility_off_hides_an_order(portal_x, customer_x):
    order = customer_x.orders[0]
    assert portal_x.get(f"/portal/returns/{order.pk}/").status_code == 200
    ReturnOrder.objects.filter(pk=order.pk).update(visible_to_customer=False)
    assert portal_x.get(f"/portal/returns/{order.pk}/").status_code == 404


def test_my_items_lists_what_the_company_holds_and_searches_by_serial(
    portal_x, customer_x, customer_y
):
    page = _text(portal_x.get("/portal/items/"))
    for item in customer_x.items:
        assert item.serial in page
    for item in customer_y.items:
        assert item.serial not in page
    found = _text(portal_x.get("/portal/items/?q=XSER-2"))
    assert "XSER-2" in found and "XSER-1" not in found
    assert "No item matches" in _text(portal_x.get("/portal/items/?q=YSER-1"))


@pytest.mark.parametrize("rows", [1, 5])
def test_my_items_queries_are_fixed(customer_x, django_assert_num_queries, rows):
    from tests.portal.conftest import sign_in

    client = sign_in(customer_x.contact)
    for _ in range(rows):
        CustomerStockItemFactory(customer=customer_x.company)
    with django_assert_num_queries(SIGNED_IN + 3):
        assert client.get("/portal/items/").status_code == 200


def test_the_portal_answers_in_a_language_it_offers(portal_x):
    response = portal_x.get("/portal/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_the_logo_comes_from_the_site_settings(portal_x):
    from common import site_settings

    site_settings.set_value("PORTAL_LOGO_URL", "/static/favicon.svg")
    assert 'src="/static/favicon.svg"' in portal_x.get("/portal/").content.decode()
    with pytest.raises(ValidationError):
        site_settings.set_value("PORTAL_LOGO_URL", "https://elsewhere.example/logo.png")


def test_portal_pages_have_no_staff_navigation(portal_x):
    page = portal_x.get("/portal/").content.decode()
    assert 'href="/returns/' not in page and 'href="/admin/' not in page
    assert "Main navigation" not in page


def test_anonymous_visitors_are_sent_to_sign_in(customer_x):
    for path in ("/portal/", "/portal/items/", f"/portal/returns/{customer_x.orders[0].pk}/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"] == "/portal/sign-in/"
