from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from jobs import registry as job_registry
        from reports import schema, services  # noqa: F401 (schema: the OpenAPI extension)

        job_registry.register(
            services.PRINT_JOB_KIND,
            services.report_print_job,
            label=_("Printing reports"),
            result_permissions=services.print_job_permissions,
        )
        job_registry.register(
            "reports.prune_outputs",
            services.report_outputs_prune_job,
            label=_("Deleting old report outputs"),
        )
