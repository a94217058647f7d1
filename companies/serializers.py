from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializers import BaseModelSerializer, DetailToggleMixin, MediaImageField
from companies.models import Address, Company, Contact


class AddressBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = Address
        fields = [
            "pk",
            "line1",
            "line2",
            "postal_code",
            "postal_city",
            "province",
            "country",
            "shipping_notes",
            "internal_shipping_notes",
        ]


class CompanyBriefSerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)

    class Meta:
        model = Company
        fields = ["pk", "active", "name", "description", "currency", "is_customer"]


class CompanySerializer(BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    currency = serializers.ChoiceField(choices=[], required=False)
    address = serializers.SerializerMethodField(help_text="Primary address, on one line")
    primary_address = serializers.SerializerMethodField()
    address_count = serializers.IntegerField(read_only=True, default=0)
    contact_count = serializers.IntegerField(read_only=True, default=0)
    image = MediaImageField()

    class Meta:
        model = Company
        fields = [
            "pk",
            "name",
            "description",
            "image",
            "website",
            "phone",
            "email",
            "link",
            "active",
            "is_customer",
            "is_supplier",
            "is_manufacturer",
            "currency",
            "address",
            "primary_address",
            "address_count",
            "contact_count",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in settings.CURRENCIES]

    def _primary(self, obj):
        # The list selector prefetches primary addresses into ``primary_addresses``.
        prefetched = getattr(obj, "primary_addresses", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return obj.addresses.filter(primary=True).first()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_address(self, obj):
        address = self._primary(obj)
        return str(address) if address else None

    @extend_schema_field(AddressBriefSerializer(allow_null=True))
    def get_primary_address(self, obj):
        address = self._primary(obj)
        return AddressBriefSerializer(address).data if address else None


class ContactSerializer(DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    company_name = serializers.CharField(source="company.name", read_only=True)
    company_detail = CompanyBriefSerializer(source="company", read_only=True)
    detail_defaults = {"company_detail": False}

    class Meta:
        model = Contact
        fields = [
            "pk",
            "company",
            "company_name",
            "company_detail",
            "name",
            "phone",
            "email",
            "role",
        ]


class AddressSerializer(DetailToggleMixin, BaseModelSerializer):
    pk = serializers.IntegerField(source="id", read_only=True)
    company_detail = CompanyBriefSerializer(source="company", read_only=True)
    detail_defaults = {"company_detail": False}

    class Meta:
        model = Address
        fields = [
            "pk",
            "company",
            "company_detail",
            "title",
            "primary",
            "line1",
            "line2",
            "postal_code",
            "postal_city",
            "province",
            "country",
            "shipping_notes",
            "internal_shipping_notes",
            "link",
        ]
        # address_save demotes the previous primary address; the unique-primary validator
        # DRF derives from the constraint would reject the new primary before it could.
        validators = []
