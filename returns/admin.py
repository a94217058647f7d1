from django.contrib import admin

from returns import selectors
from returns.models import (
    ProjectCode,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
)


class LineInline(admin.TabularInline):
    model = ReturnOrderLineItem
    extra = 0
    fields = ["item", "quantity", "outcome", "price", "received_date", "reference", "notes"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Lines are added through the workflow (pages or API) so the rules apply.
        return False


class ExtraLineInline(admin.TabularInline):
    model = ReturnOrderExtraLine
    extra = 0
    fields = ["reference", "description", "quantity", "price", "notes"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HistoryInline(admin.TabularInline):
    model = ReturnOrderHistory
    extra = 0
    fields = ["date", "kind", "from_status", "to_status", "user", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReturnOrder)
class ReturnOrderAdmin(admin.ModelAdmin):
    """Read-mostly: status, stock and lines change only through the workflow services."""

    list_display = [
        "reference",
        "customer",
        "status",
        "responsible",
        "target_date",
        "line_items",
        "received_lines",
        "total_price",
    ]
    list_select_related = ["customer", "responsible"]
    list_filter = ["status", "creation_date", "target_date"]
    search_fields = ["reference", "customer__name", "description", "customer_reference"]
    date_hierarchy = "creation_date"
    readonly_fields = [
        "reference",
        "customer",
        "status",
        "created_by",
        "creation_date",
        "issue_date",
        "complete_date",
        "total_price",
        "total_price_note",
        "updated_at",
    ]
    exclude = ["contact", "address", "responsible", "project_code", "metadata", "order_currency"]
    inlines = [LineInline, ExtraLineInline, HistoryInline]

    def get_queryset(self, request):
        return selectors.with_line_counts(super().get_queryset(request))

    @admin.display(ordering="line_items")
    def line_items(self, obj):
        return obj.line_items

    @admin.display(ordering="received_lines")
    def received_lines(self, obj):
        return obj.received_lines

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReturnOrderLineItem)
class ReturnOrderLineItemAdmin(admin.ModelAdmin):
    list_display = ["order", "item", "quantity", "outcome", "price", "received_date"]
    list_select_related = ["order__customer", "item__part"]
    list_filter = ["outcome"]
    search_fields = ["order__reference", "item__serial", "item__part__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectCode)
class ProjectCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "responsible"]
    list_select_related = ["responsible"]
    search_fields = ["code", "description"]
