"""The job page: progress, message, the download or the error; htmx refreshes the status box
while the job runs, and without JavaScript there is a Refresh link."""

import re

import pytest
from django.test import Client

from jobs.models import Job
from tests.factories import UserFactory
from tests.jobs.factories import FinishedJobFactory, JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(password=None)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_running_job_shows_its_progress_and_polls(owner):
    job = JobFactory(user=owner, state=Job.State.RUNNING, progress=35, message="Rendered 7 of 20")

    response = _client(owner).get(f"/jobs/{job.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<progress id="job-progress"[^>]*max="100" value="35"', html)
    assert "Rendered 7 of 20" in html
    assert f'hx-get="/jobs/{job.pk}/"' in html and "every 2s" in html
    assert f'href="/jobs/{job.pk}/" id="job-refresh"' in html
    assert "job-download" not in html


def test_htmx_gets_only_the_status_box(owner):
    job = JobFactory(user=owner, state=Job.State.RUNNING, progress=60)

    response = _client(owner).get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="job-status"')
    assert "<nav" not in html and 'value="60"' in html


def test_a_finished_job_links_its_file_and_stops_polling(owner, echo_kind):
    job = FinishedJobFactory(user=owner)

    html = _client(owner).get(f"/jobs/{job.pk}/").content.decode()

    assert f'href="/media/job/{job.pk}/result.txt"' in html
    assert "hx-get" not in html and "job-refresh" not in html


def test_a_failed_job_shows_its_error(owner):
    job = JobFactory(user=owner, state=Job.State.FAILED, error="Report template broke")

    html = _client(owner).get(f"/jobs/{job.pk}/").content.decode()

    assert 'id="job-error"' in html and "Report template broke" in html
    assert "hx-get" not in html


def test_someone_elses_job_page_is_a_404_and_anonymous_logs_in(owner):
    job = JobFactory(user=owner)

    assert _client(UserFactory(password=None)).get(f"/jobs/{job.pk}/").status_code == 404
    response = Client().get(f"/jobs/{job.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_finished_job_offers_no_link_once_its_user_lost_the_permission(make_user):
    user = make_user(return_order=["view"])
    job = FinishedJobFactory(
        user=user,
        kind="returns.export",
        params={"table": "ReturnOrders", "format": "csv", "keys": [1]},
    )
    assert 'id="job-download"' in _client(user).get(f"/jobs/{job.pk}/").content.decode()

    user.groups.clear()
    user = type(user).objects.get(pk=user.pk)  # no cached permissions

    html = _client(user).get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-download"' not in html
    assert 'id="job-no-download"' in html
