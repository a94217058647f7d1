"""Rendering report templates to PDF: the default report, merging, errors, helpers."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.template import engines
from djmoney.money import Money

from reports import registry, services
from reports.models import ReportTemplate
from reports.pdf import LocalOnlyFetcher
from tests.factories import UserFactory
from tests.reports.conftest import pdf_pages, pdf_text
from tests.reports.factories import ReportTemplateFactory
from tests.returns.factories import (
    ReturnOrderExtraLineFactory,
    ReturnOrderFactory,
    ReturnOrderLineItemFactory,
)

pytestmark = pytest.mark.django_db


def _instances(template, *orders, user=None):
    user = user or UserFactory(is_superuser=True, password=None)
    return services.report_instances(template=template, items=[o.pk for o in orders], user=user)


def _render(template, *orders):
    user = UserFactory(is_superuser=True, password=None)
    instances = _instances(template, *orders, user=user)
    return services.report_render(template=template, instances=instances, user=user)


# -- the default report -----------------------------------------------------------------------


def test_migration_installs_the_default_return_order_report(default_template):
    assert default_template.enabled
    assert default_template.page_size == "A4"
    assert default_template.filename_pattern == "ReturnOrder-{{ reference }}.pdf"
    assert 'extends "reports/report_base.html"' in default_template.source


def test_default_report_shows_customer_lines_extra_lines_total_and_notes(
    default_template, order_with_lines, settings
):
    settings.BOOMERANG_INSTANCE_NAME = "Acme Service Centre"
    rendered = _render(default_template, order_with_lines)

    assert rendered.pdf.startswith(b"%PDF")
    assert rendered.filename == "ReturnOrder-RMA-0001.pdf"
    text = pdf_text(rendered.pdf)
    assert "Acme Service Centre" in text
    assert "Return Order RMA-0001" in text
    # Non-ASCII text survives (DejaVu has the glyphs; the PDF maps them back to Unicode).
    assert "Höfler Feinmechanik AG" in text
    assert "Zürich" in text
    assert "Jürgen Höfler" in text
    assert "PO-7781" in text
    assert "SN-A001" in text and "SN-A002" in text
    assert "SD-100" in text
    assert "Rückversand" in text
    assert "CHF215.50" in text  # the stored order total
    assert "CHF195.50" in text  # the lines' subtotal
    assert "Bitte Rückruf vor Versand." in text


def test_default_report_renders_an_order_without_contact_address_or_lines(default_template):
    order = ReturnOrderFactory(reference="RMA-0002", reference_int=2, contact=None, address=None)

    text = pdf_text(_render(default_template, order).pdf)

    assert "Return Order RMA-0002" in text
    assert order.customer.name in text
    assert "No items on this order." in text


def test_default_report_of_fifty_lines_flows_onto_more_pages(default_template):
    order = ReturnOrderFactory()
    ReturnOrderLineItemFactory.create_batch(50, order=order)

    rendered = _render(default_template, order)

    assert rendered.pages >= 2
    assert pdf_pages(rendered.pdf) == rendered.pages
    assert "Page 1 of" in pdf_text(rendered.pdf)


def test_several_orders_make_one_pdf_with_each_order_on_its_own_pages(default_template):
    first, second = ReturnOrderFactory.create_batch(2)

    rendered = _render(default_template, first, second)

    text = pdf_text(rendered.pdf)
    assert f"Return Order {first.reference}" in text
    assert f"Return Order {second.reference}" in text
    assert rendered.pages == pdf_pages(rendered.pdf) == 2
    assert rendered.filename == f"ReturnOrder-{first.reference}.pdf"


def test_large_prints_are_laid_out_in_batches_and_joined_in_order(monkeypatch):
    from reports import pdf

    monkeypatch.setattr(pdf, "BATCH_SIZE", 2)
    template = ReportTemplateFactory(source="<h1>Order {{ reference }}</h1>")
    orders = ReturnOrderFactory.create_batch(5)

    rendered = _render(template, *reversed(orders))

    text = pdf_text(rendered.pdf)
    assert rendered.pages == pdf_pages(rendered.pdf) == 5
    positions = [text.index(f"Order {order.reference}") for order in reversed(orders)]
    assert positions == sorted(positions)


def test_a_merge_template_renders_once_over_all_instances():
    template = ReportTemplateFactory(
        merge=True,
        source=(
            "<html><body><h1>{{ instances|length }} orders</h1>"
            "{% for o in instances %}<p>{{ o.reference }}</p>{% endfor %}</body></html>"
        ),
    )
    orders = ReturnOrderFactory.create_batch(3)

    rendered = _render(template, *orders)

    text = pdf_text(rendered.pdf)
    assert rendered.pages == 1
    assert "3 orders" in text
    assert all(order.reference in text for order in orders)


def test_context_carries_inventree_keys_and_boomerang_additions(order_with_lines, settings):
    settings.BOOMERANG_BASE_URL = "https://rma.example.com"
    keys = [
        *("order", "reference", "description", "title", "customer", "lines", "extra_lines"),
        *("date", "datetime", "user", "instance_name", "base_url", "template_name"),
        *("template_description", "template_revision", "page_size", "landscape", "merge"),
        *("contact", "address", "responsible", "lines_total", "extra_lines_total", "total"),
    ]
    source = "<html><body>" + "".join(f"<p>{k}=[{{{{ {k} }}}}]</p>" for k in keys)
    source += "{% for l in lines.all %}<p>line {{ l.item.serial }}</p>{% endfor %}</body></html>"
    template = ReportTemplateFactory(name="Context", source=source, landscape=True)

    text = pdf_text(_render(template, order_with_lines).pdf)

    assert "reference=[RMA-0001]" in text
    assert f"title=[RMA-0001 - {order_with_lines.customer.name}]" in text
    assert "base_url=[https://rma.example.com]" in text
    assert "template_name=[Context]" in text
    assert "template_revision=[1]" in text
    assert "page_size=[A4 landscape]" in text
    assert "landscape=[True]" in text
    assert "merge=[False]" in text
    assert "line SN-A001" in text


def test_rendering_runs_a_fixed_number_of_queries(default_template, django_assert_num_queries):
    orders = [ReturnOrderFactory() for _ in range(3)]
    for order in orders:
        ReturnOrderLineItemFactory.create_batch(2, order=order)
        ReturnOrderExtraLineFactory(order=order)
    user = UserFactory(is_superuser=True, password=None)

    # One query each for the orders, their lines, the lines' resolutions and their extra lines;
    # rendering adds none (tests/reports/test_resolutions.py pins it with resolved lines).
    with django_assert_num_queries(4):
        instances = services.report_instances(
            template=default_template, items=[o.pk for o in orders], user=user
        )
        services.report_render(template=default_template, instances=instances, user=user)


# -- errors ---------------------------------------------------------------------------------


def _error_message(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["template"])


def test_a_syntax_error_names_the_template_and_the_error(order_with_lines):
    # Saved straight through the ORM: the API and the admin refuse such a source.
    template = ReportTemplateFactory(name="Broken", source="{% for x in y %}<p>{{ x }}</p>")

    with pytest.raises(ValidationError) as excinfo:
        _render(template, order_with_lines)

    message = _error_message(excinfo)
    assert 'Report template "Broken"' in message
    assert "TemplateSyntaxError" in message
    assert "endfor" in message


def test_an_error_while_rendering_names_the_template_and_the_error(order_with_lines):
    template = ReportTemplateFactory(
        name="Missing include", source='<html><body>{% include "reports/nope.html" %}</body></html>'
    )

    with pytest.raises(ValidationError) as excinfo:
        _render(template, order_with_lines)

    message = _error_message(excinfo)
    assert 'Report template "Missing include"' in message
    assert "TemplateDoesNotExist" in message
    assert "reports/nope.html" in message


def test_a_template_rendering_nothing_is_an_error_not_a_blank_pdf(order_with_lines):
    template = ReportTemplateFactory(name="Empty", source="{% if False %}x{% endif %}  ")

    with pytest.raises(ValidationError) as excinfo:
        _render(template, order_with_lines)

    assert "empty document" in _error_message(excinfo)


def test_a_broken_filename_pattern_is_reported_too(order_with_lines):
    template = ReportTemplateFactory(name="Bad name", filename_pattern="{% if %}.pdf")

    with pytest.raises(ValidationError) as excinfo:
        _render(template, order_with_lines)

    assert 'Report template "Bad name"' in _error_message(excinfo)


def test_printing_needs_the_view_permission_on_the_model(make_user, order_with_lines):
    template = ReportTemplateFactory()
    with pytest.raises(PermissionDenied):
        services.report_instances(template=template, items=[order_with_lines.pk], user=make_user())


def test_unknown_items_and_disabled_templates_are_refused(order_with_lines):
    user = UserFactory(is_superuser=True, password=None)
    with pytest.raises(ValidationError) as excinfo:
        services.report_instances(
            template=ReportTemplateFactory(), items=[order_with_lines.pk, 999999], user=user
        )
    assert "999999" in str(excinfo.value.message_dict["items"])

    disabled = ReportTemplateFactory(name="Old", enabled=False)
    with pytest.raises(ValidationError) as excinfo:
        services.report_instances(template=disabled, items=[order_with_lines.pk], user=user)
    assert "disabled" in _error_message(excinfo)


def test_external_resources_are_never_fetched(settings):
    settings.BOOMERANG_BASE_URL = "https://rma.example.com"
    fetcher = LocalOnlyFetcher()
    with pytest.raises(ValueError, match=r"not http://example\.com/logo\.png"):
        fetcher.fetch("http://example.com/logo.png")
    with pytest.raises(SuspiciousFileOperation):
        fetcher.fetch("https://rma.example.com/static/%2e%2e/%2e%2e/etc/passwd")
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    css = fetcher.fetch("https://rma.example.com/static/css/boomerang.css")
    assert css.content_type == "text/css"
    assert css.read()


def test_a_template_linking_remote_images_still_renders(order_with_lines):
    template = ReportTemplateFactory(
        source='<html><body><img src="http://192.0.2.1/x.png"><p>{{ reference }}</p></body></html>'
    )

    assert "RMA-0001" in pdf_text(_render(template, order_with_lines).pdf)


# -- templates: validation and revisions ----------------------------------------------------


def test_saving_validates_syntax_and_model_type():
    with pytest.raises(ValidationError) as excinfo:
        services.report_template_create(
            user=None, name="X", model_type="invoice", source="{% if %}"
        )
    assert set(excinfo.value.message_dict) == {"model_type", "source"}


def test_revision_goes_up_when_the_output_would_change():
    template = services.report_template_create(
        user=None, name="Rev", model_type="returnorder", source="<p>{{ reference }}</p>"
    )
    assert template.revision == 1

    template = services.report_template_update(
        template=template, user=None, data={"description": "Only the description"}
    )
    assert template.revision == 1

    template = services.report_template_update(
        template=template, user=None, data={"source": "<h1>{{ reference }}</h1>"}
    )
    assert template.revision == 2
    assert ReportTemplate.objects.get(pk=template.pk).revision == 2


def test_registry_knows_return_orders_without_reports_importing_returns():
    entry = registry.get("returnorder")
    assert entry.view_permission == "returns.view_returnorder"
    assert entry.filename_pattern == "ReturnOrder-{{ reference }}.pdf"
    package = Path(registry.__file__).parent
    importing = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"^\s*(from|import) returns\b", path.read_text(), re.MULTILINE)
    ]
    assert importing == []


# -- template helpers -----------------------------------------------------------------------


def _tag(source: str, **context) -> str:
    return engines["django"].from_string("{% load report %}" + source).render(context)


def test_helpers_format_money_quantities_and_dates():
    import datetime

    assert _tag("{{ m|money }}", m=Money(Decimal("1215.5"), "USD")) == "$1,215.50"
    assert _tag('{{ n|money:"EUR" }}', n=Decimal("20")) == "€20.00"
    assert _tag("{{ n|money }}", n=None) == ""
    assert _tag("{{ q|quantity }}", q=Decimal("10.00000")) == "10"
    assert _tag("{{ q|quantity }}", q=Decimal("2.50000")) == "2.5"
    assert _tag("{% format_number q 2 %}", q=Decimal("3.14159")) == "3.14"
    assert _tag("{% render_date d %}", d=datetime.date(2025, 1, 31)) == "2025-01-31"
    assert _tag("{% render_currency m %}", m=Money(1, "GBP")) == "£1.00"


def test_qr_code_is_an_svg_data_uri_of_the_data():
    uri = _tag("{% qrcode 'RMA-0001' %}")
    assert uri.startswith("data:image/svg+xml")
    inline = _tag("{% qrcode_svg 'RMA-0001' %}")
    assert inline.startswith("<svg") and "RMA-0001" not in inline
    assert engines["django"].from_string("{% load barcode %}{% qrcode 'x' %}").render({})


def test_a_print_is_limited_in_size(monkeypatch):
    monkeypatch.setattr(services, "MAX_PRINT_ITEMS", 2)
    orders = ReturnOrderFactory.create_batch(3)

    with pytest.raises(ValidationError) as excinfo:
        _instances(ReportTemplateFactory(), *orders)

    assert "at most 2" in str(excinfo.value.message_dict["items"])
