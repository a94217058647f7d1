"""factory_boy factories for every model the tests build."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from companies.models import Address, Company, Contact
from stock.models import Part, StockItem, StockLocation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "password")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"group{n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    description = "A company"
    is_customer = False
    is_supplier = True


class CustomerFactory(CompanyFactory):
    name = factory.Sequence(lambda n: f"Customer {n}")
    is_customer = True
    is_supplier = False


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda c: f"contact{c.name.split()[-1]}@example.com")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    company = factory.SubFactory(CustomerFactory)
    title = factory.Sequence(lambda n: f"Address {n}")
    line1 = "1 Main Street"
    postal_city = "Springfield"
    country = "USA"


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    name = factory.Sequence(lambda n: f"Part {n}")
    IPN = factory.Sequence(lambda n: f"P-{n:04d}")
    description = "A part"
    trackable = True
    salable = True


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    name = factory.Sequence(lambda n: f"Location {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from stock.services import location_save

        return location_save(location=model_class(*args, **kwargs))


class StockItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockItem

    part = factory.SubFactory(PartFactory)
    quantity = Decimal(1)
    serial = factory.Sequence(lambda n: f"SN-{n:05d}")
    location = factory.SubFactory(LocationFactory)


class BulkStockItemFactory(StockItemFactory):
    part = factory.SubFactory(PartFactory, trackable=False)
    serial = None
    quantity = Decimal(10)
