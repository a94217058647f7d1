from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "class": "form-control"}),
    )


class DomainsForm(forms.Form):
    """Staff: the e-mail domains whose mailboxes may sign in as the company's contacts."""

    domains = forms.CharField(
        label=_("Self sign-in e-mail domains"),
        required=False,
        max_length=2000,
        help_text=_(
            "One or more domains, separated by spaces or commas (example.com). Anyone with a "
            "mailbox there may sign in to the customer portal as a contact of this company."
        ),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def domain_list(self) -> list[str]:
        return self.cleaned_data["domains"].replace(",", " ").split()
