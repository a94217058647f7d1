"""Printing a return order with the PyPI ``inventree`` client, over real HTTP.

``ReturnOrder.getReportTemplates()`` lists ``report/template/?model_type=returnorder``;
``printReport(template, destination)`` posts to ``report/print/`` and downloads ``output`` with
its token, naming the file after the URL's last part.
"""

import pytest
from django.contrib.auth.models import Group, User
from inventree.api import InvenTreeAPI
from inventree.order import ReturnOrder

from tests.reports.conftest import pdf_text
from tests.reports.factories import ReportTemplateFactory
from tests.returns.factories import ReturnOrderFactory, ReturnOrderLineItemFactory
from users import services as user_services

pytestmark = pytest.mark.live

USERNAME = "report-client"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def api(live_server, transactional_db):
    user = User.objects.create_user(USERNAME, "client@example.com", PASSWORD)
    group = Group.objects.create(name="printers")
    user_services.group_set_role(group=group, role="return_order", view=True)
    user.groups.add(group)
    return InvenTreeAPI(
        live_server.url, username=USERNAME, password=PASSWORD, token_name="reports", timeout=60
    )


def test_the_client_lists_templates_and_prints_an_order_to_a_file(api, tmp_path):
    # The migrated default may be gone (transactional tests flush the database): make one.
    template = ReportTemplateFactory(
        name="Client slip",
        filename_pattern="ReturnOrder-{{ reference }}.pdf",
        source="<h1>Return Order {{ reference }}</h1>"
        "{% for line in lines.all %}<p>{{ line.item.serial }}</p>{% endfor %}",
    )
    order = ReturnOrderFactory(reference="RMA-0042", reference_int=42)
    ReturnOrderLineItemFactory(order=order, item__serial="SN-LIVE-1")
    client_order = ReturnOrder(api, pk=order.pk)

    templates = {t.pk: t for t in client_order.getReportTemplates()}
    assert templates[template.pk].name == "Client slip"
    assert client_order.printReport(templates[template.pk], destination=str(tmp_path)) is not False

    pdf = (tmp_path / "ReturnOrder-RMA-0042.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "Return Order RMA-0042" in pdf_text(pdf)
    assert "SN-LIVE-1" in pdf_text(pdf)
