"""Every write of the customer portal: access, sign-in links, portal sessions.

Each public function runs in one transaction; e-mail is recorded in it and sent after commit
(``jobs.mail.mail_queue``). Secrets (link tokens, session keys) are returned once and stored
only as their SHA-256.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from companies.models import Company, Contact
from jobs.mail import mail_queue
from portal.models import (
    PortalAccess,
    PortalCompanyPreference,
    PortalDomain,
    PortalEmailTemplate,
    PortalSession,
    PortalSignInLink,
    secret_hash,
)
from returns import services as return_services
from returns.models import ReturnOrder


class LinkInvalid(Exception):
    """A sign-in link that does not exist, was used already or has expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "unknown" | "used" | "expired" | "revoked"


@dataclass(frozen=True)
class SignedIn:
    contact: Contact
    session_key: str  # the cookie's value; only its hash is stored
    expires_at: datetime.datetime


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


# -- access, by staff ---------------------------------------------------------------------


def _valid_for(lifetime: datetime.timedelta) -> str:
    minutes = int(lifetime.total_seconds() // 60)
    if minutes >= 120:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _send_link(*, company: Company, email: str, contact: Contact | None, lifetime) -> None:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    PortalSignInLink.objects.create(
        token_hash=secret_hash(token),
        contact=contact,
        company=company,
        email=email,
        created_at=now,
        expires_at=now + lifetime,
    )
    url = settings.BOOMERANG_BASE_URL + reverse("portal:link", kwargs={"token": token})
    context = {
        "instance_name": settings.BOOMERANG_INSTANCE_NAME,
        "name": contact.name if contact is not None else "",
        "company": company.name,
        "url": url,
        "valid_for": _valid_for(lifetime),
    }
    mail_queue(
        subject=_("Your sign-in link for %(instance)s")
        % {"instance": settings.BOOMERANG_INSTANCE_NAME},
        body=render_to_string("portal/email/sign_in.txt", context),
        to=[email],
    )


@transaction.atomic
def portal_access_invite(*, contact: Contact, user) -> PortalAccess:
    """Let ``contact`` sign in and e-mail them a sign-in link (PORTAL_INVITE_LINK_HOURS).

    Refuses (ValidationError on ``email``) a contact without an e-mail address or whose
    address another contact already signs in with. Inviting a revoked contact restores access.
    """
    contact = Contact.objects.select_for_update().select_related("company").get(pk=contact.pk)
    email = normalize_email(contact.email)
    if not email:
        raise ValidationError({"email": [_("The contact needs an e-mail address first.")]})
    taken = (
        PortalAccess.objects.filter(contact__email__iexact=email, revoked_at__isnull=True)
        .exclude(contact=contact)
        .exists()
    )
    if taken:
        raise ValidationError(
            {"email": [_("Another contact already signs in with this e-mail address.")]}
        )
    access, _created = PortalAccess.objects.update_or_create(
        contact=contact,
        defaults={
            "source": PortalAccess.Source.INVITED,
            "invited_by": user if getattr(user, "is_authenticated", False) else None,
            "revoked_at": None,
            "revoked_by": None,
        },
    )
    _send_link(
        company=contact.company,
        email=email,
        contact=contact,
        lifetime=datetime.timedelta(hours=settings.PORTAL_INVITE_LINK_HOURS),
    )
    return access


@transaction.atomic
def portal_access_revoke(*, contact: Contact, user) -> None:
    """End ``contact``'s portal access now: its sessions and unused links stop working."""
    now = timezone.now()
    PortalAccess.objects.filter(contact=contact, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=user if getattr(user, "is_authenticated", False) else None
    )
    PortalSession.objects.filter(contact=contact).delete()
    PortalSignInLink.objects.filter(contact=contact, used_at__isnull=True).update(expires_at=now)


def _clean_domain(raw: str) -> str:
    domain = raw.strip().lower().lstrip("@")
    try:
        validate_email(f"someone@{domain}")
    except ValidationError as exc:
        raise ValidationError({"domains": [_("%s is not an e-mail domain.") % raw]}) from exc
    return domain


@transaction.atomic
def portal_company_emails_set(*, company: Company, enabled: bool, user) -> None:
    """Whether the company's contacts get customer e-mails (per-company opt-out)."""
    PortalCompanyPreference.objects.update_or_create(
        company=company, defaults={"customer_emails": enabled}
    )


@transaction.atomic
def portal_email_templates_set(*, wordings: dict[str, tuple[str, str]], user) -> None:
    """Store staff's wording of the customer e-mails (``event -> (subject, text)``); a
    wording equal to the built-in one is not stored, so later built-in fixes reach it."""
    from portal.emails import EVENTS, placeholders_in

    for event, (subject, body) in wordings.items():
        if event not in EVENTS:
            raise ValidationError({"event": [_("Unknown e-mail %s.") % event]})
        placeholders_in(subject)
        placeholders_in(body)
        _label, default_subject, default_body = EVENTS[event]
        if subject == str(default_subject) and body == str(default_body):
            PortalEmailTemplate.objects.filter(event=event).delete()
            continue
        PortalEmailTemplate.objects.update_or_create(
            event=event,
            defaults={
                "subject": subject,
                "body": body,
                "updated_by": user if getattr(user, "is_authenticated", False) else None,
            },
        )


@transaction.atomic
def portal_domains_set(*, company: Company, domains: list[str], user) -> list[str]:
    """Replace the e-mail domains whose mailboxes may sign in as contacts of ``company``.

    Every mistake is reported at once (ValidationError on ``domains``); a domain that belongs
    to another company is refused.
    """
    cleaned, errors = [], []
    for raw in domains:
        if not raw.strip():
            continue
        try:
            cleaned.append(_clean_domain(raw))
        except ValidationError as exc:
            errors += exc.message_dict["domains"]
    cleaned = list(dict.fromkeys(cleaned))
    elsewhere = (
        PortalDomain.objects.filter(domain__in=cleaned)
        .exclude(company=company)
        .values_list("domain", flat=True)
    )
    errors += [_("%s is already used by another company.") % domain for domain in elsewhere]
    if errors:
        raise ValidationError({"domains": errors})
    PortalDomain.objects.filter(company=company).exclude(domain__in=cleaned).delete()
    known = set(PortalDomain.objects.filter(company=company).values_list("domain", flat=True))
    PortalDomain.objects.bulk_create(
        PortalDomain(company=company, domain=domain, created_by=user)
        for domain in cleaned
        if domain not in known
    )
    return cleaned


# -- sign-in, by the customer -------------------------------------------------------------


def _rate_limited(key: str, limit: int) -> bool:
    """Count one request under ``key`` in the current window; True once ``limit`` is passed."""
    window = settings.PORTAL_LINK_REQUEST_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def portal_link_request_allowed(*, email: str, client_address: str | None) -> bool:
    """Count a link request; False when the address or the client asked too often.

    Counted whether or not the address is known, so the limit says nothing about accounts.
    """
    email_key = "portal-link:email:" + secret_hash(normalize_email(email))
    address_key = "portal-link:address:" + secret_hash(client_address or "unknown")
    over_email = _rate_limited(email_key, settings.PORTAL_LINK_REQUESTS_PER_EMAIL)
    over_address = _rate_limited(address_key, settings.PORTAL_LINK_REQUESTS_PER_ADDRESS)
    return not (over_email or over_address)


def _contact_for(email: str) -> Contact | None:
    return (
        Contact.objects.select_related("company")
        .filter(
            email__iexact=email,
            portal_access__isnull=False,
            portal_access__revoked_at__isnull=True,
            company__active=True,
            company__is_customer=True,
        )
        .order_by("pk")
        .first()
    )


@transaction.atomic
def portal_link_request(*, email: str) -> bool:
    """E-mail a sign-in link to ``email`` if it may sign in; whether one was sent.

    The caller answers the same either way (no account enumeration). A contact with active
    access gets a link; an address at a company's self-sign-in domain gets one too (its
    contact is found by address, or created when the link is used). A contact whose access was
    revoked gets nothing, even at such a domain.
    """
    email = normalize_email(email)
    lifetime = datetime.timedelta(minutes=settings.PORTAL_LINK_MINUTES)
    contact = _contact_for(email)
    if contact is not None:
        _send_link(company=contact.company, email=email, contact=contact, lifetime=lifetime)
        return True
    domain = (
        PortalDomain.objects.select_related("company")
        .filter(domain=email_domain(email), company__active=True, company__is_customer=True)
        .first()
    )
    if domain is None:
        return False
    existing = Contact.objects.filter(company=domain.company, email__iexact=email).first()
    if existing is not None and PortalAccess.objects.filter(contact=existing).exists():
        return False  # access was revoked: the domain does not bring it back
    _send_link(company=domain.company, email=email, contact=existing, lifetime=lifetime)
    return True


def _link_for_update(token: str) -> PortalSignInLink:
    link = (
        PortalSignInLink.objects.select_for_update()
        .filter(token_hash=secret_hash(token or ""))
        .first()
    )
    if link is None:
        raise LinkInvalid("unknown")
    if link.used_at is not None:
        raise LinkInvalid("used")
    if link.expires_at <= timezone.now():
        raise LinkInvalid("expired")
    return link


def portal_link_check(*, token: str) -> PortalSignInLink:
    """The link ``token`` names while it may still be used; LinkInvalid otherwise."""
    with transaction.atomic():
        return _link_for_update(token)


@transaction.atomic
def portal_link_redeem(*, token: str) -> SignedIn:
    """Use a sign-in link once: a new portal session for its contact.

    The link's row is locked, so two requests with the same link cannot both sign in; a used,
    expired or unknown link, or a contact whose access was revoked meanwhile, raises
    LinkInvalid.
    """
    link = _link_for_update(token)
    now = timezone.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    contact = link.contact
    if contact is None:
        contact = Contact.objects.filter(company=link.company, email__iexact=link.email).first()
        if contact is None:
            contact = Contact.objects.create(
                company=link.company, name=link.email.partition("@")[0], email=link.email
            )
        PortalAccess.objects.get_or_create(
            contact=contact, defaults={"source": PortalAccess.Source.DOMAIN}
        )
    access = PortalAccess.objects.select_for_update().filter(contact=contact).first()
    if access is None or not access.active:
        raise LinkInvalid("revoked")
    access.last_sign_in = now
    access.save(update_fields=["last_sign_in"])
    key = secrets.token_urlsafe(32)
    expires = now + datetime.timedelta(days=settings.PORTAL_SESSION_DAYS)
    PortalSession.objects.create(
        key_hash=secret_hash(key), contact=contact, created_at=now, expires_at=expires
    )
    return SignedIn(contact=contact, session_key=key, expires_at=expires)


def portal_session_end(*, session_key: str) -> None:
    PortalSession.objects.filter(key_hash=secret_hash(session_key)).delete()


@transaction.atomic
def portal_prune(*, older_than: datetime.timedelta) -> tuple[int, int]:
    """Delete the sign-in links and portal sessions that stopped working more than
    ``older_than`` ago: expired ones, and links used that long ago. Returns how many links and
    sessions went. Refused either way, they are kept a while only to show who signed in when."""
    cutoff = timezone.now() - older_than
    expired = Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff)
    links, _detail = PortalSignInLink.objects.filter(expired).delete()
    sessions, _detail = PortalSession.objects.filter(expires_at__lt=cutoff).delete()
    return links, sessions


# -- requests and messages, by the customer -------------------------------------------------


@transaction.atomic
def portal_return_request(
    *,
    contact: Contact,
    lines: list[tuple],
    typed: list[tuple],
    address=None,
    photos=(),
) -> ReturnOrder:
    """A customer's request becomes a return order, through the returns services, in one
    transaction: in the first status (Requested while authorization is required, else
    Pending), marked as created from the portal, with one line per chosen item (``lines``:
    item, reason, fault). A typed serial that names an item the company holds becomes a line
    too; the others are listed in the order's notes for staff to check. Photos come as the
    first message of the order's thread. Any refusal (an item that is no longer returnable,
    an inactive reason) is a ValidationError and nothing is created.
    """
    from portal.selectors import portal_returnable_by_serial

    lines = list(lines)
    unknown = []
    for serial, reason, fault in typed:
        item = portal_returnable_by_serial(contact, serial)
        if item is not None and all(item.pk != chosen.pk for chosen, _r, _f in lines):
            lines.append((item, reason, fault))
        elif item is None:
            unknown.append((serial, reason, fault))
    notes = ""
    if unknown:
        rows = [
            f"- {serial}" + (f" ({reason.label})" if reason else "") + f": {fault}"
            for serial, reason, fault in unknown
        ]
        notes = _("Serial numbers typed by the customer, to check:") + "\n" + "\n".join(rows)
    order = return_services.return_order_create(
        user=None,
        customer=contact.company,
        contact=contact,
        address=address,
        description=_("Requested by %(name)s in the customer portal") % {"name": contact.name},
        notes=notes,
        from_portal=True,
        visible_to_customer=True,
    )
    for item, reason, fault in lines:
        return_services.return_order_line_create(
            order=order, item=item, user=None, reason=reason, notes=fault[:500]
        )
    if photos:
        return_services.return_order_message_post(
            order=order,
            body=_("Photos of the fault."),
            contact=contact,
            files=list(photos),
            file_comment=_("Photo from the customer"),
        )
    return order


def portal_message_post(*, contact: Contact, order: ReturnOrder, body: str, photos=()):
    """The customer's message on one of their orders (returns.services checks the rest)."""
    return return_services.return_order_message_post(
        order=order,
        body=body,
        contact=contact,
        files=list(photos),
        file_comment=_("Photo from the customer"),
    )


def rma_document(*, order: int) -> tuple[str, bytes, str]:
    """The RMA document of order ``order`` (its report, with the QR code) as
    ``(filename, pdf, mimetype)``: the portal's download and the "issued" e-mail's attachment.
    Raises ``ValidationError`` when no document template is set or it cannot be rendered."""
    from portal.selectors import portal_document_template
    from reports import registry as report_registry
    from reports import services as report_services

    template = portal_document_template()
    if template is None:
        raise ValidationError(_("No document is available."))
    instances = list(report_registry.get("returnorder").queryset().filter(pk=order))
    if not instances:
        raise ValidationError(_("No document is available."))
    rendered = report_services.report_render(template=template, instances=instances, user=None)
    return rendered.filename, rendered.pdf, "application/pdf"
