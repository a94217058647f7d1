"""The report API: templates, printing and downloading the PDF, as the inventree client does."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from reports.models import ReportOutput, ReportTemplate
from tests.reports.conftest import pdf_text
from tests.reports.factories import ReportOutputFactory, ReportTemplateFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory
from users.services import api_token_create

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/report/template/"
PRINT = "/api/report/print/"


@pytest.fixture
def viewer(client_for):
    return client_for(return_order=["view"])


def _download(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# -- templates ------------------------------------------------------------------------------


def test_any_logged_in_user_lists_templates_by_model_type(client_for, default_template):
    ReportTemplateFactory(name="Other", model_type="returnorder", enabled=False)

    response = client_for().get(TEMPLATES, {"model_type": "returnorder"})

    assert response.status_code == 200
    names = [row["name"] for row in response.json()]
    assert names == ["Boomerang Return Order", "Other"]
    row = response.json()[0]
    assert row["pk"] == default_template.pk
    assert {"source", "filename_pattern", "page_size", "landscape", "enabled", "revision"} <= set(
        row
    )
    enabled = client_for().get(TEMPLATES, {"model_type": "returnorder", "enabled": "true"})
    assert [row["name"] for row in enabled.json()] == ["Boomerang Return Order"]


def test_a_template_has_inventree_template_key_with_a_download_url(client_for, default_template):
    """InvenTree's ``template`` is the template file's URL (the client's ``downloadTemplate``
    fetches it); ``source`` stays, the text itself."""
    client = client_for()
    row = client.get(f"{TEMPLATES}{default_template.pk}/").json()
    assert {"name", "description", "enabled", "model_type", "template", "source"} <= set(row)
    assert row["template"] == (
        f"/media/report/template/{default_template.pk}/report-template-{default_template.pk}.html"
    )
    response, body = _download(client, row["template"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"  # never rendered inline
    assert "attachment" in response["Content-Disposition"]
    assert body.decode("utf-8") == default_template.source
    # Only the template's own name, and only logged in.
    assert client.get(row["template"].replace(".html", ".txt")).status_code == 404
    assert APIClient().get(row["template"]).status_code in (401, 403)


def test_a_template_row_sent_back_whole_keeps_its_source(client_for, default_template):
    """The client's ``save(data={"enabled": False})`` and a full PATCH of the row it read."""
    manager = client_for(admin=["view", "change"])
    url = f"{TEMPLATES}{default_template.pk}/"
    row = manager.get(url).json()
    row["enabled"] = False
    response = manager.patch(f"{url}?format=json", row, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["source"] == default_template.source
    bad = manager.patch(url, {"template": "/somewhere/else.html"}, format="json")
    assert bad.status_code == 400 and bad.json()["template"]
    assert [r["pk"] for r in manager.get(TEMPLATES, {"enabled": "false"}).json()] == [
        default_template.pk
    ]
    default_template.refresh_from_db()
    assert default_template.enabled is False


def test_templates_need_login(default_template):
    assert APIClient().get(TEMPLATES).status_code == 401


def test_staff_create_templates_without_any_role(make_user):
    client = APIClient()
    client.force_authenticate(make_user(staff=True))

    response = client.post(
        TEMPLATES,
        {"name": "Packing slip", "model_type": "returnorder", "source": "<p>{{ reference }}</p>"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["revision"] == 1
    assert ReportTemplate.objects.filter(name="Packing slip").exists()


def test_admin_role_may_write_templates_and_others_may_not(client_for, default_template):
    body = {"name": "Slip", "model_type": "returnorder", "source": "<p>x</p>"}
    clerk = client_for(return_order=["view", "add", "change"])
    assert clerk.post(TEMPLATES, body).status_code == 403
    manager = client_for(admin=["view", "add", "change", "delete"])
    assert manager.post(TEMPLATES, body).status_code == 201
    url = f"{TEMPLATES}{default_template.pk}/"
    response = manager.patch(url, {"source": "<h1>{{ reference }}</h1>"})
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    assert manager.delete(url).status_code == 204


def test_upload_the_template_as_a_file_like_the_inventree_client(make_user):
    client = APIClient()
    client.force_authenticate(make_user(staff=True))
    upload = SimpleUploadedFile("slip.html", "<p>Größe {{ reference }}</p>".encode(), "text/html")

    response = client.post(
        TEMPLATES,
        {"name": "Uploaded", "description": "x", "model_type": "returnorder", "template": upload},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["source"] == "<p>Größe {{ reference }}</p>"


def test_a_template_with_a_syntax_error_is_refused_when_saved(make_user):
    client = APIClient()
    client.force_authenticate(make_user(staff=True))

    response = client.post(
        TEMPLATES, {"name": "Bad", "model_type": "returnorder", "source": "{% for x in y %}"}
    )

    assert response.status_code == 400
    assert "Template syntax error" in response.json()["source"][0]


def test_an_unknown_model_type_is_refused(make_user):
    client = APIClient()
    client.force_authenticate(make_user(staff=True))

    response = client.post(TEMPLATES, {"name": "Inv", "model_type": "invoice", "source": "<p/>"})

    assert response.status_code == 400
    assert "model_type" in response.json()


# -- print and download ---------------------------------------------------------------------


def test_print_then_download_round_trip(viewer, default_template):
    order = ReturnOrderFactory()
    ReturnOrderLineItemFactory(order=order, item__serial="SN-RT-1")

    response = viewer.post(PRINT, {"template": default_template.pk, "items": [order.pk]})

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["complete"] is True
    assert data["items"] == [order.pk]
    assert data["output"] == f"/media/report/{data['pk']}/ReturnOrder-{order.reference}.pdf"
    download, body = _download(viewer, data["output"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert order.reference in text and "SN-RT-1" in text


def test_the_output_downloads_with_the_token_the_client_sends(make_user, default_template):
    user = make_user(return_order=["view"])
    _token, key = api_token_create(user=user, name="client")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    order = ReturnOrderFactory()

    output = client.post(PRINT, {"template": default_template.pk, "items": [order.pk]}).json()
    response, body = _download(client, output["output"])

    assert response.status_code == 200
    assert body.startswith(b"%PDF")


def test_several_orders_print_into_one_merged_pdf(viewer, default_template):
    first, second = ReturnOrderFactory.create_batch(2)

    response = viewer.post(PRINT, {"template": default_template.pk, "items": [second.pk, first.pk]})

    assert response.status_code == 201
    _response, body = _download(viewer, response.json()["output"])
    text = pdf_text(body)
    assert first.reference in text and second.reference in text
    assert text.index(second.reference) < text.index(first.reference)


def test_printing_needs_the_order_view_permission(client_for, default_template):
    order = ReturnOrderFactory()
    client = client_for(admin=["view", "add", "change", "delete"], stock=["view"])

    response = client.post(PRINT, {"template": default_template.pk, "items": [order.pk]})

    assert response.status_code == 403
    assert not ReportOutput.objects.exists()


def test_printing_needs_login(default_template):
    order = ReturnOrderFactory()
    response = APIClient().post(PRINT, {"template": default_template.pk, "items": [order.pk]})
    assert response.status_code == 401


def test_a_broken_template_is_a_clear_400_not_a_500(viewer):
    template = ReportTemplateFactory(name="Broken slip", source="{% if %}")
    order = ReturnOrderFactory()

    response = viewer.post(PRINT, {"template": template.pk, "items": [order.pk]})

    assert response.status_code == 400
    message = response.json()["template"][0]
    assert 'Report template "Broken slip"' in message
    assert "TemplateSyntaxError" in message
    assert not ReportOutput.objects.exists()


def test_bad_print_requests_are_400s(viewer, default_template):
    order = ReturnOrderFactory()
    assert viewer.post(PRINT, {"template": default_template.pk, "items": []}).status_code == 400
    missing = viewer.post(PRINT, {"template": default_template.pk, "items": [order.pk, 987654]})
    assert missing.status_code == 400
    assert "987654" in missing.json()["items"][0]
    assert viewer.post(PRINT, {"template": 987654, "items": [order.pk]}).status_code == 400
    default_template.enabled = False
    default_template.save()
    disabled = viewer.post(PRINT, {"template": default_template.pk, "items": [order.pk]})
    assert disabled.status_code == 400
    assert "disabled" in disabled.json()["template"][0]


def test_outputs_are_served_only_to_the_user_who_printed_them(client_for, viewer):
    output = ReportOutputFactory(user=viewer.user)
    url = output.get_absolute_url()

    assert _download(viewer, url)[0].status_code == 200
    assert _download(client_for(return_order=["view"]), url)[0].status_code == 404
    assert APIClient().get(url).status_code == 401


def test_an_output_is_not_served_once_the_user_may_no_longer_view_orders(make_user):
    user = make_user()  # printed earlier, since lost the role
    output = ReportOutputFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)

    assert client.get(output.get_absolute_url()).status_code == 404


def test_print_response_matches_what_the_inventree_client_reads(viewer, default_template):
    order = ReturnOrderFactory()
    data = viewer.post(PRINT, {"template": str(default_template.pk), "items": [order.pk]}).json()
    assert {"pk", "output", "complete", "progress", "total", "errors", "output_type"} <= set(data)
    # The client names the downloaded file after the URL's last part.
    assert data["output"].rsplit("/", 1)[-1] == f"ReturnOrder-{order.reference}.pdf"
