from django.urls import path

from common.api import MetadataView
from companies import api
from companies.models import Address, Company, Contact

urlpatterns = [
    path("contact/", api.ContactList.as_view(), name="api-contact-list"),
    path("contact/<int:pk>/", api.ContactDetail.as_view(), name="api-contact-detail"),
    path(
        "contact/<int:pk>/metadata/",
        MetadataView.as_view(model=Contact),
        name="api-contact-metadata",
    ),
    path("address/", api.AddressList.as_view(), name="api-address-list"),
    path("address/<int:pk>/", api.AddressDetail.as_view(), name="api-address-detail"),
    path(
        "address/<int:pk>/metadata/",
        MetadataView.as_view(model=Address),
        name="api-address-metadata",
    ),
    path("", api.CompanyList.as_view(), name="api-company-list"),
    path("<int:pk>/", api.CompanyDetail.as_view(), name="api-company-detail"),
    path("<int:pk>/metadata/", MetadataView.as_view(model=Company), name="api-company-metadata"),
]
