from django.contrib import admin

from jobs.models import Job, OutgoingMail


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "user", "state", "progress", "attempts", "created", "finished"]
    list_filter = ["state", "kind"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    list_display = ["pk", "subject", "state", "attempts", "created", "sent"]
    list_filter = ["state"]
    search_fields = ["message_id", "subject"]
    readonly_fields = [field.name for field in OutgoingMail._meta.fields]

    def has_add_permission(self, request):
        return False
