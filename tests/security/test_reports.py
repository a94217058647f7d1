"""Report templates render in a sandbox: they print what a report needs and nothing else.

A template is written by an administrator (the ``admin`` role, not necessarily staff), so it
must not reach password hashes, token hashes, other users or files: the context holds
read-only records, not model instances; ``{% include %}`` / ``{% extends %}`` load only other
report templates and the bundled report bases; ``{% debug %}`` and foreign tag libraries are
refused. A bad template is a 400 naming it, when saved and when printed, never a 500.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from reports import pdf
from reports.models import ReportOutput, ReportTemplate
from returns.models import ProjectCode
from tests.reports.conftest import pdf_text
from tests.reports.factories import ReportTemplateFactory
from tests.returns.factories import (
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)
from users import services as user_services
from users.models import Owner

pytestmark = pytest.mark.django_db

PRINT = "/api/report/print/"
TEMPLATES = "/api/report/template/"

# Every way to a secret we could think of, from every variable of the context.
PROBES = [
    "order.created_by.password",
    "order.created_by.email",
    "order.created_by.api_tokens.all",
    "order.created_by.api_tokens.all.0.key_hash",
    "order.created_by.calendar_token.key_hash",
    "order.created_by.calendar_token.selector",
    "order.created_by.groups.all",
    "order.created_by.user_permissions.all",
    "order.created_by.is_superuser",
    "order.created_by.items",
    "order.responsible.owner.password",
    "order.responsible.owner.api_tokens.all.0.key_hash",
    "order.responsible.owner_type",
    "order.project_code.responsible.owner.password",
    "order.customer.return_orders.all.0.created_by.password",
    "order.customer.contacts.all",
    "order.history.all.0.user.password",
    "order.items",
    "order.values",
    "user.password",
    "user.email",
    "user.api_tokens.all.0.key_hash",
    "user.calendar_token.key_hash",
    "user.report_outputs.all",
    "user.items",
    "responsible.owner.password",
    "responsible.owner.calendar_token.key_hash",
    "customer.return_orders.all.0.created_by.password",
    "customer.items",
    "contact.company.return_orders.all.0.created_by.password",
    "address.company.return_orders.all.0.created_by.password",
    "project_code.responsible.owner.password",
    "lines.0.order.created_by.password",
    "lines.all.0.order.created_by.password",
    "lines.0.item.customer.return_orders.all.0.created_by.password",
    "lines.0.item.part.stock_items.all.0.customer",
    "lines.0.items",
    "extra_lines.0.order.created_by.password",
    "template.outputs.all.0.user.password",
    "template.items",
    "order",
    "user",
    "customer",
    "lines",
]


def _probe_source(probes=PROBES) -> str:
    body = "".join(f"<p>{probe}=[{{{{ {probe} }}}}]</p>" for probe in probes)
    loops = (
        "{% for t in order.created_by.api_tokens.all %}<p>{{ t.key_hash }}</p>{% endfor %}"
        "{% for l in lines.all %}<p>{{ l.item.part.name }} {{ l.order.created_by.password }}"
        "</p>{% endfor %}"
    )
    return f"<html><body>{body}{loops}</body></html>"


@pytest.fixture
def captured_html(monkeypatch):
    """The HTML of every document printed (the text a PDF would show, unbroken)."""
    documents = []
    real = pdf.html_to_pdf

    def spy(htmls):
        htmls = list(htmls)
        documents.extend(htmls)
        return real(htmls)

    monkeypatch.setattr(pdf, "html_to_pdf", spy)
    return documents


@pytest.fixture
def secrets(make_user):
    """An order created by a staff user with API tokens and a calendar key, assigned to a
    user, with a project code whose responsible is that user; and the secrets they hold."""
    creator = make_user("creator", staff=True)
    creator.email = "creator-secret@example.com"
    creator.save()
    assignee = make_user("assignee")
    assignee.email = "assignee-secret@example.com"
    assignee.save()
    tokens = [user_services.api_token_create(user=u, name="t") for u in (creator, assignee)]
    calendars = [user_services.calendar_token_regenerate(user=u) for u in (creator, assignee)]
    owner = Owner.objects.get(owner_id=assignee.pk, owner_type__model="user")
    order = ReturnOrderFactory(
        created_by=creator,
        responsible=owner,
        project_code=ProjectCode.objects.create(code="PRJ-1", responsible=owner),
        reference="RMA-0042",
        reference_int=42,
    )
    ReturnOrderLineItemFactory(order=order)
    ReturnOrderExtraLineFactory(order=order)
    values = [creator.password, assignee.password, creator.email, assignee.email]
    for token, key in tokens + calendars:
        values += [token.key_hash, key]
    values += [calendar.selector for calendar, _key in calendars]
    return order, [v for v in values if v]


def _printer(make_user, *, password="printer-pass"):
    user = make_user("printer", return_order=["view"])
    user.set_password(password)
    user.email = "printer-secret@example.com"
    user.save()
    user_services.api_token_create(user=user, name="printer")
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def _assert_no_secret(documents, secrets):
    assert documents
    for html in documents:
        leaked = [secret for secret in secrets if secret in html]
        assert not leaked, leaked
        assert "pbkdf2" not in html and "md5$" not in html and "argon2" not in html


def test_a_template_cannot_print_passwords_token_hashes_or_emails(
    make_user, secrets, captured_html
):
    order, values = secrets
    client, printer = _printer(make_user)
    values = [*values, printer.password, printer.email]
    values += list(printer.api_tokens.values_list("key_hash", flat=True))
    template = ReportTemplateFactory(name="Probe", source=_probe_source())

    response = client.post(PRINT, {"template": template.pk, "items": [order.pk]}, format="json")

    assert response.status_code == 201, response.content[:500]
    _assert_no_secret(captured_html, values)
    html = captured_html[0]
    # What a report needs is still there.
    assert "order=[RMA-0042 - " in html
    assert "user=[printer]" in html
    assert "order.responsible.owner.password=[]" in html
    assert "order.created_by.password=[]" in html


def test_a_merge_template_cannot_reach_them_through_instances(make_user, secrets, captured_html):
    order, values = secrets
    client, _printer_user = _printer(make_user)
    source = (
        "<html><body>{% for o in instances %}"
        + "".join(f"<p>{{{{ o.{probe} }}}}</p>" for probe in PROBES)
        + "<p>{{ o }}</p>{% endfor %}<p>{{ instances }}</p></body></html>"
    )
    template = ReportTemplateFactory(name="Merge probe", merge=True, source=source)

    response = client.post(PRINT, {"template": template.pk, "items": [order.pk]}, format="json")

    assert response.status_code == 201, response.content[:500]
    _assert_no_secret(captured_html, values)


def test_an_included_report_template_sees_the_same_safe_context(make_user, secrets, captured_html):
    order, values = secrets
    client, _printer_user = _printer(make_user)
    ReportTemplateFactory(name="Probe part", source=_probe_source())
    template = ReportTemplateFactory(
        name="Includes probe", source='<html><body>{% include "Probe part" %}</body></html>'
    )

    response = client.post(PRINT, {"template": template.pk, "items": [order.pk]}, format="json")

    assert response.status_code == 201, response.content[:500]
    _assert_no_secret(captured_html, values)
    assert "order.created_by.password=[]" in captured_html[0]


def test_the_context_still_has_what_reports_print(make_user, secrets, captured_html):
    order, _values = secrets
    client, _printer_user = _printer(make_user)
    source = (
        "<html><body><p>[{{ order.created_by.username }}]</p><p>[{{ user.username }}]</p>"
        "<p>[{{ order.responsible.name }}]</p><p>[{{ order.project_code.code }}]</p>"
        "<p>[{{ project_code }}]</p><p>[{{ lines.count }}] [{{ lines|length }}]</p>"
        "<p>[{{ order.get_status_display }}]</p><p>[{{ customer.name }}]</p>"
        "<p>[{{ template.name }}]</p>"
        "{% for l in order.lines.all %}<p>[{{ l.get_outcome_display }}]</p>{% endfor %}"
        "</body></html>"
    )
    template = ReportTemplateFactory(name="Needs", source=source)

    response = client.post(PRINT, {"template": template.pk, "items": [order.pk]}, format="json")

    assert response.status_code == 201
    html = captured_html[0]
    for expected in (
        "[creator]",
        "[printer]",
        "[assignee]",
        "[PRJ-1]",
        "[1] [1]",
        "[Pending]",
        f"[{order.customer.name}]",
        "[Needs]",
    ):
        assert expected in html, expected


# -- bad templates: a 400 naming the template, on save and on print -------------------------

OUTSIDE = [
    '{% include "../x" %}',
    '{% include "/etc/passwd" %}',
    '{% include "reports/../../config/settings.py" %}',
    '{% include "returns/detail.html" %}',
    '{% include "base.html" %}',
    '{% extends "admin/base.html" %}',
    '{% extends "../templates/base.html" %}',
    '{% extends "/etc/passwd" %}',
]
REFUSED = [
    *OUTSIDE,
    "{% debug %}",
    "{% load log %}{% get_admin_log 10 as log %}{{ log }}",
    "{% load admin_urls %}",
    "{% load humanize %}",
    "{% load does_not_exist %}",
    "{% for x in y %}",
    "{{ order.__class__ }}",
]


@pytest.fixture
def manager(make_user):
    """A template manager through the admin role (not staff)."""
    client = APIClient()
    client.force_authenticate(make_user(admin=["view", "add", "change", "delete"]))
    return client


@pytest.mark.parametrize("source", REFUSED)
def test_the_api_refuses_such_a_template_when_saved_naming_it(manager, source):
    response = manager.post(
        TEMPLATES,
        {"name": "Sneaky", "model_type": "returnorder", "source": f"<p>x</p>{source}"},
        format="json",
    )

    assert response.status_code == 400, response.content[:300]
    (message,) = response.json()["source"]
    assert message.startswith('Report template "Sneaky": ')
    assert not ReportTemplate.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("source", [*OUTSIDE[:3], "{% debug %}"])
def test_the_api_refuses_it_on_change_and_as_an_upload(manager, source):
    from django.core.files.uploadedfile import SimpleUploadedFile

    template = ReportTemplateFactory(name="Slip")
    response = manager.patch(f"{TEMPLATES}{template.pk}/", {"source": source}, format="json")
    assert response.status_code == 400
    assert response.json()["source"][0].startswith('Report template "Slip": ')

    upload = SimpleUploadedFile("x.html", source.encode(), "text/html")
    response = manager.patch(f"{TEMPLATES}{template.pk}/", {"template": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["template"][0].startswith('Report template "Slip": ')
    assert ReportTemplate.objects.get(pk=template.pk).source == template.source


@pytest.mark.parametrize("source", ['{% include "/etc/passwd" %}', "{% debug %}"])
def test_the_admin_form_refuses_it(make_user, source):
    client = Client()
    client.force_login(make_user(superuser=True))

    response = client.post(
        "/admin/reports/reporttemplate/add/",
        {
            "name": "Admin sneaky",
            "description": "",
            "model_type": "returnorder",
            "enabled": "on",
            "page_size": "A4",
            "filename_pattern": "",
            "source": source,
        },
    )

    assert response.status_code == 200
    assert "Report template &quot;Admin sneaky&quot;" in response.content.decode()
    assert not ReportTemplate.objects.filter(name="Admin sneaky").exists()


def test_a_filename_pattern_is_sandboxed_too(manager):
    response = manager.post(
        TEMPLATES,
        {
            "name": "Named",
            "model_type": "returnorder",
            "source": "<p>{{ reference }}</p>",
            "filename_pattern": '{% include "/etc/passwd" %}.pdf',
        },
        format="json",
    )
    assert response.status_code == 400
    assert "filename_pattern" in response.json()


@pytest.mark.parametrize(
    "source",
    [
        *REFUSED,
        '{% with name="../x" %}{% include name %}{% endwith %}',
        '{% include "Itself" %}',
        '{{ reference|ljust:"100000000000" }}',
        '{{ reference|stringformat:"1000000000000s" }}',
        '{{ 1|floatformat:"1000000000" }}',
        "{% lorem 1000000000 w %}",
    ],
)
def test_printing_such_a_template_is_a_400_naming_it(make_user, source):
    # Saved straight through the ORM, as if written before the sandbox existed.
    template = ReportTemplateFactory(name="Itself", source=f"<html><body>{source}</body></html>")
    client, _user = _printer(make_user)

    response = client.post(
        PRINT, {"template": template.pk, "items": [ReturnOrderFactory().pk]}, format="json"
    )

    assert response.status_code == 400, response.content[:300]
    (message,) = response.json()["template"]
    assert message.startswith('Report template "Itself"')
    assert "root:" not in message and "SECRET_KEY" not in message
    assert not ReportOutput.objects.exists()


def test_the_order_page_shows_the_error_instead_of_a_500(make_user):
    from common import site_settings

    site_settings.set_value("RETURNORDER_ENABLED", True)
    template = ReportTemplateFactory(name="Page sneaky", source='{% include "/etc/passwd" %}')
    order = ReturnOrderFactory()
    client = Client()
    client.force_login(make_user(return_order=["view"]))

    response = client.get(f"/returns/{order.pk}/print/?template={template.pk}", follow=True)

    assert response.status_code == 200
    assert "Report template &quot;Page sneaky&quot;" in response.content.decode()
    assert "TemplateDoesNotExist" in response.content.decode()


def test_reports_may_include_report_templates_and_extend_the_bundled_base(manager, make_user):
    header = manager.post(
        TEMPLATES,
        {
            "name": "Header part",
            "model_type": "returnorder",
            "source": "<h2>Head {{ reference }}</h2>",
        },
        format="json",
    )
    assert header.status_code == 201, header.content
    response = manager.post(
        TEMPLATES,
        {
            "name": "Composed",
            "model_type": "returnorder",
            "source": '{% extends "reports/report_base.html" %}{% load i18n report %}'
            '{% block content %}{% include "Header part" %}<img src="{% qrcode reference %}">'
            "{% endblock %}",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    order = ReturnOrderFactory()
    client, _user = _printer(make_user)

    printed = client.post(
        PRINT, {"template": response.json()["pk"], "items": [order.pk]}, format="json"
    )

    assert printed.status_code == 201, printed.content
    output = ReportOutput.objects.get(pk=printed.json()["pk"])
    assert f"HEAD {order.reference}" in pdf_text(output.output.read()).upper()
