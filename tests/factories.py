"""factory_boy factories for every model the tests build."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from common.models import Attachment
from companies.models import Address, Company, Contact
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation
from stock.statuses import StockHistoryCode
from users.models import ApiToken


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "password")
        if create:
            self.save(update_fields=["password"])


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


class PartCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartCategory

    name = factory.Sequence(lambda n: f"Category {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from stock.services import category_save

        return category_save(category=model_class(*args, **kwargs))


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


class StockItemTrackingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockItemTracking

    item = factory.SubFactory(StockItemFactory)
    tracking_type = StockHistoryCode.CREATED
    notes = "Created"


class LinkAttachmentFactory(factory.django.DjangoModelFactory):
    """A link attachment; on a new company unless ``model_type``/``model_id`` are given."""

    class Meta:
        model = Attachment

    model_type = "company"
    model_id = factory.LazyFunction(lambda: CompanyFactory().pk)
    link = "https://example.com/manual.pdf"
    comment = "Manual"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A named API token, issued through the service (its key is not kept)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory, password=None)
    name = factory.Sequence(lambda n: f"token{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from users.services import api_token_create

        token, _key = api_token_create(user=kwargs["user"], name=kwargs["name"])
        return token
