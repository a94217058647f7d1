"""Writes for companies and their addresses."""

from django.db import transaction

from companies.models import Address, Company


@transaction.atomic
def address_save(*, address: Address) -> Address:
    """Save an address keeping exactly one primary address per company.

    A new primary address demotes the others; a company's only address is always primary.
    The company row is locked so two concurrent saves cannot both leave a primary.
    """
    Company.objects.select_for_update().filter(pk=address.company_id).first()
    others = Address.objects.filter(company_id=address.company_id).exclude(pk=address.pk)
    if address.primary:
        others.filter(primary=True).update(primary=False)
    elif not others.filter(primary=True).exists():
        address.primary = True
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was primary, the oldest remaining one becomes primary."""
    Company.objects.select_for_update().filter(pk=address.company_id).first()
    was_primary, company_id = address.primary, address.company_id
    address.delete()
    if was_primary:
        successor = Address.objects.filter(company_id=company_id).order_by("pk").first()
        if successor is not None:
            successor.primary = True
            successor.save(update_fields=["primary"])
