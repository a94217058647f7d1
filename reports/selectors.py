"""Reads for reports."""

from django.db.models import QuerySet

from reports.models import ReportOutput, ReportTemplate


def report_template_list() -> QuerySet[ReportTemplate]:
    return ReportTemplate.objects.all()


def report_templates_for(model_type: str) -> QuerySet[ReportTemplate]:
    """The enabled templates that print ``model_type``, by name."""
    return ReportTemplate.objects.filter(model_type=model_type, enabled=True).order_by("name", "pk")


def report_outputs_of(user) -> QuerySet[ReportOutput]:
    """The outputs ``user`` printed: nobody else's are ever served to them."""
    return ReportOutput.objects.filter(user=user).select_related("template")
