"""The stock pages' forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.models import Company
from stock.models import StockItem


class StockAssignForm(forms.Form):
    """Which items go to which customer. The service decides what may be assigned (in stock,
    salable, held by nobody), so an item taken meanwhile gets its reason, not "invalid choice"."""

    customer = forms.ModelChoiceField(
        queryset=Company.objects.filter(is_customer=True).order_by("name"),
        label=_("Customer"),
        error_messages={
            "required": _("Choose the customer the items were sold to."),
            "invalid_choice": _("Choose a customer from the list."),
        },
    )
    items = forms.ModelMultipleChoiceField(
        queryset=StockItem.objects.all(),
        label=_("Items"),
        error_messages={
            "required": _("Choose at least one item to assign."),
            "invalid_choice": _("Stock item %(value)s does not exist."),
            "invalid_pk_value": _("Stock item %(pk)s does not exist."),
        },
    )
    notes = forms.CharField(
        required=False,
        max_length=250,
        label=_("Note for the stock history"),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("e.g. invoice 4711")}
        ),
    )
