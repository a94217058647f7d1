"""Forms for the staff pages. They check shapes; the services enforce the rules."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common import site_settings, validators
from companies.models import Address, Company, Contact
from returns.models import ProjectCode, ReturnOrder
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus
from stock.models import StockItem, StockLocation
from stock.statuses import StockStatus
from users.models import Owner


def currency_choices(blank_label: str) -> list[tuple[str, str]]:
    return [("", blank_label)] + [(c, c) for c in settings.CURRENCIES]


class DateInput(forms.DateInput):
    input_type = "date"


class BootstrapMixin:
    """Give every widget Bootstrap's classes so templates can render fields uniformly.

    Every date field is also bounded to ``common.validators.DATE_MIN`` .. ``DATE_MAX``, and its
    date picker offers only that range.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        validators.bound_form_dates(self.fields.values())
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget.attrs.setdefault("min", validators.DATE_MIN.isoformat())
                field.widget.attrs.setdefault("max", validators.DATE_MAX.isoformat())
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class CompanyScopedSelect(forms.Select):
    """A select whose options carry ``data-company`` so a script can narrow them."""

    company_of: dict[str, int] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = str(getattr(value, "value", value))
        if key in self.company_of:
            option["attrs"]["data-company"] = str(self.company_of[key])
        return option


class CompanyScopedChoiceField(forms.ModelChoiceField):
    widget = CompanyScopedSelect

    def label_from_instance(self, obj):
        return f"{obj.company.name}: {obj}"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.label})"


class ReturnOrderForm(BootstrapMixin, forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Company.objects.filter(is_customer=True).order_by("name"),
        help_text=_("Only companies marked as customers can return items."),
    )
    reference = forms.CharField(max_length=64, required=False)
    description = forms.CharField(max_length=250, required=False)
    customer_reference = forms.CharField(max_length=64, required=False)
    contact = CompanyScopedChoiceField(
        queryset=Contact.objects.select_related("company").order_by("company__name", "name"),
        required=False,
        help_text=_("Contacts of the chosen customer."),
    )
    address = CompanyScopedChoiceField(
        queryset=Address.objects.select_related("company").order_by("company__name", "title"),
        required=False,
        help_text=_("Addresses of the chosen customer."),
    )
    responsible = OwnerChoiceField(
        queryset=Owner.objects.select_related("owner_type").order_by("name"), required=False
    )
    project_code = forms.ModelChoiceField(queryset=ProjectCode.objects.all(), required=False)
    link = forms.URLField(max_length=2000, required=False, assume_scheme="https")
    start_date = forms.DateField(required=False, widget=DateInput)
    target_date = forms.DateField(required=False, widget=DateInput)
    order_currency = forms.ChoiceField(required=False)

    def __init__(self, *args, instance: ReturnOrder | None = None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.fields["order_currency"].choices = currency_choices(_("Customer's currency"))
        self.fields["reference"].help_text = _("Pattern: %(pattern)s") % {
            "pattern": site_settings.get_value("RETURNORDER_REFERENCE_PATTERN")
        }
        # Let a small script narrow contacts and addresses to the chosen customer.
        for name, model in (("contact", Contact), ("address", Address)):
            widget = self.fields[name].widget
            widget.attrs["data-filter-by"] = "id_customer"
            widget.company_of = {
                str(pk): company for pk, company in model.objects.values_list("pk", "company_id")
            }
        self.fields["customer"].widget.attrs["data-searchable"] = "true"
        if site_settings.get_value("RETURNORDER_REQUIRE_RESPONSIBLE"):
            self.fields["responsible"].required = True
        if instance is not None:
            # The customer is fixed once lines exist (the service says why if it changes).
            self.fields["reference"].required = True

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["order_currency"] = data.get("order_currency") or None
        data["description"] = data.get("description") or ""
        data["customer_reference"] = data.get("customer_reference") or ""
        data["link"] = data.get("link") or ""
        return data


class LineAddForm(BootstrapMixin, forms.Form):
    item = forms.ModelChoiceField(queryset=StockItem.objects.none(), label=_("Stock item"))
    quantity = forms.DecimalField(min_value=0, max_digits=15, decimal_places=5, initial=1)
    price = forms.DecimalField(max_digits=19, decimal_places=6, min_value=0, required=False)
    price_currency = forms.ChoiceField(required=False, label=_("Currency"))
    reference = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items if items is not None else StockItem.objects.none()
        self.fields["item"].label_from_instance = lambda item: (
            f"{item.part.full_name} · SN {item.serial}"
            if item.serial
            else f"{item.part.full_name} · qty {item.quantity.normalize():f}"
        )
        self.fields["price_currency"].choices = currency_choices(_("Order currency"))


class LineEditForm(BootstrapMixin, forms.Form):
    outcome = forms.TypedChoiceField(choices=ReturnOrderLineStatus.choices, coerce=int)
    quantity = forms.DecimalField(min_value=0, max_digits=15, decimal_places=5)
    price = forms.DecimalField(max_digits=19, decimal_places=6, min_value=0, required=False)
    price_currency = forms.ChoiceField(required=False, label=_("Currency"))
    reference = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, received: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_currency"].choices = currency_choices(_("Order currency"))
        if received:
            self.fields["quantity"].disabled = True
            self.fields["quantity"].help_text = _("Received lines keep their quantity.")


class ExtraLineForm(BootstrapMixin, forms.Form):
    reference = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=250, required=False)
    quantity = forms.DecimalField(min_value=0, max_digits=15, decimal_places=5, initial=1)
    price = forms.DecimalField(
        max_digits=19, decimal_places=6, required=False, help_text=_("May be negative (a credit).")
    )
    price_currency = forms.ChoiceField(required=False, label=_("Currency"))
    notes = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_currency"].choices = currency_choices(_("Order currency"))


class LocationSelect(forms.Select):
    """Structural locations are listed (they give the tree its shape) but disabled."""

    structural: frozenset[str] = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(getattr(value, "value", value)) in self.structural:
            option["attrs"]["disabled"] = True
        return option


class LocationChoiceField(forms.ModelChoiceField):
    """Locations as an indented tree, in path order."""

    widget = LocationSelect

    def label_from_instance(self, obj):
        suffix = _(" (structural)") if obj.structural else ""
        return ("\u2003" * obj.level) + obj.name + suffix


class ReceiveForm(BootstrapMixin, forms.Form):
    lines = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label=_("Lines to receive")
    )
    location = LocationChoiceField(
        queryset=StockLocation.objects.order_by("pathstring"), label=_("Destination location")
    )
    status = forms.TypedChoiceField(
        choices=StockStatus.choices,
        coerce=int,
        initial=StockStatus.QUARANTINED,
        label=_("Stock status"),
    )
    note = forms.CharField(max_length=512, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.line_objects = list(lines)
        self.fields["lines"].choices = [
            (str(line.pk), str(line.item)) for line in self.line_objects
        ]
        self.fields["lines"].initial = [str(line.pk) for line in self.line_objects]
        self.structural_pks = {loc.pk for loc in self.fields["location"].queryset if loc.structural}
        # The widget disables these options (per form: a class attribute would be shared).
        self.fields["location"].widget.structural = frozenset(map(str, self.structural_pks))

    def clean_location(self):
        location = self.cleaned_data["location"]
        if location.structural:
            raise forms.ValidationError(
                _("Stock items cannot be located into structural stock locations!")
            )
        return location


class SettingsForm(BootstrapMixin, forms.Form):
    RETURNORDER_ENABLED = forms.BooleanField(
        required=False, label=_("Enable return orders in the user interface")
    )
    RETURNORDER_REFERENCE_PATTERN = forms.CharField(
        max_length=100,
        label=_("Reference pattern"),
        help_text=_(
            "Python format with exactly one {ref}, e.g. RMA-{ref:04d}; {date} and {?:X} allowed."
        ),
    )
    RETURNORDER_REQUIRE_RESPONSIBLE = forms.BooleanField(
        required=False, label=_("Require a responsible owner on every order")
    )
    RETURNORDER_EDIT_COMPLETED_ORDERS = forms.BooleanField(
        required=False, label=_("Allow editing completed orders")
    )
    RETURNORDER_REFUND_METHODS = forms.CharField(
        max_length=250,
        required=False,
        label=_("Refund methods"),
        help_text=_(
            "Comma-separated, e.g. Bank transfer, Card, Store credit. Refunds then choose one; "
            "leave blank to type any method."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        for key, value in list(cleaned.items()):
            try:
                cleaned[key] = site_settings.validate_value(key, value)
            except forms.ValidationError as exc:
                self.add_error(key, exc)
        return cleaned


class AttachmentForm(BootstrapMixin, forms.Form):
    attachment = forms.FileField(required=False, label=_("File"))
    link = forms.URLField(required=False, max_length=2000, assume_scheme="https")
    comment = forms.CharField(max_length=250, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("attachment") and not cleaned.get("link"):
            raise forms.ValidationError(_("Choose a file or enter a link."))
        if cleaned.get("attachment") and cleaned.get("link"):
            raise forms.ValidationError(_("Give either a file or a link, not both."))
        upload = cleaned.get("attachment")
        if upload and upload.size > settings.ATTACHMENT_MAX_BYTES:
            self.add_error("attachment", _("File is too large."))
        return cleaned


class NotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
    )


class OrderFilterForm(BootstrapMixin, forms.Form):
    """The index page's filters; names match the API's query parameters."""

    search = forms.CharField(required=False, label=_("Search"))
    status = forms.TypedChoiceField(
        choices=[("", _("Any status")), *ReturnOrderStatus.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    outstanding = forms.NullBooleanField(
        required=False,
        widget=forms.Select(
            choices=[
                ("", _("Open and closed")),
                ("true", _("Open only")),
                ("false", _("Closed only")),
            ]
        ),
    )
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    assigned_to_me = forms.BooleanField(required=False, label=_("Assigned to me"))
    customer = forms.ModelChoiceField(
        queryset=Company.objects.filter(is_customer=True).order_by("name"), required=False
    )
    assigned_to = OwnerChoiceField(
        queryset=Owner.objects.select_related("owner_type").order_by("name"),
        required=False,
        label=_("Responsible"),
    )
    target_date_after = forms.DateField(required=False, widget=DateInput, label=_("Target after"))
    target_date_before = forms.DateField(required=False, widget=DateInput, label=_("Target before"))
