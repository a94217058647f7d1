from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = "Return orders"

    def ready(self) -> None:
        from common import model_types, row_counts, site_settings
        from common.reference import pattern_validator
        from returns import signals  # noqa: F401  (keeps the calendar feeds' validators moving)
        from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
        from returns.services.authorization import second_person_validator
        from returns.services.base import register_attachment_guards

        register_attachment_guards()
        row_counts.keep_count_of(ReturnOrder)  # its triggers: migration 0013
        model_types.register(ReturnOrder)
        model_types.register(ReturnOrderLineItem)
        model_types.register(ReturnOrderExtraLine)

        from jobs import registry as job_registry
        from returns import exports
        from returns.jobs import check_overdue

        job_registry.register(
            exports.EXPORT_JOB_KIND,
            exports.export_job,
            label=_("Exporting return orders"),
            result_permissions=exports.export_job_permissions,
        )
        job_registry.register(
            "returns.check_overdue", check_overdue, label=_("Checking for overdue return orders")
        )

        from reports import registry as report_registry
        from returns import reports

        report_registry.register(
            "returnorder",
            model=ReturnOrder,
            context=reports.report_context,
            queryset=reports.report_queryset,
            filename_pattern=reports.FILENAME_PATTERN,
        )

        for definition in (
            site_settings.SettingDefinition(
                key="RETURNORDER_ENABLED",
                name=_("Enable Return Orders"),
                description=_("Enable return order functionality in the user interface"),
                default=False,
                type="boolean",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_REFERENCE_PATTERN",
                name=_("Return Order Reference Pattern"),
                description=_("Required pattern for generating Return Order reference field"),
                default="RMA-{ref:04d}",
                # Every reference the pattern can make must fit ReturnOrder.reference.
                validators=(pattern_validator(ReturnOrder),),
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_REQUIRE_RESPONSIBLE",
                name=_("Require Responsible Owner"),
                description=_("A responsible owner must be assigned to each order"),
                default=False,
                type="boolean",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_REQUIRE_REASON",
                name=_("Require Return Reason"),
                description=_("Each new line must give a return reason"),
                default=False,
                type="boolean",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_REFUND_METHODS",
                name=_("Refund Methods"),
                description=_(
                    "Comma-separated refund methods to choose from (leave blank for free text)"
                ),
                default="",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_EDIT_COMPLETED_ORDERS",
                name=_("Edit Completed Return Orders"),
                description=_("Allow editing of return orders after they have been completed"),
                default=False,
                type="boolean",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_REQUIRE_AUTHORIZATION",
                name=_("Require Authorization"),
                description=_(
                    "New return orders start as Requested and must be authorized before they "
                    "can be issued or received"
                ),
                default=False,
                type="boolean",
            ),
            site_settings.SettingDefinition(
                key="RETURNORDER_AUTHORIZATION_SECOND_PERSON_OVER",
                name=_("Second Authorizer Over"),
                description=_(
                    "Orders whose total (in the default currency) is over this amount must be "
                    "authorized by someone other than their creator (leave blank for no limit)"
                ),
                default="",
                validators=(second_person_validator,),
            ),
        ):
            site_settings.register(definition)
