"""Staff side of the portal: inviting and revoking contacts on the company page, the
company's self sign-in domains, and the order's visible-to-customer switch."""

import pytest
from django.test import Client

from jobs.models import OutgoingMail
from portal.models import PortalAccess, PortalDomain
from returns.models import ReturnOrder
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ALL = ("view", "add", "change", "delete")


@pytest.fixture
def clerk(make_user):
    client = Client()
    client.force_login(make_user(return_order=ALL, stock=ALL))
    return client


def test_the_company_page_invites_a_contact_who_gets_the_link_by_email(clerk, customer_x):
    contact = customer_x.contact
    page = clerk.get(f"/companies/{customer_x.company.pk}/").content.decode()
    assert "Invite to the portal" in page
    response = clerk.post(
        f"/companies/{customer_x.company.pk}/portal/contacts/{contact.pk}/invite/"
    )
    assert response.status_code == 302
    assert PortalAccess.objects.get(contact=contact).active
    mail = OutgoingMail.objects.get(to=[contact.email])
    assert "http://testserver/portal/sign-in/" in mail.body
    page = clerk.get(f"/companies/{customer_x.company.pk}/").content.decode()
    assert "Portal access" in page and "Revoke portal access" in page


def test_revoking_from_the_company_page(clerk, customer_x):
    contact = customer_x.contact
    base = f"/companies/{customer_x.company.pk}/portal/contacts/{contact.pk}"
    clerk.post(f"{base}/invite/")
    clerk.post(f"{base}/revoke/")
    assert not PortalAccess.objects.get(contact=contact).active
    assert (
        "Portal access revoked"
        in clerk.get(f"/companies/{customer_x.company.pk}/").content.decode()
    )


def test_a_contact_of_another_company_is_not_found(clerk, customer_x, customer_y):
    url = f"/companies/{customer_x.company.pk}/portal/contacts/{customer_y.contact.pk}/invite/"
    assert clerk.post(url).status_code == 404
    assert not PortalAccess.objects.exists()


def test_an_invitation_without_email_says_why(clerk, customer_x):
    contact = ContactFactory(company=customer_x.company, email="")
    url = f"/companies/{customer_x.company.pk}/portal/contacts/{contact.pk}/invite/"
    response = clerk.post(url, follow=True)
    assert "The contact needs an e-mail address first." in response.content.decode()


def test_the_company_page_sets_self_sign_in_domains(clerk, customer_x):
    url = f"/companies/{customer_x.company.pk}/portal/settings/"
    clerk.post(url, {"domains": "x.example, @Other.example"})
    assert sorted(PortalDomain.objects.values_list("domain", flat=True)) == [
        "other.example",
        "x.example",
    ]
    response = clerk.post(url, {"domains": "not a domain!"}, follow=True)
    assert "is not an e-mail domain" in response.content.decode()
    assert PortalDomain.objects.count() == 2  # nothing changed
    clerk.post(url, {"domains": ""})
    assert not PortalDomain.objects.exists()


def test_the_visible_to_customer_switch_in_the_api(client_for, customer_x):
    client = client_for(return_order=ALL)
    order = customer_x.orders[0]
    response = client.get(f"/api/order/ro/{order.pk}/")
    assert response.json()["visible_to_customer"] is True
    assert response.json()["from_portal"] is False
    response = client.patch(
        f"/api/order/ro/{order.pk}/", {"visible_to_customer": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert ReturnOrder.objects.get(pk=order.pk).visible_to_customer is False
    response = client.patch(
        f"/api/order/ro/{order.pk}/", {"visible_to_customer": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert "visible_to_customer" in response.json()


def test_the_visible_to_customer_switch_on_the_order_form(clerk, customer_x, settings):
    from common import site_settings

    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = customer_x.orders[0]
    form = clerk.get(f"/returns/{order.pk}/edit/").content.decode()
    assert 'name="visible_to_customer"' in form and "checked" in form
    response = clerk.post(
        f"/returns/{order.pk}/edit/",
        {"customer": customer_x.company.pk, "reference": order.reference},
    )
    assert response.status_code == 302
    assert ReturnOrder.objects.get(pk=order.pk).visible_to_customer is False


def test_the_staff_order_page_says_whether_the_customer_sees_the_order(clerk, customer_x):
    from common import site_settings

    site_settings.set_value("RETURNORDER_ENABLED", True)
    assert (
        "Visible to the customer"
        in clerk.get(f"/returns/{customer_x.orders[0].pk}/").content.decode()
    )
    assert (
        "Hidden from the customer"
        in clerk.get(f"/returns/{customer_x.hidden.pk}/").content.decode()
    )


def test_the_requests_view_lists_portal_orders(clerk, client_for, customer_x):
    from common import site_settings
    from portal import services

    site_settings.set_value("RETURNORDER_ENABLED", True)
    requested = services.portal_return_request(
        contact=customer_x.contact, lines=[(customer_x.items[2], None, "Broken")], typed=[]
    )
    page = clerk.get("/returns/?from_portal=true&outstanding=true").content.decode()
    assert requested.reference in page
    assert customer_x.orders[0].reference not in page
    assert 'href="/returns/?from_portal=true&amp;outstanding=true">Requests</a>' in page
    api = client_for(return_order=["view"]).get("/api/order/ro/?from_portal=true")
    assert [row["reference"] for row in api.json()] == [requested.reference]
    assert api.json()[0]["from_portal"] is True


def test_staff_set_the_portal_logo_through_the_settings_api(portal_x):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    api = APIClient()
    api.force_authenticate(UserFactory(is_staff=True))
    url = "/api/settings/global/PORTAL_LOGO_URL/"
    assert api.patch(url, {"value": "/static/favicon.svg"}, format="json").status_code == 200
    assert 'src="/static/favicon.svg"' in portal_x.get("/portal/").content.decode()
    response = api.patch(url, {"value": "javascript:alert(1)"}, format="json")
    assert response.status_code == 400
