"""factory_boy factories for jobs."""

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from jobs.models import Job
from tests.factories import UserFactory


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = "test.echo"
    user = factory.SubFactory(UserFactory, password=None)
    params = factory.LazyFunction(dict)


class FinishedJobFactory(JobFactory):
    """A job that succeeded with a small text file as its result."""

    state = Job.State.SUCCEEDED
    progress = 100
    message = "Done"
    started = factory.LazyFunction(timezone.now)
    finished = factory.LazyFunction(timezone.now)
    result_name = "result.txt"
    result = factory.LazyAttribute(lambda job: ContentFile(b"the result", name=job.result_name))
