from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from common import site_settings
        from jobs.mail import register_attachment
        from portal import signals  # noqa: F401  (customer e-mails)
        from portal.emails import RMA_DOCUMENT, rma_document_attachment

        register_attachment(RMA_DOCUMENT, rma_document_attachment)

        site_settings.register(
            site_settings.SettingDefinition(
                key="PORTAL_LOGO_URL",
                name=_("Portal logo"),
                description=_(
                    "Address of an image on this site (for example /static/logo.svg) shown at "
                    "the top of the customer portal; blank shows the instance name only."
                ),
                default="",
                validators=(_same_origin_path,),
            )
        )


def _same_origin_path(value: str) -> None:
    from django.core.exceptions import ValidationError

    # The site's Content-Security-Policy loads images from this origin only.
    if value and (not value.startswith("/") or value.startswith("//")):
        raise ValidationError(_("Enter a path on this site, starting with /."))
