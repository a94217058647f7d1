"""Signing in to the portal: e-mailed links that work once and expire, rate-limited requests
that answer the same for known and unknown addresses, and a session of its own."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from companies.models import Contact
from jobs.models import OutgoingMail
from portal import services
from portal.models import PortalAccess, PortalSession, PortalSignInLink
from tests.factories import ContactFactory
from tests.portal.conftest import last_link, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _request_link(client: Client, email: str, **extra):
    return client.post("/portal/sign-in/", {"email": email}, **extra)


def test_an_invited_contact_signs_in_with_the_emailed_link(customer_x):
    services.portal_access_invite(contact=customer_x.contact, user=None)
    mail = OutgoingMail.objects.get(to=[customer_x.contact.email])
    assert "/portal/sign-in/" in mail.body
    client = Client()
    link = last_link(customer_x.contact.email)
    # Opening the link only asks to confirm: a mail scanner that fetches it uses nothing up.
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    cookie = response.cookies["boomerang_portal"]
    assert cookie["httponly"] and cookie["path"] == "/portal/" and cookie["samesite"] == "Lax"
    page = client.get("/portal/")
    assert page.status_code == 200
    assert customer_x.orders[0].reference in page.content.decode()
    # Only hashes are stored.
    assert not PortalSession.objects.filter(key_hash=cookie.value).exists()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not PortalSignInLink.objects.filter(token_hash=token).exists()


def test_a_link_works_once_and_a_replay_is_refused(customer_x):
    services.portal_access_invite(contact=customer_x.contact, user=None)
    link = last_link(customer_x.contact.email)
    assert Client().post(link).status_code == 302
    replay = Client()
    response = replay.post(link)
    assert response.status_code == 410
    assert "boomerang_portal" not in response.cookies
    assert "It was used already" in response.content.decode()
    assert 'href="/portal/sign-in/"' in response.content.decode()  # a way to ask for a new one
    assert replay.get(link).status_code == 410
    assert PortalSession.objects.count() == 1


def test_an_expired_link_is_refused(customer_x):
    services.portal_access_invite(contact=customer_x.contact, user=None)
    link = last_link(customer_x.contact.email)
    PortalSignInLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().post(link)
    assert response.status_code == 410
    assert "It has expired" in response.content.decode()
    assert not PortalSession.objects.exists()


def test_a_link_of_a_revoked_contact_is_refused(customer_x):
    services.portal_access_invite(contact=customer_x.contact, user=None)
    link = last_link(customer_x.contact.email)
    services.portal_access_revoke(contact=customer_x.contact, user=None)
    assert Client().post(link).status_code == 410


def test_an_unknown_token_is_refused():
    response = Client().post("/portal/sign-in/not-a-real-token/")
    assert response.status_code == 410
    assert "not a valid sign-in link" in response.content.decode()


def test_the_request_form_answers_the_same_for_known_and_unknown_addresses(customer_x):
    PortalAccess.objects.create(contact=customer_x.contact, source="invited")
    known = _request_link(Client(), customer_x.contact.email)
    unknown = _request_link(Client(), "nobody@nowhere.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/portal/sign-in/sent/"
    assert OutgoingMail.objects.filter(to=[customer_x.contact.email]).count() == 1
    assert not OutgoingMail.objects.filter(to=["nobody@nowhere.example"]).exists()


def test_a_contact_without_access_gets_no_link(customer_x):
    _request_link(Client(), customer_x.contact.email)
    assert not OutgoingMail.objects.exists()


def test_link_requests_are_limited_per_email_address(customer_x, settings):
    settings.PORTAL_LINK_REQUESTS_PER_EMAIL = 2
    PortalAccess.objects.create(contact=customer_x.contact, source="invited")
    answers = [
        _request_link(Client(), customer_x.contact.email, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert answers == [302, 302, 429, 429]
    assert OutgoingMail.objects.count() == 2
    # Unknown addresses are counted the same, so the limit says nothing about accounts.
    unknown = [_request_link(Client(), "nobody@nowhere.example").status_code for _ in range(3)]
    assert unknown == [302, 302, 429]


def test_link_requests_are_limited_per_client_address(settings):
    settings.PORTAL_LINK_REQUESTS_PER_ADDRESS = 3
    answers = [
        _request_link(
            Client(), f"someone{n}@nowhere.example", REMOTE_ADDR="198.51.100.7"
        ).status_code
        for n in range(5)
    ]
    assert answers == [302, 302, 302, 429, 429]
    other = _request_link(Client(), "someone@nowhere.example", REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302


def test_a_bad_address_is_a_form_error():
    response = _request_link(Client(), "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_a_company_domain_lets_a_new_person_sign_in_as_a_new_contact(customer_x):
    services.portal_domains_set(company=customer_x.company, domains=["Acme.example"], user=None)
    _request_link(Client(), "New.Person@acme.example")
    assert not Contact.objects.filter(email="new.person@acme.example").exists()  # not yet
    client = Client()
    assert client.post(last_link("new.person@acme.example")).status_code == 302
    contact = Contact.objects.get(email="new.person@acme.example")
    assert contact.company == customer_x.company
    assert contact.portal_access.source == PortalAccess.Source.DOMAIN
    assert customer_x.orders[0].reference in client.get("/portal/").content.decode()


def test_a_domain_does_not_bring_back_revoked_access(customer_x):
    domain = customer_x.contact.email.rpartition("@")[2]
    services.portal_domains_set(company=customer_x.company, domains=[domain], user=None)
    sign_in(customer_x.contact)
    services.portal_access_revoke(contact=customer_x.contact, user=None)
    OutgoingMail.objects.all().delete()
    _request_link(Client(), customer_x.contact.email)
    assert not OutgoingMail.objects.exists()


def test_a_domain_used_by_another_company_is_refused(customer_x, customer_y):
    services.portal_domains_set(company=customer_x.company, domains=["shared.example"], user=None)
    with pytest.raises(ValidationError) as raised:
        services.portal_domains_set(
            company=customer_y.company, domains=["shared.example", "bad domain"], user=None
        )
    messages = raised.value.message_dict["domains"]
    assert len(messages) == 2  # every mistake at once


def test_revoking_ends_the_contacts_sessions(customer_x):
    client = sign_in(customer_x.contact)
    assert client.get("/portal/").status_code == 200
    services.portal_access_revoke(contact=customer_x.contact, user=None)
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/sign-in/"


def test_signing_out_ends_the_session(portal_x):
    response = portal_x.post("/portal/sign-out/")
    assert response.status_code == 302
    assert response.cookies["boomerang_portal"].value == ""
    assert not PortalSession.objects.exists()
    assert portal_x.get("/portal/").status_code == 302


def test_an_expired_session_signs_nobody_in(portal_x):
    PortalSession.objects.update(
        expires_at=timezone.now() + datetime.timedelta(seconds=-1),
        created_at=timezone.now() - datetime.timedelta(days=30),
    )
    assert portal_x.get("/portal/").status_code == 302


def test_a_staff_session_does_not_open_the_portal(staff_user, customer_x):
    client = Client()
    client.force_login(staff_user)
    for path in ("/portal/", "/portal/items/", f"/portal/returns/{customer_x.orders[0].pk}/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/portal/sign-in/"


def test_a_contact_already_signing_in_blocks_a_second_contact_with_the_same_address(customer_x):
    twin = ContactFactory(company=customer_x.company, email=customer_x.contact.email.upper())
    services.portal_access_invite(contact=customer_x.contact, user=None)
    with pytest.raises(ValidationError) as raised:
        services.portal_access_invite(contact=twin, user=None)
    assert "email" in raised.value.message_dict


def test_a_contact_without_email_cannot_be_invited(customer_x):
    contact = ContactFactory(company=customer_x.company, email="")
    with pytest.raises(ValidationError) as raised:
        services.portal_access_invite(contact=contact, user=None)
    assert "email" in raised.value.message_dict
