from django.db.models import QuerySet

from jobs import registry
from jobs.models import Job


def jobs_of(user) -> QuerySet[Job]:
    """The jobs ``user`` may see: their own; a superuser sees every job."""
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    jobs = Job.objects.all()
    return jobs if user.is_superuser else jobs.filter(user=user)


def job_result_readable(job: Job, user) -> bool:
    """Whether ``user``, who may see ``job`` (``jobs_of``), may download its result now: they
    still hold what the job's kind needs to read it (``result_permissions``, see
    ``jobs.registry``). Checked on each download, not only when the job started. A kind no
    longer registered cannot say what its file shows: superusers only."""
    kind = registry.get(job.kind)
    if kind is None:
        return bool(user.is_superuser)
    if kind.result_permissions is None:
        return True
    needed = kind.result_permissions(job)
    if needed is None:
        return bool(user.is_superuser)
    return user.has_perms(needed)
