"""Customers, suppliers and manufacturers, with their contacts and addresses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in settings.CURRENCIES]


def company_image_path(instance, filename: str) -> str:
    return f"images/company/{filename}"


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("Company name"))
    description = models.CharField(
        _("description"), max_length=500, blank=True, help_text=_("Description of the company")
    )
    website = models.URLField(_("website"), blank=True, help_text=_("Company website URL"))
    phone = models.CharField(_("phone number"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True, null=True)
    link = models.URLField(
        _("link"), max_length=2000, blank=True, help_text=_("Link to external page")
    )
    image = models.ImageField(_("image"), upload_to=company_image_path, blank=True, null=True)
    active = models.BooleanField(_("active"), default=True, help_text=_("Is this company active?"))
    is_customer = models.BooleanField(
        _("is customer"), default=False, help_text=_("Do you sell items to this company?")
    )
    is_supplier = models.BooleanField(
        _("is supplier"), default=True, help_text=_("Do you purchase items from this company?")
    )
    is_manufacturer = models.BooleanField(
        _("is manufacturer"), default=False, help_text=_("Does this company manufacture parts?")
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default=default_currency,
        help_text=_("Default currency used for this company"),
    )
    notes = models.TextField(_("notes"), max_length=50000, blank=True, null=True)
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/company/"

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "email"], name="unique_company_name_email")
        ]
        indexes = [models.Index(fields=["is_customer", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.currency and self.currency.upper() not in settings.CURRENCIES:
            raise ValidationError({"currency": _("Invalid currency code")})

    @property
    def currency_code(self) -> str:
        code = (self.currency or "").upper()
        return code if code in settings.CURRENCIES else settings.DEFAULT_CURRENCY


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/company/contact/"

    class Meta:
        verbose_name = _("contact")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses")
    title = models.CharField(
        _("address title"), max_length=100, help_text=_("Title describing the address entry")
    )
    primary = models.BooleanField(
        _("primary address"), default=False, help_text=_("Set as primary address")
    )
    line1 = models.CharField(_("line 1"), max_length=50, blank=True, help_text=_("Address line 1"))
    line2 = models.CharField(_("line 2"), max_length=50, blank=True, help_text=_("Address line 2"))
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    postal_city = models.CharField(_("city/region"), max_length=50, blank=True)
    province = models.CharField(_("state/province"), max_length=50, blank=True)
    country = models.CharField(_("country"), max_length=50, blank=True)
    shipping_notes = models.CharField(_("courier shipping notes"), max_length=100, blank=True)
    internal_shipping_notes = models.CharField(
        _("internal shipping notes"), max_length=100, blank=True
    )
    link = models.URLField(_("link"), max_length=2000, blank=True)
    metadata = models.JSONField(blank=True, null=True)

    api_list_url = "/api/company/address/"

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-primary", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(primary=True),
                name="one_primary_address_per_company",
            )
        ]

    def __str__(self) -> str:
        parts = [
            self.line1,
            self.line2,
            " ".join(p for p in (self.postal_code, self.postal_city) if p),
            self.province,
            self.country,
        ]
        return ", ".join(p for p in parts if p) or self.title
