"""Bring the default return order report up to date: each line shows its return reason and
the condition it arrived in.

As in 0003 and 0004, only a template still exactly as an earlier release installed it is
replaced; one that an administrator has edited is left alone (compare it with
reports/defaults/return_order.html).
"""

import hashlib
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "defaults" / "return_order.html"
NAME = "Boomerang Return Order"
# SHA-256 of every earlier release of the default template's source.
EARLIER_RELEASES = {
    "e5a4eb7d2d54e6df61241a7d515e02c97744dea66102bf692baabc8dff833e6f",
    "8bd2fb59edd5e9bbad5a309dcf2c4ef8394ccec04bcaf6286971265c993d9e04",
    "d1836eb993ff6294fa9cea320235d1eb88ccd673711cf5ed5b0658c19d3cfd1a",
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def update(apps, schema_editor):
    ReportTemplate = apps.get_model("reports", "ReportTemplate")
    current = SOURCE.read_text(encoding="utf-8")
    for template in ReportTemplate.objects.filter(model_type="returnorder", name=NAME):
        if _digest(template.source) in EARLIER_RELEASES:
            template.source = current
            template.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_default_template_markdown_notes")]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
