"""Companies, contacts and addresses."""

from collections.abc import Mapping

from importer.mapping.base import Refs, Skip, flag, metadata, pk_of, text

COMPANY = "companies.company"
CONTACT = "companies.contact"
ADDRESS = "companies.address"


def map_company(row: Mapping, refs: Refs, *, currencies, default_currency: str) -> dict:
    name = text(row, "name").strip()
    if not name:
        raise Skip("name: this field cannot be blank")
    currency = (row.get("currency") or default_currency).upper()
    if currency not in currencies:
        raise Skip(f"currency: {currency} is not a currency this site accepts")
    return {
        "name": name,
        "description": text(row, "description"),
        "website": text(row, "website"),
        "phone": text(row, "phone"),
        "email": text(row, "email", null=True) or None,
        "link": text(row, "link"),
        "active": flag(row, "active", True),
        "is_customer": flag(row, "is_customer"),
        "is_supplier": flag(row, "is_supplier"),
        "is_manufacturer": flag(row, "is_manufacturer"),
        "currency": currency,
        "notes": text(row, "notes", null=True),
        "metadata": metadata(row),
    }


def map_contact(row: Mapping, refs: Refs) -> dict:
    return {
        "company_id": refs.required(COMPANY, pk_of(row.get("company")), "company"),
        "name": text(row, "name"),
        "phone": text(row, "phone"),
        "email": text(row, "email"),
        "role": text(row, "role"),
        "metadata": metadata(row),
    }


def map_address(row: Mapping, refs: Refs) -> dict:
    return {
        "company_id": refs.required(COMPANY, pk_of(row.get("company")), "company"),
        "title": text(row, "title"),
        "primary": flag(row, "primary"),
        "line1": text(row, "line1"),
        "line2": text(row, "line2"),
        "postal_code": text(row, "postal_code"),
        "postal_city": text(row, "postal_city"),
        "province": text(row, "province"),
        "country": text(row, "country"),
        "shipping_notes": text(row, "shipping_notes"),
        "internal_shipping_notes": text(row, "internal_shipping_notes"),
        "link": text(row, "link"),
        "metadata": metadata(row),
    }
