"""Pruning of dead sign-in links and sessions, and the portal's own "not found" page."""

import datetime
import secrets

import pytest
from django.test import Client
from django.utils import timezone

from jobs import registry
from jobs.models import Job
from portal import services
from portal.models import PortalSession, PortalSignInLink
from tests.portal.conftest import sign_in

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_prune_deletes_only_links_and_sessions_dead_for_longer_than_the_grace(customer_x):
    sign_in(customer_x.contact)  # an invitation link, used now, and a live session
    now = timezone.now()
    used_now = PortalSignInLink.objects.get()
    live = PortalSession.objects.get()
    company, email = customer_x.company, customer_x.contact.email

    def link(**dates):
        return PortalSignInLink.objects.create(
            token_hash=secrets.token_hex(32),
            company=company,
            email=email,
            **{"created_at": now - 30 * DAY, "expires_at": now + DAY, **dates},
        )

    expired_long_ago = link(expires_at=now - 10 * DAY)
    expired_recently = link(expires_at=now - 2 * DAY, used_at=None)
    used_long_ago = link(used_at=now - 9 * DAY)
    old_session = PortalSession.objects.create(
        key_hash="old",
        contact=customer_x.contact,
        created_at=now - 30 * DAY,
        expires_at=now - 8 * DAY,
    )

    assert services.portal_prune(older_than=7 * DAY) == (2, 1)

    left = set(PortalSignInLink.objects.values_list("pk", flat=True))
    assert left == {used_now.pk, expired_recently.pk}
    assert expired_long_ago.pk not in left and used_long_ago.pk not in left
    assert list(PortalSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert not PortalSession.objects.filter(pk=old_session.pk).exists()


def test_prune_runs_as_a_scheduled_job_with_the_settings_grace(customer_x, settings):
    settings.PORTAL_PRUNE_DAYS = 3
    PortalSession.objects.create(
        key_hash="old",
        contact=customer_x.contact,
        created_at=timezone.now() - 10 * DAY,
        expires_at=timezone.now() - 4 * DAY,
    )
    kind = registry.get("portal.prune")
    assert kind is not None
    assert settings.CELERY_BEAT_SCHEDULE["prune-portal-sign-ins"]["args"] == ("portal.prune",)
    messages = []
    kind.function(Job(kind="portal.prune"), lambda percent, message="": messages.append(message))
    assert not PortalSession.objects.exists()
    assert messages == ["Deleted 0 sign-in link(s) and 1 portal session(s)."]


def test_an_unknown_portal_path_shows_the_portal_not_found_page(customer_x):
    anonymous = Client()
    response = anonymous.get("/portal/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="d-flex flex-column min-vh-100 portal"' in page  # the portal's layout
    assert "There is nothing here" in page

    signed_in = sign_in(customer_x.contact)
    response = signed_in.get("/portal/returns/abc/")
    assert response.status_code == 404
    assert "Signed in as Contact X" in response.content.decode()


def test_a_portal_path_without_its_slash_is_redirected_to_it():
    response = Client().get("/portal/items?q=SN")
    assert response.status_code == 302
    assert response["Location"] == "/portal/items/?q=SN"
    # A path that does not exist with a slash either stays a 404.
    assert Client().get("/portal/nothing").status_code == 404
