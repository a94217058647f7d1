"""Cross-cutting models: generic attachments addressed by model type and primary key."""

from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import get_valid_filename


def attachment_upload_path(instance: "Attachment", filename: str) -> str:
    name = get_valid_filename(PurePosixPath(filename).name) or "file"
    return f"attachments/{instance.model_type}/{instance.model_id}/{name}"


class Attachment(models.Model):
    """A file or a link attached to any registered object (see ``common.model_types``)."""

    model_type = models.CharField(max_length=100, db_index=True)
    model_id = models.PositiveBigIntegerField()
    attachment = models.FileField(
        upload_to=attachment_upload_path, max_length=500, blank=True, null=True
    )
    link = models.URLField(max_length=2000, blank=True)
    comment = models.CharField(max_length=250, blank=True)
    upload_date = models.DateTimeField(default=timezone.now)
    upload_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-upload_date", "-pk"]
        indexes = [models.Index(fields=["model_type", "model_id"])]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(attachment__isnull=True) | models.Q(attachment=""))
                | ~models.Q(link=""),
                name="attachment_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.filename or self.link

    @property
    def filename(self) -> str:
        return PurePosixPath(self.attachment.name).name if self.attachment else ""

    @property
    def is_link(self) -> bool:
        return not self.attachment


class SiteSetting(models.Model):
    """A site-wide setting's stored value; definitions live in ``common.site_settings``."""

    key = models.CharField(max_length=100, unique=True)
    value = models.CharField(max_length=2000, blank=True)
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class RowCount(models.Model):
    """How many rows a table holds, kept exact by the database's own triggers
    (``common.row_counts``), so that an unfiltered list reports its count without counting.
    """

    table = models.CharField(max_length=100, primary_key=True)
    rows = models.BigIntegerField()

    class Meta:
        verbose_name = "row count"

    def __str__(self) -> str:
        return f"{self.table}: {self.rows}"
