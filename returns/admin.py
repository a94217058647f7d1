from django.contrib import admin

from returns import selectors
from returns.models import (
    ProjectCode,
    ReturnCondition,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderHistory,
    ReturnOrderLineItem,
    ReturnOrderLineResolution,
    ReturnOrderReceipt,
    ReturnOrderReceiptDisposition,
    ReturnOrderRefund,
    ReturnOrderRepair,
    ReturnOrderRepairPart,
    ReturnReason,
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
    list_display = [
        "order",
        "item",
        "quantity",
        "outcome",
        "price",
        "received_date",
        "warranty_status",
        "warranty_override",
        "warranty_expiry",
        "reason",
        "condition",
    ]
    list_select_related = ["order__customer", "item__part", "reason", "condition"]
    list_filter = ["outcome", "warranty_status", "warranty_override", "reason", "condition"]
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


class ReturnChoiceAdmin(admin.ModelAdmin):
    """Return reasons and conditions. An entry lines use cannot be deleted (the admin lists
    the lines that protect it): untick *active* instead."""

    list_display = ["label", "code", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active"]
    search_fields = ["code", "label"]
    prepopulated_fields = {"code": ["label"]}


admin.site.register(ReturnReason, ReturnChoiceAdmin)
admin.site.register(ReturnCondition, ReturnChoiceAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Resolutions, repairs and refunds change stock: they are made and undone only through
    the resolution services (pages or API), so the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReturnOrderLineResolution)
class ReturnOrderLineResolutionAdmin(ReadOnlyAdmin):
    list_display = [
        "line",
        "kind",
        "standing",
        "replacement_item",
        "unit_status",
        "created_by",
        "created_at",
        "reversed_at",
    ]
    list_select_related = [
        "line__order__customer",
        "line__item__part",
        "replacement_item__part",
        "created_by",
    ]
    list_filter = ["kind", "reversed_at", "created_at"]
    search_fields = ["order__reference", "line__item__serial", "replacement_item__serial"]
    date_hierarchy = "created_at"
    exclude = ["stock_before", "stock_after", "created_items", "tracking_entries"]

    @admin.display(boolean=True, description="standing")
    def standing(self, obj):
        return obj.reversed_at is None


class RepairPartInline(admin.TabularInline):
    model = ReturnOrderRepairPart
    extra = 0
    fields = ["part", "quantity", "serial", "source_item", "item", "location"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("part", "location", "item__part", "source_item__part")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReturnOrderRepair)
class ReturnOrderRepairAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "order",
        "technician",
        "labour_minutes",
        "cost",
        "under_warranty",
        "started_at",
        "finished_at",
    ]
    list_select_related = ["resolution__order__customer", "technician"]
    list_filter = ["under_warranty", "finished_at", "started_at"]
    search_fields = ["resolution__order__reference", "fault", "work_done"]
    inlines = [RepairPartInline]

    @admin.display(ordering="resolution__order__reference")
    def order(self, obj):
        return obj.resolution.order


@admin.register(ReturnOrderRefund)
class ReturnOrderRefundAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "order", "amount", "method", "reference", "date", "undone"]
    list_select_related = ["resolution__order__customer"]
    list_filter = ["method", "date"]
    search_fields = ["resolution__order__reference", "reference", "method"]
    date_hierarchy = "date"

    @admin.display(ordering="resolution__order__reference")
    def order(self, obj):
        return obj.resolution.order

    @admin.display(boolean=True)
    def undone(self, obj):
        return obj.resolution.reversed_at is not None


class ReceiptDispositionInline(admin.TabularInline):
    model = ReturnOrderReceiptDisposition
    extra = 0
    fields = ["kind", "quantity", "location", "status", "stock_item"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location", "stock_item__part")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReturnOrderReceipt)
class ReturnOrderReceiptAdmin(ReadOnlyAdmin):
    """Read-only: a receipt changes only through receiving and undo (the stock must follow)."""

    list_display = ["__str__", "order", "line", "quantity", "created_by", "created_at", "undone"]
    list_select_related = ["order__customer", "line__order", "line__item__part", "created_by"]
    list_filter = ["created_at", "undone_at"]
    search_fields = ["order__reference", "line__item__serial", "notes"]
    date_hierarchy = "created_at"
    exclude = ["stock_record"]
    inlines = [ReceiptDispositionInline]

    @admin.display(boolean=True)
    def undone(self, obj):
        return obj.undone_at is not None
