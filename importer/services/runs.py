"""Runs: the options, the report, starting or resuming a run, and the skipped-rows CSV."""

import csv
import io
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from importer.models import ImportRun, ImportSkippedRow, ImportSource


@dataclass(frozen=True)
class ImportOptions:
    tracking: bool = False
    attachments: bool = False
    dry_run: bool = False

    def stored(self) -> dict:
        """What a run records: the options that change what is imported (not ``dry_run``)."""
        data = asdict(self)
        data.pop("dry_run")
        return data


@dataclass
class ImportReport:
    run: ImportRun
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[tuple[str, int | None, str]] = field(default_factory=list)
    unmatched_owners: list[str] = field(default_factory=list)
    dry_run: bool = False


def normalize_url(url: str) -> str:
    """The source's base URL: no credentials, query, fragment, trailing ``/`` or ``/api``."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValueError("The source URL must be an http:// or https:// address") from None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    return urlunsplit((parts.scheme.lower(), host.lower(), path, "", ""))


def create_run(*, url: str, options: ImportOptions, user=None, token: str = "") -> ImportRun:
    """A queued run. ``token`` is kept only for a background run, until the run ends."""
    url = normalize_url(url)
    source, _created = ImportSource.objects.get_or_create(url=url)
    return ImportRun.objects.create(
        source=source,
        url=url,
        options=options.stored(),
        dry_run=options.dry_run,
        user=user if user is not None and user.is_authenticated else None,
        token=token,
    )


def unfinished_run(*, url: str, options: ImportOptions) -> ImportRun | None:
    """The newest run of the same source and options that did not finish, if any."""
    if options.dry_run:
        return None
    candidates = ImportRun.objects.filter(
        url=normalize_url(url), dry_run=False, state__in=ImportRun.UNFINISHED_STATES
    ).order_by("-created", "-pk")
    wanted = options.stored()
    return next((run for run in candidates if run.options == wanted), None)


def skipped_rows(run: ImportRun) -> list[tuple[str, int | None, str]]:
    return list(
        ImportSkippedRow.objects.filter(run=run)
        .order_by("pk")
        .values_list("model", "source_pk", "reason")
    )


def skipped_rows_csv(run: ImportRun) -> str:
    """The run's skipped rows as CSV text: model, source_pk, reason."""
    return rows_csv(skipped_rows(run))


def rows_csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["model", "source_pk", "reason"])
    for model, source_pk, reason in rows:
        writer.writerow([model, "" if source_pk is None else source_pk, reason])
    return buffer.getvalue()
