from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from webhooks.models import EVENT_TYPES


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("Target URL"),
        max_length=500,
        help_text=_("Where events are POSTed: http:// or https://, not an internal address."),
        widget=forms.URLInput,
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EVENT_TYPES, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        help_text=_("E-mailed when the subscription is disabled after repeated failures."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["class"] = "form-control"
        self.fields["url"].widget.attrs["class"] = "form-control"
        self.fields["owner"].widget.attrs["class"] = "form-select"
        self.fields["active"].widget.attrs["class"] = "form-check-input"
        self.fields["events"].widget.attrs["class"] = "form-check-input"

    def add_service_errors(self, error) -> None:
        """A service's ValidationError, on the fields it names."""
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)
