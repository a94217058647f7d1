"""Staff side of the portal: invite and revoke contacts, and the company's sign-in domains.

Form posts from the company page; each goes back to it with a message. Inviting and revoking
change the contact (``companies.change_contact``); the domains change the company.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from companies.models import Company, Contact
from portal import emails, services
from portal.forms import DomainsForm, EmailTemplatesForm


def _back(company_pk: int):
    return redirect("company-detail", pk=company_pk)


def _contact(request, pk: int, contact_pk: int) -> Contact:
    if not request.user.has_perm("companies.change_contact"):
        raise PermissionDenied
    return get_object_or_404(
        Contact.objects.select_related("company"), pk=contact_pk, company_id=pk
    )


@login_required
@require_POST
def contact_invite(request, pk, contact_pk):
    contact = _contact(request, pk, contact_pk)
    try:
        services.portal_access_invite(contact=contact, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Sent a portal sign-in link to %(email)s.") % {"email": contact.email}
        )
    return _back(pk)


@login_required
@require_POST
def contact_revoke(request, pk, contact_pk):
    contact = _contact(request, pk, contact_pk)
    services.portal_access_revoke(contact=contact, user=request.user)
    messages.success(
        request, _("%(name)s can no longer sign in to the portal.") % {"name": contact.name}
    )
    return _back(pk)


@login_required
@require_POST
def company_settings(request, pk):
    """The company's portal settings: self sign-in domains and customer e-mails."""
    if not request.user.has_perm("companies.change_company"):
        raise PermissionDenied
    company = get_object_or_404(Company, pk=pk)
    form = DomainsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return _back(pk)
    try:
        domains = services.portal_domains_set(
            company=company, domains=form.domain_list(), user=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(pk)
    services.portal_company_emails_set(
        company=company, enabled=form.cleaned_data["customer_emails"], user=request.user
    )
    if domains:
        messages.success(
            request, _("Self sign-in allowed for: %(domains)s.") % {"domains": ", ".join(domains)}
        )
    else:
        messages.success(request, _("Portal settings saved; self sign-in by domain is off."))
    return _back(pk)


@login_required
@require_http_methods(["GET", "POST"])
def email_templates(request):
    """Staff reword the customer e-mails (site settings are for staff, as the settings page)."""
    if not request.user.is_staff:
        raise PermissionDenied
    wordings = {event: emails.wording(event) for event in emails.EVENTS}
    form = EmailTemplatesForm(request.POST or None, wordings=wordings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.portal_email_templates_set(
            wordings={e: (data[f"{e}_subject"], data[f"{e}_body"]) for e in emails.EVENTS},
            user=request.user,
        )
        messages.success(request, _("Customer e-mails saved."))
        return redirect("portal-settings:emails")
    return render(
        request,
        "portal/staff/email_templates.html",
        {"form": form, "placeholders": emails.PLACEHOLDERS.items()},
        status=400 if form.errors else 200,
    )
