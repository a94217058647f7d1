"""Read-only admin views of the import sources, runs and skipped rows; never the token."""

from django.contrib import admin

from importer.models import ImportRun, ImportSkippedRow, ImportSource


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportSource)
class ImportSourceAdmin(ReadOnlyAdmin):
    list_display = ["url", "created"]
    search_fields = ["url"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "url", "state", "dry_run", "started", "finished", "user"]
    list_filter = ["state"]
    list_select_related = ["user"]
    # ``token`` is listed nowhere: neither shown nor editable.
    fields = [
        "source",
        "url",
        "options",
        "dry_run",
        "state",
        "counts",
        "cursor",
        "unmatched_owners",
        "created",
        "started",
        "heartbeat",
        "finished",
        "error",
        "user",
    ]


@admin.register(ImportSkippedRow)
class ImportSkippedRowAdmin(ReadOnlyAdmin):
    list_display = ["run", "model", "source_pk", "reason"]
    list_filter = ["model"]
    list_select_related = ["run"]
