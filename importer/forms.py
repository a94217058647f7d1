"""The form of the InvenTree import page (``/settings/import/``)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class InvenTreeImportForm(forms.Form):
    url = forms.URLField(
        label=_("InvenTree URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address of the InvenTree server, e.g. https://inventree.example.com"),
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )
    # Never shown again once posted: a form re-shown with errors asks for it anew.
    token = forms.CharField(
        label=_("API token"),
        max_length=200,
        help_text=_(
            "A token of an InvenTree user who may view everything imported. It is kept only "
            "while the import runs."
        ),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    tracking = forms.BooleanField(
        label=_("Import stock tracking history"), required=False, initial=False
    )
    attachments = forms.BooleanField(
        label=_("Import return order attachments (files are downloaded)"),
        required=False,
        initial=False,
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: count what would be created, updated and skipped, write nothing"),
        required=False,
        initial=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("url", "token"):
            self.fields[name].widget.attrs["class"] = "form-control"
        for name in ("tracking", "attachments", "dry_run"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an http:// or https:// address."))
        return url

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token:
            raise forms.ValidationError(_("Enter the API token."))
        if any(ch.isspace() for ch in token):
            raise forms.ValidationError(_("An API token has no spaces."))
        return token
