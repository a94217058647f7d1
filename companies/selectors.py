"""Reads for companies: querysets that carry what their serializers and pages show."""

from django.db.models import Count, Prefetch, QuerySet

from companies.models import Address, Company, Contact


def company_list() -> QuerySet[Company]:
    """Companies with address/contact counts and the primary address: two queries a page."""
    return Company.objects.annotate(
        address_count=Count("addresses", distinct=True),
        contact_count=Count("contacts", distinct=True),
    ).prefetch_related(
        Prefetch(
            "addresses", queryset=Address.objects.filter(primary=True), to_attr="primary_addresses"
        )
    )


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("company")


def address_list() -> QuerySet[Address]:
    return Address.objects.select_related("company")


def customers() -> QuerySet[Company]:
    return Company.objects.filter(is_customer=True)
