"""Customer e-mails: each step of a return tells the order's contact, in the wording staff
set, after the change commits; never for hidden orders, contacts without portal access or
companies that opted out."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from common import site_settings
from jobs.models import OutgoingMail
from portal import services
from portal.models import PortalEmailTemplate
from returns import services as return_services
from returns.models import ReturnOrder
from returns.statuses import ReturnOrderStatus
from tests.factories import LocationFactory, UserFactory
from tests.portal.conftest import sign_in

pytestmark = pytest.mark.django_db


def _mails(contact):
    return list(OutgoingMail.objects.filter(to=[contact.email.lower()]).order_by("pk"))


def _request(customer, **extra):
    return services.portal_return_request(
        contact=customer.contact,
        lines=[(customer.items[2], None, "Broken")],
        typed=[],
        **extra,
    )


@pytest.fixture
def invited(customer_x):
    sign_in(customer_x.contact)
    OutgoingMail.objects.all().delete()  # the sign-in link
    return customer_x


def test_every_step_of_a_portal_return_emails_the_contact(invited):
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    user = UserFactory(is_superuser=True, is_staff=True)
    order = _request(invited)
    return_services.return_order_authorize(order=order, user=user)
    return_services.return_order_issue(order=order, user=user)
    line = order.lines.get()
    return_services.return_order_receive(
        order=order, lines=[(line.pk, None)], location=LocationFactory(), user=user
    )
    line.refresh_from_db()
    return_services.line_resolve_return(line=line, user=user)
    return_services.return_order_complete(order=ReturnOrder.objects.get(pk=order.pk), user=user)
    subjects = [mail.subject for mail in _mails(invited.contact)]
    reference = order.reference
    assert subjects == [
        f"We have received your return request {reference}",
        f"Your return {reference} is authorized",
        f"Your return {reference}: please send the items",
        f"We have received items of your return {reference}",
        f"News about your return {reference}",
        f"Your return {reference} is complete",
    ]
    resolved = _mails(invited.contact)[4].body
    assert "Checked and shipped back to you" in resolved and line.item.serial in resolved
    assert f"http://testserver/portal/returns/{order.pk}/" in _mails(invited.contact)[0].body


def test_a_declined_request_says_why(invited):
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    order = _request(invited)
    return_services.return_order_decline(order=order, user=UserFactory(), reason="Out of warranty")
    mail = _mails(invited.contact)[-1]
    assert mail.subject == f"Your return request {order.reference} was declined"
    assert "Out of warranty" in mail.body


def test_a_staff_message_emails_the_contact(invited):
    order = invited.orders[0]
    ReturnOrder.objects.filter(pk=order.pk).update(contact=invited.contact)
    order.refresh_from_db()
    return_services.return_order_message_post(
        order=order, body="Please call us.", user=UserFactory()
    )
    mail = _mails(invited.contact)[-1]
    assert "Please call us." in mail.body
    # The customer's own messages do not e-mail the customer.
    count = len(_mails(invited.contact))
    services.portal_message_post(contact=invited.contact, order=order, body="Will do")
    assert len(_mails(invited.contact)) == count


def test_a_company_that_opted_out_gets_no_customer_email(invited):
    services.portal_company_emails_set(company=invited.company, enabled=False, user=None)
    _request(invited)
    assert _mails(invited.contact) == []


def test_a_contact_without_portal_access_gets_no_customer_email(customer_x):
    order = customer_x.orders[0]
    ReturnOrder.objects.filter(pk=order.pk).update(contact=customer_x.contact)
    order.refresh_from_db()
    return_services.return_order_message_post(order=order, body="Hello", user=UserFactory())
    assert _mails(customer_x.contact) == []


def test_a_hidden_order_sends_no_customer_email(invited):
    order = invited.hidden
    ReturnOrder.objects.filter(pk=order.pk).update(contact=invited.contact)
    order.refresh_from_db()
    return_services.return_order_message_post(order=order, body="Hello", user=UserFactory())
    assert _mails(invited.contact) == []


def test_a_rolled_back_change_sends_nothing(invited):
    with pytest.raises(RuntimeError), transaction.atomic():
        _request(invited)
        raise RuntimeError("rolled back")
    assert _mails(invited.contact) == []


def test_staff_reword_the_emails_on_the_settings_page(invited):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    page = staff.get("/settings/portal/emails/")
    assert page.status_code == 200
    assert "We have received your return request {reference}" in page.content.decode()
    from portal.emails import EVENTS

    data = {}
    for event, (_label, subject, body) in EVENTS.items():
        data[f"{event}_subject"], data[f"{event}_body"] = str(subject), str(body)
    data["request_received_subject"] = "Got it: {reference} for {customer}"
    response = staff.post("/settings/portal/emails/", data)
    assert response.status_code == 302
    assert list(PortalEmailTemplate.objects.values_list("event", flat=True)) == ["request_received"]
    order = _request(invited)
    assert (
        _mails(invited.contact)[0].subject
        == f"Got it: {order.reference} for {invited.company.name}"
    )


def test_an_unknown_placeholder_is_refused(invited):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    from portal.emails import EVENTS

    data = {}
    for event, (_label, subject, body) in EVENTS.items():
        data[f"{event}_subject"], data[f"{event}_body"] = str(subject), str(body)
    data["completed_body"] = "Hi {contact.company.notes} {0}"
    response = staff.post("/settings/portal/emails/", data)
    assert response.status_code == 400
    assert "Unknown placeholder" in response.content.decode()
    assert not PortalEmailTemplate.objects.exists()
    with pytest.raises(ValidationError):
        services.portal_email_templates_set(wordings={"completed": ("{", "x")}, user=None)


def test_the_company_page_switches_customer_emails_off(customer_x, make_user):
    clerk = Client()
    clerk.force_login(make_user(return_order=["view", "change"]))
    url = f"/companies/{customer_x.company.pk}/portal/settings/"
    clerk.post(url, {"domains": ""})
    from portal.selectors import portal_customer_emails

    assert portal_customer_emails(customer_x.company.pk) is False
    clerk.post(url, {"domains": "", "customer_emails": "on"})
    assert portal_customer_emails(customer_x.company.pk) is True


def test_the_issued_email_has_an_html_part_and_the_rma_document(invited, settings):
    from django.core import mail

    from jobs import mail as job_mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(is_superuser=True, is_staff=True)
    order = _request(invited)
    assert order.status == ReturnOrderStatus.PENDING  # authorization is not required
    with transaction.atomic():
        return_services.return_order_issue(order=order, user=user)
    issued = _mails(invited.contact)[-1]
    assert issued.subject == f"Your return {order.reference}: please send the items"
    assert issued.attachments == [{"provider": "portal.rma_document", "args": {"order": order.pk}}]
    mail.outbox.clear()

    job_mail.mail_send(issued.pk)

    [sent] = mail.outbox
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html"
    assert f'href="http://testserver/portal/returns/{order.pk}/"' in html
    assert "<script" not in html
    [(filename, content, kind)] = sent.attachments
    assert kind == "application/pdf" and content.startswith(b"%PDF")
    assert filename.endswith(".pdf")
    issued.refresh_from_db()
    assert issued.state == OutgoingMail.State.SENT


def test_html_parts_escape_what_staff_wrote(invited):
    from portal.emails import html_version

    html = html_version('<b>Hi</b> & "you"\n\nSee https://example.com/x', title="<T>")
    assert "&lt;b&gt;Hi&lt;/b&gt; &amp; &quot;you&quot;" in html
    assert '<a href="https://example.com/x"' in html
    assert "<title>&lt;T&gt;</title>" in html
    assert html.count("<p>") == 2


def test_an_attachment_that_cannot_be_made_sends_nothing_and_is_tried_again(invited, settings):
    from django.core import mail

    from jobs import mail as job_mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        record = job_mail.mail_queue(
            subject="Issued",
            body="Body",
            to=["a@example.com"],
            attachments=[{"provider": "portal.rma_document", "args": {"order": 987654}}],
        )
    mail.outbox.clear()

    assert job_mail.mail_send(record.pk) is not None  # a countdown: tried again later

    assert mail.outbox == []
    record.refresh_from_db()
    assert record.state == OutgoingMail.State.PENDING
    assert "portal.rma_document" in record.error


def test_an_unknown_attachment_provider_is_refused_when_queued():
    from jobs import mail as job_mail

    with pytest.raises(ValueError, match="No attachment provider"):
        job_mail.mail_queue(
            subject="x", body="y", to=["a@example.com"], attachments=[{"provider": "nope"}]
        )
