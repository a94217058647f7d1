"""Writes for the cross-cutting models: attachments and metadata."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.text import get_valid_filename

from common import validators
from common.models import Attachment

# Well below the 255 bytes most file systems allow, leaving room for the suffix the storage
# appends to keep two uploads with one name apart.
ATTACHMENT_NAME_MAX_BYTES = 150


def attachment_file_name(*, name: str) -> str:
    """The plain file name an upload is stored under, inside its object's attachment folder.

    Whatever the client sent: the last path segment only (``/`` or ``\\``), no control
    characters, only letters, digits, ``-``, ``_`` and ``.`` (Django's ``get_valid_filename``),
    never ``.`` or ``..``, and at most ``ATTACHMENT_NAME_MAX_BYTES`` in UTF-8 with the
    extension kept (it decides how the file is served, see ``common.media``).
    """
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    try:
        base = get_valid_filename(base)
    except SuspiciousFileOperation:  # "", "." or ".."
        base = ""
    if not base.strip("."):
        return "file"
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem or len(suffix) > 16:
        stem, dot, suffix = base, "", ""
    limit = ATTACHMENT_NAME_MAX_BYTES - len(f"{dot}{suffix}".encode())
    while len(stem.encode()) > limit:
        stem = stem[:-1]
    return f"{stem}{dot}{suffix}"


# model type -> callable(model_type=, model_id=) that raises ValidationError when the object
# takes no attachment changes (a locked order). Apps register theirs; ``common`` imports none.
_attachment_guards: dict[str, Callable[..., None]] = {}


def attachment_guard_register(*, model_type: str, guard: Callable[..., None]) -> None:
    _attachment_guards[model_type] = guard


def attachment_guard(*, model_type: str, model_id: int) -> None:
    """Raise the owner's ValidationError when its attachments may not change now."""
    guard = _attachment_guards.get(model_type)
    if guard is not None:
        guard(model_type=model_type, model_id=model_id)


@transaction.atomic
def attachment_create(
    *,
    model_type: str,
    model_id: int,
    user: AbstractBaseUser | None,
    file: UploadedFile | None = None,
    link: str = "",
    comment: str = "",
) -> Attachment:
    attachment_guard(model_type=model_type, model_id=model_id)
    attachment = Attachment(
        model_type=model_type,
        model_id=model_id,
        link=link or "",
        comment=comment or "",
        upload_user=user if user and user.is_authenticated else None,
    )
    if file:
        attachment.file_size = file.size or 0
        attachment.attachment.save(attachment_file_name(name=file.name), file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_update(
    *, attachment: Attachment, comment: str | None = None, link=None
) -> Attachment:
    attachment_guard(model_type=attachment.model_type, model_id=attachment.model_id)
    if comment is not None:
        attachment.comment = comment
    if link is not None and attachment.is_link:
        attachment.link = link
    attachment.save(update_fields=["comment", "link"])
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    """Delete the row; the file goes once the transaction has committed."""
    stored = attachment.attachment
    storage, name = (stored.storage, stored.name) if stored else (None, None)
    attachment.delete()
    if storage is not None and name:
        transaction.on_commit(lambda: storage.delete(name))


def stored_file_delete_on_commit(file) -> None:
    """Delete a stored file (a replaced or orphaned image) once the transaction commits, so a
    rollback never leaves a row pointing at a file that is gone."""
    if file:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def attachments_delete_for(*, model_type: str, model_ids: list[int]) -> None:
    """Remove the attachments of deleted objects (called by the apps' delete services)."""
    for attachment in Attachment.objects.filter(model_type=model_type, model_id__in=model_ids):
        attachment_delete(attachment=attachment)


@transaction.atomic
def metadata_set(
    *, instance: models.Model, metadata: dict[str, Any], overwrite: bool
) -> models.Model:
    """PATCH merges keys into the stored dict; PUT (``overwrite``) replaces it."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    current = locked.metadata if isinstance(locked.metadata, dict) else {}
    merged = dict(metadata) if overwrite else {**current, **metadata}
    try:
        # The merged document must meet the same bounds as any one request's part of it.
        validators.validate_json_document(merged)
    except ValidationError as exc:
        raise ValidationError({"metadata": exc.messages}) from exc
    locked.metadata = merged
    # A queryset update: metadata never counts as an edit of a locked order.
    type(instance).objects.filter(pk=instance.pk).update(metadata=locked.metadata)
    return locked
