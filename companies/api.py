from django.db import transaction
from django_filters import rest_framework as df
from rest_framework import generics

from common.filters import FilterSet
from companies import selectors, services
from companies.models import Address, Company
from companies.serializers import AddressSerializer, CompanySerializer, ContactSerializer


class CompanyFilter(FilterSet):
    name = df.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Company
        fields = ["name", "active", "is_customer", "is_supplier", "is_manufacturer", "currency"]


class CompanyMixin:
    queryset = selectors.company_list()
    serializer_class = CompanySerializer

    def perform_create(self, serializer):
        serializer.instance = services.company_save(company=Company(**serializer.validated_data))

    def perform_update(self, serializer):
        company = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(company, field, value)
        serializer.instance = services.company_save(company=company)


class CompanyList(CompanyMixin, generics.ListCreateAPIView):
    filterset_class = CompanyFilter
    search_fields = ["name", "description", "website", "email", "phone"]
    ordering_fields = ["name", "active", "is_customer", "is_supplier", "currency"]
    ordering = ["name"]


class CompanyDetail(CompanyMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.company_delete(company=instance)


class ContactMixin:
    queryset = selectors.contact_list()
    serializer_class = ContactSerializer


class ContactList(ContactMixin, generics.ListCreateAPIView):
    filterset_fields = ["company"]
    search_fields = ["company__name", "name", "email", "phone", "role"]
    ordering_fields = ["name", "company__name", "role", "email"]
    ordering_field_aliases = {"company_name": ["company__name"]}
    ordering = ["name"]


class ContactDetail(ContactMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.contact_delete(contact=instance)


class AddressMixin:
    queryset = selectors.address_list()
    serializer_class = AddressSerializer

    def perform_create(self, serializer):
        serializer.instance = services.address_save(address=Address(**serializer.validated_data))

    def perform_update(self, serializer):
        with transaction.atomic():
            address = serializer.instance
            for field, value in serializer.validated_data.items():
                setattr(address, field, value)
            serializer.instance = services.address_save(address=address)


class AddressList(AddressMixin, generics.ListCreateAPIView):
    filterset_fields = ["company", "primary"]
    search_fields = ["title", "line1", "line2", "postal_code", "postal_city", "province", "country"]
    ordering_fields = ["title", "primary", "postal_city", "country"]
    ordering = ["-primary", "title"]


class AddressDetail(AddressMixin, generics.RetrieveUpdateDestroyAPIView):
    def perform_destroy(self, instance):
        services.address_delete(address=instance)
