"""Upgrades: every model change ships with its migration, and the data migrations do their job."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command

from tests.factories import GroupFactory
from users import services as user_services
from users.models import RuleSet


def test_no_model_change_lacks_a_migration(db):
    """``makemigrations --check`` finds nothing to write; a new field without one fails here."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models have changes without a migration:\n{out.getvalue()}")


def _codenames(group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_reapplying_role_permissions_takes_away_the_change_that_add_used_to_imply(db):
    """A group synced under the old rule (add and delete implied change) loses that change."""
    migration = importlib.import_module("users.migrations.0003_reapply_role_permissions")
    group = GroupFactory()
    user_services.group_set_role(group=group, role="return_order", view=True, add=True)
    user_services.group_set_role(group=group, role="part", delete=True)
    user_services.group_set_role(group=group, role="stock", change=True)
    expected = _codenames(group)
    # What the old rule had granted on top.
    implied = Permission.objects.filter(
        codename__in=["change_returnorder", "change_returnorderlineitem", "change_part"]
    )
    unmanaged = Permission.objects.get(codename="view_attachment")
    group.permissions.add(*implied, unmanaged)

    migration.reapply_role_permissions(apps, None)

    assert _codenames(group) == expected | {"view_attachment"}
    assert "change_returnorder" not in _codenames(group)
    assert "change_stockitem" in _codenames(group)
    assert RuleSet.objects.get(group=group, name="return_order").actions() == ["add", "view"]


def test_groups_holding_the_part_role_gain_part_categories(db):
    """Groups set up before categories existed get the category permissions their part flags
    grant, and nothing more."""
    migration = importlib.import_module("users.migrations.0004_part_role_grants_part_categories")
    editors, readers, others = GroupFactory(), GroupFactory(), GroupFactory()
    user_services.group_set_role(group=editors, role="part", add=True, change=True)
    user_services.group_set_role(group=readers, role="part", view=True)
    user_services.group_set_role(group=others, role="stock", view=True)
    category_perms = Permission.objects.filter(content_type__model="partcategory")
    for group in (editors, readers, others):
        group.permissions.remove(*category_perms)

    migration.grant_part_categories(apps, None)

    assert {c for c in _codenames(editors) if c.endswith("_partcategory")} == {
        "view_partcategory",
        "add_partcategory",
        "change_partcategory",
    }
    assert {c for c in _codenames(readers) if c.endswith("_partcategory")} == {"view_partcategory"}
    assert not {c for c in _codenames(others) if c.endswith("_partcategory")}
