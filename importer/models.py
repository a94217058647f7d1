"""Imports from a running InvenTree: the sources, the runs, the mapping of source rows to
Boomerang rows, and the rows a run skipped."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportSource(models.Model):
    """One InvenTree instance, named by its base URL (without credentials)."""

    url = models.URLField(_("URL"), max_length=500, unique=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("import source")
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class ImportRun(models.Model):
    """One import from a source: its options, where it stands, and what it did.

    ``token`` holds the source's API token only while a background run waits or runs; the
    engine empties it when the run ends, whatever the outcome. It is never rendered, logged
    or shown in the admin.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted")

    UNFINISHED_STATES = (State.QUEUED, State.RUNNING, State.FAILED, State.INTERRUPTED)

    source = models.ForeignKey(ImportSource, on_delete=models.CASCADE, related_name="runs")
    url = models.URLField(_("source URL"), max_length=500)
    options = models.JSONField(_("options"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    cursor = models.JSONField(
        _("resume cursor"),
        default=dict,
        blank=True,
        help_text=_("The finished steps, and the next offset within the current one"),
    )
    unmatched_owners = models.JSONField(_("unmatched owners"), default=list, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    heartbeat = models.DateTimeField(
        _("last active"),
        null=True,
        blank=True,
        help_text=_("When a running import last wrote a page (a stale one has stopped)"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("import run")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"import #{self.pk} from {self.url} ({self.state})"

    def __repr__(self) -> str:
        # The default repr is built from __str__; spelled out so the token can never join it.
        return f"<ImportRun {self.pk} {self.url} {self.state}>"

    @property
    def is_finished(self) -> bool:
        return self.state == self.State.SUCCEEDED


class ImportedRow(models.Model):
    """A Boomerang row that came from a source row: what makes a second run update it."""

    source = models.ForeignKey(ImportSource, on_delete=models.CASCADE, related_name="rows")
    model = models.CharField(_("model"), max_length=100, help_text=_("app_label.model_name"))
    source_pk = models.BigIntegerField(_("source primary key"))
    target_pk = models.BigIntegerField(_("Boomerang primary key"))
    imported = models.DateTimeField(_("first imported"), default=timezone.now)
    updated = models.DateTimeField(_("last updated"), default=timezone.now)

    class Meta:
        verbose_name = _("imported row")
        ordering = ["source", "model", "source_pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "model", "source_pk"], name="unique_imported_row"
            )
        ]
        indexes = [models.Index(fields=["model", "target_pk"], name="importedrow_target_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.source_pk} -> {self.target_pk}"


class ImportSkippedRow(models.Model):
    """A source row a run left out, and why."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="skipped_rows")
    model = models.CharField(_("model"), max_length=100)
    source_pk = models.BigIntegerField(_("source primary key"), null=True, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("skipped row")
        ordering = ["run", "pk"]

    def __str__(self) -> str:
        return f"{self.model} {self.source_pk}: {self.reason}"
