"""``/api/job/``, ``/api/job/<id>/`` and the result download: a job is its user's (and
superusers'); to anyone else it does not exist."""

import pytest
from rest_framework.test import APIClient

from jobs.models import Job
from reports.models import ReportTemplate
from tests.factories import UserFactory
from tests.jobs.factories import FinishedJobFactory, JobFactory
from tests.reports.conftest import DEFAULT_TEMPLATE_NAME

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner():
    return UserFactory(password=None)


def test_the_list_shows_the_callers_own_jobs_newest_first(owner, echo_kind):
    older = JobFactory(user=owner)
    newer = FinishedJobFactory(user=owner)
    JobFactory()  # someone else's

    response = _client(owner).get("/api/job/")

    assert response.status_code == 200
    assert [row["pk"] for row in response.json()] == [newer.pk, older.pk]
    row = response.json()[0]
    assert row["state"] == "succeeded"
    assert row["output"] == f"/media/job/{newer.pk}/result.txt"
    assert response.json()[1]["output"] is None


def test_the_list_pages_and_filters_like_the_other_lists(owner):
    JobFactory.create_batch(3, user=owner)
    done = FinishedJobFactory(user=owner)
    client = _client(owner)

    page = client.get("/api/job/?limit=2&offset=1").json()
    assert page["count"] == 4
    assert len(page["results"]) == 2
    assert [row["pk"] for row in client.get("/api/job/?state=succeeded").json()] == [done.pk]
    assert client.get("/api/job/?limit=x").status_code == 400


def test_a_superuser_sees_every_job(owner):
    jobs = [JobFactory(user=owner), JobFactory(user=None)]
    superuser = UserFactory(password=None, is_superuser=True, is_staff=True)

    response = _client(superuser).get("/api/job/")

    assert {row["pk"] for row in response.json()} == {job.pk for job in jobs}
    assert _client(superuser).get(f"/api/job/{jobs[0].pk}/").status_code == 200


def test_the_job_list_runs_a_fixed_number_of_queries(owner, django_assert_num_queries):
    client = _client(owner)
    JobFactory.create_batch(2, user=owner)
    client.get("/api/job/?limit=10")  # warm up whatever a first request loads once
    FinishedJobFactory.create_batch(5, user=owner)

    # The session-less forced login reads nothing; count + page.
    with django_assert_num_queries(2):
        response = client.get("/api/job/?limit=10")
    assert response.json()["count"] == 7


def test_the_detail_has_what_a_caller_follows(owner, echo_kind):
    job = FinishedJobFactory(user=owner, attempts=1)

    data = _client(owner).get(f"/api/job/{job.pk}/").json()

    assert data["pk"] == job.pk
    assert data["kind"] == "test.echo"
    assert (data["state"], data["progress"], data["message"]) == ("succeeded", 100, "Done")
    assert data["error"] == ""
    assert data["created"] and data["started"] and data["finished"]
    assert data["output"] == f"/media/job/{job.pk}/result.txt"


@pytest.mark.parametrize("path", ["/api/job/{pk}/", "/media/job/{pk}/result.txt"])
def test_anyone_elses_job_is_a_404(owner, path):
    job = FinishedJobFactory(user=owner)
    stranger = UserFactory(password=None, is_staff=True)

    assert _client(stranger).get(path.format(pk=job.pk)).status_code == 404
    assert APIClient().get(path.format(pk=job.pk)).status_code == 401


def test_the_owner_downloads_the_result_with_the_media_headers(owner, echo_kind):
    job = FinishedJobFactory(user=owner)
    client = _client(owner)

    response = client.get(f"/media/job/{job.pk}/result.txt")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"the result"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/media/job/{job.pk}/other.txt").status_code == 404
    assert client.get(f"/media/job/{2**63}/result.txt").status_code == 404


def test_a_job_not_finished_has_nothing_to_download(owner):
    job = JobFactory(user=owner, state=Job.State.RUNNING, result_name="result.txt")

    assert _client(owner).get(f"/media/job/{job.pk}/result.txt").status_code == 404


def test_the_api_offers_no_writes(owner):
    job = JobFactory(user=owner)
    client = _client(owner)

    assert client.post("/api/job/", {}).status_code == 405
    assert client.delete(f"/api/job/{job.pk}/").status_code == 405


def _print_params():
    template = ReportTemplate.objects.get(model_type="returnorder", name=DEFAULT_TEMPLATE_NAME)
    return {"template": template.pk, "items": [1]}


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("returns.export", lambda: {"table": "ReturnOrders", "format": "csv", "keys": [1]}),
        ("report.print", _print_params),
    ],
    ids=["export", "print"],
)
def test_the_result_is_not_served_once_its_user_lost_the_permission_it_needs(
    make_user, kind, params
):
    """The file shows return orders: downloading it needs view on them at download time, not
    only when the job started."""
    user = make_user(return_order=["view"])
    job = FinishedJobFactory(user=user, kind=kind, params=params())
    url = f"/media/job/{job.pk}/result.txt"
    assert _client(user).get(url).status_code == 200
    assert _client(user).get(f"/api/job/{job.pk}/").json()["output"] == url

    user.groups.clear()
    user = type(user).objects.get(pk=user.pk)  # no cached permissions

    assert _client(user).get(url).status_code == 404
    answer = _client(user).get(f"/api/job/{job.pk}/")
    assert answer.status_code == 200  # still their job
    assert answer.json()["output"] is None  # no link to a file that would not be served
    superuser = UserFactory(password=None, is_superuser=True, is_staff=True)
    assert _client(superuser).get(url).status_code == 200


def test_a_print_whose_template_is_gone_is_served_to_superusers_only(make_user):
    user = make_user(return_order=["view"])
    job = FinishedJobFactory(user=user, kind="report.print", params={"template": 987654})
    url = f"/media/job/{job.pk}/result.txt"

    assert _client(user).get(url).status_code == 404
    superuser = UserFactory(password=None, is_superuser=True, is_staff=True)
    assert _client(superuser).get(url).status_code == 200
