"""Customer e-mails: what happened to a return, told to the order's contact.

Each event has a subject and a text with ``{placeholders}``; staff may reword them on the
portal settings page (``PortalEmailTemplate``). Placeholders are plain names filled with
plain text (no attribute or index lookups, no template language), so an edited template can
show nothing but the values listed in ``PLACEHOLDERS``.

The e-mail is recorded in the transaction of the change it reports and sent after commit
through the mail queue (``jobs.mail``), with a plain-text and an HTML part; the "issued" one
carries the RMA document, made when it is sent. It goes to the order's contact when the order is
visible to the customer, the contact may sign in to the portal (so the link works), and the
company has not opted out.
"""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from jobs.mail import mail_queue

EVENTS = {
    "request_received": (
        _("Request received"),
        _("We have received your return request {reference}"),
        _(
            "Hello {contact},\n\nThank you: we have received your return request {reference} "
            "and will be in touch.\n\nFollow it here: {url}\n\n{instance}"
        ),
    ),
    "authorized": (
        _("Authorized"),
        _("Your return {reference} is authorized"),
        _(
            "Hello {contact},\n\nYour return {reference} is authorized. We will send you the "
            "return document to put in the parcel.\n\nFollow it here: {url}\n\n{instance}"
        ),
    ),
    "declined": (
        _("Declined"),
        _("Your return request {reference} was declined"),
        _(
            "Hello {contact},\n\nWe cannot accept your return request {reference}.\n\n{note}"
            "\n\nDetails: {url}\n\n{instance}"
        ),
    ),
    "issued": (
        _("Issued"),
        _("Your return {reference}: please send the items"),
        _(
            "Hello {contact},\n\nPlease send the items of return {reference}. Download the "
            "return document from the portal, print it and put it in the parcel: {url}"
            "\n\n{instance}"
        ),
    ),
    "items_received": (
        _("Items received"),
        _("We have received items of your return {reference}"),
        _("Hello {contact},\n\nItems of return {reference} have arrived.\n\n{url}\n\n{instance}"),
    ),
    "line_resolved": (
        _("Line resolved"),
        _("News about your return {reference}"),
        _("Hello {contact},\n\n{line}\n\nDetails: {url}\n\n{instance}"),
    ),
    "completed": (
        _("Order completed"),
        _("Your return {reference} is complete"),
        _("Hello {contact},\n\nYour return {reference} is complete.\n\n{url}\n\n{instance}"),
    ),
    "message": (
        _("New message"),
        _("A message about your return {reference}"),
        _("Hello {contact},\n\n{message}\n\nAnswer in the portal: {url}\n\n{instance}"),
    ),
}

PLACEHOLDERS = {
    "reference": _("the order's reference"),
    "contact": _("the contact's name"),
    "customer": _("the customer's name"),
    "status": _("the order's status"),
    "url": _("the order's page in the portal"),
    "instance": _("this site's name"),
    "line": _("what was done with a line (line resolved)"),
    "note": _("the reason given (declined)"),
    "message": _("the staff message (new message)"),
}


def placeholders_in(text: str) -> list[str]:
    """The ``{names}`` a template uses; ValidationError for anything but plain known names."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(_("Unbalanced braces: write {{ and }} for a brace.")) from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValidationError(
                _("Unknown placeholder {%(name)s}; use one of: %(known)s.")
                % {"name": name, "known": ", ".join(f"{{{k}}}" for k in PLACEHOLDERS)}
            )
        names.append(name)
    return names


def wording(event: str) -> tuple[str, str]:
    """The subject and text staff set for ``event``, else the built-in ones."""
    from portal.models import PortalEmailTemplate

    stored = PortalEmailTemplate.objects.filter(event=event).first()
    if stored is not None:
        return stored.subject, stored.body
    _label, subject, body = EVENTS[event]
    return str(subject), str(body)


def _fill(text: str, values: dict) -> str:
    try:
        placeholders_in(text)
        return text.format_map(values)
    except (ValidationError, KeyError, ValueError, IndexError):
        return text  # a stored template broken some other way: send its words as they are


def recipient(order) -> str | None:
    """The contact's address when the customer is told about ``order``, else None."""
    from portal.models import PortalAccess, PortalCompanyPreference

    contact = order.contact
    if contact is None or not contact.email or not order.visible_to_customer:
        return None
    if not PortalAccess.objects.filter(contact=contact, revoked_at__isnull=True).exists():
        return None
    if PortalCompanyPreference.objects.filter(
        company_id=order.customer_id, customer_emails=False
    ).exists():
        return None
    return contact.email.strip().lower()


def customer_email_queue(*, order, event: str, line: str = "", note: str = "", message: str = ""):
    """Record the customer e-mail for ``event`` on ``order`` (sent after commit), if any."""
    to = recipient(order)
    if to is None:
        return None
    from portal.progress import CUSTOMER_STATUS

    values = {
        "reference": order.reference,
        "contact": order.contact.name,
        "customer": order.customer.name,
        "status": str(CUSTOMER_STATUS.get(order.status, "")),
        "url": settings.BOOMERANG_BASE_URL + reverse("portal:order", kwargs={"pk": order.pk}),
        "instance": settings.BOOMERANG_INSTANCE_NAME,
        "line": line,
        "note": note,
        "message": message,
    }
    subject, body = wording(event)
    text = _fill(body, values)
    # The "issued" e-mail carries the RMA document to print and put in the parcel.
    attachments = (
        [{"provider": RMA_DOCUMENT, "args": {"order": order.pk}}]
        if event == "issued" and _document_available()
        else []
    )
    return mail_queue(
        subject=_fill(subject, values),
        body=text,
        html_body=html_version(text, title=_fill(subject, values)),
        to=[to],
        attachments=attachments,
    )


RMA_DOCUMENT = "portal.rma_document"


def _document_available() -> bool:
    from portal.selectors import portal_document_template

    return portal_document_template() is not None


def html_version(text: str, *, title: str) -> str:
    """The HTML part of a customer e-mail: the same words, escaped, paragraphs kept and the
    addresses made links (nothing of an edited template is taken as markup)."""
    return render_to_string(
        "portal/email/message.html",
        # urlize escapes the text; linebreaks adds only <p> and <br>: safe to show as it is.
        {"title": title, "body": mark_safe(linebreaks(urlize(text, autoescape=True)))},
    )


def rma_document_attachment(*, order: int) -> tuple[str, bytes, str]:
    """``jobs.mail``'s provider for the "issued" e-mail's attachment, made when it is sent."""
    from portal.services import rma_document

    return rma_document(order=order)
