"""The message thread of an order, between the customer (in the portal) and staff."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from common import services as common_services
from companies.models import Contact
from returns.models import ReturnOrder, ReturnOrderMessage
from returns.notifications import queue_order_notification
from returns.services.base import _lock_order

MAX_MESSAGE_LENGTH = 5000


@transaction.atomic
def return_order_message_post(
    *,
    order: ReturnOrder,
    body: str,
    user=None,
    contact: Contact | None = None,
    files: Sequence[UploadedFile] = (),
    file_comment: str = "",
) -> ReturnOrderMessage:
    """Add a message to the order's thread, from a staff ``user`` or a customer ``contact``.

    Its files become the order's attachments. A customer's message e-mails the order's
    responsible owner (after commit); a staff message is the customer's to hear about
    (``post_save`` on the message: the customer portal e-mails the contact). An empty message
    without files, or one longer than 5000 characters, is refused (ValidationError on ``body``).
    """
    body = (body or "").strip()
    if not body and not files:
        raise ValidationError({"body": [_("Write a message or attach a file.")]})
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            {"body": [_("Keep the message under %d characters.") % MAX_MESSAGE_LENGTH]}
        )
    if contact is not None and contact.company_id != order.customer_id:
        raise ValidationError(_("This contact is not the order's customer."))
    order = _lock_order(order)
    from_customer = contact is not None
    attachments = [
        common_services.attachment_create(
            model_type="returnorder",
            model_id=order.pk,
            user=None if from_customer else user,
            file=file,
            comment=(file_comment or _("Attached to a message"))[:250],
        )
        for file in files
    ]
    message = ReturnOrderMessage(
        order=order,
        body=body,
        from_customer=from_customer,
        author_user=None if from_customer else user,
        author_contact=contact,
    )
    message.save()
    if attachments:
        message.attachments.add(*attachments)
    if from_customer:
        queue_order_notification(
            order=order,
            subject=_("Message from %(customer)s on return order %(reference)s")
            % {"customer": order.customer.name, "reference": order.reference},
            body=_("%(name)s wrote:\n\n%(body)s")
            % {"name": contact.name, "body": body or _("(files only)")},
        )
    return message
