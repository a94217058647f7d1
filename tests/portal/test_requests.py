"""Requesting a return in the portal, photos checked by content and served as downloads, and
the message thread between the customer and staff."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from common import site_settings
from common.models import Attachment
from jobs.models import OutgoingMail
from portal import services
from returns.models import ReturnOrder, ReturnOrderMessage
from returns.statuses import ReturnOrderStatus
from tests.factories import AddressFactory, UserFactory
from tests.portal.test_portal_pages import PNG
from tests.returns.factories import (
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
    ReturnReasonFactory,
)

pytestmark = pytest.mark.django_db


def _photo(name="fault.png", data=PNG):
    return SimpleUploadedFile(name, data, content_type="image/png")


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def _post(client, data, files=None, q=""):
    return client.post(f"/portal/request/{'?q=' + q if q else ''}", {**data, **(files or {})})


@pytest.fixture
def reason(db):
    return ReturnReasonFactory(code="faulty", label="Faulty")


def test_a_request_of_two_items_with_a_photo_becomes_a_pending_portal_order(
    portal_x, customer_x, reason
):
    address = AddressFactory(company=customer_x.company, primary=True)
    held = customer_x.items[2]  # the only item not already on an open order
    other = customer_x.items[0]
    ReturnOrder.objects.filter(lines__item=other).update(status=ReturnOrderStatus.COMPLETE)
    page = portal_x.get("/portal/request/").content.decode()
    assert held.serial in page and customer_x.items[1].serial not in page  # waits on an order
    response = _post(
        portal_x,
        {
            f"item_{held.pk}": "on",
            f"item_{held.pk}_reason": reason.pk,
            f"item_{held.pk}_fault": "Does not switch on",
            f"item_{other.pk}": "on",
            f"item_{other.pk}_fault": "Rattles",
            "address": address.pk,
            "confirm": "on",
        },
        {"photos": [_photo(), _photo("second.jpg", _jpeg())]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = ReturnOrder.objects.get(from_portal=True)
    assert response["Location"] == f"/portal/returns/{order.pk}/?requested=1"
    assert order.status == ReturnOrderStatus.PENDING
    assert order.customer == customer_x.company
    assert order.contact == customer_x.contact and order.address == address
    assert order.visible_to_customer
    lines = {line.item_id: line for line in order.lines.all()}
    assert set(lines) == {held.pk, other.pk}
    assert lines[held.pk].reason == reason and lines[held.pk].notes == "Does not switch on"
    message = order.messages.get()
    assert message.from_customer and message.author_contact == customer_x.contact
    names = sorted(a.filename for a in message.attachments.all())
    assert names == ["fault.png", "second.jpg"]
    page = portal_x.get(response["Location"]).content.decode()
    assert "we have your request" in page and "fault.png" in page


def test_a_request_starts_as_requested_while_authorization_is_required(portal_x, customer_x):
    site_settings.set_value("RETURNORDER_REQUIRE_AUTHORIZATION", True)
    item = customer_x.items[2]
    response = _post(
        portal_x, {f"item_{item.pk}": "on", f"item_{item.pk}_fault": "Broken", "confirm": "on"}
    )
    assert response.status_code == 302
    assert ReturnOrder.objects.get(from_portal=True).status == ReturnOrderStatus.REQUESTED


def test_typed_serials_become_lines_or_notes_for_staff(portal_x, customer_x):
    response = _post(
        portal_x,
        {
            "serial_0": customer_x.items[2].serial.lower(),
            "typed_0_fault": "Cracked",
            "serial_1": "UNKNOWN-99",
            "typed_1_fault": "Lost its label",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    order = ReturnOrder.objects.get(from_portal=True)
    assert [line.item_id for line in order.lines.all()] == [customer_x.items[2].pk]
    assert "UNKNOWN-99" in order.notes and "Lost its label" in order.notes


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", "image/png"), "not an image"),
        (
            SimpleUploadedFile(
                "vector.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
            ),
            "not an image",
        ),
        (SimpleUploadedFile("cut.png", PNG[:20], "image/png"), "not an image"),
    ],
    ids=["html-named-png", "svg", "truncated"],
)
def test_photos_are_checked_by_content(portal_x, customer_x, upload, message):
    item = customer_x.items[2]
    response = _post(
        portal_x,
        {f"item_{item.pk}": "on", f"item_{item.pk}_fault": "Broken", "confirm": "on"},
        {"photos": [upload]},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReturnOrder.objects.filter(from_portal=True).exists()
    assert not Attachment.objects.exists()


def test_photos_are_size_limited(portal_x, customer_x, settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 50
    item = customer_x.items[2]
    response = _post(
        portal_x,
        {f"item_{item.pk}": "on", f"item_{item.pk}_fault": "Broken", "confirm": "on"},
        {"photos": [_photo()]},
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_the_request_form_lists_every_mistake(portal_x, customer_x, reason):
    site_settings.set_value("RETURNORDER_REQUIRE_REASON", True)
    item = customer_x.items[2]
    response = _post(portal_x, {f"item_{item.pk}": "on", "serial_0": "X-1"})
    content = response.content.decode()
    assert response.status_code == 400
    assert content.count("Describe the fault.") == 2
    assert content.count("Choose a reason.") == 2
    assert "Please confirm your contact details." in content
    assert not ReturnOrder.objects.filter(from_portal=True).exists()


def test_nothing_chosen_is_a_form_error(portal_x):
    response = _post(portal_x, {"confirm": "on"})
    assert response.status_code == 400
    assert "Choose at least one item" in response.content.decode()


def test_an_item_of_another_company_cannot_be_requested(portal_x, customer_x, customer_y):
    theirs = customer_y.items[2]
    response = _post(
        portal_x,
        {f"item_{theirs.pk}": "on", f"item_{theirs.pk}_fault": "Mine now", "confirm": "on"},
    )
    assert response.status_code == 400
    # Typing its serial does not reach it either: it goes to the notes for staff to check.
    response = _post(
        portal_x, {"serial_0": theirs.serial, "typed_0_fault": "Mine now", "confirm": "on"}
    )
    order = ReturnOrder.objects.get(from_portal=True)
    assert not order.lines.exists() and theirs.serial in order.notes


def test_a_refused_line_creates_nothing(customer_x):
    waiting = customer_x.items[0]  # on an open order already
    with pytest.raises(ValidationError):
        services.portal_return_request(
            contact=customer_x.contact,
            lines=[(customer_x.items[2], None, "Broken"), (waiting, None, "Broken")],
            typed=[],
            photos=[_photo()],
        )
    assert not ReturnOrder.objects.filter(from_portal=True).exists()
    assert not Attachment.objects.exists()


def test_thread_files_are_served_only_as_downloads(portal_x, customer_x):
    order = customer_x.orders[0]
    services.portal_message_post(
        contact=customer_x.contact, order=order, body="See photo", photos=[_photo()]
    )
    attachment = order.messages.get().attachments.get()
    response = portal_x.get(f"/portal/returns/{order.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_staff_files_outside_the_thread_are_not_shared(portal_x, customer_x):
    from common import services as common_services

    order = customer_x.orders[0]
    internal = common_services.attachment_create(
        model_type="returnorder",
        model_id=order.pk,
        user=None,
        file=SimpleUploadedFile("internal.txt", b"cost notes", "text/plain"),
    )
    assert portal_x.get(f"/portal/returns/{order.pk}/files/{internal.pk}/").status_code == 404


def test_a_customer_message_reaches_the_staff_page_and_emails_the_responsible(
    portal_x, customer_x, make_user
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    owner_user = UserFactory(email="owner@example.com")
    order = customer_x.orders[0]
    ReturnOrder.objects.filter(pk=order.pk).update(responsible=_owner(owner_user))
    response = portal_x.post(
        f"/portal/returns/{order.pk}/messages/", {"body": "Any news?", "photos": [_photo()]}
    )
    assert response.status_code == 302
    mail = OutgoingMail.objects.get(to=["owner@example.com"])
    assert "Any news?" in mail.body
    staff = Client()
    staff.force_login(make_user(return_order=["view"]))
    page = staff.get(f"/returns/{order.pk}/").content.decode()
    assert "Any news?" in page and "fault.png" in page


def _owner(user):
    from tests.returns.factories import owner_of

    return owner_of(user)


def test_a_staff_message_shows_in_the_portal(portal_x, customer_x, make_user):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    order = customer_x.orders[0]
    staff = Client()
    staff.force_login(make_user(return_order=["view", "change"]))
    response = staff.post(f"/returns/{order.pk}/messages/", {"body": "Please send it in."})
    assert response.status_code == 302
    message = ReturnOrderMessage.objects.get(order=order)
    assert not message.from_customer
    assert "Please send it in." in portal_x.get(f"/portal/returns/{order.pk}/").content.decode()


def test_an_empty_message_is_a_form_error(portal_x, customer_x):
    order = customer_x.orders[0]
    response = portal_x.post(f"/portal/returns/{order.pk}/messages/", {"body": "  "})
    assert response.status_code == 400
    assert "Write a message or attach a photo." in response.content.decode()


def test_a_line_on_an_order_does_not_block_the_same_item_once_received(portal_x, customer_x):
    item = customer_x.items[2]
    ReturnOrderLineItemFactory(
        order=ReturnOrderFactory(customer=customer_x.company), item=item, received_date="2026-01-01"
    )
    assert item.serial in portal_x.get("/portal/request/").content.decode()
