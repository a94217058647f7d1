"""The migration that brings an installed default report up to date leaves edited ones alone."""

import importlib

import pytest
from django.apps import apps

from reports.models import ReportTemplate

upgrade = importlib.import_module("reports.migrations.0003_default_template_resolutions")

pytestmark = pytest.mark.django_db


def test_an_unedited_earlier_default_is_replaced_and_an_edited_one_is_kept(monkeypatch):
    ReportTemplate.objects.filter(model_type="returnorder").delete()
    old = ReportTemplate.objects.create(
        model_type="returnorder", name=upgrade.NAME, source="<p>{{ reference }} old</p>"
    )
    monkeypatch.setattr(upgrade, "EARLIER_RELEASES", {upgrade._digest(old.source)})
    upgrade.update(apps, None)
    old.refresh_from_db()
    assert old.source == upgrade.SOURCE.read_text(encoding="utf-8")
    assert "resolution" in old.source.lower()

    old.source = "<p>{{ reference }} edited by the admin</p>"
    old.save()
    upgrade.update(apps, None)
    old.refresh_from_db()
    assert old.source == "<p>{{ reference }} edited by the admin</p>"


def test_the_recorded_digest_is_not_the_current_default():
    current = upgrade._digest(upgrade.SOURCE.read_text(encoding="utf-8"))
    assert current not in upgrade.EARLIER_RELEASES
