"""A print of more orders than REPORT_PRINT_JOB_THRESHOLD runs as a job: the API answers at
once that it is not complete and where to follow it; the PDF is the job's result, with no
cap of 100 orders; the index page's bulk print goes to the job page."""

import pytest
from django.test import Client

from jobs.models import Job
from reports import services
from tests.factories import CustomerFactory
from tests.reports.conftest import pdf_text
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db

PRINT = "/api/report/print/"


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


@pytest.fixture
def threshold(settings):
    settings.REPORT_PRINT_JOB_THRESHOLD = 2
    return 2


def test_a_large_print_answers_with_the_job_to_follow(viewer, default_template, threshold):
    orders = ReturnOrderFactory.create_batch(3)
    pks = [order.pk for order in orders]

    # No worker and no commit yet: the job stays queued, as a worker would find it.
    response = viewer.post(PRINT, {"template": default_template.pk, "items": pks})

    assert response.status_code == 201, response.content
    data = response.json()
    job = Job.objects.get()
    assert (job.kind, job.user, job.state) == ("report.print", viewer.user, Job.State.QUEUED)
    assert job.params == {"template": default_template.pk, "items": pks}
    assert data["complete"] is False
    assert data["output"] is None
    assert (data["pk"], data["job"]) == (job.pk, job.pk)
    assert data["job_url"] == f"/api/job/{job.pk}/"
    assert (data["total"], data["progress"], data["items"]) == (3, 0, pks)
    assert data["template_name"] == default_template.name
    assert viewer.get(data["job_url"]).json()["state"] == "queued"


def test_the_print_job_reports_each_order_and_keeps_the_pdf(
    viewer, default_template, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_PRINT_JOB_THRESHOLD = 2
    services.MAX_PRINT_ITEMS = 3  # the in-request cap does not apply to a job
    try:
        orders = ReturnOrderFactory.create_batch(5)
        seen = []
        original = services.report_render

        def spy(**kwargs):
            callback = kwargs.pop("on_rendered")
            return original(**kwargs, on_rendered=lambda d, t: (seen.append(d), callback(d, t)))

        services.report_render = spy
        with django_capture_on_commit_callbacks(execute=True):
            response = viewer.post(
                PRINT, {"template": default_template.pk, "items": [o.pk for o in orders]}
            )
    finally:
        services.MAX_PRINT_ITEMS = 100
        services.report_render = original

    # Without a worker the job runs as the request's transaction commits.
    job = Job.objects.get(pk=response.json()["job"])
    assert job.state == Job.State.SUCCEEDED, job.error
    assert seen == [1, 2, 3, 4, 5]
    followed = viewer.get(f"/api/job/{job.pk}/").json()
    assert (followed["state"], followed["progress"]) == ("succeeded", 100)
    assert followed["output"] == f"/media/job/{job.pk}/{job.result_name}"
    download = viewer.get(followed["output"])
    assert download.status_code == 200
    text = pdf_text(b"".join(download.streaming_content))
    assert all(order.reference in text for order in orders)


def test_a_large_print_is_checked_before_it_is_queued(viewer, default_template, threshold):
    orders = ReturnOrderFactory.create_batch(3)

    response = viewer.post(
        PRINT, {"template": default_template.pk, "items": [o.pk for o in orders] + [987654]}
    )

    assert response.status_code == 400
    assert "987654" in str(response.json()["items"])
    assert not Job.objects.exists()


def test_a_small_print_still_renders_in_the_request(viewer, default_template, threshold):
    orders = ReturnOrderFactory.create_batch(2)

    data = viewer.post(
        PRINT, {"template": default_template.pk, "items": [o.pk for o in orders]}
    ).json()

    assert data["complete"] is True
    assert data["job"] is None and data["job_url"] is None
    assert data["output"].startswith("/media/report/")
    assert not Job.objects.exists()


def test_the_bulk_print_page_goes_to_the_job_page(
    make_user, default_template, threshold, returns_enabled
):
    user = make_user(return_order=["view"])
    client = Client()
    client.force_login(user)
    orders = ReturnOrderFactory.create_batch(3)

    response = client.post(
        "/returns/selected/",
        {"action": "print", "template": default_template.pk, "orders": [o.pk for o in orders]},
    )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("count", "threshold", "as_job"),
    [
        (100, 150, False),  # within the threshold and the in-request cap
        (101, 150, True),  # within the threshold, over the cap: a request may not render it
        (21, 20, True),  # over the threshold
        (20, 20, False),
    ],
)
def test_a_print_runs_as_a_job_over_the_threshold_or_over_the_in_request_cap(
    settings, count, threshold, as_job
):
    settings.REPORT_PRINT_JOB_THRESHOLD = threshold

    assert services.print_runs_as_job(list(range(1, count + 1))) is as_job


def test_a_print_over_the_cap_but_under_a_higher_threshold_is_a_job_not_a_400(
    viewer, default_template, settings
):
    settings.REPORT_PRINT_JOB_THRESHOLD = 150
    customer = CustomerFactory()
    orders = ReturnOrderFactory.create_batch(services.MAX_PRINT_ITEMS + 1, customer=customer)

    response = viewer.post(
        PRINT, {"template": default_template.pk, "items": [o.pk for o in orders]}
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["complete"], data["total"]) == (False, 101)
    assert Job.objects.get(pk=data["job"]).state == Job.State.QUEUED
