from django.contrib import admin

from stock import services
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation


@admin.register(PartCategory)
class PartCategoryAdmin(admin.ModelAdmin):
    list_display = ["pathstring", "description", "structural"]
    list_filter = ["structural"]
    search_fields = ["name", "pathstring", "description"]
    autocomplete_fields = ["parent", "default_location"]
    readonly_fields = ["pathstring"]

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj)


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "IPN",
        "revision",
        "category",
        "description",
        "active",
        "trackable",
        "salable",
        "units",
        "warranty_months",
    ]
    list_filter = ["active", "trackable", "salable", "purchaseable", "virtual", "category"]
    list_select_related = ["category"]
    search_fields = ["name", "IPN", "description"]
    # Parts that may be sent as a replacement for this one (see the Replace resolution).
    autocomplete_fields = ["substitutes", "category"]


@admin.register(StockLocation)
class StockLocationAdmin(admin.ModelAdmin):
    list_display = ["pathstring", "description", "structural"]
    list_filter = ["structural"]
    search_fields = ["name", "pathstring", "description"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["pathstring"]

    def save_model(self, request, obj, form, change):
        services.location_save(location=obj)


class TrackingInline(admin.TabularInline):
    model = StockItemTracking
    extra = 0
    can_delete = False
    readonly_fields = ["date", "tracking_type", "notes", "user", "deltas"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "part",
        "serial",
        "quantity",
        "location",
        "status",
        "customer",
        "updated",
    ]
    list_select_related = ["part", "location", "customer"]
    list_filter = ["status", "part__trackable", "location"]
    search_fields = ["serial", "batch", "part__name", "part__IPN", "customer__name"]
    autocomplete_fields = ["part", "location", "customer", "parent"]
    inlines = [TrackingInline]


@admin.register(StockItemTracking)
class StockItemTrackingAdmin(admin.ModelAdmin):
    list_display = ["date", "item", "tracking_type", "user", "notes"]
    list_select_related = ["item__part", "user"]
    list_filter = ["tracking_type"]
    search_fields = ["notes", "item__serial", "item__part__name"]
    date_hierarchy = "date"
    raw_id_fields = ["item"]
