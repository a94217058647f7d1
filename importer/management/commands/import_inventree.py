"""manage.py import_inventree: copy a running InvenTree's return orders, and everything they
stand on, into Boomerang over its REST API."""

import logging
import os
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from importer.services import ImportOptions, SourceError, import_inventree
from importer.services.runs import rows_csv

TOKEN_VARIABLE = "INVENTREE_API_TOKEN"
# The client logs every request at INFO; below --verbosity 2 only its warnings show.
CHATTY_LOGGERS = ("inventree", "urllib3", "importer")


@contextmanager
def quiet_loggers(quiet: bool):
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS] if quiet else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Import customers, parts, serialized stock and return orders from a running InvenTree "
        f"over its API. The token may come from {TOKEN_VARIABLE} instead of --token. Running "
        "it again updates what it imported; an interrupted run continues where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="The InvenTree server's address")
        parser.add_argument(
            "--token", default="", help=f"An API token of the server (or set {TOKEN_VARIABLE})"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be created, updated and skipped; write nothing",
        )
        parser.add_argument(
            "--tracking", action="store_true", help="Also import the stock tracking history"
        )
        parser.add_argument(
            "--attachments", action="store_true", help="Also import return order attachments"
        )
        parser.add_argument(
            "--skipped-csv",
            default="",
            help="Where to write the skipped rows (default: inventree-import-skipped-<run>.csv)",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars")

    def handle(self, *args, **options):
        token = options["token"] or os.environ.get(TOKEN_VARIABLE, "")
        if not token:
            raise CommandError(f"Give the server's API token with --token or {TOKEN_VARIABLE}.")
        import_options = ImportOptions(
            tracking=options["tracking"],
            attachments=options["attachments"],
            dry_run=options["dry_run"],
        )
        interactive = self.stdout.isatty()
        # Rich writes its own line endings; Django's OutputWrapper would add more.
        console = Console(
            file=getattr(self.stdout, "_out", self.stdout),
            width=None if interactive else 100,
            force_terminal=interactive,
        )
        show_progress = interactive and not options["no_progress"]
        bars = (
            Progress(
                TextColumn("{task.description:<16}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            if show_progress
            else None
        )
        tasks: dict[str, int] = {}

        def progress(step: str, done: int, total: int | None) -> None:
            if bars is None:
                return
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        try:
            with (
                quiet_loggers(options["verbosity"] < 2),
                bars if bars is not None else nullcontext(),
            ):
                report = import_inventree(
                    url=options["url"], token=token, options=import_options, progress=progress
                )
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            raise CommandError(
                "Interrupted. Run the same command again to continue where it stopped."
            ) from None
        self.print_report(console, report, options["skipped_csv"])

    def print_report(self, console: Console, report, skipped_csv: str) -> None:
        table = Table(title="Dry run: nothing was written." if report.dry_run else "Imported")
        table.add_column("Model")
        for heading in ("Created", "Updated", "Unchanged", "Skipped"):
            table.add_column(heading, justify="right")
        for label, counts in report.counts.items():
            table.add_row(
                label,
                *(str(counts[key]) for key in ("created", "updated", "unchanged", "skipped")),
            )
        console.print(table)
        if report.dry_run:
            console.print("Dry run: nothing was written.")
        if report.unmatched_owners:
            console.print(
                "Owners with no local user or group of that name (orders imported without "
                "a responsible owner): " + ", ".join(report.unmatched_owners)
            )
        if report.skipped:
            # A dry run writes a file only when asked where.
            if skipped_csv or not report.dry_run:
                path = Path(skipped_csv or f"inventree-import-skipped-{report.run.pk}.csv")
                path.write_text(rows_csv(report.skipped), encoding="utf-8")
                console.print(f"{len(report.skipped)} skipped rows written to {path}")
            else:
                console.print(f"{len(report.skipped)} rows would be skipped.")
