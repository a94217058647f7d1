"""The settings page's forms for the return reasons and the conditions on arrival."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ChoiceEntryForm(forms.Form):
    label = forms.CharField(max_length=100, label=_("Label"))
    code = forms.SlugField(
        max_length=50,
        label=_("Code"),
        help_text=_("Letters, digits, hyphens and underscores; unique in the list."),
    )
    sort_order = forms.IntegerField(
        min_value=0, max_value=2_147_483_647, initial=0, label=_("Sort order")
    )
    active = forms.BooleanField(required=False, initial=True, label=_("Active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
