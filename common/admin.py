from django.contrib import admin

from common.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "model_type",
        "model_id",
        "comment",
        "file_size",
        "upload_user",
        "upload_date",
    ]
    list_select_related = ["upload_user"]
    list_filter = ["model_type"]
    search_fields = ["comment", "link", "attachment"]
