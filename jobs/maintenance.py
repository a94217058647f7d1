"""The clean-ups that run as scheduled jobs: old job results and expired API tokens."""

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jobs import registry


def prune_results(job, progress) -> None:
    from jobs.services import job_results_prune

    count = job_results_prune(older_than=datetime.timedelta(days=settings.JOBS_RESULT_DAYS))
    progress(100, _("Deleted %d finished job(s).") % count)


def prune_tokens(job, progress) -> None:
    from users.services import api_tokens_prune

    count = api_tokens_prune(older_than=datetime.timedelta(days=settings.API_TOKEN_PRUNE_DAYS))
    progress(100, _("Deleted %d expired or revoked API token(s).") % count)


def register_kinds() -> None:
    registry.register("jobs.prune_results", prune_results, label=_("Deleting old job results"))
    registry.register("users.prune_tokens", prune_tokens, label=_("Deleting expired API tokens"))
