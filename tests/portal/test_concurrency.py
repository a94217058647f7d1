"""A sign-in link used by several requests at once signs in exactly one (PostgreSQL)."""

import pytest
from django.db import connection

from portal import services
from portal.models import PortalSession
from tests.concurrency import run_concurrently, split
from tests.factories import ContactFactory
from tests.portal.conftest import last_link

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_a_link_replayed_at_the_same_moment_signs_in_once():
    contact = ContactFactory(email="race@example.com")
    services.portal_access_invite(contact=contact, user=None)
    token = last_link(contact.email).rstrip("/").rsplit("/", 1)[1]
    results = run_concurrently(4, lambda _index: services.portal_link_redeem(token=token))
    successes, failures = split(results)
    assert len(successes) == 1
    assert all(isinstance(exc, services.LinkInvalid) and exc.reason == "used" for exc in failures)
    assert PortalSession.objects.count() == 1
