"""A long print runs as a job on a real Celery worker; its page shows the progress bar moving
(htmx refreshes the status box, the page never reloads) and then the download link.

The worker, the live server and the test share the test database from three threads, which
SQLite's shared in-memory database cannot do while one of them writes: PostgreSQL only.
"""

import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from common import site_settings
from jobs.models import Job
from reports import services as report_services
from reports.models import ReportTemplate
from tests.jobs import celery_worker
from tests.pages.factories import OrderFactory
from tests.reports.factories import ReportTemplateFactory

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]  # its worker thread needs PostgreSQL

worker = celery_worker.worker
ran = celery_worker.ran

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 8
SECONDS_PER_ORDER = 0.5


@pytest.fixture
def slow_print(monkeypatch):
    """Each rendered order takes SECONDS_PER_ORDER longer, so the job is seen in progress."""
    original = report_services.report_render

    def slow_render(**kwargs):
        callback = kwargs.pop("on_rendered")

        def slowly(done, total):
            time.sleep(SECONDS_PER_ORDER)
            callback(done, total)

        return original(**kwargs, on_rendered=slowly)

    monkeypatch.setattr(report_services, "report_render", slow_render)


def test_a_long_print_shows_its_progress_on_the_job_page(
    scenario, new_page, log_in, settings, slow_print, request
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker thread beside the live server needs PostgreSQL")
    request.getfixturevalue("worker")
    settings.REPORT_PRINT_JOB_THRESHOLD = 3
    site_settings.set_value("RETURNORDER_ENABLED", True)
    # One report template, so Print prints at once (an earlier transactional test may have
    # flushed the one the migration installs).
    ReportTemplate.objects.all().delete()
    ReportTemplateFactory(source=(ROOT / "reports/defaults/return_order.html").read_text())
    orders = [OrderFactory(customer=scenario.customer) for _ in range(ORDERS)]

    page = new_page()
    log_in(page)
    page.goto("/returns/")
    for order in orders:
        page.get_by_label(f"Select {order.reference}", exact=True).check()
    page.get_by_role("button", name="Print", exact=True).click()
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    seen = []
    deadline = time.monotonic() + 60
    download = page.locator("#job-download")
    while not download.is_visible():
        assert time.monotonic() < deadline, f"the job did not finish; progress seen: {seen}"
        value = page.locator("#job-progress").get_attribute("value")
        if value is not None and (not seen or seen[-1] != int(value)):
            seen.append(int(value))
        time.sleep(0.1)

    assert any(0 < value < 100 for value in seen), seen
    assert seen == sorted(seen), seen
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-refresh")).to_have_count(0)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert download.get_attribute("href") == f"/media/job/{job.pk}/{job.result_name}"
    response = page.request.get(download.get_attribute("href"))
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
