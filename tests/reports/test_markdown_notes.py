"""The default report prints the order's notes as sanitised Markdown, and the address one field
a line; an upgrade installs the new default only over an unedited earlier one."""

import importlib
import io

import pytest
from django.apps import apps
from pypdf import PdfReader

from reports import services
from reports.models import ReportTemplate
from tests.factories import UserFactory
from tests.reports.conftest import pdf_text

upgrade = importlib.import_module("reports.migrations.0004_default_template_markdown_notes")

pytestmark = pytest.mark.django_db

NOTES = (
    "**Urgent**: call *before* shipping\n\n"
    "- check the seal\n- photograph the label\n\n"
    "<script>document.write('INJECTED')</script>"
    "[bad](javascript:alert(1)) [manual](https://example.com/manual)"
)


def _pdf(template, order) -> bytes:
    user = UserFactory(is_superuser=True, password=None)
    instances = services.report_instances(template=template, items=[order.pk], user=user)
    return services.report_render(template=template, instances=instances, user=user).pdf


def _link_targets(data: bytes) -> list[str]:
    targets = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def test_notes_are_printed_as_markdown_without_markup_or_scripts(
    default_template, order_with_lines
):
    order_with_lines.notes = NOTES
    order_with_lines.save()
    data = _pdf(default_template, order_with_lines)
    text = pdf_text(data)
    assert "Urgent: call before shipping" in text
    assert "**" not in text and "- check" not in text
    assert "check the seal" in text and "•" in text  # a list, with bullets
    assert "INJECTED" not in text and "<script" not in text and "document.write" not in text
    assert "manual" in text
    assert _link_targets(data) == ["https://example.com/manual"]


def test_address_prints_one_field_a_line(default_template, order_with_lines):
    lines = [
        line.strip() for line in pdf_text(_pdf(default_template, order_with_lines)).split("\n")
    ]
    assert "Seestrasse 12" in lines
    assert "8002 Zürich" in lines
    assert "Schweiz" in lines


def test_upgrade_replaces_the_previous_default_and_keeps_an_edited_one():
    ReportTemplate.objects.filter(model_type="returnorder").delete()
    previous = next(
        iter(
            upgrade.EARLIER_RELEASES
            - {"e5a4eb7d2d54e6df61241a7d515e02c97744dea66102bf692baabc8dff833e6f"}
        )
    )
    template = ReportTemplate.objects.create(
        model_type="returnorder", name=upgrade.NAME, source="<p>{{ reference }}</p>"
    )
    upgrade.update(apps, None)  # not a release: left alone
    template.refresh_from_db()
    assert template.source == "<p>{{ reference }}</p>"

    # The source the previous release shipped hashes to the recorded digest.
    assert len(previous) == 64
    template.source = "placeholder"
    template.save()
    original_digest = upgrade._digest
    try:
        upgrade._digest = lambda text: previous if text == "placeholder" else original_digest(text)
        upgrade.update(apps, None)
    finally:
        upgrade._digest = original_digest
    template.refresh_from_db()
    assert template.source == upgrade.SOURCE.read_text(encoding="utf-8")
    assert "|markdown" in template.source


def test_the_current_default_is_not_recorded_as_an_earlier_release():
    current = upgrade._digest(upgrade.SOURCE.read_text(encoding="utf-8"))
    assert current not in upgrade.EARLIER_RELEASES
