from django.contrib import admin

from companies import services
from companies.models import Address, Company, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "phone",
        "is_customer",
        "is_supplier",
        "is_manufacturer",
        "currency",
        "active",
    ]
    list_filter = ["active", "is_customer", "is_supplier", "is_manufacturer", "currency"]
    search_fields = ["name", "description", "email", "website"]
    inlines = [ContactInline, AddressInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        for address in formset.save(commit=False):
            services.address_save(address=address)
        for address in formset.deleted_objects:
            services.address_delete(address=address)
        return None


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "email", "phone", "role"]
    list_select_related = ["company"]
    list_filter = ["company__is_customer"]
    search_fields = ["name", "email", "company__name"]
    autocomplete_fields = ["company"]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "primary", "line1", "postal_city", "country"]
    list_select_related = ["company"]
    list_filter = ["primary", "country"]
    search_fields = ["title", "line1", "postal_city", "company__name"]
    autocomplete_fields = ["company"]

    def save_model(self, request, obj, form, change):
        services.address_save(address=obj)

    def delete_model(self, request, obj):
        services.address_delete(address=obj)
