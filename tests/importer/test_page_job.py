"""The import page against a live source: the form starts a background job (run in the
process here, as with no broker), the job imports with progress, and the page shows the run
with its counts, unmatched owner and skipped rows. The token is gone everywhere afterwards.
"""

import csv
import io
import logging

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from importer.jobs import KIND
from importer.models import ImportRun, ImportSkippedRow
from jobs import services as job_services
from jobs.models import Job
from returns.models import ReturnOrder
from tests.factories import UserFactory
from tests.importer import source_data
from tests.importer.source import inventree_source  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

URL = "/settings/import/"


@pytest.fixture
def admin():
    User.objects.create_user(source_data.MATCHED_USER, password=None)
    Group.objects.create(name=source_data.MATCHED_GROUP)
    user = UserFactory(is_superuser=True, is_staff=True, password=None)
    client = Client()
    client.force_login(user)
    return client


def start(admin, source, **options):
    data = {"url": source.url, "token": source.token, **dict.fromkeys(options, "on")}
    return admin.post(URL, data, follow=True)


def test_the_page_runs_the_import_as_a_job_and_shows_what_it_did(
    admin,
    inventree_source,  # noqa: F811
    caplog,
    monkeypatch,
):
    source = inventree_source
    caplog.set_level(logging.DEBUG)
    reported = []
    record = job_services.job_progress

    def spy(job, percent, message=""):
        reported.append((percent, message))
        record(job, percent, message)

    monkeypatch.setattr(job_services, "job_progress", spy)

    response = start(admin, source, tracking=True)

    job = Job.objects.get(kind=KIND)
    run = ImportRun.objects.get()
    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.progress == 100
    assert job.message.startswith("Imported:")
    # Step by step, never back, to 100 with the summary.
    percents = [percent for percent, _message in reported]
    assert percents == sorted(percents)
    assert 0 < percents[0] < 50 < percents[-2] < 100 == percents[-1]
    messages = [message for _percent, message in reported]
    assert any(message.startswith("Return orders: ") for message in messages), messages
    assert messages[-1] == job.message
    assert run.state == ImportRun.State.SUCCEEDED
    assert run.token == ""
    assert ReturnOrder.objects.count() == len(source.snapshot["returnorder"]) - 2

    page = admin.get(URL).content.decode()
    assert f'id="run-{run.pk}"' in page
    assert source_data.UNMATCHED_USER in page
    assert "Return orders" in page
    assert job.get_absolute_url() in page
    skipped = ImportSkippedRow.objects.filter(run=run).count()
    assert skipped >= len(source.skipped)
    download = admin.get(f"{URL}{run.pk}/skipped.csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert len(rows) == skipped
    assert {(r["model"], int(r["source_pk"])) for r in rows} >= {
        ("companies.company", s["source_pk"]) for s in source.skipped if s["model"] == "company"
    }

    # The token: not in the pages, the job (its row, its API answer), the run, or any log.
    job_api = admin.get(f"/api/job/{job.pk}/").content.decode()
    for text in (page, job_api, admin.get(job.get_absolute_url()).content.decode()):
        assert source.token not in text
    assert source.token not in repr(Job.objects.values().get())
    assert source.token not in repr(ImportRun.objects.values().get())
    assert all(source.token not in record.getMessage() for record in caplog.records)


def test_a_dry_run_from_the_page_writes_nothing_and_still_shows_its_counts(
    admin,
    inventree_source,  # noqa: F811
):
    source = inventree_source

    start(admin, source, dry_run=True)

    run = ImportRun.objects.get()
    job = Job.objects.get(kind=KIND)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.message.startswith("Dry run:")
    assert not ReturnOrder.objects.exists()
    assert run.state == ImportRun.State.SUCCEEDED
    assert run.token == ""
    assert run.counts["returns.returnorder"]["created"] == len(source.snapshot["returnorder"]) - 2
    assert run.skipped_rows.exists()
    page = admin.get(URL).content.decode()
    assert f"Dry run #{run.pk}" in page
    assert f"{URL}{run.pk}/skipped.csv" in page
