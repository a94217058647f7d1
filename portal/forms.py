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

    customer_emails = forms.BooleanField(
        label=_("Send customer e-mails"),
        required=False,
        help_text=_("E-mail the order's contact when their return moves on."),
    )

    def domain_list(self) -> list[str]:
        return self.cleaned_data["domains"].replace(",", " ").split()


# -- photos --------------------------------------------------------------------------------

# What Pillow must find in the bytes, and the extension the stored file then gets.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several images, each checked by its content (Pillow), not its name or Content-Type;
    each is renamed with the extension of the format found."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        from django.conf import settings

        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > settings.PORTAL_PHOTO_MAX_COUNT:
            raise forms.ValidationError(
                _("Attach at most %(count)d photos.") % {"count": settings.PORTAL_PHOTO_MAX_COUNT}
            )
        errors = []
        for upload in files:
            problem = photo_problem(upload)
            if problem:
                errors.append(f"{upload.name}: {problem}")
        if errors:
            raise forms.ValidationError(errors)
        return files


def photo_problem(upload) -> str:
    """Why ``upload`` is not an acceptable photo ("" when it is); renames it after its format."""
    from django.conf import settings
    from PIL import Image, UnidentifiedImageError

    if upload.size > settings.PORTAL_PHOTO_MAX_BYTES:
        return str(
            _("larger than %(mb)s MB.") % {"mb": round(settings.PORTAL_PHOTO_MAX_BYTES / 2**20, 1)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            found = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return str(_("not an image (JPEG, PNG, GIF or WebP)."))
    finally:
        upload.seek(0)
    extension = IMAGE_FORMATS.get(found)
    if extension is None:
        return str(_("not an image (JPEG, PNG, GIF or WebP)."))
    stem = upload.name.rsplit(".", 1)[0] or "photo"
    upload.name = f"{stem}.{extension}"
    return ""


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    photos = PhotosField(label=_("Photos (optional)"))

    def clean(self):
        cleaned = super().clean()
        empty = not (cleaned.get("body") or "").strip() and not cleaned.get("photos")
        if empty and "photos" not in self.errors:
            self.add_error("body", _("Write a message or attach a photo."))
        return cleaned


# -- requesting a return --------------------------------------------------------------------

TYPED_ROWS = 2  # serials a customer may type for staff to check, per request
CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


class ReturnRequestForm(forms.Form):
    """Pick the items to return (or type serials), say why, add photos, confirm the address.

    One checkbox, reason and fault description per item the company holds (the listed
    ``items``), and ``TYPED_ROWS`` rows for serials typed by hand.
    """

    photos = PhotosField(label=_("Photos of the fault (optional)"))
    confirm = forms.BooleanField(
        label=_("My contact details above are right"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Please confirm your contact details.")},
    )

    def __init__(self, *args, items, reasons, addresses, reason_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.reason_required = reason_required
        for item in self.items:
            self._line_fields(f"item_{item.pk}", reasons)
        for n in range(TYPED_ROWS):
            self.fields[f"serial_{n}"] = forms.CharField(
                label=_("Serial number"),
                required=False,
                max_length=100,
                widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
            )
            self._line_fields(f"typed_{n}", reasons, checkbox=False)
        self.addresses = list(addresses)
        self.fields["address"] = forms.ModelChoiceField(
            queryset=addresses,
            required=bool(self.addresses),
            label=_("Ship the return from / back to"),
            empty_label=None,
            initial=next((a.pk for a in self.addresses if a.primary), None),
            widget=forms.Select(attrs={"class": "form-select"}),
        )

    def _line_fields(self, prefix: str, reasons, *, checkbox: bool = True) -> None:
        if checkbox:
            self.fields[prefix] = forms.BooleanField(
                required=False, label=_("Return this item"), widget=CHECKBOX
            )
        self.fields[f"{prefix}_reason"] = forms.ModelChoiceField(
            queryset=reasons,
            required=False,
            label=_("Reason"),
            empty_label=_("Choose a reason") if self.reason_required else _("No reason given"),
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields[f"{prefix}_fault"] = forms.CharField(
            required=False,
            max_length=500,
            label=_("What is wrong?"),
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )

    def item_rows(self):
        return [
            {
                "item": item,
                "pick": self[f"item_{item.pk}"],
                "reason": self[f"item_{item.pk}_reason"],
                "fault": self[f"item_{item.pk}_fault"],
            }
            for item in self.items
        ]

    def typed_rows(self):
        return [
            {
                "serial": self[f"serial_{n}"],
                "reason": self[f"typed_{n}_reason"],
                "fault": self[f"typed_{n}_fault"],
            }
            for n in range(TYPED_ROWS)
        ]

    def _check_line(self, prefix: str, cleaned) -> None:
        if not (cleaned.get(f"{prefix}_fault") or "").strip():
            self.add_error(f"{prefix}_fault", _("Describe the fault."))
        if self.reason_required and cleaned.get(f"{prefix}_reason") is None:
            self.add_error(f"{prefix}_reason", _("Choose a reason."))

    def clean(self):
        cleaned = super().clean()
        chosen = [item for item in self.items if cleaned.get(f"item_{item.pk}")]
        typed = [n for n in range(TYPED_ROWS) if (cleaned.get(f"serial_{n}") or "").strip()]
        for item in chosen:
            self._check_line(f"item_{item.pk}", cleaned)
        for n in typed:
            self._check_line(f"typed_{n}", cleaned)
        if not chosen and not typed:
            raise forms.ValidationError(
                _("Choose at least one item to return, or type its serial number.")
            )
        self.chosen_lines = [
            (
                item,
                cleaned.get(f"item_{item.pk}_reason"),
                (cleaned.get(f"item_{item.pk}_fault") or "").strip(),
            )
            for item in chosen
        ]
        self.typed_lines = [
            (
                cleaned[f"serial_{n}"].strip(),
                cleaned.get(f"typed_{n}_reason"),
                (cleaned.get(f"typed_{n}_fault") or "").strip(),
            )
            for n in typed
        ]
        return cleaned


class EmailTemplatesForm(forms.Form):
    """Staff: the subject and text of every customer e-mail, with their placeholders checked."""

    def __init__(self, *args, wordings: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        from portal.emails import EVENTS

        for event, (label, _subject, _body) in EVENTS.items():
            subject, body = wordings[event]
            self.fields[f"{event}_subject"] = forms.CharField(
                label=_("%(event)s: subject") % {"event": label},
                max_length=200,
                initial=subject,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"{event}_body"] = forms.CharField(
                label=_("%(event)s: text") % {"event": label},
                max_length=10000,
                initial=body,
                widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
            )

    def clean(self):
        from portal.emails import placeholders_in

        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            try:
                placeholders_in(value)
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

    def events(self):
        from portal.emails import EVENTS

        return [(self[f"{e}_subject"], self[f"{e}_body"]) for e in EVENTS]
