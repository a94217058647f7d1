"""Forms for resolving a line: one per outcome, and one to edit or finish a repair.

They check the shape of the input; the services in ``returns.services.resolutions`` check the
rules (the line's state, the replacement's eligibility, the stock of each part) under their
locks, and the views put those errors beside the fields.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from returns.forms import BootstrapMixin, DateInput, currency_choices
from returns.models import ReturnOrderLineResolution, ReturnOrderRefund, ReturnOrderRepair
from returns.services import PartUse
from returns.statuses import RejectDisposition
from stock.models import StockItem
from stock.statuses import SCRAP_CODES, StockStatus

PART_PREFIX = "qty-"


def _unit_status_field(label, help_text):
    return forms.TypedChoiceField(
        choices=[("", _("Leave as it is")), *StockStatus.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=label,
        help_text=help_text,
    )


def _notes_field():
    return forms.CharField(
        max_length=ReturnOrderLineResolution._meta.get_field("notes").max_length,
        required=False,
        label=_("Notes"),
    )


class ResolutionForm(BootstrapMixin, forms.Form):
    """Field ids of their own: the forms open inside the order page, beside its notes form."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "resolve-%s")
        super().__init__(*args, **kwargs)


class StockItemPickField(forms.ModelChoiceField):
    """Offers the eligible items, but accepts any existing one: the service says what is
    wrong with an item that stopped being eligible, which beats "not one of the choices"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, queryset=StockItem.objects.none(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return StockItem.objects.select_related("part").get(pk=int(value))
        except (ValueError, TypeError, StockItem.DoesNotExist) as exc:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc

    def label_from_instance(self, item):
        where = item.location.pathstring if item.location_id else _("no location")
        if item.serial:
            return f"{item.part.full_name} · SN {item.serial} · {where}"
        return f"{item.part.full_name} · {item.quantity.normalize():f} in {where}"


class ReturnResolveForm(ResolutionForm):
    notes = _notes_field()


class ReplaceResolveForm(ResolutionForm):
    replacement_item = StockItemPickField(
        label=_("Replacement"),
        empty_label=_("Choose a stock item"),
        help_text=_("In stock, unassigned, not on an open order: the same part or a substitute."),
    )
    unit_status = _unit_status_field(
        _("Status of the faulty unit"),
        _("Applied now, or when the unit is received if it has not arrived yet."),
    )
    notes = _notes_field()

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if candidates is not None:
            self.fields["replacement_item"].queryset = candidates


class RefundResolveForm(ResolutionForm):
    amount = forms.DecimalField(max_digits=19, decimal_places=6, min_value=Decimal("0.000001"))
    amount_currency = forms.ChoiceField(required=False, label=_("Currency"))
    method = forms.CharField(
        max_length=ReturnOrderRefund._meta.get_field("method").max_length, required=False
    )
    reference = forms.CharField(
        max_length=ReturnOrderRefund._meta.get_field("reference").max_length,
        required=False,
        help_text=_("Credit note or payment reference"),
    )
    date = forms.DateField(required=False, widget=DateInput, initial=timezone.localdate)
    unit_status = _unit_status_field(
        _("Status of the returned unit"),
        _("Applied now, or when the unit is received if it has not arrived yet."),
    )
    notes = _notes_field()

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount_currency"].choices = currency_choices(_("Order currency"))
        if methods:
            self.fields["method"] = forms.ChoiceField(
                choices=[("", _("Choose a method")), *((m, m) for m in methods)],
                widget=forms.Select(attrs={"class": "form-select"}),
            )


class RejectResolveForm(ResolutionForm):
    reason = forms.CharField(
        max_length=ReturnOrderLineResolution._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the return is refused under its terms."),
    )
    disposition = forms.ChoiceField(
        choices=RejectDisposition.choices,
        initial=RejectDisposition.RETURN,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label=_("The unit"),
    )
    scrap_status = forms.TypedChoiceField(
        choices=[(code.value, code.label) for code in SCRAP_CODES],
        coerce=int,
        empty_value=None,
        required=False,
        initial=StockStatus.REJECTED,
        label=_("Status when scrapped"),
    )
    notes = _notes_field()


class RepairFieldsForm(ResolutionForm):
    """A repair's own fields and its parts (quantity inputs named ``qty-<stock item pk>``)."""

    fault = forms.CharField(
        max_length=ReturnOrderRepair._meta.get_field("fault").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Fault found"),
    )
    work_done = forms.CharField(
        max_length=ReturnOrderRepair._meta.get_field("work_done").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    technician = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    labour_minutes = forms.IntegerField(
        min_value=0, max_value=10_000_000, initial=0, required=False, label=_("Labour (minutes)")
    )
    cost_amount = forms.DecimalField(
        max_digits=19, decimal_places=6, min_value=0, required=False, label=_("Cost")
    )
    cost_currency = forms.ChoiceField(required=False, label=_("Currency"))
    under_warranty = forms.BooleanField(required=False)
    finish = forms.BooleanField(
        required=False,
        label=_("The repair is finished: set the unit to OK and send it back to the customer"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_currency"].choices = currency_choices(_("Order currency"))
        self.part_errors: list[str] = []

    def clean(self):
        cleaned = super().clean()
        uses, errors = [], []
        for key, raw in self.data.items():
            if not key.startswith(PART_PREFIX) or not str(raw).strip():
                continue
            try:
                pk = int(key.removeprefix(PART_PREFIX))
                quantity = Decimal(str(raw).strip())
            except (ValueError, InvalidOperation):
                errors.append(_("%(value)s is not a quantity") % {"value": str(raw)[:20]})
                continue
            if not quantity.is_finite() or quantity < 0:
                errors.append(_("%(value)s is not a quantity") % {"value": str(raw)[:20]})
            elif quantity > 0:
                uses.append(PartUse(item=pk, quantity=quantity))
        if errors:
            self.add_part_errors(errors)
        cleaned["parts"] = uses
        return cleaned

    def add_part_errors(self, errors) -> None:
        self.part_errors.extend(str(e) for e in errors)
        self.add_error(None, _("Check the parts below."))

    @staticmethod
    def repair_fields_of(data: dict) -> dict:
        """The ``ReturnOrderRepair`` fields of cleaned data, as the services take them."""
        return {
            "fault": data.get("fault") or "",
            "work_done": data.get("work_done") or "",
            "technician": data.get("technician"),
            "labour_minutes": data.get("labour_minutes") or 0,
            "under_warranty": bool(data.get("under_warranty")),
        }


class RepairResolveForm(RepairFieldsForm):
    notes = _notes_field()


RESOLVE_FORMS = {
    "return": ReturnResolveForm,
    "repair": RepairResolveForm,
    "replace": ReplaceResolveForm,
    "refund": RefundResolveForm,
    "reject": RejectResolveForm,
}
