"""Printing from the order page: the "Print report" action and the template chooser."""

import pytest
from django.test import Client

from tests.reports.conftest import pdf_text
from tests.reports.factories import ReportTemplateFactory
from tests.returns.factories import ReturnOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(make_user, returns_enabled):
    def _client(**roles):
        client = Client()
        client.force_login(make_user(**roles))
        return client

    return _client


def test_order_page_offers_print_report(page_client, default_template):
    order = ReturnOrderFactory()

    content = page_client(return_order=["view"]).get(f"/returns/{order.pk}/").content.decode()

    assert f'href="/returns/{order.pk}/print/"' in content
    assert "Print report" in content


def test_with_one_template_print_opens_the_pdf(page_client, default_template):
    order = ReturnOrderFactory(reference="RMA-0777", reference_int=777)

    response = page_client(return_order=["view"]).get(f"/returns/{order.pk}/print/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="ReturnOrder-RMA-0777.pdf"'
    assert "Return Order RMA-0777" in pdf_text(response.content)


def test_with_several_templates_the_user_chooses_one(page_client, default_template):
    slip = ReportTemplateFactory(name="Packing slip", source="<h1>Slip {{ reference }}</h1>")
    ReportTemplateFactory(name="Disabled", enabled=False)
    order = ReturnOrderFactory()
    client = page_client(return_order=["view"])

    chooser = client.get(f"/returns/{order.pk}/print/")

    content = chooser.content.decode()
    assert chooser.status_code == 200
    assert f'href="?template={slip.pk}"' in content
    assert f'href="?template={default_template.pk}"' in content
    assert "Disabled" not in content
    response = client.get(f"/returns/{order.pk}/print/?template={slip.pk}")
    assert f"Slip {order.reference}" in pdf_text(response.content)


def test_a_broken_template_returns_to_the_order_with_the_error(page_client):
    broken = ReportTemplateFactory(name="Broken slip", source="{% if %}")
    order = ReturnOrderFactory()

    response = page_client(return_order=["view"]).get(
        f"/returns/{order.pk}/print/?template={broken.pk}", follow=True
    )

    assert response.redirect_chain == [(f"/returns/{order.pk}/", 302)]
    content = response.content.decode()
    assert "Report template &quot;Broken slip&quot;" in content
    assert "TemplateSyntaxError" in content


def test_printing_from_the_page_needs_the_view_permission(page_client, default_template):
    order = ReturnOrderFactory()
    assert page_client(stock=["view"]).get(f"/returns/{order.pk}/print/").status_code == 403


def test_an_unknown_or_disabled_template_is_404(page_client, default_template):
    disabled = ReportTemplateFactory(enabled=False)
    order = ReturnOrderFactory()
    client = page_client(return_order=["view"])
    assert client.get(f"/returns/{order.pk}/print/?template={disabled.pk}").status_code == 404
    assert client.get(f"/returns/{order.pk}/print/?template=999999").status_code == 404
