from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports import registry, services
from reports.models import ReportOutput, ReportTemplate, validate_template_source


class ReportTemplateForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label=_("Upload source"),
        help_text=_("An .html file (UTF-8) that replaces the source below."),
    )

    class Meta:
        model = ReportTemplate
        fields = [
            "name",
            "description",
            "model_type",
            "enabled",
            "page_size",
            "landscape",
            "merge",
            "filename_pattern",
            "upload",
            "source",
        ]
        widgets = {
            # Styled from a static file: the Content-Security-Policy refuses style attributes.
            "source": forms.Textarea(
                attrs={"rows": 30, "cols": 120, "class": "vLargeTextField report-source"}
            )
        }

    class Media:
        css = {"all": ["css/report_admin.css"]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].required = False
        self.fields["model_type"] = forms.ChoiceField(
            label=_("model type"), choices=registry.choices()
        )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            try:
                source = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("upload", _("The template file must be UTF-8 text."))
                return cleaned
            try:
                validate_template_source(source)
            except ValidationError as exc:
                self.add_error("upload", exc)
                return cleaned
            cleaned["source"] = source
        if not cleaned.get("source") and "source" not in self.errors:
            self.add_error("source", _("Write the template source or upload it."))
        return cleaned


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    form = ReportTemplateForm
    list_display = ["name", "model_type", "enabled", "page_size", "landscape", "revision"]
    list_filter = ["model_type", "enabled", "page_size"]
    search_fields = ["name", "description"]
    readonly_fields = ["revision", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in services.TEMPLATE_FIELDS}
        if change:
            saved = services.report_template_update(template=obj, user=request.user, data=data)
        else:
            saved = services.report_template_create(user=request.user, **data)
        obj.pk = saved.pk
        obj.revision = saved.revision
        obj._state.adding = False


@admin.register(ReportOutput)
class ReportOutputAdmin(admin.ModelAdmin):
    list_display = ["filename", "user", "model_type", "template", "created"]
    list_filter = ["model_type"]
    list_select_related = ["user", "template"]
    search_fields = ["filename", "user__username"]
    readonly_fields = ["user", "template", "model_type", "items", "output", "filename", "created"]

    def has_add_permission(self, request):
        return False
