"""Forms for the staff pages. They check shapes; the services enforce the rules."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common import reference as references
from common import site_settings, validators
from companies.models import Address, Company, Contact
from returns.models import ProjectCode, ReturnCondition, ReturnOrder, ReturnReason
from returns.statuses import ReturnOrderLineStatus, ReturnOrderStatus, WarrantyStatus
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

    def add_error(self, field, error):
        """Also mark each field that has an error with Bootstrap's ``is-invalid``."""
        super().add_error(field, error)
        for name in self._errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            classes = attrs.get("class", "").split()
            if "is-invalid" not in classes:
                attrs["class"] = " ".join([*classes, "is-invalid"])


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
    visible_to_customer = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Visible to the customer"),
        help_text=_("The customer's contacts see this order in the customer portal."),
    )

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
        # Long lists become a combobox (static/js/boomerang.js); without JS they stay selects.
        for name in ("customer", "contact", "address", "responsible"):
            self.fields[name].widget.attrs["data-combobox"] = "true"
        if site_settings.get_value("RETURNORDER_REQUIRE_RESPONSIBLE"):
            self.fields["responsible"].required = True
        if instance is not None:
            # The customer is fixed once lines exist (the service says why if it changes).
            self.fields["reference"].required = True

    def clean(self):
        """Check what the service would refuse too, so that every mistake shows in one pass.

        The service checks the same again inside its lock (a reference can be taken meanwhile).
        """
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None:
            for name, message in (
                ("contact", _("Contact does not match selected company")),
                ("address", _("Address does not match selected company")),
            ):
                chosen = cleaned.get(name)
                if chosen is not None and chosen.company_id != customer.pk:
                    self.add_error(name, message)
            if (
                self.instance is not None
                and customer.pk != self.instance.customer_id
                and self.instance.lines.exists()
            ):
                self.add_error(
                    "customer", _("The customer cannot be changed once the order has line items")
                )
        start, target = cleaned.get("start_date"), cleaned.get("target_date")
        if start and target and start > target:
            self.add_error("start_date", _("Start date must be before target date"))
            self.add_error("target_date", _("Target date must be after start date"))
        reference = cleaned.get("reference")
        if reference and (self.instance is None or reference != self.instance.reference):
            self._check_reference(reference)
        return cleaned

    def _check_reference(self, reference: str) -> None:
        pattern = site_settings.get_value("RETURNORDER_REFERENCE_PATTERN")
        try:
            reference = references.validate_reference(pattern, reference)
        except forms.ValidationError as exc:
            self.add_error("reference", exc)
            return
        clash = ReturnOrder.objects.filter(reference=reference)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            self.add_error("reference", _("Return Order with this Reference already exists."))

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["order_currency"] = data.get("order_currency") or None
        data["description"] = data.get("description") or ""
        data["customer_reference"] = data.get("customer_reference") or ""
        data["link"] = data.get("link") or ""
        return data


class ItemSelect(forms.Select):
    """A stock item select whose ineligible items are listed disabled, with the reason."""

    unavailable: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        reason = self.unavailable.get(str(getattr(value, "value", value)))
        if reason:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} ({reason})"
        return option


def held_item_label(item) -> str:
    if item.serial:
        return f"{item.part.full_name} · SN {item.serial}"
    return f"{item.part.full_name} · qty {item.quantity.normalize():f}"


class ReasonChoiceField(forms.ChoiceField):
    """A line's return reason, chosen among ``reasons`` (already read): cleans to the
    ``ReturnReason`` or None. Required or not, the service decides (``required`` only says so
    beside the field), so that the API and every page give the same answer."""

    def __init__(self, *, reasons, required=False, **kwargs):
        self.reasons = {str(reason.pk): reason for reason in reasons}
        empty = _("Choose a reason") if required else _("No reason given")
        super().__init__(
            choices=[("", empty), *((pk, reason.label) for pk, reason in self.reasons.items())],
            required=False,
            label=_("Return reason"),
            help_text=_("Required for every line.") if required else "",
            widget=forms.Select(attrs={"class": "form-select"}),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        return self.reasons.get(str(value)) if value not in (None, "") else None


def reason_field(*, reasons=None, required: bool = False, current=None) -> ReasonChoiceField:
    """The active reasons (and ``current``, the line's own pk, even when inactive); reads them
    unless ``reasons`` is given."""
    if reasons is None:
        query = models.Q(active=True)
        if current is not None:
            query |= models.Q(pk=current)
        reasons = ReturnReason.objects.filter(query)
    return ReasonChoiceField(reasons=reasons, required=required)


def condition_field(label=None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=ReturnCondition.objects.filter(active=True),
        required=False,
        label=label or _("Condition on arrival"),
        empty_label=_("Not recorded"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class LineAddForm(BootstrapMixin, forms.Form):
    item = forms.ModelChoiceField(
        queryset=StockItem.objects.none(), label=_("Stock item"), widget=ItemSelect
    )
    quantity = forms.DecimalField(min_value=0, max_digits=15, decimal_places=5, initial=1)
    price = forms.DecimalField(max_digits=19, decimal_places=6, min_value=0, required=False)
    price_currency = forms.ChoiceField(required=False, label=_("Currency"))
    reference = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(max_length=500, required=False)

    def __init__(
        self, *args, items=None, unavailable=None, reason_required=False, reasons=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field(reasons=reasons, required=reason_required)
        self.fields["item"].queryset = items if items is not None else StockItem.objects.none()
        self.fields["item"].label_from_instance = held_item_label
        # Per form: a class attribute would be shared by every form.
        self.fields["item"].widget.unavailable = {
            str(pk): reason for pk, reason in (unavailable or {}).items()
        }
        # A searchable combobox with JS (static/js/boomerang.js); a plain select without.
        self.fields["item"].widget.attrs["data-combobox"] = "true"
        self.fields["price_currency"].choices = currency_choices(_("Order currency"))


class LineAddManyForm(forms.Form):
    """Several held items at once: ``items`` are their pks, ``quantity_<pk>`` a bulk item's
    return quantity (a serialized item returns 1)."""

    items = forms.ModelMultipleChoiceField(
        queryset=StockItem.objects.none(),
        label=_("Stock items"),
        error_messages={"required": _("Tick at least one stock item to add.")},
    )

    def __init__(self, *args, items=None, reason_required=False, reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items if items is not None else StockItem.objects.none()
        self.fields["reason"] = reason_field(reasons=reasons, required=reason_required)
        self.fields["reason"].label = _("Return reason (every ticked item)")

    def clean(self):
        cleaned = super().clean()
        chosen = []
        errors = []
        for item in cleaned.get("items") or ():
            if item.serialized:
                chosen.append((item, Decimal(1)))
                continue
            raw = (self.data.get(f"quantity_{item.pk}") or "").strip()
            try:
                quantity = Decimal(raw) if raw else item.quantity
            except InvalidOperation:
                quantity = None
            if quantity is None or not quantity.is_finite() or quantity <= 0:
                errors.append(_("%(item)s: enter a quantity above zero.") % {"item": item})
            else:
                chosen.append((item, quantity))
        if errors:
            raise forms.ValidationError(errors)
        cleaned["chosen"] = chosen
        return cleaned


class ScanForm(forms.Form):
    scan = forms.CharField(max_length=100, label=_("Scan or type serial"))
    reason = forms.ModelChoiceField(
        queryset=ReturnReason.objects.filter(active=True), required=False
    )


class LineEditForm(BootstrapMixin, forms.Form):
    outcome = forms.TypedChoiceField(choices=ReturnOrderLineStatus.choices, coerce=int)
    quantity = forms.DecimalField(min_value=0, max_digits=15, decimal_places=5)
    price = forms.DecimalField(max_digits=19, decimal_places=6, min_value=0, required=False)
    price_currency = forms.ChoiceField(required=False, label=_("Currency"))
    reference = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(max_length=500, required=False)
    warranty_start = forms.DateField(
        required=False,
        label=_("Warranty start"),
        widget=DateInput,
        help_text=_("The day the customer received the unit; blank: take it from stock tracking."),
    )
    warranty_override = forms.ChoiceField(
        required=False,
        label=_("Override the answer"),
        choices=[("", _("No: use the computed answer")), *WarrantyStatus.choices],
    )
    warranty_override_reason = forms.CharField(
        max_length=500,
        required=False,
        label=_("Reason for the override"),
        help_text=_("Required when you override the answer."),
    )

    def __init__(self, *args, received: bool = False, reason_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field(current=reason_pk)
        self.fields["price_currency"].choices = currency_choices(_("Order currency"))
        for name in ("quantity", "price"):
            # ``1`` and ``120``, not the column's ``1.00000`` and ``120.000000``.
            value = self.initial.get(name)
            if value is not None and hasattr(value, "normalize"):
                self.initial[name] = f"{value.normalize():f}"
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

    def __init__(self, *args, lines=(), selected=None, location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_objects = list(lines)
        self.fields["lines"].choices = [
            (str(line.pk), str(line.item)) for line in self.line_objects
        ]
        chosen = {str(pk) for pk in selected or ()} & {str(line.pk) for line in self.line_objects}
        self.fields["lines"].initial = sorted(chosen) or [
            str(line.pk) for line in self.line_objects
        ]
        locations = list(self.fields["location"].queryset)
        self.structural_pks = {loc.pk for loc in locations if loc.structural}
        # The widget disables these options (per form: a class attribute would be shared).
        self.fields["location"].widget.structural = frozenset(map(str, self.structural_pks))
        # The last location used, else the only one that can take stock.
        usable = [loc for loc in locations if not loc.structural]
        if location is not None and any(loc.pk == location for loc in usable):
            self.fields["location"].initial = location
        elif len(usable) == 1:
            self.fields["location"].initial = usable[0].pk
        self.fields["status"].label = _("Stock status (every line)")
        # One query for the conditions, shared by the batch select and every line's.
        conditions = [(c.pk, c.label) for c in ReturnCondition.objects.filter(active=True)]
        self.fields["condition"] = forms.TypedChoiceField(
            choices=[("", _("Not recorded")), *conditions],
            coerce=int,
            empty_value=None,
            required=False,
            label=_("Condition on arrival (every line)"),
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        for line in self.line_objects:
            self.fields[f"condition_{line.pk}"] = forms.TypedChoiceField(
                choices=[("", _("As above")), *conditions],
                coerce=int,
                empty_value=None,
                required=False,
                label=_("Condition of %(item)s") % {"item": line.item},
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            line.condition_field = self[f"condition_{line.pk}"]
        self.has_conditions = bool(conditions)
        for line in self.line_objects:
            self.fields[f"status_{line.pk}"] = forms.TypedChoiceField(
                choices=[("", _("As above")), *StockStatus.choices],
                coerce=int,
                empty_value=None,
                required=False,
                label=_("Stock status of %(item)s") % {"item": line.item},
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            line.status_field = self[f"status_{line.pk}"]
            line.checked = str(line.pk) in self.fields["lines"].initial

    def line_status(self, pk) -> int:
        """The status a received line takes: its own choice, else the one for every line."""
        own = self.cleaned_data.get(f"status_{pk}")
        return own if own is not None else self.cleaned_data["status"]

    def line_condition(self, pk) -> int | None:
        """The condition pk a received line records: its own, else the batch's (or None)."""
        own = self.cleaned_data.get(f"condition_{pk}")
        return own if own is not None else self.cleaned_data.get("condition")

    def clean_location(self):
        location = self.cleaned_data["location"]
        if location.structural:
            raise forms.ValidationError(
                _("Stock items cannot be located into structural stock locations!")
            )
        return location


class CancelForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        max_length=1000,
        label=_("Reason for cancelling"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the order is cancelled.")},
    )


AUTHORIZE_LINE_PREFIX = "line_"


class AuthorizeForm(BootstrapMixin, forms.Form):
    """The quantity accepted per line (prefilled with its quantity), and a note."""

    note = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"{AUTHORIZE_LINE_PREFIX}{line.pk}"] = forms.DecimalField(
                min_value=0,
                max_value=line.quantity,
                max_digits=15,
                decimal_places=5,
                initial=line.quantity.normalize(),
                label=_("Approved quantity for %(item)s") % {"item": line.item},
                error_messages={
                    "required": _("Give the approved quantity (0 to decline this line)."),
                },
            )

    def line_rows(self):
        return [(line, self[f"{AUTHORIZE_LINE_PREFIX}{line.pk}"]) for line in self.lines]

    def authorized_lines(self) -> list[tuple[int, object]]:
        return [
            (line.pk, self.cleaned_data[f"{AUTHORIZE_LINE_PREFIX}{line.pk}"]) for line in self.lines
        ]


class DeclineForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        max_length=2000,
        label=_("Reason for declining"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the return is declined.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the return is declined."))
        return reason


class LineOutcomeForm(forms.Form):
    """The outcome for one or several lines of the order page."""

    lines = forms.TypedMultipleChoiceField(
        coerce=int,
        label=_("Lines"),
        error_messages={"required": _("Select at least one line.")},
    )
    outcome = forms.TypedChoiceField(
        choices=ReturnOrderLineStatus.choices,
        coerce=int,
        label=_("Outcome"),
        error_messages={"required": _("Choose an outcome.")},
    )

    def __init__(self, *args, line_pks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(pk, pk) for pk in line_pks]
        self.fields["lines"].error_messages["invalid_choice"] = _(
            "A selected line is not on this order."
        )


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
    RETURNORDER_REQUIRE_REASON = forms.BooleanField(
        required=False, label=_("Require a return reason on every new line")
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
    RETURNORDER_REQUIRE_AUTHORIZATION = forms.BooleanField(
        required=False,
        label=_("Require authorization"),
        help_text=_(
            "New orders start as Requested; someone who may authorize accepts (all or part "
            "of) or declines them before they are issued."
        ),
    )
    RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER = forms.CharField(
        max_length=30,
        required=False,
        label=_("Second authorizer over"),
        help_text=_(
            "An order whose total (in the default currency) is over this amount must be "
            "authorized by someone other than its creator. Leave blank for no such rule."
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


class MessageForm(BootstrapMixin, forms.Form):
    """A staff message to the customer, on the order page (with an optional file)."""

    body = forms.CharField(
        label=_("Message to the customer"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(required=False, label=_("File"))

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachment"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        upload = cleaned.get("attachment")
        if upload and upload.size > settings.ATTACHMENT_MAX_BYTES:
            self.add_error("attachment", _("File is too large."))
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


PICKER_TEXT_MAX = 150
# How many matches a picker offers: the list endpoint and the page without script alike.
PICKER_LIMIT = 20
_OWNER_KIND = re.compile(r"\s*\((?:user|group)\)\s*$", re.IGNORECASE)


def picker_customers(text: str):
    """Customers whose name contains ``text`` (any case), by name: what the customer picker
    offers. One query."""
    queryset = Company.objects.filter(is_customer=True).order_by("name", "pk")
    return queryset.filter(name__icontains=text) if text else queryset


def picker_owners(text: str):
    """Owners (users and groups) whose name contains ``text``, by name; "Ann (user)" as the
    list shows it finds Ann too. One query."""
    text = _OWNER_KIND.sub("", text)
    queryset = Owner.objects.select_related("owner_type").order_by("name", "pk")
    return queryset.filter(name__icontains=text) if text else queryset


def _customer_label(company) -> str:
    return company.name


# name: (the text field, lookup by key, search by text, label, noun, plural)
PICKERS = {
    "customer": (
        "customer_name",
        lambda pk: Company.objects.filter(pk=pk).first(),
        picker_customers,
        _customer_label,
        _("customer"),
        _("customers"),
    ),
    "assigned_to": (
        "assigned_to_name",
        lambda pk: Owner.objects.select_related("owner_type").filter(pk=pk).first(),
        picker_owners,
        str,
        _("owner"),
        _("owners"),
    ),
}


def line_choice_lists() -> dict[str, list[tuple[int, str]]]:
    """Every return reason and every condition, as ``(pk, label)`` choices (inactive ones
    marked), read in one query."""

    def rows(model, kind):
        return (
            model.objects.order_by()
            .annotate(kind=models.Value(kind, output_field=models.CharField()))
            .values_list("kind", "pk", "label", "active", "sort_order")
        )

    lists: dict[str, list[tuple[int, str]]] = {"reason": [], "condition": []}
    union = rows(ReturnReason, "reason").union(rows(ReturnCondition, "condition"), all=True)
    for kind, pk, label, active, _order in union.order_by("kind", "sort_order", "label", "pk"):
        lists[kind].append((pk, label if active else _("%(label)s (inactive)") % {"label": label}))
    return lists


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
    # Checked boxes send "true", the value the filter (and the API) reads.
    awaiting_receipt = forms.BooleanField(
        required=False,
        label=_("Awaiting receipt"),
        widget=forms.CheckboxInput(attrs={"value": "true"}),
    )
    received_unresolved = forms.BooleanField(
        required=False,
        label=_("Received, outcome to set"),
        widget=forms.CheckboxInput(attrs={"value": "true"}),
    )
    from_portal = forms.BooleanField(
        required=False,
        label=_("Requested in the portal"),
        widget=forms.CheckboxInput(attrs={"value": "true"}),
    )
    changed_after = forms.DateField(required=False, widget=DateInput, label=_("Changed since"))
    # Customer and responsible are pickers, not selects: a desk with years of history has
    # hundreds of each. The hidden field carries the chosen key (``?customer=<pk>``, as the API
    # reads it); the text box beside it takes a name, which the script turns into a
    # search-as-you-type list and the server resolves when the script does not run.
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    customer_name = forms.CharField(
        required=False,
        max_length=PICKER_TEXT_MAX,
        label=_("Customer"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-picker": "customer"}),
    )
    assigned_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    assigned_to_name = forms.CharField(
        required=False,
        max_length=PICKER_TEXT_MAX,
        label=_("Responsible"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-picker": "assigned_to"}),
    )
    target_date_after = forms.DateField(required=False, widget=DateInput, label=_("Target after"))
    target_date_before = forms.DateField(required=False, widget=DateInput, label=_("Target before"))
    # Orders with a line of that reason / condition (choices: ``line_choice_lists``).
    reason = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("Return reason")
    )
    condition = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("Condition on arrival")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lists = line_choice_lists()
        self.fields["reason"].choices = [("", _("Any reason")), *lists["reason"]]
        self.fields["condition"].choices = [("", _("Any condition")), *lists["condition"]]
        # The names typed into the request, before resolving writes the chosen ones back.
        self._typed = {name for name in PICKERS if self.data.get(PICKERS[name][0])}
        #: The chosen object of each picker, once the form is valid.
        self.picked: dict[str, object] = {}
        #: For a name that matches several: (label, query string choosing it), per picker.
        self.picker_choices: dict[str, list[tuple[str, str]]] = {}
        for name in PICKERS:
            text = self.fields[PICKERS[name][0]]
            text.widget.attrs["data-picker-url"] = reverse("returns:picker", args=[name])
            text.widget.attrs["data-picker-value"] = self[name].auto_id

    def clean(self):
        cleaned = super().clean()
        for name in PICKERS:
            self._resolve_picker(name, cleaned)
        return cleaned

    def _resolve_picker(self, name: str, cleaned: dict) -> None:
        """Turn the picker's key or typed name into one object, or say beside it why not.

        A key alone (a link, a bookmark) picks that object and shows its name. A name that is
        not the chosen object's label is searched: one match is chosen, several are offered as
        links, none is an error. One query either way.
        """
        text_field, by_key, search, label, noun, plural = PICKERS[name]
        if name in self.errors:  # not a whole number: say so where it shows
            self.add_error(text_field, _("Select a valid choice of %(noun)s.") % {"noun": noun})
            return
        pk, text = cleaned.get(name), (cleaned.get(text_field) or "").strip()
        if text_field in self.errors:
            return
        chosen = None
        if pk is not None and text:
            # The script clears the key as soon as the name is edited; without the script the
            # key of an earlier choice stays beside a newly typed name, and the name wins.
            chosen = by_key(pk)
            if chosen is None or not self._same(chosen, text, label):
                matches = list(search(text)[: PICKER_LIMIT + 1])
                chosen = self._pick_by_text(name, text, matches, label, noun, plural)
        elif pk is not None:
            chosen = by_key(pk)
            if chosen is None:
                self.add_error(
                    text_field,
                    _("Select a valid choice: that %(noun)s no longer exists.") % {"noun": noun},
                )
        elif text:
            matches = list(search(text)[: PICKER_LIMIT + 1])
            chosen = self._pick_by_text(name, text, matches, label, noun, plural)
        if chosen is not None:
            self.picked[name] = chosen
            cleaned[name] = chosen.pk
            cleaned[text_field] = label(chosen)
            # Show the chosen name in the box, also when only its key arrived.
            self.data = self.data.copy()
            self.data[text_field] = label(chosen)

    @staticmethod
    def _same(obj, text: str, label) -> bool:
        text = text.casefold()
        return text in (label(obj).casefold(), getattr(obj, "name", "").casefold())

    def _pick_by_text(self, name, text, matches, label, noun, plural):
        exact = [m for m in matches if self._same(m, text, label)]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            self.add_error(
                PICKERS[name][0],
                _("No %(noun)s matches “%(text)s”.") % {"noun": noun, "text": text},
            )
            return None
        shown = matches[:PICKER_LIMIT]
        more = len(matches) > PICKER_LIMIT
        self.add_error(
            PICKERS[name][0],
            (
                _("More than %(count)s %(plural)s match “%(text)s”: type more of the name.")
                if more
                else _("%(count)s %(plural)s match “%(text)s”: choose one below.")
            )
            % {"count": len(shown), "plural": plural, "text": text},
        )
        self.picker_choices[name] = [(label(m), self._choosing(name, m.pk)) for m in shown]
        return None

    def _choosing(self, name: str, pk: int) -> str:
        params = self.data.copy()
        params.pop(PICKERS[name][0], None)
        params.pop("page", None)
        params[name] = str(pk)
        return params.urlencode()

    def picker_redirect_query(self) -> str | None:
        """The canonical query string (keys, no typed names) when a typed name was resolved:
        the address to bookmark, and the one every other filter reader (export, the bulk
        actions, the API) understands. None when nothing needs to change."""
        if not self.is_bound or not self.is_valid():
            return None
        typed = [name for name in PICKERS if name in self._typed]
        if not typed:
            return None
        params = self.data.copy()
        for name in typed:
            params.pop(PICKERS[name][0], None)
            if name in self.picked:
                params[name] = str(self.picked[name].pk)
        return params.urlencode()

    def pickers(self):
        """What the template renders for each picker: the text box, the key, the choices."""
        return [
            {
                "field": self[PICKERS[name][0]],
                "value": self[name],
                "choices": self.picker_choices.get(name, []),
            }
            for name in PICKERS
        ]
