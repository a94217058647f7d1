"""The form for receiving one line in part, split into good, damaged and missing units.

It checks the shape of the input; ``returns.services.receipts`` checks the line's outstanding
quantity, the stock and the order's state under its locks.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from returns.forms import BootstrapMixin, LocationChoiceField
from returns.models import ReturnCondition
from returns.services import DispositionRequest
from returns.services.receipts import DAMAGED_STATUSES
from returns.statuses import DispositionKind
from stock.models import StockLocation
from stock.statuses import StockStatus


def _quantity(label):
    return forms.DecimalField(
        label=label, min_value=0, max_digits=15, decimal_places=5, required=False, initial=0
    )


def _location(label):
    return LocationChoiceField(
        queryset=StockLocation.objects.order_by("pathstring"), label=label, required=False
    )


class ReceiptSplitForm(BootstrapMixin, forms.Form):
    good_quantity = _quantity(_("Good"))
    good_location = _location(_("Restock good units into"))
    damaged_quantity = _quantity(_("Damaged"))
    damaged_location = _location(_("Put damaged units into"))
    damaged_status = forms.TypedChoiceField(
        choices=[(int(s), s.label) for s in DAMAGED_STATUSES],
        coerce=int,
        empty_value=None,
        required=False,
        initial=StockStatus.DAMAGED,
        label=_("Status of damaged units"),
    )
    missing_quantity = _quantity(_("Missing"))
    condition = forms.ModelChoiceField(
        queryset=ReturnCondition.objects.filter(active=True),
        required=False,
        label=_("Condition on arrival"),
        empty_label=_("Not recorded"),
        help_text=_("The line takes this condition too."),
    )
    notes = forms.CharField(max_length=500, required=False, label=_("Notes"))

    def __init__(
        self,
        *args,
        outstanding: Decimal,
        location: int | None = None,
        condition: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if condition is not None:
            self.fields["condition"].initial = condition
        self.fields["good_quantity"].initial = outstanding.normalize()
        every = list(self.fields["good_location"].queryset)
        locations = [loc for loc in every if not loc.structural]
        structural = frozenset(str(loc.pk) for loc in every if loc.structural)
        for name in ("good_location", "damaged_location"):
            self.fields[name].widget.structural = structural
            if location is not None and any(loc.pk == location for loc in locations):
                self.fields[name].initial = location
            elif len(locations) == 1:
                self.fields[name].initial = locations[0].pk

    def clean(self):
        data = super().clean()
        for kind in ("good", "damaged"):
            quantity = data.get(f"{kind}_quantity") or 0
            where = data.get(f"{kind}_location")
            if quantity and where is None:
                self.add_error(f"{kind}_location", _("Choose where these units go."))
            elif quantity and where.structural:
                self.add_error(
                    f"{kind}_location",
                    _("Stock items cannot be located into structural stock locations!"),
                )
        if not any(data.get(f"{kind}_quantity") for kind in ("good", "damaged", "missing")):
            raise forms.ValidationError(_("Enter a quantity for at least one of them."))
        return data

    def dispositions(self) -> list[DispositionRequest]:
        data = self.cleaned_data
        made = []
        if data.get("good_quantity"):
            made.append(
                DispositionRequest(
                    DispositionKind.GOOD, data["good_quantity"], data["good_location"]
                )
            )
        if data.get("damaged_quantity"):
            made.append(
                DispositionRequest(
                    DispositionKind.DAMAGED,
                    data["damaged_quantity"],
                    data["damaged_location"],
                    data.get("damaged_status") or StockStatus.DAMAGED,
                )
            )
        if data.get("missing_quantity"):
            made.append(DispositionRequest(DispositionKind.MISSING, data["missing_quantity"]))
        return made
