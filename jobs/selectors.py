from django.db.models import QuerySet

from jobs.models import Job


def jobs_of(user) -> QuerySet[Job]:
    """The jobs ``user`` may see: their own; a superuser sees every job."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.all()
    return jobs if user.is_superuser else jobs.filter(user=user)
