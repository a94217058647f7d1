"""The portal's page matrix: every portal URL, who reaches it, and CSRF on every form.

``PORTAL_PAGES`` lists every page under /portal/ (``test_every_portal_page_is_listed`` fails
when one is missing); the CSP walk and the axe walk read it. Pages for signed-in contacts send
anyone else to the sign-in page; the sign-in pages are open to everyone.
"""

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal import services
from tests.factories import ContactFactory
from tests.portal.conftest import last_link, sign_in

pytestmark = pytest.mark.django_db

OPEN = "open"  # anyone, signed in or not
CONTACT = "contact"  # a signed-in contact


@dataclass(frozen=True)
class PortalPage:
    name: str
    methods: tuple[str, ...]
    needs: str

    def __str__(self) -> str:
        return self.name


PORTAL_PAGES = [
    PortalPage("portal:sign-in", ("GET", "POST"), OPEN),
    PortalPage("portal:sign-in-sent", ("GET",), OPEN),
    # A link: GET asks to confirm, POST signs in (once).
    PortalPage("portal:link", ("GET", "POST"), OPEN),
    PortalPage("portal:sign-out", ("POST",), OPEN),
    PortalPage("portal:orders", ("GET",), CONTACT),
    PortalPage("portal:order", ("GET",), CONTACT),
    PortalPage("portal:order-document", ("GET",), CONTACT),
    PortalPage("portal:items", ("GET",), CONTACT),
    PortalPage("portal:request", ("GET", "POST"), CONTACT),
    PortalPage("portal:message", ("POST",), CONTACT),
    # A file of the order's thread with the customer (a download).
    PortalPage("portal:file", ("GET",), CONTACT),
    # Any other path under /portal/: the portal's "not found" (404), signed in or not.
    PortalPage("portal:not-found", ("GET",), OPEN),
]

# Pages that answer with a file, not HTML.
PORTAL_DOWNLOADS = {"portal:order-document", "portal:file"}


def _portal_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _portal_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and namespace.startswith("portal:"):
            yield f"{namespace}{entry.name}"


def test_every_portal_page_is_listed():
    assert set(_portal_names()) == {page.name for page in PORTAL_PAGES}


def portal_url(name: str, *, order=None, token: str = "", attachment=None) -> str:
    """The URL of a portal page, for ``order`` (an order the contact may see), a link and a
    file of the order's thread (``attachment``; one is added to the thread when missing)."""
    if name == "portal:file":
        if attachment is None:
            attachment = thread_file(order)
        return reverse(name, kwargs={"pk": order.pk, "attachment_pk": attachment.pk})
    if name in ("portal:order", "portal:order-document", "portal:message"):
        return reverse(name, kwargs={"pk": order.pk})
    if name == "portal:link":
        return reverse(name, kwargs={"token": token or "no-such-token"})
    if name == "portal:not-found":
        return "/portal/no-such-page/"
    return reverse(name)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00"
    b"\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def thread_file(order):
    """A photo in the order's thread with the customer, sent by its contact."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from returns import services as return_services

    message = return_services.return_order_message_post(
        order=order,
        body="A photo",
        contact=order.contact or ContactFactory(company=order.customer),
        files=[SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
    )
    return message.attachments.get()


@pytest.mark.parametrize("page", [p for p in PORTAL_PAGES if p.needs == CONTACT], ids=str)
def test_contact_pages_need_a_portal_session(page, customer_x):
    url = portal_url(page.name, order=customer_x.orders[0])
    for who, client in (("anonymous", Client()), ("staff", _staff_client())):
        for method in page.methods:
            response = client.post(url, {}) if method == "POST" else client.get(url)
            assert response.status_code == 302, who
            assert response["Location"] == "/portal/sign-in/", who
    portal = sign_in(customer_x.contact)
    for method in page.methods:
        response = portal.post(url, {}) if method == "POST" else portal.get(url)
        # An empty post is a form error, on the page.
        assert response.status_code == (400 if method == "POST" else 200), method


def _staff_client() -> Client:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _csrf_token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_every_portal_form_needs_the_csrf_token(customer_x):
    """Each form post without the token is a 403 and changes nothing; with it, it works."""
    services.portal_access_invite(contact=customer_x.contact, user=None)
    link = last_link(customer_x.contact.email)
    posts = [
        page.name for page in PORTAL_PAGES if "POST" in page.methods
    ]  # every form of the portal
    assert set(posts) == {
        "portal:sign-in",
        "portal:link",
        "portal:sign-out",
        "portal:request",
        "portal:message",
    }

    client = Client(enforce_csrf_checks=True)
    assert client.post("/portal/sign-in/", {"email": customer_x.contact.email}).status_code == 403
    assert client.post(link).status_code == 403
    token = _csrf_token(client, link)
    response = client.post(link, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # the link still worked: the refused post used nothing
    assert client.get("/portal/").status_code == 200
    assert client.post("/portal/sign-out/").status_code == 403
    assert client.get("/portal/").status_code == 200  # still signed in
    order = customer_x.orders[0]
    message_url = f"/portal/returns/{order.pk}/messages/"
    assert client.post(message_url, {"body": "Hello"}).status_code == 403
    assert not order.messages.exists()
    request_post = {"serial_0": "ZZZ-1", "typed_0_fault": "Broken", "confirm": "on"}
    assert client.post("/portal/request/", request_post).status_code == 403
    token = _csrf_token(client, f"/portal/returns/{order.pk}/")
    response = client.post(message_url, {"body": "Hello", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert order.messages.get().body == "Hello"
    address = customer_x.company.addresses.first()
    response = client.post(
        "/portal/request/",
        {**request_post, "csrfmiddlewaretoken": token, "address": address.pk if address else ""},
    )
    assert response.status_code == 302
    token = _csrf_token(client, "/portal/")
    assert client.post("/portal/sign-out/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/portal/").status_code == 302
    token = _csrf_token(client, "/portal/sign-in/")
    response = client.post(
        "/portal/sign-in/", {"email": customer_x.contact.email, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
