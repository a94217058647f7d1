from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from common import site_settings
        from jobs import registry
        from jobs.mail import register_attachment
        from portal import signals  # noqa: F401  (customer e-mails)
        from portal.emails import RMA_DOCUMENT, rma_document_attachment

        register_attachment(RMA_DOCUMENT, rma_document_attachment)
        registry.register(
            "portal.prune", prune, label=_("Deleting expired portal sign-in links and sessions")
        )

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


def prune(job, progress) -> None:
    """The scheduled job: links and sessions that stopped working ``PORTAL_PRUNE_DAYS`` ago."""
    import datetime

    from django.conf import settings

    from portal.services import portal_prune

    links, sessions = portal_prune(older_than=datetime.timedelta(days=settings.PORTAL_PRUNE_DAYS))
    progress(
        100,
        _("Deleted %(links)d sign-in link(s) and %(sessions)d portal session(s).")
        % {"links": links, "sessions": sessions},
    )
