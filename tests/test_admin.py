"""Every admin changelist runs a fixed number of queries, whatever the number of rows."""

import datetime
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from djmoney.money import Money

from common.exchange import set_rate
from common.services import attachment_create
from companies import services as company_services
from companies.models import Address
from importer.models import ImportRun, ImportSkippedRow, ImportSource
from jobs.models import Job, OutgoingMail
from portal import services as portal_services
from portal.models import PortalSession, secret_hash
from reports.models import ReportOutput, ReportTemplate
from returns import services as return_services
from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrderLineResolution,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnReason,
)
from stock import services as stock_services
from stock.models import Part
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    LocationFactory,
    PartCategoryFactory,
    PartFactory,
    UserFactory,
)
from tests.webhooks.factories import WebhookDeliveryFactory
from users import services as user_services


def build(n: int, user) -> None:
    """n of everything an admin list shows, linked the way real data is."""
    set_rate("EUR", Decimal("0.9"))
    location = LocationFactory()
    for i in range(n):
        customer = CustomerFactory()
        contact = ContactFactory(company=customer, email=f"buyer-{n}-{i}@example.com")
        company_services.address_save(address=Address(company=customer, title=f"HQ {i}"))
        part = PartFactory(category=PartCategoryFactory(parent=PartCategoryFactory()))
        items = stock_services.stock_item_create(
            part=part,
            quantity=Decimal(2),
            serial_numbers=f"{i}00-{i}01",
            location=location,
            user=user,
        )
        stock_services.stock_items_assign(items=items, customer=customer, user=user)
        code = ProjectCode.objects.create(code=f"PRJ-{n}-{i}")
        order = return_services.return_order_create(
            user=user, customer=customer, contact=contact, project_code=code
        )
        reason = ReturnReason.objects.create(code=f"faulty-{n}-{i}", label=f"Faulty {i}")
        line = return_services.return_order_line_create(
            order=order, item=items[0], user=user, price=Money(5, "EUR"), reason=reason
        )
        refunded = return_services.return_order_line_create(order=order, item=items[1], user=user)
        return_services.return_order_extra_line_create(order=order, user=user, reference="Freight")
        return_services.return_order_issue(order=order, user=user)
        # A repair with a part (resolution, repair, repair part) and a refund.
        return_services.return_order_receive(
            order=order,
            lines=[(line.pk, None)],
            location=location,
            user=user,
            conditions={line.pk: ReturnCondition.objects.get(code="opened").pk},
        )
        [spare] = stock_services.stock_item_create(
            part=PartFactory(trackable=False), quantity=Decimal(5), location=location, user=user
        )
        return_services.line_resolve_repair(
            line=line, user=user, parts=[return_services.PartUse(item=spare.pk, quantity=2)]
        )
        return_services.line_resolve_refund(
            line=refunded, user=user, amount=Decimal(5), reference=f"CN-{n}-{i}"
        )
        attachment_create(
            model_type="returnorder", model_id=order.pk, user=user, link="https://example.com/x"
        )
        ReportOutput.objects.create(  # a row only: no file is written
            user=user,
            template=ReportTemplate.objects.first(),
            model_type="returnorder",
            items=[order.pk],
            output=f"report/outputs/{n}-{i}.pdf",
            filename=f"ReturnOrder-{order.reference}.pdf",
        )
        Job.objects.create(kind="jobs.prune_results", user=user if i % 2 else None)
        OutgoingMail.objects.create(subject=f"Mail {i}", body="Body", to=["a@example.com"])
        group = Group.objects.create(name=f"group {n}-{i}")
        user_services.group_set_role(group=group, role="stock", view=True)
        user_services.api_token_create(user=user, name=f"token {i}")
        UserFactory()
        # Failed logins as django-axes records them (its admin lists them for unlocking).
        attempt = {"username": f"guess-{n}-{i}", "ip_address": "127.0.0.1", "user_agent": "t"}
        AccessAttempt.objects.create(**attempt, failures_since_start=3)
        AccessFailureLog.objects.create(**attempt)
        # Portal access with its invitation link, a sign-in domain and a portal session.
        portal_services.portal_access_invite(contact=contact, user=user)
        portal_services.portal_domains_set(
            company=customer, domains=[f"c-{n}-{i}.example.com"], user=user
        )
        PortalSession.objects.create(
            key_hash=secret_hash(f"session-{n}-{i}"),
            contact=contact,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        )
        # A webhook subscription with an event delivered to it.
        WebhookDeliveryFactory(subscription__owner=user)
        # An InvenTree import run by the user, from its own source, with a skipped row.
        source = ImportSource.objects.create(url=f"https://inventree-{n}-{i}.example.com")
        run = ImportRun.objects.create(source=source, url=source.url, user=user)
        ImportSkippedRow.objects.create(
            run=run, model="returns.returnorder", source_pk=i, reason="customer: missing"
        )


def changelist_queries(client, model_admin) -> int:
    opts = model_admin.model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_admin_changelists_do_not_grow_with_rows(client, make_user):
    admin_user = make_user(superuser=True)
    client.force_login(admin_user)
    build(2, admin_user)
    small = {m: changelist_queries(client, a) for m, a in admin.site._registry.items()}
    build(6, admin_user)
    large = {m: changelist_queries(client, a) for m, a in admin.site._registry.items()}
    grown = {m._meta.label: (small[m], large[m]) for m in small if large[m] != small[m]}
    assert not grown, f"changelist query counts grew with rows (small, large): {grown}"


@pytest.mark.django_db
def test_every_admin_list_shows_rows(client, make_user):
    """The build above covers every registered model, so the first test checks them all."""
    admin_user = make_user(superuser=True)
    client.force_login(admin_user)
    build(2, admin_user)
    empty = [
        model._meta.label for model in admin.site._registry if not model._default_manager.exists()
    ]
    assert not empty, f"no rows built for {empty}: extend build()"


@pytest.mark.django_db
def test_resolution_records_open_read_only_with_their_parts(client, make_user):
    admin_user = make_user(superuser=True)
    client.force_login(admin_user)
    build(1, admin_user)
    repair = ReturnOrderRepair.objects.get()
    part = repair.parts.get()

    response = client.get(f"/admin/returns/returnorderrepair/{repair.pk}/change/")
    assert response.status_code == 200
    assert part.part.name in response.content.decode()
    assert b'name="_save"' not in response.content  # view only
    for url in (
        f"/admin/returns/returnorderlineresolution/{repair.resolution_id}/change/",
        f"/admin/returns/returnorderrefund/{ReturnOrderRefund.objects.get().pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'name="_save"' not in response.content
    assert client.get("/admin/returns/returnorderrepair/add/").status_code == 403
    resolution = ReturnOrderLineResolution.objects.get(pk=repair.resolution_id)
    assert (
        client.post(
            f"/admin/returns/returnorderlineresolution/{resolution.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    # A part's allowed substitutes are edited on the part.
    response = client.get(f"/admin/stock/part/{Part.objects.first().pk}/change/")
    assert response.status_code == 200 and b'name="substitutes"' in response.content


@pytest.mark.django_db
def test_portal_records_are_view_only_and_show_no_secret_hash(client, make_user):
    admin_user = make_user(superuser=True)
    client.force_login(admin_user)
    build(1, admin_user)
    session = PortalSession.objects.get()
    link = session.contact.portal_links.get()
    for url, secret in (
        (f"/admin/portal/portalsession/{session.pk}/change/", session.key_hash),
        (f"/admin/portal/portalsigninlink/{link.pk}/change/", link.token_hash),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode()
        assert b'name="_save"' not in response.content
    assert client.get("/admin/portal/portalaccess/add/").status_code == 403
    access = session.contact.portal_access
    assert (
        client.post(f"/admin/portal/portalaccess/{access.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    # Deleting a session signs that visitor out.
    response = client.post(f"/admin/portal/portalsession/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not PortalSession.objects.exists()
