"""Who may sign in to the customer portal, their sign-in links and their portal sessions.

A portal user is a ``companies.Contact``, never a staff ``User``: nothing here gives a
request a ``request.user``. Links and sessions store only the SHA-256 of their secret, so a
database dump cannot be replayed as a sign-in.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class PortalAccess(models.Model):
    """A contact may sign in to the portal (invited by staff, or by the company's domain)."""

    class Source(models.TextChoices):
        INVITED = "invited", _("Invited by staff")
        DOMAIN = "domain", _("Self sign-in by e-mail domain")

    contact = models.OneToOneField(
        "companies.Contact", on_delete=models.CASCADE, related_name="portal_access"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_sign_in = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access")

    def __str__(self) -> str:
        return str(self.contact)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class PortalDomain(models.Model):
    """Anyone with a mailbox at ``domain`` may sign in as a contact of ``company``."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="portal_domains"
    )
    domain = models.CharField(_("e-mail domain"), max_length=253, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("portal sign-in domain")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class PortalSignInLink(models.Model):
    """One e-mailed sign-in link: single use, expiring.

    ``contact`` is empty for a first sign-in through a company's domain: the contact is created
    when the link is used, which proves that the person reads that mailbox.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(
        "companies.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_links",
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="portal_links"
    )
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal sign-in link")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class PortalSession(models.Model):
    """A signed-in portal visitor: the cookie holds the secret, this row its hash."""

    key_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(
        "companies.Contact", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("portal session")
        indexes = [models.Index(fields=["expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="portal_session_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.created_at:%Y-%m-%d %H:%M})"


class PortalCompanyPreference(models.Model):
    """A company's choices about the portal: whether its contacts get customer e-mails."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, related_name="portal_preference"
    )
    customer_emails = models.BooleanField(_("send customer e-mails"), default=True)

    class Meta:
        verbose_name = _("portal preference")

    def __str__(self) -> str:
        return str(self.company)


class PortalEmailTemplate(models.Model):
    """Staff's wording of one customer e-mail; without a row the built-in wording is used."""

    event = models.CharField(_("event"), max_length=30, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer e-mail template")
        ordering = ["event"]

    def __str__(self) -> str:
        return self.event
