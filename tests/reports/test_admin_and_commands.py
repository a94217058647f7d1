"""Managing templates in the admin, and pruning old outputs."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from reports.models import ReportOutput, ReportTemplate
from tests.reports.factories import ReportOutputFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/reports/reporttemplate/add/"
FIELDS = {
    "name": "Packing slip",
    "description": "",
    "model_type": "returnorder",
    "enabled": "on",
    "page_size": "Letter",
    "filename_pattern": "",
}


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user(superuser=True))
    return client


def test_staff_upload_a_template_in_the_admin(admin_client):
    upload = SimpleUploadedFile("slip.html", b"<p>Slip {{ reference }}</p>", "text/html")

    response = admin_client.post(ADD, {**FIELDS, "source": "", "upload": upload})

    assert response.status_code == 302, response.content.decode()[:2000]
    template = ReportTemplate.objects.get(name="Packing slip")
    assert template.source == "<p>Slip {{ reference }}</p>"
    assert template.revision == 1
    assert template.effective_filename_pattern == "ReturnOrder-{{ reference }}.pdf"


def test_editing_the_source_in_the_admin_raises_the_revision(admin_client, default_template):
    url = f"/admin/reports/reporttemplate/{default_template.pk}/change/"
    data = {**FIELDS, "name": default_template.name, "source": "<h1>{{ reference }}</h1>"}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    default_template.refresh_from_db()
    assert default_template.revision == 2
    assert default_template.page_size == "Letter"


def test_the_admin_refuses_a_template_with_a_syntax_error(admin_client):
    response = admin_client.post(ADD, {**FIELDS, "source": "{% for x in y %}"})

    assert response.status_code == 200
    assert "Template syntax error" in response.content.decode()
    assert not ReportTemplate.objects.filter(name="Packing slip").exists()


def test_prune_deletes_old_outputs_and_their_files(media_root):
    old = ReportOutputFactory()
    ReportOutput.objects.filter(pk=old.pk).update(
        created=timezone.now() - datetime.timedelta(days=10)
    )
    fresh = ReportOutputFactory()
    old_file = media_root / old.output.name

    call_command("prune_report_outputs", "--days", "7")

    assert list(ReportOutput.objects.all()) == [fresh]
    assert not old_file.exists()
    assert (media_root / fresh.output.name).exists()
