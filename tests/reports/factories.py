"""factory_boy factories for report templates and outputs."""

import factory
from django.core.files.base import ContentFile

from reports.models import ReportOutput, ReportTemplate
from tests.factories import UserFactory

MINIMAL_SOURCE = (
    "<html><body><h1>{{ title }}</h1><p>{{ description }}</p>"
    "{% for line in lines.all %}<p>{{ line.item.serial }}</p>{% endfor %}</body></html>"
)


class ReportTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportTemplate

    name = factory.Sequence(lambda n: f"Report {n}")
    description = "A test report"
    model_type = "returnorder"
    source = MINIMAL_SOURCE


class ReportOutputFactory(factory.django.DjangoModelFactory):
    """A printed PDF (a tiny placeholder file) belonging to a new user."""

    class Meta:
        model = ReportOutput

    user = factory.SubFactory(UserFactory, password=None)
    template = factory.SubFactory(ReportTemplateFactory)
    model_type = "returnorder"
    items = factory.LazyFunction(list)
    filename = "ReturnOrder-RMA-0001.pdf"
    output = factory.LazyAttribute(lambda o: ContentFile(b"%PDF-1.7\n%%EOF\n", name=o.filename))
