"""Writes for companies, their contacts and their addresses."""

from django.db import transaction

from common.services import attachments_delete_for, stored_file_delete_on_commit
from companies.models import Address, Company, Contact


@transaction.atomic
def company_delete(*, company: Company) -> None:
    """Delete a company with its contacts and addresses, and the attachments of all three.

    Raises ``ProtectedError`` (nothing deleted) while a return order still names it.
    """
    contact_ids = list(company.contacts.values_list("pk", flat=True))
    address_ids = list(company.addresses.values_list("pk", flat=True))
    company_id = company.pk
    image = company.image
    company.delete()
    stored_file_delete_on_commit(image)
    attachments_delete_for(model_type="company", model_ids=[company_id])
    attachments_delete_for(model_type="contact", model_ids=contact_ids)
    attachments_delete_for(model_type="address", model_ids=address_ids)


@transaction.atomic
def company_save(*, company: Company) -> Company:
    """Create or change a company; a replaced or removed image file is deleted once the change
    has committed."""
    previous = Company.objects.filter(pk=company.pk).first() if company.pk else None
    company.save()
    if previous is not None and previous.image and previous.image.name != company.image.name:
        stored_file_delete_on_commit(previous.image)
    return company


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete a contact and its attachments; return orders naming it keep no contact."""
    contact_id = contact.pk
    contact.delete()
    attachments_delete_for(model_type="contact", model_ids=[contact_id])


@transaction.atomic
def address_save(*, address: Address) -> Address:
    """Save an address keeping exactly one primary address per company.

    A new primary address demotes the others; a company's only address is always primary;
    moving the primary address to another company promotes one of those left behind. The
    companies' rows are locked, by pk, so two concurrent saves cannot both leave a primary.
    """
    stored_company_id = (
        Address.objects.filter(pk=address.pk).values_list("company_id", flat=True).first()
        if address.pk
        else None
    )
    company_ids = sorted({address.company_id, stored_company_id} - {None})
    list(Company.objects.select_for_update().filter(pk__in=company_ids).order_by("pk"))
    others = Address.objects.filter(company_id=address.company_id).exclude(pk=address.pk)
    if address.primary:
        others.filter(primary=True).update(primary=False)
    elif not others.filter(primary=True).exists():
        address.primary = True
    address.full_clean()
    address.save()
    if stored_company_id is not None and stored_company_id != address.company_id:
        _ensure_primary(company_id=stored_company_id)
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address and its attachments; if it was primary, the oldest remaining one
    becomes primary."""
    Company.objects.select_for_update().filter(pk=address.company_id).first()
    company_id, address_id = address.company_id, address.pk
    address.delete()
    attachments_delete_for(model_type="address", model_ids=[address_id])
    _ensure_primary(company_id=company_id)


def _ensure_primary(*, company_id: int) -> None:
    """Promote the company's oldest address if none is primary. The caller holds the lock."""
    remaining = Address.objects.filter(company_id=company_id)
    if remaining.filter(primary=True).exists():
        return
    successor = remaining.order_by("pk").first()
    if successor is not None:
        successor.primary = True
        successor.save(update_fields=["primary"])
