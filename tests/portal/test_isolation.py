"""Isolation: contact A of company X, signed in to the portal, reaches nothing of company Y,
and a portal session reaches no staff page, no admin page and no API endpoint.

* every portal URL naming an order or document of Y (or an order of X hidden from the
  customer) answers 404; the pages A may open show nothing of Y;
* every staff page (the page permission matrix), the admin, and every API endpoint and method
  (the API permission matrix) answer a portal session exactly what they answer an anonymous
  visitor: the staff login redirect, 401 or 403;
* no answer contains Y's references, serials, descriptions, names or addresses.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from common import services as common_services
from common import site_settings
from returns.models import ReturnOrderMessage
from tests.factories import UserFactory
from tests.pages.test_permission_pages import CASES as PAGE_CASES
from tests.pages.test_permission_pages import _url as page_url
from tests.portal.conftest import sign_in
from tests.portal.test_portal_pages import PORTAL_PAGES, portal_url, thread_file
from tests.reports.factories import ReportOutputFactory
from tests.test_permission_matrix import CASES as API_CASES
from tests.test_permission_matrix import prepare_request

pytestmark = pytest.mark.django_db

# The portal pages that name an order: each must be a 404 for an order the contact may not see.
ORDER_PAGES = {"portal:order", "portal:order-document", "portal:message", "portal:file"}


def _secrets_of(customer) -> list[str]:
    """What of a customer must never show to another: references, serials, texts, names."""
    values = [customer.company.name, customer.contact.name, customer.contact.email]
    for order in [*customer.orders, customer.hidden]:
        values += [order.reference, order.description, order.customer_reference]
    values += [item.serial for item in customer.items]
    return [value for value in values if value]


def _assert_no_leak(response, secrets, where: str) -> None:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode(errors="replace")
    leaked = [value for value in secrets if value in text]
    assert not leaked, f"{where} shows {leaked}"


def _portal_cookie(client: Client) -> str:
    return client.cookies["boomerang_portal"].value


def test_every_portal_url_of_another_company_is_a_404(customer_x, customer_y):
    portal = sign_in(customer_x.contact)
    secrets = _secrets_of(customer_y)
    targets = [*customer_y.orders, customer_y.hidden, customer_x.hidden]
    checked = 0
    for page in PORTAL_PAGES:
        if page.name in ORDER_PAGES:
            for order in targets:
                url = portal_url(page.name, order=order)
                for method in page.methods:
                    if method == "POST":
                        response = portal.post(url, {"body": "Let me in"})
                    else:
                        response = portal.get(url)
                    assert response.status_code == 404, f"{method} {url}"
                    _assert_no_leak(response, [*secrets, customer_x.hidden.reference], url)
                    checked += 1
            continue
        if "GET" in page.methods:
            url = portal_url(page.name)
            response = portal.get(url)
            assert response.status_code < 500, url
            _assert_no_leak(response, [*secrets, customer_x.hidden.reference], url)
            checked += 1
    # Searching for Y's serials finds nothing, and says nothing about them.
    for item in customer_y.items:
        response = portal.get(f"/portal/items/?q={item.serial}")
        assert "No item matches" in response.content.decode()
    # The list shows X's visible orders only: its count is X's, not X's plus Y's.
    listing = portal.get("/portal/").content.decode()
    assert listing.count('href="/portal/returns/') == len(customer_x.orders)
    assert checked >= 3 * len(ORDER_PAGES) + 3
    assert not ReturnOrderMessage.objects.filter(body="Let me in").exists()
    # A file of X's own order, asked for under Y's order, is not found either.
    own = thread_file(customer_x.orders[0])
    url = portal_url("portal:file", order=customer_y.orders[0], attachment=own)
    assert portal.get(url).status_code == 404
    # Y's thread files under X's order: not found.
    theirs = thread_file(customer_y.orders[1])
    url = portal_url("portal:file", order=customer_x.orders[0], attachment=theirs)
    assert portal.get(url).status_code == 404


def test_attachments_and_printed_reports_of_another_company_are_not_served(customer_y):
    from tests.portal.conftest import _customer

    x = _customer("Q")
    portal = sign_in(x.contact)
    attachment = common_services.attachment_create(
        model_type="returnorder",
        model_id=customer_y.orders[0].pk,
        user=None,
        file=SimpleUploadedFile("y-secret.txt", b"YSER-secret-content", content_type="text/plain"),
    )
    output = ReportOutputFactory(user=UserFactory())
    anonymous = Client()
    for url in (
        attachment.attachment.url,
        f"/media/report/{output.pk}/{output.filename}",
        f"/api/attachment/{attachment.pk}/",
        f"/api/attachment/?model_type=returnorder&model_id={customer_y.orders[0].pk}",
    ):
        expected = anonymous.get(url)
        response = portal.get(url)
        assert response.status_code == expected.status_code, url
        assert response.status_code in (302, 401, 403, 404), url
        _assert_no_leak(response, [*_secrets_of(customer_y), "YSER-secret-content"], url)


@pytest.mark.parametrize(("page", "method"), PAGE_CASES, ids=[f"{m} {p}" for p, m in PAGE_CASES])
def test_a_portal_session_opens_no_staff_page(page, method, customer_x, customer_y, enabled):
    url = page_url(page)
    portal = sign_in(customer_x.contact)
    anonymous = Client()
    send = (lambda c: c.post(url, {})) if method == "POST" else (lambda c: c.get(url))
    expected = send(anonymous)
    response = send(portal)
    assert expected.status_code == 302 and "/accounts/login/" in expected["Location"]
    assert response.status_code == expected.status_code
    assert response["Location"] == expected["Location"]
    _assert_no_leak(response, _secrets_of(customer_y), url)


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/returns/returnorder/", "/admin/companies/contact/"]
)
def test_a_portal_session_opens_no_admin_page(path, customer_x, customer_y):
    portal = sign_in(customer_x.contact)
    expected = Client().get(path)
    response = portal.get(path)
    assert response.status_code == expected.status_code == 302
    assert response["Location"] == expected["Location"]
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("case", API_CASES, ids=str)
def test_a_portal_session_reaches_no_api_endpoint(case, customer_x, customer_y):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    path, body, _kwargs = prepare_request(case, superuser)
    key = _portal_cookie(sign_in(customer_x.contact))

    def send(client):
        return client.generic(case.method, path, json.dumps(body), content_type="application/json")

    expected = send(APIClient())
    portal = APIClient()
    portal.cookies["boomerang_portal"] = key
    response = send(portal)
    assert response.status_code == expected.status_code, response.content[:200]
    assert response.status_code in (200, 401, 403, 404, 405), response.status_code
    _assert_no_leak(response, _secrets_of(customer_y), path)


@pytest.fixture
def enabled(db):
    site_settings.set_value("RETURNORDER_ENABLED", True)
