"""The ``part`` role now covers part categories: give every group that holds the role the
matching permissions on ``stock.partcategory``.

A model's permissions are normally created after all migrations have run, so they are created
here first. The role rule (each flag grants its own action, any flag grants view) is written
out, as in 0003, so that this migration keeps meaning what it meant when it was written.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACTIONS = ("view", "add", "change", "delete")


def grant_part_categories(apps, schema_editor):
    stock = apps.get_app_config("stock")
    # create_permissions skips an app config without a models module, as migration states
    # have; the original value is put back.
    original = getattr(stock, "models_module", None)
    stock.models_module = original or True
    try:
        create_permissions(stock, apps=apps, verbosity=0)
    finally:
        stock.models_module = original

    Permission = apps.get_model("auth", "Permission")
    RuleSet = apps.get_model("users", "RuleSet")
    by_action = {
        codename.split("_", 1)[0]: pk
        for pk, codename in Permission.objects.filter(
            content_type__app_label="stock", content_type__model="partcategory"
        ).values_list("pk", "codename")
    }
    for rule_set in RuleSet.objects.filter(name="part").select_related("group"):
        granted = {a for a in ACTIONS if getattr(rule_set, f"can_{a}")}
        if granted:
            granted.add("view")
        rule_set.group.permissions.add(*(by_action[a] for a in granted if a in by_action))


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0003_reapply_role_permissions"),
        ("stock", "0004_part_categories_and_inventree_fields"),
    ]

    operations = [migrations.RunPython(grant_part_categories, migrations.RunPython.noop)]
