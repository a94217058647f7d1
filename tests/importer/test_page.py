"""The import page of the settings (``/settings/import/``): who may use it, the form's
errors, what starting an import records, the run list, the skipped-rows CSV, and that the
token is never shown or kept. The import against a live source is in ``test_page_job.py``.
"""

import csv
import io

import pytest
from django.test import Client

from importer import jobs as import_jobs
from importer import services
from importer.models import ImportRun, ImportSkippedRow
from jobs import services as job_services
from jobs.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/settings/import/"
TOKEN = "inv-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SOURCE = "https://inventree.example.com"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True, password=None)


@pytest.fixture
def admin(superuser):
    return client_of(superuser)


def post(client, **data):
    form = {"url": SOURCE, "token": TOKEN, **data}
    return client.post(URL, {k: v for k, v in form.items() if v is not None})


# -- who may use it -------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_who_are_not_superusers_are_refused(superuser):
    staff = client_of(UserFactory(is_staff=True, password=None))
    assert staff.get(URL).status_code == 403
    assert post(staff).status_code == 403
    run = services.create_run(url=SOURCE, options=services.ImportOptions())
    assert staff.get(f"{URL}{run.pk}/skipped.csv").status_code == 403
    assert not Job.objects.exists()


def test_the_settings_page_links_to_it_for_superusers_only(admin):
    assert URL in admin.get("/returns/settings/").content.decode()
    staff = client_of(UserFactory(is_staff=True, password=None))
    assert URL not in staff.get("/returns/settings/").content.decode()


# -- the form -------------------------------------------------------------------------------


def test_the_form_says_what_will_happen_and_asks_for_the_token_in_a_password_field(admin):
    response = admin.get(URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'type="password" name="token"' in content
    assert 'id="import-confirmation"' in content
    assert "matched to local users by username" in content
    assert "No imports yet." in content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        ({"url": "ftp://inventree.example.com"}, "url", "http:// or https://"),
        ({"url": ""}, "url", "This field is required."),
        ({"token": ""}, "token", "This field is required."),
        ({"token": "   "}, "token", "This field is required."),
        ({"token": "two words"}, "token", "no spaces"),
    ],
)
def test_bad_input_is_refused_with_the_field_message(admin, data, field, message):
    response = post(admin, **data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()
    assert not Job.objects.exists()


def test_a_form_shown_again_with_errors_does_not_echo_the_token(admin):
    response = post(admin, url="not a url")

    assert response.status_code == 400
    assert TOKEN not in response.content.decode()


# -- starting an import ---------------------------------------------------------------------


def test_starting_records_a_run_with_the_token_and_queues_a_job_without_it(
    admin, superuser, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(job_services, "_queue", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(admin, tracking="on", attachments="on")

    run = ImportRun.objects.get()
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (run.url, run.user, run.dry_run) == (SOURCE, superuser, False)
    assert run.options == {"tracking": True, "attachments": True}
    assert run.token == TOKEN  # while the job waits
    assert (job.kind, job.user, job.params) == (import_jobs.KIND, superuser, {"run": run.pk})
    assert queued == [job.pk]
    assert TOKEN not in repr(Job.objects.values().get())
    api = admin.get(f"/api/job/{job.pk}/")
    assert api.status_code == 200
    assert TOKEN not in api.content.decode()
    assert TOKEN not in admin.get(job.get_absolute_url()).content.decode()
    assert TOKEN not in admin.get(URL).content.decode()


def test_a_dry_run_is_recorded_as_one(admin, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(job_services, "_queue", lambda pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        post(admin, dry_run="on")
    run = ImportRun.objects.get()
    assert run.dry_run
    assert run.options == {"tracking": False, "attachments": False}


def test_a_job_that_cannot_reach_the_source_fails_and_forgets_the_token(admin, superuser):
    """Nothing listens on the port: the job fails with the source's error, the run too, and
    neither keeps or shows the token."""
    from bench.harness import LOOPBACK, free_port

    run = services.create_run(
        url=f"http://{LOOPBACK}:{free_port()}",
        options=services.ImportOptions(),
        user=superuser,
        token=TOKEN,
    )
    job = job_services.job_start(kind=import_jobs.KIND, user=superuser, params={"run": run.pk})

    outcome = job_services.job_run(job.pk)

    job.refresh_from_db()
    run.refresh_from_db()
    assert outcome.state == "failed"
    assert job.state == Job.State.FAILED
    assert run.state == ImportRun.State.FAILED
    assert run.token == ""
    assert run.error
    assert TOKEN not in job.error + job.message + run.error
    assert TOKEN not in admin.get(URL).content.decode()
    assert TOKEN not in admin.get(f"/api/job/{job.pk}/").content.decode()


def test_a_job_whose_run_has_no_token_fails_and_says_to_start_again(superuser):
    run = services.create_run(url=SOURCE, options=services.ImportOptions(), user=superuser)
    job = job_services.job_start(kind=import_jobs.KIND, user=superuser, params={"run": run.pk})

    assert job_services.job_run(job.pk).state == "failed"

    job.refresh_from_db()
    run.refresh_from_db()
    assert "start the import again" in job.error
    assert run.state == ImportRun.State.FAILED


# -- progress -------------------------------------------------------------------------------


def test_step_progress_runs_from_step_to_step_and_never_goes_back():
    reported = []
    progress = import_jobs.StepProgress(
        lambda percent, message: reported.append((round(percent), message)),
        ["companies", "parts", "orders", "tracking"],
    )

    progress("companies", 5, 10)
    progress("companies", 10, 10)
    progress("parts", 3, None)
    progress("orders", 1, 4)
    progress("companies", 0, 10)  # a step seen again does not move it back

    assert reported == [
        (12, "companies: 5 of 10"),
        (25, "companies: 10 of 10"),
        (25, "parts: 3"),
        (56, "orders: 1 of 4"),
        (56, "companies: 0 of 10"),
    ]


def test_a_step_not_in_the_list_counts_as_one_more():
    reported = []
    progress = import_jobs.StepProgress(lambda p, m: reported.append(round(p)), ["a"])
    progress("a", 1, 1)
    progress("b", 1, 2)
    assert reported == [99, 99]  # 100 is kept for the summary


# -- the run list and the CSV ---------------------------------------------------------------


def _finished_run(n: int, *, user=None) -> ImportRun:
    run = services.create_run(
        url=f"https://inventree{n}.example.com", options=services.ImportOptions(), user=user
    )
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.SUCCEEDED,
        counts={
            "companies.company": {"created": 3, "updated": 1, "unchanged": 0, "skipped": 1},
            "returns.returnorder": {"created": 7, "updated": 0, "unchanged": 2, "skipped": 2},
        },
        unmatched_owners=["ghost", "Night shift"],
    )
    ImportSkippedRow.objects.bulk_create(
        [
            ImportSkippedRow(run=run, model="companies.company", source_pk=5, reason="email: bad"),
            ImportSkippedRow(
                run=run, model="returns.returnorder", source_pk=8, reason='customer "x", gone'
            ),
        ]
    )
    return run


def test_the_page_lists_runs_with_counts_unmatched_owners_and_their_job(admin, superuser):
    run = _finished_run(1, user=superuser)
    job = Job.objects.create(
        kind=import_jobs.KIND, user=superuser, params={"run": run.pk}, progress=100
    )

    content = admin.get(URL).content.decode()

    assert f'id="run-{run.pk}"' in content
    assert "https://inventree1.example.com" in content
    assert "ghost, Night shift" in content
    assert "Return orders" in content
    assert '<td class="text-end" data-label="Created">7</td>' in content
    assert job.get_absolute_url() in content
    assert f"{URL}{run.pk}/skipped.csv" in content
    assert "Download 2 skipped rows (CSV)" in content


def test_the_run_list_is_paginated(admin):
    for n in range(12):
        _finished_run(n)
    first = admin.get(URL).content.decode()
    second = admin.get(URL + "?page=2").content.decode()
    assert first.count('<article class="card card-body mb-3" id="run-') == 10
    assert second.count('<article class="card card-body mb-3" id="run-') == 2
    assert "Page 1 of 2" in first


def test_the_skipped_rows_download_as_csv(admin):
    run = _finished_run(1)

    response = admin.get(f"{URL}{run.pk}/skipped.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["model", "source_pk", "reason"],
        ["companies.company", "5", "email: bad"],
        ["returns.returnorder", "8", 'customer "x", gone'],
    ]


def test_the_csv_of_a_run_that_does_not_exist_is_a_404(admin):
    assert admin.get(f"{URL}999/skipped.csv").status_code == 404
