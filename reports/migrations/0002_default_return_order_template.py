"""Install Boomerang's default return order report from reports/defaults/return_order.html."""

from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "defaults" / "return_order.html"
NAME = "Boomerang Return Order"


def install(apps, schema_editor):
    ReportTemplate = apps.get_model("reports", "ReportTemplate")
    ReportTemplate.objects.get_or_create(
        model_type="returnorder",
        name=NAME,
        defaults={
            "description": "Return order (RMA) document: customer, items, extra lines and totals",
            "source": SOURCE.read_text(encoding="utf-8"),
            "filename_pattern": "ReturnOrder-{{ reference }}.pdf",
            "page_size": "A4",
            "landscape": False,
            "enabled": True,
        },
    )


def remove(apps, schema_editor):
    ReportTemplate = apps.get_model("reports", "ReportTemplate")
    ReportTemplate.objects.filter(model_type="returnorder", name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
