"""The importer's admin pages: read-only, and the token is never on them."""

import pytest

from importer.models import ImportRun, ImportSkippedRow, ImportSource

pytestmark = pytest.mark.django_db

TOKEN = "tok-admin-55e1-distinctive"


@pytest.fixture
def skipped_row():
    source = ImportSource.objects.create(url="https://inventree.example.com")
    run = ImportRun.objects.create(source=source, url=source.url, token=TOKEN)
    return ImportSkippedRow.objects.create(
        run=run, model="returns.returnorder", source_pk=102, reason="customer: missing"
    )


def test_run_pages_never_show_the_token(client, make_user, skipped_row):
    client.force_login(make_user(superuser=True))
    run = skipped_row.run
    for url in (
        "/admin/importer/importrun/",
        f"/admin/importer/importrun/{run.pk}/change/",
        "/admin/importer/importskippedrow/",
        f"/admin/importer/importskippedrow/{skipped_row.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert TOKEN not in response.content.decode(), url
    assert TOKEN not in repr(run) + str(run)


def test_runs_cannot_be_added_or_changed_in_the_admin(client, make_user, skipped_row):
    client.force_login(make_user(superuser=True))
    assert client.get("/admin/importer/importrun/add/").status_code == 403
    run = skipped_row.run
    response = client.post(
        f"/admin/importer/importrun/{run.pk}/change/", {"url": "https://elsewhere.example.com"}
    )
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.url == "https://inventree.example.com"
