"""Report templates (Django template language, rendered to PDF) and the PDFs printed from them."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import engine, registry


def validate_model_type(value: str) -> None:
    if registry.get(value) is None:
        known = ", ".join(entry.name for entry in registry.all_models()) or "none"
        raise ValidationError(
            _("Unknown model type %(value)r (known: %(known)s)."),
            params={"value": value, "known": known},
            code="invalid_model_type",
        )


def validate_template_source(value: str) -> None:
    """Compile the source in the report sandbox so that a syntax error, a tag or library
    reports may not use, or an include / extends of a template that reports cannot load is
    reported when the template is saved."""
    try:
        compiled = engine.compile_source(value)
    except Exception as exc:  # a tag's compile function may raise anything
        raise ValidationError(
            _("Template syntax error: %(error)s"), params={"error": exc}, code="syntax"
        ) from exc
    missing = engine.missing_templates(compiled)
    if missing:
        raise ValidationError(
            _("Template not found: %(error)s"),
            params={"error": engine.missing_message(missing)},
            code="missing_template",
        )


def template_error_message(name: str, message: str) -> str:
    """``Report template "Packing slip": <message>``."""
    return _('Report template "%(name)s": %(message)s') % {"name": name, "message": message}


def validate_filename_pattern(value: str) -> None:
    if value:
        validate_template_source(value)


class ReportTemplate(models.Model):
    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "Letter", "Letter"

    name = models.CharField(_("name"), max_length=100, help_text=_("Template name"))
    description = models.CharField(
        _("description"), max_length=250, blank=True, help_text=_("Template description")
    )
    model_type = models.CharField(
        _("model type"),
        max_length=100,
        validators=[validate_model_type],
        help_text=_("The kind of object this template prints, e.g. returnorder"),
    )
    source = models.TextField(
        _("template source"),
        validators=[validate_template_source],
        help_text=_("HTML and CSS in the Django template language"),
    )
    filename_pattern = models.CharField(
        _("filename pattern"),
        max_length=100,
        blank=True,
        validators=[validate_filename_pattern],
        help_text=_(
            "Name of the PDF, in the template language, e.g. ReturnOrder-{{ reference }}.pdf "
            "(blank: the model type's default)"
        ),
    )
    page_size = models.CharField(
        _("page size"), max_length=20, choices=PageSize.choices, default=PageSize.A4
    )
    landscape = models.BooleanField(
        _("landscape"), default=False, help_text=_("Render the report in landscape orientation")
    )
    merge = models.BooleanField(
        _("merge"),
        default=False,
        help_text=_(
            "Render one document for all selected objects (the template loops over "
            "'instances') instead of one document per object"
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True, help_text=_("Template is enabled"))
    revision = models.PositiveIntegerField(
        _("revision"), default=1, editable=False, help_text=_("Raised whenever the source changes")
    )
    updated_at = models.DateTimeField(auto_now=True)

    api_list_url = "/api/report/template/"

    class Meta:
        verbose_name = _("report template")
        ordering = ["model_type", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["model_type", "name"], name="unique_report_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_type})"

    def clean_fields(self, exclude=None):
        """Field errors of the source and the filename pattern name the template, as print
        errors do (``Report template "Packing slip": Template syntax error: …``)."""
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
            for field in ("source", "filename_pattern"):
                if field in errors:
                    errors[field] = [
                        template_error_message(self.name, message)
                        for error in errors[field]
                        for message in ValidationError(error).messages
                    ]
            raise ValidationError(errors) from exc

    @property
    def effective_filename_pattern(self) -> str:
        if self.filename_pattern:
            return self.filename_pattern
        entry = registry.get(self.model_type)
        return entry.filename_pattern if entry else "report.pdf"

    @property
    def page_size_css(self) -> str:
        """``A4`` or ``A4 landscape``: the value of CSS ``@page { size: … }``."""
        return f"{self.page_size} landscape" if self.landscape else self.page_size


def _output_path(instance, filename: str) -> str:
    # A random name: the file is served only through the owner-checking download view.
    return f"report/outputs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class ReportOutput(models.Model):
    """A printed PDF, kept for the user who printed it (InvenTree's DataOutput)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_outputs"
    )
    template = models.ForeignKey(
        ReportTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="outputs"
    )
    model_type = models.CharField(max_length=100)
    items = models.JSONField(default=list, help_text=_("Primary keys of the printed objects"))
    output = models.FileField(upload_to=_output_path, max_length=255)
    filename = models.CharField(max_length=255)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("report output")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("report-output-download", kwargs={"pk": self.pk, "filename": self.filename})
