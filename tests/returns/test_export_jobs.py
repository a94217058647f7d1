"""Exports of more rows than EXPORT_JOB_THRESHOLD run as a job whose result is the file, in
the order and with the rows the request would have exported."""

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from common import site_settings
from jobs.models import Job
from jobs.services import job_run
from returns import exports, selectors
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory

pytestmark = pytest.mark.django_db

ORDERS = "/api/order/ro/"
LINES = "/api/order/ro-line/"


@pytest.fixture
def threshold(settings):
    settings.EXPORT_JOB_THRESHOLD = 2


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


def _result(job) -> bytes:
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    with job.result.open("rb") as handle:
        return handle.read()


def test_a_large_api_export_answers_202_with_the_job(
    viewer, threshold, django_capture_on_commit_callbacks
):
    orders = ReturnOrderFactory.create_batch(4)

    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.get(ORDERS, {"export": "csv", "ordering": "reference"})

    assert response.status_code == 202, response.content
    data = response.json()
    job = Job.objects.get(pk=data["job"])
    assert (job.kind, job.user) == ("returns.export", viewer.user)
    assert data["job_url"] == f"/api/job/{job.pk}/"
    assert (data["total"], data["complete"], data["output"]) == (4, False, None)
    rows = list(csv.reader(io.StringIO(_result(job).decode())))
    assert rows[0] == exports.ORDER_TABLE.headers
    assert [row[0] for row in rows[1:]] == sorted(o.reference for o in orders)
    assert job.result_name.endswith(".csv")
    followed = viewer.get(data["job_url"]).json()
    assert followed["output"] == f"/media/job/{job.pk}/{job.result_name}"


def test_a_large_line_export_keeps_the_filters_and_the_format(
    viewer, threshold, django_capture_on_commit_callbacks
):
    order = ReturnOrderFactory()
    ReturnOrderLineItemFactory.create_batch(3, order=order)
    ReturnOrderLineItemFactory()  # another order's
    listed = [row["pk"] for row in viewer.get(LINES, {"order": order.pk}).json()]

    with django_capture_on_commit_callbacks(execute=True):
        response = viewer.get(LINES, {"export": "xlsx", "order": order.pk})

    job = Job.objects.get(pk=response.json()["job"])
    sheet = load_workbook(io.BytesIO(_result(job)), read_only=True).active
    values = list(sheet.values)
    assert list(values[0]) == exports.LINE_TABLE.headers
    assert [row[-1] for row in values[1:]] == listed
    assert len(listed) == 3


def test_an_export_under_the_threshold_is_the_file(viewer, threshold):
    ReturnOrderFactory.create_batch(2)

    response = viewer.get(ORDERS, {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert not Job.objects.exists()


def test_a_large_export_from_the_index_page_goes_to_the_job_page(
    make_user, threshold, django_capture_on_commit_callbacks
):
    site_settings.set_value("RETURNORDER_ENABLED", True)
    ReturnOrderFactory.create_batch(3)
    client = Client()
    client.force_login(make_user(return_order=["view"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/returns/export/", {"export": "json"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert len(json.loads(_result(job))) == 3


def test_an_export_job_fails_if_its_user_may_no_longer_view(make_user, threshold):
    ReturnOrderFactory.create_batch(3)
    user = make_user(return_order=["view"])
    queryset = selectors.return_order_list()
    job = exports.export_start(
        table=exports.ORDER_TABLE, queryset=queryset, export_format="csv", user=user
    )
    user.groups.clear()

    job_run(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "no longer view" in job.error
